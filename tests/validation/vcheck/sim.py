"""Running costsim's engines on synthetic Poisson streams, and reading exact busy intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from costsim.engine import ENGINES
from costsim.engine.common import EngineOutput, OptionDraws
from costsim.engine.metrics import TimeBins
from costsim.platforms.fleet import FleetPlatform
from costsim.platforms.serverless import ServerlessPlatform
from costsim.stats.distributions import Distribution, Fixed
from costsim.traffic.chunk import Chunk


def fleet(count: int, workers: int = 1, balancer: str = "shared_queue", **kw: Any) -> FleetPlatform:
    """A fixed fleet with no queue limit."""
    base: dict[str, Any] = {
        "queue_limit": None,
        "queue_timeout_s": None,
        "autoscale": None,
    }
    base.update(kw)
    return FleetPlatform(count=count, workers=workers, balancer=balancer, **base)


def pool(**kw: Any) -> ServerlessPlatform:
    """A function pool: no cold start, keep-alive 10 min, no limit, mru reuse, unless given."""
    base: dict[str, Any] = {
        "memory_mb": 1024.0,
        "cold_start": Fixed(dist="fixed", value=0.0),
        "keep_alive_s": 600.0,
        "concurrency_limit": 10**9,
        "scale_burst": math.inf,
        "scale_rate_per_s": math.inf,
        "reuse": "mru",
        "provisioned": 0,
        "instance_concurrency": 1,
    }
    base.update(kw)
    return ServerlessPlatform(**base)


def poisson_stream(
    gen: np.random.Generator, rate_rps: float, n: int, duration: Distribution
) -> Chunk:
    """``n`` Poisson arrivals at ``rate_rps`` [1/s] from 0, durations drawn from ``duration``."""
    arrivals = np.cumsum(gen.exponential(1.0 / rate_rps, n))
    return Chunk(arrivals, duration.sample(gen, n))


def draws(seed: np.random.SeedSequence) -> OptionDraws:
    """Fresh option draws from ``seed`` (equal seeds give equal streams, so prefixes agree)."""
    a, b = seed.spawn(2)
    return OptionDraws(cold=np.random.default_rng(a), uniform=np.random.default_rng(b))


def run(
    kind: str,
    platform: Any,
    ch: Chunk,
    seed: np.random.SeedSequence,
    horizon_s: float,
    bins: TimeBins | None = None,
    engine: str = "fast",
) -> EngineOutput:
    """Run ``engine``'s ``kind`` (serverless or fleet) model on one chunk."""
    tb = bins if bins is not None else TimeBins(horizon_s, 1)
    return ENGINES[engine][kind](platform, [ch], draws(seed), horizon_s, tb)


@dataclass
class IntervalLog(TimeBins):
    """Time bins that also keep every busy interval the engine adds, in the order added.

    The reference (SimPy) engines add one busy interval per request when it starts service:
    ``[start, end]`` with the request's weight. This is the engine's own record of who was
    busy when, so exact occupancy distributions can be computed from it.
    """

    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)

    def add_interval(self, target: np.ndarray, t0_s: float, t1_s: float, weight: float) -> None:
        if target is self.busy_s:
            self.starts.append(t0_s)
            self.ends.append(t1_s)
        super().add_interval(target, t0_s, t1_s, weight)


def occupancy_pmf(starts: np.ndarray, ends: np.ndarray, t0_s: float, t1_s: float) -> np.ndarray:
    """Time-weighted distribution of the number of intervals covering ``[t0_s, t1_s]``.

    Returns ``p`` with ``p[k]`` the share of the window during which exactly ``k`` of the
    intervals ``[starts[i], ends[i])`` were open.
    """
    s = np.clip(starts, t0_s, t1_s)
    e = np.clip(ends, t0_s, t1_s)
    keep = e > s
    s, e = s[keep], e[keep]
    times = np.concatenate([s, e])
    steps = np.concatenate([np.ones(len(s), dtype=np.int64), -np.ones(len(e), dtype=np.int64)])
    # at equal times close before opening, so zero-length overlaps do not count
    order = np.lexsort((steps, times))
    times, steps = times[order], steps[order]
    level = np.cumsum(steps)
    edges = np.append(times, t1_s)
    held = np.diff(edges)
    first = times[0] - t0_s if len(times) else t1_s - t0_s
    weights = np.bincount(level, weights=held, minlength=1)
    weights[0] += first
    return weights / (t1_s - t0_s)
