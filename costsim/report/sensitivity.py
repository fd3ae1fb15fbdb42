"""The decision record's sensitivity section: computed once per run folder, then read back.

``sensitivity.json`` holds every option's cost under each factor of
:mod:`costsim.sweep.sensitivity`; it is computed from the run's scenario file, seed, horizon and
engine, so the same folder gives the same numbers (and a rerun of ``costsim report`` reuses it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from costsim.errors import InputError
from costsim.output import write_atomic
from costsim.report.doc import Block, Bullets, Image, Para


def ensure_sensitivity(folder: Path, summary: dict[str, Any]) -> list[Path]:
    """Compute ``sensitivity.json`` (and its chart inputs) unless present; returns files written.

    Nothing is written when the run's scenario file is gone or cannot be simulated here (a
    catalog given with ``--catalog`` at run time is not recorded).
    """
    path = folder / "sensitivity.json"
    if path.exists():
        return []
    source = summary.get("scenario_file")
    if not source or not Path(source).is_file():
        return []
    from costsim.scenario import load_scenario
    from costsim.sweep.sensitivity import sensitivity

    try:
        scn = load_scenario(source)
        scn = scn.model_copy(update={"seed": summary["seed"], "horizon": summary["horizon_s"]})
        names = [o["name"] for o in summary["options"]]
        if [o.name for o in scn.options] != names:
            return []  # the file changed since the run
        doc = sensitivity(scn, engine=str(summary.get("engine", "fast")))
    except InputError:
        return []
    write_atomic(path, json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return [path]


def sensitivity_blocks(folder: Path, chosen: str, options: list[dict[str, Any]]) -> list[Block]:
    """The section's paragraphs, bullets and tornado chart (empty without sensitivity.json)."""
    path = folder / "sensitivity.json"
    if not path.exists() or len(options) < 2:
        return []
    from costsim.report.tornado import gaps, tornado_chart

    sens = json.loads(path.read_text())
    base = sens["baseline"]
    runner = min((n for n in base if n != chosen), key=lambda n: base[n])
    rows = gaps(sens, chosen, runner)
    if not rows:
        return []
    if not (folder / "sensitivity.svg").exists():
        tornado_chart(sens, chosen, runner, folder)
    flips = [r for r in rows if r[2] != chosen]
    gap = base[runner] - base[chosen]
    lead = (
        f"Each input a reviewer may doubt was changed on its own and the scenario simulated "
        f"again with the same seed. At the baseline {runner} costs ${gap:,.2f} a month more "
        f"than {chosen}. "
    )
    lead += (
        "These change the decision: " + ", ".join(f"{r[0]} ({r[2]} cheapest)" for r in flips) + "."
        if flips
        else "None of them changes the decision."
    )
    bullets = [
        f"**{label}:** gap ${g:,.2f} a month; cheapest {cheapest}" for label, g, cheapest in rows
    ]
    return [
        Para(lead),
        Bullets(bullets),
        Image("sensitivity", f"Cost gap of {runner} over {chosen} under each factor"),
    ]
