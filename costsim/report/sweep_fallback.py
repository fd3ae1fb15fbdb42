"""Sweep charts for folders that lack them, drawn from ``summary.json`` and ``crossovers.json``.

``costsim sweep`` draws its own charts; these stand in when a sweep folder has none (written
with ``--no-charts``, or by hand), in the same style: simulated points marked, 95 % bands,
crossovers and the SLO line, units on every axis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from costsim.report.sweep_charts import cost_and_p99_charts, slo_p99_ms

__all__ = ["draw_missing", "slo_p99_ms"]


def draw_missing(summary: dict[str, Any], cross: dict[str, Any], out: Path) -> list[Path]:
    """Draw ``sweep_cost`` and ``sweep_p99`` into ``out`` unless both are there already."""
    if (out / "sweep_cost.svg").exists() and (out / "sweep_p99.svg").exists():
        return []
    return cost_and_p99_charts(summary, cross, out)
