"""The sensitivity chart of a sweep's record: how far each doubted input moves each crossover.

One row per (crossover, input): a bar from the baseline crossover to the crossover under the
input, on the swept variable's axis; an input that leaves one option cheaper across the whole
searched bracket is drawn as an arrow to the bracket's edge, labelled with that option.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from costsim.report.style import PALETTE, chart_style, plain_log_axis, save


def crossover_chart(doc: dict[str, Any], out: Path, log: bool) -> list[Path]:
    """Draw ``crossover_sensitivity.png``/``.svg`` from a ``crossover_sensitivity.json`` doc."""
    unit = doc.get("unit", "")
    span = float(doc.get("span", 3.0))
    rows: list[tuple[str, float, float, bool]] = []  # label, baseline, end, found
    for c in doc["crossovers"]:
        base = float(c["baseline"].get("at") or c["at"])
        low, high = (base / span, base * span) if log else (base * 0.5, base * 1.5)
        for f in c["factors"]:
            if f.get("at") is not None:
                rows.append((f"{c['a']} = {c['b']}: {f['label']}", base, float(f["at"]), True))
                continue
            # the option cheaper below the crossover cheaper throughout: it moved above the
            # bracket; the other one: below it
            up = f["cheaper_throughout"] == c["baseline"].get("cheaper_below")
            rows.append((f"{c['a']} = {c['b']}: {f['label']}", base, high if up else low, False))
    with chart_style():
        fig, ax = plt.subplots(figsize=(8, 1.6 + 0.42 * max(len(rows), 1)))
        for i, (_, base, end, found) in enumerate(rows):
            color = PALETTE[0] if found else PALETTE[5]
            ax.plot([base, end], [i, i], color=color, linewidth=6, solid_capstyle="butt")
            ax.plot([base], [i], marker="|", color="black", markersize=14)
            text = f"{end:.3g}" if found else ("above " if end > base else "below ") + f"{end:.3g}"
            side = "left" if end >= base else "right"
            ax.text(end, i, f"  {text}  ", va="center", ha=side, fontsize=8)
        ax.set_yticks(range(len(rows)), [r[0] for r in rows])
        ax.invert_yaxis()
        if log:
            ax.set_xscale("log")
            plain_log_axis(ax.xaxis)
        xs = [x for r in rows for x in (r[1], r[2])] or [1.0]
        lo, hi = min(xs), max(xs)
        if log:
            ax.set_xlim(lo / 2.5, hi * 2.5)
        else:
            pad = 0.5 * (hi - lo or abs(hi) or 1.0)
            ax.set_xlim(lo - pad, hi + pad)
        ax.set_xlabel(f"{doc['variable']} at the crossover" + (f" [{unit}]" if unit else ""))
        ax.set_title("How far each doubted input moves the crossovers (| = baseline)")
        return save(fig, out, "crossover_sensitivity")
