"""Building blocks of the compiled engines: the shared rules, compiled, and an event heap.

The decision rules of :mod:`costsim.platforms.rules` and the metric helpers of
:mod:`costsim.engine.metrics` are compiled here from the very function objects the SimPy engines
call, so each rule exists once. JIT output is cached on disk (``cache=True``).

The event heap orders events as SimPy does: by time, then priority (completions are URGENT = 0),
then scheduling order (see :func:`new_heap`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import llvmlite.ir
import numba
import numba.extending
import numpy as np

from costsim import meters
from costsim.engine import batches, metrics
from costsim.engine.common import Chunk, OptionDraws, Progress
from costsim.platforms import fleet_rules, rules, serverless_rules

#: Compile with numba, caching the machine code on disk. Without numba's reference counting
#: (``_nrt=False``): the kernels only index arrays the caller allocated, and the atomic
#: increments and decrements around every call otherwise cost more than the simulation.
njit = numba.njit(cache=True, nogil=True, _nrt=False)  # type: ignore[call-overload]
#: The same, inlined into its callers by numba: for the large helpers of the kernels, whose many
#: array arguments would otherwise be passed on the stack at every call.
njit_inline = numba.njit(  # type: ignore[call-overload]
    cache=True, nogil=True, _nrt=False, inline="always"
)

billed_duration_s = njit(rules.billed_duration_s)
# serverless_rules.idle_expired calls keep_alive_expired through its module global.
numba.extending.register_jitable(rules.keep_alive_expired)
keep_alive_expired = njit(rules.keep_alive_expired)
# choose_warm calls prefer_warm through its module global: let compiled code resolve that name.
numba.extending.register_jitable(rules.prefer_warm)
prefer_warm = njit(rules.prefer_warm)
choose_warm = njit(rules.choose_warm)
bucket_refill = njit(rules.bucket_refill)
choose_server = njit(rules.choose_server)
desired_capacity = njit(rules.desired_capacity)
ms_ceil = njit(meters.ms_ceil)
admits_new_instance = njit(serverless_rules.admits_new_instance)
times_out = njit(serverless_rules.times_out)
run_time_s = njit(serverless_rules.run_time_s)
# idle_expired and retire_at_close_s call these through their module globals.
numba.extending.register_jitable(serverless_rules.lifetime_reached)
numba.extending.register_jitable(serverless_rules.idle_retire_s)
lifetime_reached = njit(serverless_rules.lifetime_reached)
idle_retire_s = njit(serverless_rules.idle_retire_s)
idle_expired = njit(serverless_rules.idle_expired)
retire_at_close_s = njit(serverless_rules.retire_at_close_s)
continues_active_period = njit(serverless_rules.continues_active_period)
# The fleet model's rules (see costsim.platforms.fleet_rules), compiled from the SimPy engine's.
counts_in_latency = njit(rules.counts_in_latency)
wait_expired = njit(fleet_rules.wait_expired)
queue_full = njit(fleet_rules.queue_full)
busy_within_horizon_s = njit(rules.busy_within_horizon_s)
clip_to_horizon_s = njit(rules.clip_to_horizon_s)
lifetime_s = njit(fleet_rules.lifetime_s)
metered_instance = njit(fleet_rules.metered_instance)
within_horizon = njit(fleet_rules.within_horizon)
dropped_at_close_s = njit(fleet_rules.dropped_at_close_s)
scale_from_zero = njit(fleet_rules.scale_from_zero)
cooldown_over = njit(fleet_rules.cooldown_over)


@numba.extending.intrinsic
def _bitcast_to_int64(typingctx: Any, x: Any) -> Any:
    sig = numba.types.int64(numba.types.float64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], llvmlite.ir.IntType(64))

    return sig, codegen


@numba.extending.overload(metrics.float_bits)
def _float_bits_compiled(x):  # no annotation: numba compares it with the lambda's
    return lambda x: _bitcast_to_int64(x)  # type: ignore[call-arg]


latency_bucket = njit(metrics.latency_bucket)
# add_interval calls bin_index through its module global: let compiled code resolve that name.
numba.extending.register_jitable(metrics.bin_index)
bin_index = njit(metrics.bin_index)
add_interval = njit(metrics.add_interval)
# the batch tally's two recorders call batch_of through their module global
numba.extending.register_jitable(batches.batch_of)
batch_arrival = njit(batches.batch_arrival)
batch_completion = njit(batches.batch_completion)

#: Bits of the order key below the priority: ``order = priority << SEQ_BITS | sequence``.
SEQ_BITS = 56


def new_heap(capacity: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Empty event heap for ``capacity`` events.

    Returns
    -------
    (time_s, order, payload_int, payload_float)
        Event time [s]; order key (priority, then scheduling sequence); an integer payload (a
        slot); a float payload (an end time [s]).
    """
    return (
        np.zeros(capacity),
        np.zeros(capacity, dtype=np.int64),
        np.zeros(capacity, dtype=np.int64),
        np.zeros(capacity),
    )


def chunk_arrays(
    chunks: Iterable[Chunk], draws: OptionDraws, uniforms: bool, progress: Progress | None
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each chunk as the kernels read it: contiguous (arrival [s], duration [s], uniforms).

    The uniforms (one per request) are drawn only when ``uniforms`` is true, for the rules that
    read them; otherwise a one-element placeholder stands in. ``progress`` is told each chunk's
    size once the caller has simulated it.
    """
    no_u = np.zeros(1)
    for chunk in chunks:
        n = len(chunk)
        uni = draws.uniform.random(n) if uniforms else no_u
        yield (
            np.ascontiguousarray(chunk.arrival_s, dtype=np.float64),
            np.ascontiguousarray(chunk.duration_s, dtype=np.float64),
            uni,
        )
        if progress is not None:
            progress(n)


def record_dtype(floats: tuple[str, ...], ints: tuple[str, ...]) -> np.dtype:
    """A numpy record type of float64 fields then int64 fields, for a compiled state record."""
    return np.dtype([(n, np.float64) for n in floats] + [(n, np.int64) for n in ints])


def grow(a: np.ndarray, capacity: int) -> np.ndarray:
    """Copy of the 1-D array ``a`` with ``capacity`` elements (existing elements kept)."""
    out = np.zeros(capacity, dtype=a.dtype)
    out[: len(a)] = a
    return out


def grow_rows(a: np.ndarray, capacity: int) -> np.ndarray:
    """Copy of the 2-D array ``a`` with ``capacity`` columns (existing columns kept)."""
    out = np.zeros((a.shape[0], capacity), dtype=a.dtype)
    out[:, : a.shape[1]] = a
    return out


@njit
def heap_push(
    ht: np.ndarray,
    ho: np.ndarray,
    ha: np.ndarray,
    hv: np.ndarray,
    n: int,
    t_s: float,
    order: int,
    a: int,
    v: float,
) -> int:
    """Add an event at ``t_s`` [s] with order key ``order``; return the new size.

    The caller makes sure there is room.
    """
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        pt = ht[parent]
        if pt < t_s or (pt == t_s and ho[parent] < order):
            break
        ht[i] = pt
        ho[i] = ho[parent]
        ha[i] = ha[parent]
        hv[i] = hv[parent]
        i = parent
    ht[i] = t_s
    ho[i] = order
    ha[i] = a
    hv[i] = v
    return n + 1


@njit
def heap_pop(ht: np.ndarray, ho: np.ndarray, ha: np.ndarray, hv: np.ndarray, n: int) -> int:
    """Remove the first event (read it at index 0 beforehand); return the new size."""
    n -= 1
    if n == 0:
        return 0
    t_s = ht[n]
    order = ho[n]
    a = ha[n]
    v = hv[n]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        right = child + 1
        if right < n and (
            ht[right] < ht[child] or (ht[right] == ht[child] and ho[right] < ho[child])
        ):
            child = right
        ct = ht[child]
        if t_s < ct or (t_s == ct and order < ho[child]):
            break
        ht[i] = ct
        ho[i] = ho[child]
        ha[i] = ha[child]
        hv[i] = hv[child]
        i = child
    ht[i] = t_s
    ho[i] = order
    ha[i] = a
    hv[i] = v
    return n
