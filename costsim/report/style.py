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

from costsim.output import write_atomic

#: Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: Hatches and markers keep series apart when printed in greyscale.
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
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
    # below the figure's lower edge: bbox_inches="tight" grows the canvas to include it, so it
    # never collides with an axis label
    wrapped = "\n".join(
        part
        for line in text.splitlines()
        for part in textwrap.wrap(line, 150, break_on_hyphens=False)
    )
    fig.text(0.01, -0.01, wrapped, fontsize=7, color="#555555", ha="left", va="top")


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
