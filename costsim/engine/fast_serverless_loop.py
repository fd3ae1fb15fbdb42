"""The compiled serverless loop: the entry points :mod:`costsim.engine.fast_serverless` calls.

:func:`run_chunk` walks a chunk of arrivals and handles completions from the event heap in
SimPy's order; :func:`drain` runs the completions left at the end and :func:`close` retires
the instances still alive. The model steps they call (arrive, pick, launch, start, finish,
reclaim, retire) are in :mod:`costsim.engine.fast_serverless_steps`, inlined here by numba.

numba's disk cache is keyed by the file that defines each compiled function, not by the files
of what it inlines or calls: after editing the steps, the state module or a rule, clear the
cache (``find costsim -name '*.nb[ic]' -delete``) or the loop cached here keeps the old code.
"""

from __future__ import annotations

import numpy as np

from costsim.engine.fast_common import njit, retire_at_close_s

# the steps are private to the compiled engine: this loop and its tests are their callers
from costsim.engine.fast_serverless_schedule import _advance
from costsim.engine.fast_serverless_state import ACTIVE, CREATED, IDLE, NEXT, PROV
from costsim.engine.fast_serverless_steps import _arrive, _retire


@njit
def run_chunk(arr, dur, cold, uni, start: int, params, state, a) -> int:
    """Simulate arrivals ``start..`` of a chunk; return the index reached.

    Stops before an arrival that could find no free slot, no room on the heap or in the
    overflow array, or no cold-start draw left.

    Parameters
    ----------
    arr, dur : numpy.ndarray
        Arrival times and durations of the chunk [s].
    cold : numpy.ndarray
        A block of cold-start durations [s], read from ``state.cold_pos`` on.
    uni : numpy.ndarray
        One uniform draw in [0, 1) per request (read only for ``reuse: random``).
    start : int
        The first arrival to simulate.
    params, state : numpy.ndarray
        One-element record arrays: the pool's parameters and its state.
    a : record
        The pool's arrays (:mod:`costsim.engine.fast_serverless_state`).

    Returns
    -------
    int
        The index of the first arrival not simulated (``len(arr)`` when all were).
    """
    p = params[0]
    s = state[0]
    n = len(arr)
    hcap = len(a.ht)
    ocap = a.overflow.shape[1]
    n_cold = len(cold)
    n_pc = len(a.pc_t)
    for i in range(start, n):
        t_s = arr[i]
        # a change due now is pending only when the loop stopped for room in the middle of it
        if t_s > s.now_s or (s.pc_pos < n_pc and a.pc_t[s.pc_pos] <= t_s):
            if not _advance(p, s, a, t_s):
                return i
            s.now_s = t_s
        # an arrival records at most two values per reclaimed instance (its last activity
        # period and its lifetime) and two of its own (a period it ends, init and duration)
        if (
            s.n_free_slots == 0
            or s.heap_n >= hcap
            or s.cold_pos >= n_cold
            or s.ov_n + s.heap_n + 2 * s.n_alive + 2 > ocap
        ):
            return i
        _arrive(p, s, a, t_s, dur[i], uni[i] if p.has_u else 0.0, cold)
    return n


@njit
def drain(params, state, a) -> bool:
    """Run the remaining completions and schedule changes.

    Parameters
    ----------
    params, state : numpy.ndarray
        One-element record arrays: the pool's parameters and its state.
    a : record
        The pool's arrays.

    Returns
    -------
    bool
        False when a change needs the arrays grown first (see
        :func:`~costsim.engine.fast_serverless_schedule._advance`); the caller grows them and
        calls again.
    """
    return _advance(params[0], state[0], a, np.inf)


@njit
def idle_slots(a, out: np.ndarray) -> int:
    """Write the slots of both idle lists into ``out``; return how many.

    Parameters
    ----------
    a : record
        The pool's arrays.
    out : numpy.ndarray
        Room for every alive instance's slot.

    Returns
    -------
    int
        Slots written (provisioned instances first, each list in idle order).
    """
    k = 0
    for lst in (1, 0):
        j = a.ends[2 * lst]
        while j >= 0:
            out[k] = j
            k += 1
            j = a.slot_i[NEXT, j]
    return k


@njit
def close(params, state, a, slots: np.ndarray) -> None:
    """Retire the instances in ``slots`` (every one alive, in id order): the reference's close.

    Parameters
    ----------
    params, state : numpy.ndarray
        One-element record arrays: the pool's parameters and its state.
    a : record
        The pool's arrays.
    slots : numpy.ndarray
        The alive instances' slots, in id order.
    """
    p = params[0]
    s = state[0]
    for slot in slots:
        end_s = retire_at_close_s(
            a.slot_i[ACTIVE, slot],
            a.slot_i[PROV, slot] != 0,
            a.slot_f[CREATED, slot],
            a.slot_f[IDLE, slot],
            p.keep_alive_s,
            p.max_lifetime_s,
            p.horizon_s,
        )
        _retire(p, s, a, slot, end_s)
    s.n_alive = 0
