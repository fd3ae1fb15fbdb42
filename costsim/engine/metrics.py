"""Streaming metrics: latency histogram, counters and time bins.

Nothing here keeps per-request data: memory depends on the number of bins, not on the number of
requests or the horizon.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

import numpy as np

#: Geometric bucket ratio of the latency histogram. Reporting a bucket's geometric midpoint
#: bounds the relative error by ``sqrt(GAMMA) - 1`` = 0.995 %.
GAMMA = 1.02
#: Smallest latency resolved [s]; anything below lands in bucket 0.
MIN_LATENCY_S = 1e-6
#: Largest latency resolved [s] (about 11.6 days).
MAX_LATENCY_S = 1e6
N_BUCKETS = math.ceil(math.log(MAX_LATENCY_S / MIN_LATENCY_S) / math.log(GAMMA)) + 2
#: Bucket edges [s]: ``EDGES_S[j] = MIN_LATENCY_S * GAMMA**j``. Bucket 0 holds latencies up to
#: ``MIN_LATENCY_S``; bucket ``b >= 1`` holds ``[EDGES_S[b - 1], EDGES_S[b])``, and the last
#: bucket everything from ``EDGES_S[-1]`` up.
EDGES_S = MIN_LATENCY_S * GAMMA ** np.arange(N_BUCKETS - 1, dtype=np.float64)
# A first guess of the bucket from a latency's float bits (its exponent and the top mantissa
# bits), so that no logarithm is needed: each range of equal top bits is at most 1/64 = 1.6 %
# wide, narrower than a bucket (2 %), so the guess is the bucket or the one below it.
_GUESS_SHIFT = 52 - 6
_GUESS_FIRST = int(np.float64(MIN_LATENCY_S).view(np.int64)) >> _GUESS_SHIFT
_GUESS_LAST = int(EDGES_S[-1].view(np.int64)) >> _GUESS_SHIFT
_GUESS = np.searchsorted(
    EDGES_S,
    (np.arange(_GUESS_FIRST, _GUESS_LAST + 1, dtype=np.int64) << _GUESS_SHIFT).view(np.float64),
    side="right",
).astype(np.int64)


def float_bits(x: float) -> int:
    """The IEEE 754 bits of a float64, as a signed integer.

    Compiled code gets a bit cast instead (registered in :mod:`costsim.engine.fast_common`).
    """
    return int(struct.unpack("<q", struct.pack("<d", x))[0])


def latency_bucket(latency_s: float) -> int:
    """Histogram bucket index of a latency [s] (see :data:`EDGES_S`).

    A table lookup on the float's bits, then at most a step or two up the edges: the same
    buckets as a binary search of :data:`EDGES_S`, without a logarithm, which in compiled code
    is a library call that costs more than the rest of a simulated request.
    """
    if latency_s <= MIN_LATENCY_S:
        return 0
    if latency_s >= EDGES_S[-1]:
        return N_BUCKETS - 1
    b = _GUESS[(float_bits(latency_s) >> _GUESS_SHIFT) - _GUESS_FIRST]
    while latency_s >= EDGES_S[b]:
        b += 1
    return int(b)


def bucket_value_s(bucket: np.ndarray) -> np.ndarray:
    """Representative latency [s] of buckets: the geometric midpoint of each bucket's bounds."""
    b = np.asarray(bucket, dtype=np.float64)
    return np.where(b <= 0, 0.0, MIN_LATENCY_S * GAMMA ** (b - 0.5))


@dataclass
class LatencyHistogram:
    """Log-bucketed latency histogram with at most 1 % relative error on quantiles."""

    counts: np.ndarray = field(default_factory=lambda: np.zeros(N_BUCKETS, dtype=np.int64))
    total_s: float = 0.0

    def add(self, latency_s: float) -> None:
        """Record one latency [s]."""
        self.counts[latency_bucket(latency_s)] += 1
        self.total_s += latency_s

    def add_many(self, latencies_s: np.ndarray) -> None:
        """Record many latencies [s] at once."""
        lat = np.asarray(latencies_s, dtype=np.float64)
        if lat.size == 0:
            return
        b = np.searchsorted(EDGES_S, lat, side="right")
        b = np.where(lat <= MIN_LATENCY_S, 0, np.minimum(b, N_BUCKETS - 1))
        self.counts += np.bincount(b, minlength=N_BUCKETS)
        self.total_s += float(lat.sum())

    @property
    def count(self) -> int:
        """Number of latencies recorded."""
        return int(self.counts.sum())

    def mean_s(self) -> float:
        """Exact mean latency [s] (0 when empty)."""
        n = self.count
        return self.total_s / n if n else 0.0

    def quantile_s(self, q: float) -> float:
        """Latency [s] at quantile ``q`` (0..1), within 1 % relative error."""
        n = self.count
        if n == 0:
            return 0.0
        rank = max(1, math.ceil(q * n))
        cum = np.cumsum(self.counts)
        bucket = int(np.searchsorted(cum, rank))
        return float(bucket_value_s(np.array([bucket]))[0])

    def cdf(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (latency_s, cumulative fraction) at each non-empty bucket."""
        n = self.count
        nz = np.nonzero(self.counts)[0]
        if n == 0:
            return np.zeros(0), np.zeros(0)
        return bucket_value_s(nz), np.cumsum(self.counts[nz]) / n


def bin_index(t_s: float, width_s: float, n_bins: int) -> int:
    """Bin of time ``t_s`` [s] for bins of ``width_s`` [s]; later times go to the last bin.

    A pure function of scalars, so that the compiled engines call this same code.
    """
    i = int(t_s / width_s)
    return i if i < n_bins else n_bins - 1


def add_interval(
    target: np.ndarray,
    t0_s: float,
    t1_s: float,
    weight: float,
    horizon_s: float,
    width_s: float,
    n_bins: int,
) -> None:
    """Add ``weight * overlap`` of ``[t0_s, t1_s]`` [s] with each bin into ``target``.

    Parameters
    ----------
    target : numpy.ndarray
        Per-bin integrals [s], updated in place.
    t0_s, t1_s : float
        The interval [s]; the part past ``horizon_s`` is ignored.
    weight : float
        Weight of the interval (for example ``1 / workers`` for one busy slot).
    horizon_s, width_s : float
        Simulated period and bin width [s].
    n_bins : int
        Number of bins.
    """
    t1_s = min(t1_s, horizon_s)
    if t1_s <= t0_s:
        return
    i0 = bin_index(t0_s, width_s, n_bins)
    i1 = bin_index(t1_s, width_s, n_bins)
    if i0 == i1:
        target[i0] += weight * (t1_s - t0_s)
        return
    w = width_s
    # t / w and i * w round apart by an ulp at a bin edge: the two partial pieces are clipped
    # at 0, so a bin never holds a negative time (-8.9e-16 s was found by a property test)
    target[i0] += weight * max(0.0, (i0 + 1) * w - t0_s)
    full = weight * w
    for i in range(i0 + 1, i1):  # a loop, not a slice: compiled code then needs no temporary
        target[i] += full
    target[i1] += weight * max(0.0, t1_s - i1 * w)


@dataclass
class TimeBins:
    """Per-bin counters and time integrals over ``[0, horizon_s]``.

    Parameters
    ----------
    horizon_s : float
        Simulated period [s].
    n_bins : int
        Number of equal bins.
    """

    horizon_s: float
    n_bins: int

    def __post_init__(self) -> None:
        self.width_s = self.horizon_s / self.n_bins
        zeros = lambda: np.zeros(self.n_bins, dtype=np.int64)  # noqa: E731
        self.arrivals = zeros()
        self.served = zeros()
        self.cold_starts = zeros()
        self.throttled = zeros()
        self.dropped = zeros()
        self.alive_s = np.zeros(self.n_bins)  # instance-seconds alive in the bin
        self.busy_s = np.zeros(self.n_bins)  # busy instance-equivalent seconds in the bin

    def index(self, t_s: float) -> int:
        """Bin of time ``t_s`` [s]; times past the horizon go to the last bin."""
        return bin_index(t_s, self.width_s, self.n_bins)

    def add_interval(self, target: np.ndarray, t0_s: float, t1_s: float, weight: float) -> None:
        """Add ``weight * overlap`` of ``[t0_s, t1_s]`` with each bin into ``target``."""
        add_interval(target, t0_s, t1_s, weight, self.horizon_s, self.width_s, self.n_bins)


def default_bin_count(horizon_s: float) -> int:
    """Time bins for ``timeseries.csv``: hourly up to 60 days, then at most 1,440 bins."""
    hours = max(1, math.ceil(horizon_s / 3600.0))
    if horizon_s <= 2 * 3600:
        return max(1, math.ceil(horizon_s / 60.0))
    return min(hours, 1440)
