"""``crossovers.json`` of a sweep: where each pair of options crosses on each axis, with the
rates and monthly requests at each crossing, the winners as ranges and the memory tuning.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from costsim.sweep.analysis import crossovers, idle_fraction, memory_tuning, slo_winners, winners
from costsim.sweep.grid import MONTH_S, Axis, describe_rate, rate_at


def _crossing_rates(
    crossings: list[dict[str, Any]], points: list[dict[str, Any]], x: np.ndarray, log: bool
) -> None:
    """Add ``at_rps``, ``at_requests_per_month`` and ``at_text`` to crossovers of a traffic axis."""
    rates = [p.get("mean_rps") for p in points]
    if any(r is None for r in rates) or np.ptp(np.asarray(rates, dtype=float)) == 0:
        return  # the axis does not change traffic: its own unit says it all
    for c in crossings:
        rps = rate_at(c["at"], x, rates, log)  # type: ignore[arg-type]
        c["at_rps"] = rps
        c["at_requests_per_month"] = rps * MONTH_S
        c["at_text"] = describe_rate(rps)
        if c.get("ci95"):
            c["ci95_rps"] = [rate_at(v, x, rates, log) for v in c["ci95"]]  # type: ignore[arg-type]


def crossovers_doc(
    slo: dict[str, float],
    axes: list[Axis],
    points: list[dict[str, Any]],
    records: list[dict[str, Any]],
    tune_goal: str,
) -> dict[str, Any]:
    """The ``crossovers.json`` document: winners, crossovers and memory tuning per slice.

    Parameters
    ----------
    slo : dict
        The scenario's SLO targets [s] (``p99``, ...), as ``summary.json`` stores them.
    """
    first = axes[0]
    doc: dict[str, Any] = {"variable": first.path, "log": first.log, "unit": first.unit}
    slices = []
    stride = len(points) // max(len(first.values), 1)
    for s in range(stride):
        pts = points[s::stride]
        if len(pts) != len(first.values):
            continue
        recs = [r for r in records if r["index"] % stride == s]
        x = first.numeric()
        entry: dict[str, Any] = {
            "fixed": {k: v for k, v in pts[0]["params"].items() if k != first.path},
            "winners": winners(pts, list(first.values)),
            "slo_winners": slo_winners(pts, slo),
            "idle_fraction": idle_fraction(pts),
            "crossovers": [],
        }
        if x is not None and np.all(np.diff(x) > 0):
            entry["crossovers"] = crossovers(pts, _reindex(recs, pts), x, first.log)
            _crossing_rates(entry["crossovers"], pts, x, first.log)
        slices.append(entry)
    main = slices[0] if slices else {}
    doc.update({k: main.get(k, []) for k in ("crossovers", "winners", "slo_winners")})
    doc["idle_fraction"] = main.get("idle_fraction", {})
    doc["slices"] = slices
    tuning = []
    for axis in axes:
        parts = axis.path.split(".")
        if len(parts) == 3 and parts[0] == "options" and parts[2] == "memory":
            stride_m = _stride(axes, axis)
            n = len(axis.values)
            pts = [points[i * stride_m] for i in range(n)] if stride_m else points[:n]
            tuning.append(memory_tuning(pts, parts[1], list(axis.values), tune_goal))
    doc["memory_tuning"] = tuning
    return doc


def _stride(axes: list[Axis], axis: Axis) -> int:
    k = axes.index(axis)
    stride = 1
    for a in axes[k + 1 :]:
        stride *= len(a.values)
    return stride


def _reindex(records: list[dict[str, Any]], points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["index"] in {p["index"] for p in points}]
