"""The sensitivity section of a run's decision record: a tornado chart of the cost gap.

The gap is the runner-up's monthly cost minus the chosen option's, so a positive gap means the
choice holds; a bar that crosses zero is a factor that flips the decision.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from costsim.report.style import PALETTE, chart_style, save


def gaps(sens: dict[str, Any], chosen: str, runner: str) -> list[tuple[str, float, str]]:
    """``(label, gap [USD/month], cheapest option)`` per factor, largest change first."""
    base = sens["baseline"][runner] - sens["baseline"][chosen]
    rows = [
        (f["label"], f["costs_usd"][runner] - f["costs_usd"][chosen], f["cheapest"])
        for f in sens["factors"]
    ]
    return sorted(rows, key=lambda r: -abs(r[1] - base))


def tornado_chart(
    sens: dict[str, Any], chosen: str, runner: str, out: Path, note: str = ""
) -> list[Path]:
    """Draw ``sensitivity.png``/``.svg``: each factor's gap against the baseline gap."""
    base = sens["baseline"][runner] - sens["baseline"][chosen]
    rows = gaps(sens, chosen, runner)
    with chart_style():
        fig, ax = plt.subplots(figsize=(8, 1.4 + 0.45 * max(len(rows), 1)))
        for i, (_, gap, cheapest) in enumerate(rows):
            flips = cheapest != chosen
            ax.barh(
                i,
                gap - base,
                left=base,
                height=0.6,
                color=PALETTE[5] if flips else PALETTE[0],
                hatch="//" if flips else "",
                edgecolor="white",
            )
            side = "left" if gap >= base else "right"
            text = f" ${gap:,.2f}" + (f" ({cheapest} cheapest)" if flips else "") + " "
            ax.text(gap, i, text, va="center", ha=side, fontsize=8)
        ax.set_yticks(range(len(rows)), [r[0] for r in rows])
        ax.invert_yaxis()
        ax.axvline(base, color="black", linewidth=1.0, label=f"baseline gap ${base:,.2f}")
        ax.axvline(0, color=PALETTE[5], linewidth=1.0, linestyle="--", label="decision flips")
        ax.set_xlabel(f"{runner} minus {chosen} [USD per month]")
        ax.set_title(f"What would change the choice of {chosen} over {runner}")
        lo = min([0.0, base, *(r[1] for r in rows)])
        hi = max([0.0, base, *(r[1] for r in rows)])
        pad = 0.35 * (hi - lo or 1.0)
        ax.set_xlim(lo - pad, hi + pad)
        # below the axis label, so it never covers a bar or its value
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False
        )
        if note:
            fig.text(0.01, -0.08, note, fontsize=7, color="#555555", ha="left", va="top")
        return save(fig, out, "sensitivity")
