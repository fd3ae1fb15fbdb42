"""One chart style: colour-blind-safe colours, hatches for greyscale, units on every axis.

Figures are written with no timestamps and a fixed SVG hash salt, so the same input gives the
same bytes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from costsim.output import write_atomic

#: Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: Hatches and markers keep series apart when printed in greyscale.
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def series_style(j: int) -> tuple[str, str]:
    """Colour and hatch of series ``j``: a distinct pair for each of the first 64 series.

    Colours cycle every 8 and hatches shift by one on each cycle, so series 8 is not drawn like
    series 0 (as ``PALETTE[j % 8], HATCHES[j % 8]`` would).
    """
    return PALETTE[j % len(PALETTE)], HATCHES[(j + j // len(PALETTE)) % len(HATCHES)]


def stacked_barh(
    ax: Any, y: Any, series: list[tuple[str, Any]], height: float = 0.6
) -> tuple[Any, Any]:
    """Horizontal bars stacked from zero, one ``(label, values)`` series after another, in
    :func:`series_style` ``j`` of its position; negative values (credits) stack left of zero,
    and an all-zero series is left out. Returns the right and left ends of each bar."""
    import numpy as np

    pos = np.zeros(len(y))
    neg = np.zeros(len(y))
    for j, (label, vals) in enumerate(series):
        if not np.any(vals):
            continue
        left = np.where(vals >= 0, pos, neg)
        color, hatch = series_style(j)
        ax.barh(
            y,
            vals,
            left=left,
            color=color,
            hatch=hatch,
            edgecolor="white",
            label=label,
            height=height,
        )
        pos += np.where(vals >= 0, vals, 0)
        neg += np.where(vals < 0, vals, 0)
    return pos, neg


#: Relative difference under which two values are "about the same" in a chart title.
SAME_WITHIN = 0.05


def extreme_claim(values: dict[str, float], what: str, unit: str, worst: str) -> str:
    """A title clause that holds: who has the ``worst`` (largest) value, or that all are alike.

    ``extreme_claim({"a": 298, "b": 298}, "p99", "ms", "slowest")`` gives ``"all options have
    about the same p99 (298 ms)"`` rather than naming one of them.
    """
    top = max(values, key=lambda k: values[k])
    others = [v for k, v in values.items() if k != top]
    if not others or values[top] > (1 + SAME_WITHIN) * max(others):
        return f"{top} has the {worst} {what} ({values[top]:,.0f} {unit})"
    low, high = min(values.values()), values[top]
    if high <= (1 + SAME_WITHIN) * low:
        return f"all options have about the same {what} ({high:,.0f} {unit})"
    close = [k for k, v in values.items() if v >= high / (1 + SAME_WITHIN)]
    return f"{' and '.join(close)} have the {worst} {what} (about {high:,.0f} {unit})"


LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), "-"]

RC = {
    "figure.figsize": (8.0, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titleweight": "bold",
    "axes.titlesize": 11,
    "axes.titlelocation": "left",
    "legend.frameon": True,
    "legend.framealpha": 0.85,
    "legend.edgecolor": "none",
    "svg.hashsalt": "costsim",
    "svg.fonttype": "none",
}


@contextmanager
def chart_style() -> Iterator[None]:
    """Apply the house style for the duration of a block (no global changes)."""
    with plt.rc_context(cast(Any, RC)):
        yield


def source_line(fig: Figure, text: str) -> None:
    """Write the small source line (scenario, seed, catalog dates) under a figure."""
    wrapped = "\n".join(
        part
        for line in text.splitlines()
        for part in textwrap.wrap(line, 150, break_on_hyphens=False)
    )
    # below everything already drawn (tick labels, axis labels, legends under the axes):
    # bbox_inches="tight" grows the canvas to include it, so it never collides with them
    fig.text(0.01, lowest_y(fig) - 0.01, wrapped, fontsize=7, color="#555555", ha="left", va="top")


def lowest_y(fig: Figure) -> float:
    """The bottom of everything drawn so far, in figure coordinates (at most 0)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    bottom = 0.0
    for ax in fig.axes:
        box = ax.get_tightbbox(renderer)
        if box is not None:
            bottom = min(bottom, fig.transFigure.inverted().transform((0, box.y0))[1])
    for t in fig.texts:
        box = t.get_window_extent(renderer)
        bottom = min(bottom, fig.transFigure.inverted().transform((0, box.y0))[1])
    return float(bottom)


#: Plain numbers on log axes (``600``, ``1,000``, ``0.5``), not ``6 x 10^2``.
PLAIN = FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 1 else f"{v:g}")


def plain_log_axis(axis: Any) -> None:
    """Label a log axis at 1, 2 and 5 per decade in plain numbers, without crowded minors."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(PLAIN)
    axis.set_minor_formatter(NullFormatter())


def human_duration(seconds: float) -> str:
    """A tick label for a duration [s]: ``250 ms``, ``10 min``, ``2 h``, ``7 d``."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if abs(seconds) >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds * 1000:.3g} ms" if seconds else "0"


#: Tick labels for an axis in seconds, in human units.
DURATION_TICKS = FuncFormatter(lambda v, _pos: human_duration(v))


def save(fig: Figure, out: Path, stem: str) -> list[Path]:
    """Save ``fig`` as PNG and SVG with reproducible bytes; returns the paths."""
    import io

    paths = []
    for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, metadata=meta, bbox_inches="tight")
        path = out / f"{stem}.{ext}"
        write_atomic(path, buf.getvalue())
        paths.append(path)
    plt.close(fig)
    return paths
