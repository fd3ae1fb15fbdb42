"""From task records to answers: means with 95 % intervals, crossovers, winners, tuning."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats
from scipy.interpolate import PchipInterpolator
from scipy.optimize import brentq

from costsim.slo import SloRule, cheapest_meeting, sweep_outcome


def mean_ci(values: Sequence[float], lower: float = -math.inf) -> dict[str, Any]:
    """Mean and 95 % Student-t confidence interval of replications (a point when n = 1).

    ``lower`` clips the interval at a physical bound (costs and counts are never negative).
    """
    x = np.asarray(values, dtype=float)
    m = float(x.mean()) if len(x) else math.nan
    if len(x) < 2:
        return {"mean": m, "ci95": [m, m], "n": len(x)}
    half = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return {"mean": m, "ci95": [max(m - half, lower), m + half], "n": len(x)}


def aggregate(records: list[dict[str, Any]], n_points: int) -> list[dict[str, Any]]:
    """Per point and option: every metric's mean and interval across replications."""
    points: list[dict[str, Any]] = []
    for index in range(n_points):
        reps = sorted((r for r in records if r["index"] == index), key=lambda r: r["replication"])
        if not reps:
            continue
        names = [o["name"] for o in reps[0]["options"]]
        options = []
        for k, name in enumerate(names):
            per_rep = [r["options"][k] for r in reps]
            metrics = sorted(per_rep[0]["metrics"])
            summary = {m: mean_ci([o["metrics"][m] for o in per_rep], lower=0.0) for m in metrics}
            options.append({"name": name, "kind": per_rep[0]["kind"], **summary})
        points.append({"index": index, "params": reps[0]["params"], "options": options})
    return points


def _curve(points: list[dict[str, Any]], option: str, metric: str) -> np.ndarray:
    out = [next(o for o in p["options"] if o["name"] == option)[metric]["mean"] for p in points]
    return np.asarray(out, dtype=float)


def crossing(x: np.ndarray, diff: np.ndarray, log: bool) -> list[float]:
    """Where a difference curve sampled at ``x`` changes sign.

    The difference is interpolated monotonically (PCHIP, in log x for log sweeps) and each sign
    change between neighbouring points is solved with Brent's method.
    """
    if len(x) < 2:
        return []
    u = np.log(x) if log else x
    f = PchipInterpolator(u, diff)
    roots = []
    for i in range(len(u) - 1):
        a, b = diff[i], diff[i + 1]
        if a == 0:
            roots.append(float(x[i]))
        elif a * b < 0:
            r = brentq(f, u[i], u[i + 1])
            roots.append(float(math.exp(r) if log else r))
    if diff[-1] == 0:
        roots.append(float(x[-1]))
    return roots


def crossovers(
    points: list[dict[str, Any]],
    records: list[dict[str, Any]],
    x: np.ndarray,
    log: bool,
    metric: str = "cost_usd",
) -> list[dict[str, Any]]:
    """Every pair's crossing points on ``metric``, with a 95 % interval over replications."""
    names = [o["name"] for o in points[0]["options"]]
    reps = sorted({r["replication"] for r in records})
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            mean_roots = crossing(x, _curve(points, a, metric) - _curve(points, b, metric), log)
            per_rep: list[list[float]] = []
            for rep in reps:
                rows = {r["index"]: r for r in records if r["replication"] == rep}
                ya = np.array([_metric(rows[p["index"]], a, metric) for p in points])
                yb = np.array([_metric(rows[p["index"]], b, metric) for p in points])
                per_rep.append(crossing(x, ya - yb, log))
            for k, root in enumerate(mean_roots):
                # match each replication's nearest crossing to this one
                near = [
                    min(rr, key=lambda r: abs(math.log(r / root)) if log else abs(r - root))
                    for rr in per_rep
                    if rr
                ]
                vals = [math.log(v) for v in near] if log else near
                interval: list[float] | None = None
                if vals:
                    lo, hi = mean_ci(vals)["ci95"]
                    interval = [math.exp(lo), math.exp(hi)] if log else [lo, hi]
                cheaper_below = (
                    a if _curve(points, a, metric)[0] < _curve(points, b, metric)[0] else b
                )
                out.append(
                    {
                        "a": a,
                        "b": b,
                        "at": root,
                        "ci95": interval,
                        "replications_crossing": len(near),
                        "cheaper_below": cheaper_below if k == 0 else None,
                    }
                )
    return out


def _distance(r: float, root: float, log: bool) -> float:
    return abs(math.log(r / root)) if log else abs(r - root)


def _metric(record: dict[str, Any], option: str, metric: str) -> float:
    return float(next(o for o in record["options"] if o["name"] == option)["metrics"][metric])


def winners(
    points: list[dict[str, Any]], values: Sequence[Any], metric: str = "cost_usd"
) -> list[dict[str, Any]]:
    """Ranges of the swept variable over which each option is cheapest."""
    ranges: list[dict[str, Any]] = []
    for p, v in zip(points, values, strict=True):
        best = min(p["options"], key=lambda o: o[metric]["mean"])["name"]
        if ranges and ranges[-1]["option"] == best:
            ranges[-1]["to"] = v
        else:
            ranges.append({"option": best, "from": v, "to": v})
    return ranges


def slo_winners(points: list[dict[str, Any]], slo: dict[str, float]) -> list[dict[str, Any]]:
    """At each point, the cheapest option that meets the SLO, by :mod:`costsim.slo`'s rule.

    Parameters
    ----------
    points : list of dict
        Aggregated points (see :func:`aggregate`); the rule reads each option's means.
    slo : dict
        The scenario's ``slo``: ``p99`` [s], ``throttle_rate`` and ``drop_rate``, each optional.

    Returns
    -------
    list of dict
        Per point: its ``params``, the winning ``option`` (None when none meets the SLO) and
        the options ``meeting_slo``.
    """
    rule = SloRule.from_slo(slo)
    out = []
    for p in points:
        outcomes = [sweep_outcome(o) for o in p["options"]]
        best = cheapest_meeting(outcomes, rule)
        out.append(
            {
                "params": p["params"],
                "option": best.name if best is not None else None,
                "meeting_slo": [o.name for o in outcomes if rule.outcome_meets(o)],
            }
        )
    return out


def idle_fraction(points: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Per option, the share of paid capacity left idle at each point."""
    names = [o["name"] for o in points[0]["options"]]
    out: dict[str, list[float]] = {}
    for n in names:
        rows = [next(o for o in p["options"] if o["name"] == n) for p in points]
        out[n] = [r["paid_idle_fraction"]["mean"] for r in rows]
    return out


GOALS = ("cost", "speed", "balanced")


def memory_tuning(
    points: list[dict[str, Any]], option: str, memory_values: Sequence[Any], goal: str
) -> dict[str, Any]:
    """Cost against duration per memory size, and the best size for ``goal``.

    ``balanced`` minimises the sum of cost and mean latency, each divided by its largest value
    (the same weighting as AWS Lambda Power Tuning's balanced strategy with weight 0.5).
    """
    rows = []
    for p, mem in zip(points, memory_values, strict=True):
        o = next(o for o in p["options"] if o["name"] == option)
        rows.append(
            {
                "memory": mem,
                "cost_usd": o["cost_usd"]["mean"],
                "latency_mean_ms": o["latency_mean_ms"]["mean"],
                "p99_ms": o["p99_ms"]["mean"],
            }
        )
    cost = np.array([r["cost_usd"] for r in rows])
    speed = np.array([r["latency_mean_ms"] for r in rows])
    if goal == "cost":
        score = cost
    elif goal == "speed":
        score = speed
    else:
        score = cost / max(cost.max(), 1e-12) + speed / max(speed.max(), 1e-12)
    best = int(np.argmin(score))
    return {"option": option, "goal": goal, "points": rows, "best": rows[best]["memory"]}
