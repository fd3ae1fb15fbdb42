"""The decision record's sensitivity section, read from the run folder's ``sensitivity.json``.

That file holds every option's cost under each factor of :mod:`costsim.sweep.sensitivity`,
which computes it (:func:`costsim.sweep.sensitivity.ensure_sensitivity`, called by ``costsim
report``): the report layer renders, it does not simulate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from costsim.report.doc import Block, Bullets, Image, Para


def sensitivity_blocks(folder: Path, chosen: str, options: list[dict[str, Any]]) -> list[Block]:
    """The section's paragraphs, bullets and tornado chart (empty without sensitivity.json)."""
    path = folder / "sensitivity.json"
    if not path.exists() or len(options) < 2:
        return []
    from costsim.report.tornado import gaps, tornado_chart

    sens = json.loads(path.read_text())
    base = sens["baseline"]
    if not baseline_matches(base, options):
        return []  # priced otherwise than this run (re-priced since): it would contradict it
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


#: Largest difference between a sensitivity baseline and the run's cost still taken as equal
#: [USD a month]: the run's costs are rounded to the micro-dollar in summary.json.
BASELINE_TOLERANCE_USD = 0.005


def baseline_matches(baseline: dict[str, float], options: list[dict[str, Any]]) -> bool:
    """Whether a sensitivity baseline is this run's bill: same options, same monthly costs."""
    costs = {o["name"]: float(o["cost_usd"]["total"]) for o in options}
    if set(costs) != set(baseline):
        return False
    return all(abs(costs[n] - float(baseline[n])) <= BASELINE_TOLERANCE_USD for n in costs)
