"""Constant-rate Poisson requests and their durations, drawn in one compiled loop.

The commonest traffic (``profile: constant`` with a fixed, exponential or lognormal workload)
is generated here by numba instead of by numpy array operations. The values are those of the
general path (:func:`costsim.traffic.arrivals.arrival_chunks` and the distributions' ``sample``):
each arrival takes the next unit exponential of the arrivals stream, accumulated in order and
divided by the rate, and each request the next draw of the durations stream, through the same
numpy generators (numba calls their bit generators). The one difference is the ``exp`` of a
lognormal draw, computed by the C library instead of numpy's vectorised ``exp``, which may differ
in the last bit. One loop over the requests, with no temporary arrays, makes generation several
times cheaper than the array version, which matters once the engine costs about as much.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numba
import numpy as np

from costsim.stats.distributions import Distribution, Exponential, Fixed, Lognormal
from costsim.traffic.chunk import Chunk
from costsim.traffic.profiles import Constant

FIXED, EXPONENTIAL, LOGNORMAL = 0, 1, 2


@numba.njit(cache=True, nogil=True)
def _fill(
    g_arr: np.random.Generator,
    g_dur: np.random.Generator,
    arr_s: np.ndarray,
    dur_s: np.ndarray,
    cum: float,
    total: float,
    rate_rps: float,
    kind: int,
    a: float,
    b: float,
) -> tuple[int, float, bool]:
    """Fill ``arr_s``/``dur_s`` with the next requests; return (count, cumulative, finished).

    ``cum`` is the sum of the unit exponentials drawn so far; the stream ends at the first sum
    reaching ``total`` (the expected count over the horizon). Durations are ``a`` (fixed),
    ``a`` times a unit exponential, or ``exp(a + b z)`` for a standard normal ``z``.
    """
    for i in range(len(arr_s)):
        cum += g_arr.standard_exponential()
        if cum >= total:
            return i, cum, True
        arr_s[i] = cum / rate_rps
        if kind == FIXED:
            dur_s[i] = a
        elif kind == EXPONENTIAL:
            dur_s[i] = a * g_dur.standard_exponential()
        else:
            dur_s[i] = math.exp(a + b * g_dur.standard_normal())
    return len(arr_s), cum, False


def _duration_params(dist: Distribution) -> tuple[int, float, float] | None:
    if isinstance(dist, Fixed):
        return FIXED, dist.value, 0.0
    if isinstance(dist, Exponential):
        return EXPONENTIAL, dist.mean, 0.0
    if isinstance(dist, Lognormal):
        return LOGNORMAL, dist.mu, dist.sigma
    return None


def supports(profile: object, workload: Distribution) -> bool:
    """Whether :func:`fused_chunks` can generate this traffic."""
    return type(profile) is Constant and _duration_params(workload) is not None


def fused_chunks(
    profile: Constant,
    workload: Distribution,
    horizon_s: float,
    g_arr: np.random.Generator,
    g_dur: np.random.Generator,
    chunk_size: int,
) -> Iterator[Chunk]:
    """The requests of a constant-rate profile in ``[0, horizon_s)``, ``chunk_size`` at a time.

    Parameters
    ----------
    profile : Constant
        The arrival-rate profile.
    workload : Distribution
        Fixed, exponential or lognormal durations (see :func:`supports`).
    horizon_s : float
        End of the simulated period [s].
    g_arr, g_dur : numpy.random.Generator
        The arrivals and durations streams.
    chunk_size : int
        Largest number of requests in one chunk.
    """
    params = _duration_params(workload)
    assert params is not None
    kind, a, b = params
    if horizon_s <= 0:
        return
    rate_rps = profile.scale * profile.mean_rps
    total = float(profile.cumulative(np.array([horizon_s]))[0])
    if total <= 0:
        return
    cum = 0.0
    finished = False
    while not finished:
        arr_s = np.empty(chunk_size)
        dur_s = np.empty(chunk_size)
        n, cum, finished = _fill(g_arr, g_dur, arr_s, dur_s, cum, total, rate_rps, kind, a, b)
        if n:
            yield Chunk(arr_s[:n], dur_s[:n])
