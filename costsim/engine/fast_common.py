"""Building blocks of the compiled engines: the shared rules, compiled, and an event heap.

The decision rules of :mod:`costsim.platforms.rules` and the metric helpers of
:mod:`costsim.engine.metrics` are compiled here from the very function objects the SimPy engines
call, so each rule exists once. JIT output is cached on disk (``cache=True``).

The event heap orders events as SimPy does: by time, then priority (completions are URGENT = 0),
then scheduling order. Events live in parallel arrays: ``hf[0]`` time [s], ``hf[1]`` a float
payload, ``hi[0]`` priority, ``hi[1]`` sequence number, ``hi[2:5]`` integer payloads.
"""

from __future__ import annotations

import numba
import numba.extending
import numpy as np

from costsim.engine import metrics
from costsim.platforms import rules

njit = numba.njit(cache=True, nogil=True)

billed_duration_s = njit(rules.billed_duration_s)
keep_alive_expired = njit(rules.keep_alive_expired)
choose_warm = njit(rules.choose_warm)
bucket_refill = njit(rules.bucket_refill)
choose_server = njit(rules.choose_server)
desired_capacity = njit(rules.desired_capacity)
latency_bucket = njit(metrics.latency_bucket)
# add_interval calls bin_index through its module global: let compiled code resolve that name.
numba.extending.register_jitable(metrics.bin_index)
bin_index = njit(metrics.bin_index)
add_interval = njit(metrics.add_interval)

#: Rows of the float and integer heap arrays.
H_TIME, H_VAL = 0, 1
H_PRI, H_SEQ, H_A, H_B, H_C = 0, 1, 2, 3, 4


def new_heap(capacity: int) -> tuple[np.ndarray, np.ndarray]:
    """Empty event-heap arrays for ``capacity`` events: (floats ``(2, n)``, ints ``(5, n)``)."""
    return np.zeros((2, capacity)), np.zeros((5, capacity), dtype=np.int64)


def grow_rows(a: np.ndarray, capacity: int) -> np.ndarray:
    """Copy of the 2-D array ``a`` with ``capacity`` columns (existing columns kept)."""
    out = np.zeros((a.shape[0], capacity), dtype=a.dtype)
    out[:, : a.shape[1]] = a
    return out


def grow(a: np.ndarray, capacity: int) -> np.ndarray:
    """Copy of the 1-D array ``a`` with ``capacity`` elements (existing elements kept)."""
    out = np.zeros(capacity, dtype=a.dtype)
    out[: len(a)] = a
    return out


@njit
def _before(hf: np.ndarray, hi: np.ndarray, i: int, j: int) -> bool:
    """Whether event ``i`` is processed before event ``j``."""
    if hf[0, i] != hf[0, j]:
        return hf[0, i] < hf[0, j]
    if hi[0, i] != hi[0, j]:
        return hi[0, i] < hi[0, j]
    return hi[1, i] < hi[1, j]


@njit
def _swap(hf: np.ndarray, hi: np.ndarray, i: int, j: int) -> None:
    for r in range(hf.shape[0]):
        x = hf[r, i]
        hf[r, i] = hf[r, j]
        hf[r, j] = x
    for r in range(hi.shape[0]):
        y = hi[r, i]
        hi[r, i] = hi[r, j]
        hi[r, j] = y


@njit
def heap_push(
    hf: np.ndarray,
    hi: np.ndarray,
    n: int,
    t_s: float,
    val: float,
    pri: int,
    seq: int,
    a: int,
    b: int,
    c: int,
) -> int:
    """Add an event at time ``t_s`` [s]; return the new heap size (capacity is the caller's)."""
    hf[0, n] = t_s
    hf[1, n] = val
    hi[0, n] = pri
    hi[1, n] = seq
    hi[2, n] = a
    hi[3, n] = b
    hi[4, n] = c
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        if not _before(hf, hi, i, parent):
            break
        _swap(hf, hi, i, parent)
        i = parent
    return n + 1


@njit
def heap_pop(hf: np.ndarray, hi: np.ndarray, n: int) -> int:
    """Remove the first event (read it at column 0 beforehand); return the new heap size."""
    n -= 1
    if n > 0:
        _swap(hf, hi, 0, n)
        i = 0
        while True:
            left = 2 * i + 1
            if left >= n:
                break
            child = left
            right = left + 1
            if right < n and _before(hf, hi, right, left):
                child = right
            if not _before(hf, hi, child, i):
                break
            _swap(hf, hi, i, child)
            i = child
    return n
