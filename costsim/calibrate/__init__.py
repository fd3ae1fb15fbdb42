"""Calibration: logs and measurements in, a fitted workload and a scenario out, and a backtest.

The path is ``read_sources`` (one reader per format, see :mod:`costsim.calibrate.sources`) ->
:func:`calibrate` (fits) -> :func:`write_scenario` (commented YAML) and, for Lambda REPORT logs,
:func:`run_backtest` (the logged bill against the simulated one).
"""

from __future__ import annotations

from costsim.calibrate.evidence import Evidence
from costsim.calibrate.formats import read_source, readers
from costsim.calibrate.model import Calibration, calibrate
from costsim.calibrate.sources import Selection
from costsim.calibrate.writer import write_scenario


def read_sources(
    paths: list[str], fmt: str | None = None, selection: Selection | None = None
) -> Evidence:
    """Read and merge every source file (each with the named format, or sniffed)."""
    ev = Evidence()
    for path in paths:
        ev = ev.merge(read_source(path, fmt, selection))
    return ev


__all__ = [
    "Calibration",
    "Evidence",
    "Selection",
    "calibrate",
    "read_source",
    "read_sources",
    "readers",
    "write_scenario",
]
