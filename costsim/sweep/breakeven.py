"""Break-even search: where two options cost the same, by bracketing and bisection.

A grid sweep simulates every option at every grid point and interpolates between points. When the
question is one crossover ("above what traffic is the VPS cheaper than Lambda?"), it is cheaper
and more precise to search for it:

1. **Bracket.** The cost difference ``cost(a) - cost(b)`` is simulated at a few points spread over
   the range (evenly in log for a log range); each sign change brackets a crossover.
2. **Bisect.** Each bracket is halved (in log x for a log range) until it is narrower than the
   relative tolerance; the crossover is the interpolated root of the last bracket.
3. **Replicate with common random numbers.** Replication ``r`` uses the same seed at every point,
   so the difference curve it sees is smooth in x (the noise of one seed does not change from one
   point to the next) and bisection is well posed. Each replication is searched on its own; the
   crossovers' mean and Student-t 95 % interval (in log x for a log range) summarise them.

Only options ``a`` and ``b`` are simulated; each option draws from its own random streams (derived
from the seed and its name), so dropping the others changes none of their numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from costsim.errors import InputError
from costsim.scenario import Scenario
from costsim.sweep.analysis import mean_ci
from costsim.sweep.grid import (
    MONTH_S,
    Axis,
    apply_point,
    describe_rate,
    expected_rps,
    replication_seeds,
)

#: Points of the bracketing pass when none are given.
DEFAULT_BRACKET_POINTS = 5
#: Default relative width [1] at which bisection stops (1 % of x).
DEFAULT_TOLERANCE = 0.01
#: Most bisection steps per bracket, whatever the tolerance.
MAX_STEPS = 40

#: ``(done, total_estimate)`` after each simulated point.
BreakevenProgress = Callable[[int, int], None]


@dataclass
class Crossing:
    """One crossover of the two options' monthly costs.

    Attributes
    ----------
    at : float
        Mean crossover over replications, in the axis's unit.
    ci95 : list of float
        Student-t 95 % interval of the replications' crossovers.
    per_replication : list of float
        The crossover each replication found.
    cheaper_below : str
        The option that is cheaper just below the crossover.
    at_rps, ci95_rps : float, list of float, or None
        The same in expected traffic [req/s], when the axis changes traffic.
    """

    at: float
    ci95: list[float]
    per_replication: list[float]
    cheaper_below: str
    at_rps: float | None = None
    ci95_rps: list[float] | None = None

    def text(self, axis: Axis) -> str:
        """The crossover for people, in req/s and requests a month where it applies."""
        unit = f" {axis.unit}" if axis.unit else ""
        where = f"{axis.path} = {self.at:.4g}{unit} (95 % interval {self.ci95[0]:.4g} to "
        where += f"{self.ci95[1]:.4g})"
        if self.at_rps is not None:
            return f"{describe_rate(self.at_rps)}; {where}"
        return where

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        out: dict[str, Any] = {
            "at": self.at,
            "ci95": self.ci95,
            "per_replication": self.per_replication,
            "cheaper_below": self.cheaper_below,
        }
        if self.at_rps is not None:
            out |= {
                "at_rps": self.at_rps,
                "ci95_rps": self.ci95_rps,
                "at_requests_per_month": self.at_rps * MONTH_S,
            }
        return out


@dataclass
class BreakevenResult:
    """What :func:`find_breakeven` found.

    Attributes
    ----------
    a, b : str
        The compared options.
    axis : Axis
        The searched variable and its range (the bracketing points).
    crossings : list of Crossing
        Every crossover within the range, in increasing x.
    simulations : int
        Points simulated (each is one run of the two options).
    elapsed_s : float
        Wall time of the search [s].
    """

    a: str
    b: str
    axis: Axis
    crossings: list[Crossing]
    simulations: int
    elapsed_s: float
    replications: int
    seeds: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "a": self.a,
            "b": self.b,
            "variable": self.axis.path,
            "unit": self.axis.unit,
            "range": [float(v) for v in np.asarray(self.axis.numeric(), dtype=float)],
            "replications": self.replications,
            "seeds": self.seeds,
            "simulations": self.simulations,
            "crossings": [c.as_dict() for c in self.crossings],
        }


def find_breakeven(
    scenario: Scenario,
    a: str,
    b: str,
    axis: Axis,
    *,
    replications: int = 3,
    tolerance: float = DEFAULT_TOLERANCE,
    engine: str = "fast",
    catalog_files: list[str | Path] | None = None,
    progress: BreakevenProgress | None = None,
) -> BreakevenResult:
    """Find where options ``a`` and ``b`` cost the same as ``axis`` varies.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    a, b : str
        Names of the two options.
    axis : Axis
        The variable and its bracketing points (at least two, increasing); a log axis is
        bisected in log x.
    replications : int
        Independent replications, each searched with its own seed held fixed at every point.
    tolerance : float
        Relative bracket width [1] at which bisection stops.
    engine : str
        Simulation engine.
    catalog_files : list of path, optional
        Extra catalog files.

    Returns
    -------
    BreakevenResult
    """
    from costsim.simulate import check_scenario, simulate

    started = time.perf_counter()
    names = [o.name for o in scenario.options]
    for name, flag in ((a, a), (b, b)):
        if name not in names:
            raise InputError(
                f"no option named {flag!r}; options: {', '.join(names)}", field="--between"
            )
    if a == b:
        raise InputError("give two different options", field="--between")
    xs = axis.numeric()
    if xs is None or len(xs) < 2 or not np.all(np.diff(xs) > 0):
        raise InputError(
            f"{axis.path}: give a numeric range, e.g. {axis.path}=log:0.01:100:5", field="--vary"
        )
    if axis.log and xs[0] <= 0:
        raise InputError("a log range must be > 0", field="--vary")
    if not 1 <= replications <= 1000:
        raise InputError("replications must be 1..1000", field="--replications")
    if not 0 < tolerance < 1:
        raise InputError("tolerance must be between 0 and 1 (e.g. 0.01)", field="--tolerance")
    pair = scenario.model_copy(update={"options": [scenario.option(a), scenario.option(b)]})
    check_scenario(apply_point(pair, {axis.path: _value(axis, float(xs[0]))}), catalog_files)
    seeds = replication_seeds(scenario.seed, replications)
    steps = math.ceil(math.log2(_width(xs[0], xs[1], axis.log) / tolerance)) if tolerance else 1
    total = replications * (len(xs) + max(steps, 1))
    done = 0

    def gap(x: float, seed: int) -> float:
        nonlocal done
        point = apply_point(pair, {axis.path: _value(axis, x)}, seed=seed)
        result = simulate(point, engine=engine, catalog_files=catalog_files)
        done += 1
        if progress is not None:
            progress(done, max(total, done))
        return float(result.option(a).cost.total - result.option(b).cost.total)

    roots: list[list[tuple[float, str]]] = []
    for seed in seeds:

        def of_x(x: float, seed: int = seed) -> float:
            return gap(x, seed)

        diffs = [of_x(float(x)) for x in xs]
        found = []
        for i in range(len(xs) - 1):
            lo, hi, dlo, dhi = float(xs[i]), float(xs[i + 1]), diffs[i], diffs[i + 1]
            if dlo == 0 or dlo * dhi >= 0:
                if dlo == 0:
                    found.append((lo, a if (diffs[i - 1] if i else dhi) < 0 else b))
                continue
            below = a if dlo < 0 else b
            found.append((_bisect(of_x, lo, hi, dlo, dhi, axis.log, tolerance), below))
        roots.append(found)
    crossings = _summarise(roots, axis, pair)
    return BreakevenResult(
        a, b, axis, crossings, done, time.perf_counter() - started, replications, seeds
    )


def _bisect(
    f: Callable[[float], float],
    lo: float,
    hi: float,
    flo: float,
    fhi: float,
    log: bool,
    tolerance: float,
) -> float:
    """Root of ``f`` in ``[lo, hi]`` (a sign change), halving in log x when ``log``."""
    for _ in range(MAX_STEPS):
        if _width(lo, hi, log) <= tolerance:
            break
        mid = math.sqrt(lo * hi) if log else (lo + hi) / 2
        fmid = f(mid)
        if fmid == 0:
            return mid
        if flo * fmid < 0:
            hi, fhi = mid, fmid
        else:
            lo, flo = mid, fmid
    # the last bracket is narrow: interpolate the root inside it
    u_lo, u_hi = (math.log(lo), math.log(hi)) if log else (lo, hi)
    u = u_lo + (u_hi - u_lo) * flo / (flo - fhi)
    return math.exp(u) if log else u


def _width(lo: float, hi: float, log: bool) -> float:
    """Bracket width relative to x: ``ln(hi/lo)`` in log, ``(hi-lo)/|hi|`` otherwise."""
    return math.log(hi / lo) if log else (hi - lo) / max(abs(hi), 1e-300)


def _summarise(roots: list[list[tuple[float, str]]], axis: Axis, pair: Scenario) -> list[Crossing]:
    """Match the replications' crossovers by order and summarise each."""
    count = max((len(r) for r in roots), default=0)
    xs = axis.numeric()
    assert xs is not None
    ends = [
        expected_rps(apply_point(pair, {axis.path: _value(axis, float(v))})) for v in xs[[0, -1]]
    ]
    moves_traffic = None not in ends and ends[0] != ends[1]
    out = []
    for k in range(count):
        per_rep = [r[k][0] for r in roots if len(r) > k]
        below = next(r[k][1] for r in roots if len(r) > k)
        values = [math.log(v) for v in per_rep] if axis.log else per_rep
        stats = mean_ci(values)
        at, lo, hi = float(stats["mean"]), float(stats["ci95"][0]), float(stats["ci95"][1])
        if axis.log:
            at, lo, hi = math.exp(at), math.exp(lo), math.exp(hi)
        crossing = Crossing(at, [lo, hi], per_rep, below)
        if moves_traffic:
            rates = [
                expected_rps(apply_point(pair, {axis.path: _value(axis, v)})) or 0.0
                for v in (at, lo, hi)
            ]
            crossing.at_rps, crossing.ci95_rps = rates[0], rates[1:]
        out.append(crossing)
    return out


def _value(axis: Axis, x: float) -> Any:
    """The value to write at ``x``: with the axis's unit when its values carry one."""
    suffix = {"req/s": "rps", "s": "s", "MB": "MB"}.get(axis.unit, "")
    return f"{x:.12g}{suffix}" if suffix else x
