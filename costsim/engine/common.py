"""What every engine produces, and the per-option random streams it consumes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from costsim.engine.batches import BatchWindows
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.meters import Meters, MsHistogram, ms_ceil
from costsim.platforms.schedule import provisioned_instance_s, provisioned_periods
from costsim.traffic.chunk import Chunk

__all__ = [
    "Chunk",
    "ColdDraws",
    "Counters",
    "EngineOutput",
    "LifetimeTally",
    "OptionDraws",
    "fleet_meters",
]


#: Revision of the numbers a scenario and seed give: raised whenever a change to the models, the
#: random streams or the measurement changes them (2: cold-start draws are taken in cold-start
#: order; 3: no fleet autoscaling evaluation or boot after the horizon; 4: serverless pools run
#: with their product's published limits by default, Lambda's 1,000 new instances per 10 s and
#: 15-minute timeout; 5: an instance's activity periods closer than 1 ms are one, Azure
#: Premium's minimum instance serves, provisioned concurrency may follow a schedule; 6: on-demand
#: instances are recycled at their product's maximum lifetime, Lambda's 2 h, even when busy).
#: Stored sweep points of another revision are recomputed, not resumed.
RESULTS_REVISION = 6

#: Cold-start durations are drawn in blocks of this many (see :class:`ColdDraws`).
COLD_BLOCK = 1024


@dataclass
class OptionDraws:
    """Per-option random streams.

    ``cold`` gives the cold-start durations, taken in the order the cold starts happen (see
    :class:`ColdDraws`). ``uniform`` gives one uniform per request, in request order, used or
    not, for the rules that read one (``reuse: random``, ``balancer: random``). Both engines take
    the same draws in the same order, so an option's numbers depend neither on the engine nor
    on chunking.
    """

    cold: np.random.Generator
    uniform: np.random.Generator


class ColdDraws:
    """The cold-start durations [s] of an option, in the order its cold starts happen.

    The ``k``-th cold start takes the ``k``-th value. Values are drawn in blocks of
    :data:`COLD_BLOCK` (a fixed size, so that any distribution gives the same values whoever
    reads them), and only as cold starts need them: a run with few cold starts draws little.

    Parameters
    ----------
    sampler : callable
        ``sampler(generator, n)`` returns ``n`` cold-start durations [s].
    gen : numpy.random.Generator
        The option's cold-start stream.
    """

    def __init__(self, sampler: Callable[..., np.ndarray], gen: np.random.Generator) -> None:
        self._sampler = sampler
        self._gen = gen
        self._values: list[float] = []
        self._pos = 0

    def block(self) -> np.ndarray:
        """The next :data:`COLD_BLOCK` values (for engines that index them themselves)."""
        out = np.ascontiguousarray(self._sampler(self._gen, COLD_BLOCK), dtype=np.float64)
        if out.shape != (COLD_BLOCK,):
            raise ValueError("a cold-start sampler returned the wrong number of values")
        return out

    def next(self) -> float:
        """The next value [s]."""
        if self._pos == len(self._values):
            self._values = self.block().tolist()
            self._pos = 0
        self._pos += 1
        return self._values[self._pos - 1]


@dataclass
class Counters:
    """Request accounting: arrived = served + throttled + dropped + timed_out."""

    arrived: int = 0
    served: int = 0
    cold_starts: int = 0
    throttled: int = 0
    dropped: int = 0
    timed_out: int = 0


@dataclass
class EngineOutput:
    """Everything an engine measured for one option over the horizon.

    Attributes
    ----------
    meters : Meters
        The catalog-independent meters rating reads (see :mod:`costsim.meters`).
    alive_s, busy_s : float
        Integrals over the horizon of instances alive and of busy instance-equivalents [s].
    max_instances : int
        Most instances alive at once.
    batches : BatchWindows or None
        Per released batch, its arrivals and completions (batch scenarios only).
    """

    counters: Counters
    latency: LatencyHistogram
    bins: TimeBins
    meters: Meters
    alive_s: float = 0.0
    busy_s: float = 0.0
    max_instances: int = 0
    capacity_per_instance: int = 1
    batches: BatchWindows | None = None


#: The histogram meters of a serverless pool, in the order the compiled engine indexes them.
SERVERLESS_HISTOGRAMS = (
    "duration_ms",
    "provisioned_duration_ms",
    "init_ms",
    "instance_lifetime_ms",
    "active_period_ms",
    "provisioned_active_period_ms",
)
#: Histogram values below this many milliseconds are counted in a dense array by the compiled
#: engine; larger ones are kept as raw values (about 131 s and up).
DENSE_MS = 2**17


def provisioned_period_histogram(
    provisioned_steps: tuple[tuple[float, int], ...], horizon_s: float
) -> MsHistogram:
    """Each provisioned instance's enabled periods [ms], the ``provisioned_period_ms`` meter.

    Parameters
    ----------
    provisioned_steps : tuple of (float, int)
        The provisioned count over time, ``(t_s, count)`` from 0 [s].
    horizon_s : float
        Simulated period [s].

    Returns
    -------
    MsHistogram
        One value per enabled period (see
        :func:`costsim.platforms.schedule.provisioned_periods`), counted once per instance.
    """
    enabled: dict[int, int] = {}
    for start_s, end_s, n in provisioned_periods(provisioned_steps, horizon_s):
        ms = ms_ceil(end_s - start_s)
        enabled[ms] = enabled.get(ms, 0) + n
    values = sorted(enabled)
    return MsHistogram(
        np.asarray(values, dtype=np.int64), np.asarray([enabled[v] for v in values], dtype=np.int64)
    )


def serverless_meters(
    horizon_s: float,
    counters: Counters,
    histograms: dict[str, MsHistogram],
    totals: dict[str, float],
    counts: dict[str, int],
    config: dict[str, float],
    provisioned_steps: tuple[tuple[float, int], ...] = ((0.0, 0),),
) -> Meters:
    """The meters of a serverless pool, from what an engine measured.

    The provisioned meters follow from the schedule alone (the same for every engine):
    ``provisioned_instance_s``, the provisioned instance time, and ``provisioned_period_ms``,
    each provisioned instance's enabled periods (see
    :func:`costsim.platforms.schedule.provisioned_periods`) for products that round them.

    Parameters
    ----------
    horizon_s : float
        Simulated period [s].
    counters : Counters
        Request accounting.
    histograms : dict
        One :class:`MsHistogram` per name in :data:`SERVERLESS_HISTOGRAMS` [ms].
    totals : dict
        ``alive_instance_s``, ``busy_instance_s``, ``active_instance_s`` [s].
    counts : dict
        ``provisioned_served``, ``instances_launched``.
    config : dict
        ``memory_mb``, ``instance_concurrency``, ``provisioned``.
    provisioned_steps : tuple of (float, int)
        The provisioned count over time, ``(t_s, count)`` from 0 [s].
    """
    provisioned_ms = provisioned_period_histogram(provisioned_steps, horizon_s)
    c = counters
    all_counts = {
        "arrived": c.arrived,
        "served": c.served,
        "cold_starts": c.cold_starts,
        "throttled": c.throttled,
        "dropped": c.dropped,
        "timed_out": c.timed_out,
        "retried": 0,
        **counts,
    }
    return Meters(
        kind="serverless",
        horizon_s=horizon_s,
        counts=all_counts,
        histograms={
            **{name: histograms[name] for name in SERVERLESS_HISTOGRAMS},
            "provisioned_period_ms": provisioned_ms,
        },
        totals={
            **totals,
            "provisioned_instance_s": provisioned_instance_s(provisioned_steps, horizon_s),
        },
        config=dict(config),
    )


ChunkSource = Callable[[], Iterable[Chunk]]
Progress = Callable[[int], None]


class LifetimeTally:
    """Instance lifetimes [ms] as a running histogram, so memory follows distinct values only.

    Engines add lifetimes one by one (SimPy) or as buffers (compiled); :meth:`histogram` gives
    the ``instance_lifetime_ms`` meter.
    """

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}

    def add(self, lifetime_ms: int) -> None:
        """Count one lifetime [ms]."""
        self._counts[lifetime_ms] = self._counts.get(lifetime_ms, 0) + 1

    def add_many(self, lifetimes_ms: np.ndarray) -> None:
        """Count every lifetime [ms] of an int64 buffer."""
        values, counts = np.unique(lifetimes_ms, return_counts=True)
        for v, c in zip(values.tolist(), counts.tolist(), strict=True):
            self._counts[v] = self._counts.get(v, 0) + c

    def histogram(self) -> MsHistogram:
        """The lifetimes seen so far, as an exact histogram."""
        values = sorted(self._counts)
        return MsHistogram(
            np.array(values, dtype=np.int64),
            np.array([self._counts[v] for v in values], dtype=np.int64),
        )


def fleet_meters(
    horizon_s: float,
    counters: Counters,
    instances_launched: int,
    lifetimes: MsHistogram,
    alive_s: float,
    busy_s: float,
    workers: int,
    fixed_instances: int | None,
) -> Meters:
    """The meters of a fleet run (VPS or bare metal), the same from either engine.

    Parameters
    ----------
    horizon_s : float
        Simulated period [s].
    counters : Counters
        Request accounting.
    instances_launched : int
        Instances launched over the run (the initial ones included).
    lifetimes : MsHistogram
        Each instance's lifetime, launch (boot included) to termination, clipped to the
        horizon [ms].
    alive_s, busy_s : float
        Instance time alive and busy instance-equivalents within the horizon [s].
    workers : int
        Concurrent requests per instance.
    fixed_instances : int or None
        The instance count of a fixed fleet; None when it autoscales.

    Returns
    -------
    Meters
        Kind ``fleet``: the caller, which knows the option, names the kind.
    """
    config: dict[str, object] = {"workers": workers}
    if fixed_instances is not None:
        config["instances"] = fixed_instances
    return Meters(
        kind="fleet",
        horizon_s=horizon_s,
        counts={
            "arrived": counters.arrived,
            "served": counters.served,
            "dropped": counters.dropped,
            "instances_launched": instances_launched,
        },
        histograms={"instance_lifetime_ms": lifetimes},
        totals={"alive_instance_s": alive_s, "busy_instance_s": busy_s},
        config=config,
    )
