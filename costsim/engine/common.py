"""What every engine produces, and the per-option random streams it consumes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.traffic.chunk import Chunk

__all__ = ["Chunk", "ColdDraws", "Counters", "EngineOutput", "OptionDraws"]


#: Revision of the numbers a scenario and seed give: raised whenever a change to the models, the
#: random streams or the measurement changes them (2: cold-start draws are taken in cold-start
#: order). Stored sweep points of another revision are recomputed, not resumed.
RESULTS_REVISION = 2

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
