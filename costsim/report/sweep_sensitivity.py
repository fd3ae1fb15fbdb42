"""A sweep record's sensitivity section: which doubted inputs move each crossover, and how far.

Read from the sweep folder's ``crossover_sensitivity.json``, which
:func:`costsim.sweep.crossover_sensitivity.ensure_sweep_sensitivity` computes (called by
``costsim report``): the report layer renders, it does not simulate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from costsim.report.doc import Block, Bullets, Image, Para, Table


def _at(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{value:.3g}" + (f" {unit}" if unit else "")


def _moved(f: dict[str, Any], unit: str, span: float, log: bool) -> str:
    """What a factor did to the crossover, in words."""
    if f.get("at") is None:
        reach = f"x/÷{span:g}" if log else "±50 %"
        return f"no crossover within {reach}: {f['cheaper_throughout']} cheaper throughout"
    shift = f.get("shift")
    moved = "" if shift is None else f" ({100 * shift:+.0f} %)"
    return _at(f["at"], unit) + moved


def sweep_sensitivity_blocks(folder: Path, log: bool) -> list[Block]:
    """The section's lead, one table per crossover and the inputs that move it most."""
    path = folder / "crossover_sensitivity.json"
    if not path.exists():
        return []
    doc = json.loads(path.read_text(encoding="utf-8"))
    unit, span = doc.get("unit", ""), float(doc.get("span", 3.0))
    blocks: list[Block] = [
        Para(
            "Each input a reviewer may doubt was changed on its own, and each crossover was "
            f"searched again by bisection around where the sweep found it (within x/÷{span:g}), "
            "with the same seed with and without the change, so that a shift is the input's "
            "and not noise. The baseline is that search without any change."
        )
    ]
    notes = []
    for c in doc["crossovers"]:
        base = c["baseline"]
        rows = [[f["label"], _moved(f, unit, span, log)] for f in c["factors"]]
        head = f"{c['a']} = {c['b']}: baseline {_at(base.get('at'), unit)}"
        if not rows:
            notes.append(f"{head}; no doubted input touches these two options")
            continue
        blocks.append(Para(f"**{head}** (the sweep's grid put it at {_at(c['at'], unit)})."))
        blocks.append(Table(["input changed", "crossover"], rows, "ll"))
        moved = [f for f in c["factors"] if f.get("at") is None or abs(f.get("shift", 0)) >= 0.1]
        if moved:
            notes.append(
                f"{c['a']} = {c['b']} moves by 10 % or more under "
                + ", ".join(f["label"] for f in moved)
            )
        else:
            notes.append(f"{c['a']} = {c['b']} moves by less than 10 % under every input")
    if notes:
        blocks.append(Bullets(notes))
    if any(c["factors"] for c in doc["crossovers"]):
        if not (folder / "crossover_sensitivity.svg").exists():
            from costsim.report.crossover_chart import crossover_chart

            crossover_chart(doc, folder, log)
        blocks.append(
            Image("crossover_sensitivity", "How far each doubted input moves each crossover")
        )
    return blocks
