"""What every engine produces, and the per-option random streams it consumes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.traffic.chunk import Chunk

__all__ = ["Chunk", "Counters", "EngineOutput", "OptionDraws", "with_draws"]


@dataclass
class OptionDraws:
    """Per-option random streams: draws are taken per request, in request order.

    Every request consumes one cold-start draw and one uniform, used or not, so an option's
    numbers do not depend on what happened to earlier requests, on the engine, or on chunking.
    """

    cold: np.random.Generator
    uniform: np.random.Generator


@dataclass
class Counters:
    """Request accounting: arrived = served + throttled + dropped."""

    arrived: int = 0
    served: int = 0
    cold_starts: int = 0
    throttled: int = 0
    dropped: int = 0


@dataclass
class EngineOutput:
    """Everything an engine measured for one option over the horizon.

    Attributes
    ----------
    quantities : dict
        Usage quantities by metric name (see :mod:`costsim.results`), over the horizon.
    instance_billed_s : list of float
        For fleets: the billed lifetime of each instance [s], after rounding.
    alive_s, busy_s : float
        Integrals over the horizon of instances alive and of busy instance-equivalents [s].
    max_instances : int
        Most instances alive at once.
    """

    counters: Counters
    latency: LatencyHistogram
    bins: TimeBins
    quantities: dict[str, float] = field(default_factory=dict)
    instance_billed_s: list[float] = field(default_factory=list)
    alive_s: float = 0.0
    busy_s: float = 0.0
    max_instances: int = 0
    capacity_per_instance: int = 1


ChunkSource = Callable[[], Iterable[Chunk]]
Progress = Callable[[int], None]


def with_draws(
    chunks: Iterable[Chunk], draws: OptionDraws, cold_sampler: Callable[..., np.ndarray]
) -> Iterator[tuple[Chunk, np.ndarray, np.ndarray]]:
    """Attach each request's cold-start draw [s] and uniform to the chunks."""
    for chunk in chunks:
        n = len(chunk)
        yield chunk, cold_sampler(draws.cold, n), draws.uniform.random(n)
