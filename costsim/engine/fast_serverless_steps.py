"""The model steps of the compiled serverless loop: the SimPy reference's semantics, in numba.

One event loop (:func:`~costsim.engine.fast_serverless_loop.run_chunk`) walks a chunk of
arrivals and handles completions from an event heap in SimPy's order (time, then completions
before arrivals, then scheduling order), so counts, meters, the latency histogram and the time
bins come out exactly as the reference's. Each model step (arrive, pick, launch, start, finish,
reclaim, retire; the close is the loop's) is one compiled function over one state record, the
parameters record and the pool's arrays (see :mod:`costsim.engine.fast_serverless_state`),
inlined into the loop by numba; the decisions
inside them are the rules of :mod:`costsim.platforms.rules` and
:mod:`costsim.platforms.serverless_rules`, compiled.

numba's disk cache is keyed by the file that defines each compiled function, not by the files
of what it inlines or calls: after editing this file, the state module or a rule, clear the
cache (``find costsim -name '*.nb[ic]' -delete``) or the loop of
:mod:`costsim.engine.fast_serverless_loop` keeps the old code.

Where the reference looks at every instance on every arrival, the loop keeps structures that
reach the same decisions looking only at the instances that can matter:

* instances live in stable slots (``slot_f``: created, idle since, ready, active since [s];
  ``slot_i``: id, active requests, provisioned, idle-list links);
* two *idle lists*, on-demand and provisioned instances with no request, each in the order they
  became idle (completions come in time order, so each list is sorted by idle time): the
  instances whose keep-alive ran out are at the head of the on-demand one; those past their
  maximum lifetime can be anywhere in it, so the state keeps a lower bound of the earliest
  creation time in it (``idle_created_s``) and the list is searched only once that bound is
  past the lifetime;
* the *free sets*, one per list: the instances with a free slot (``active <
  instance_concurrency``), in id order (descending for ``reuse: oldest``, so that the pick is
  at the end).

The pick is an index choice inside the same loop: for one request per instance and ``reuse:
mru`` (the defaults, ``lean``) the free instances are exactly the idle ones and the one mru
prefers is at the tail of a list, so the free sets are not kept at all; otherwise the
candidates are read from the free sets.

Meters: durations, init, instance lifetimes and active periods are counted per whole
millisecond, in a dense array below :data:`~costsim.engine.common.DENSE_MS` and as raw values in
an overflow array above it, which the caller empties into sparse histograms. When the slots,
the heap or the overflow array could run out, or the block of cold-start draws is used up, the
loop stops before the next arrival and returns its index; the caller grows the arrays (or hands
it the next block) and calls again. Memory therefore follows the number of instances and
requests in flight and the distinct long values seen, never the horizon.
"""

from __future__ import annotations

import numpy as np

from costsim.engine.common import DENSE_MS
from costsim.engine.fast_common import (
    add_interval,
    admits_new_instance,
    batch_arrival,
    batch_completion,
    bin_index,
    bucket_refill,
    busy_within_horizon_s,
    clip_to_horizon_s,
    continues_active_period,
    counts_in_latency,
    heap_pop,
    heap_push,
    idle_expired,
    idle_retire_s,
    keep_alive_expired,
    latency_bucket,
    lifetime_reached,
    ms_ceil,
    njit_inline,
    run_time_s,
    times_out,
)
from costsim.engine.fast_serverless_state import (
    ACTIVE,
    ACTIVE_SINCE,
    CREATED,
    H_ACTIVE,
    H_DUR,
    H_INIT,
    H_LIFE,
    H_PACTIVE,
    H_PDUR,
    ID,
    IDLE,
    NEXT,
    O_HEAD,
    PROV,
    READY,
    free_find,
    free_insert,
    free_remove,
    in_free_set,
    list_push,
    list_unlink,
    mru_in_list,
)
from costsim.platforms.serverless_rules import NO_PERIOD_S


@njit_inline
def _record(s, a, row: int, value_ms: int) -> None:
    """Count ``value_ms`` [ms] in histogram ``row`` (the caller made room in the overflow).

    Parameters
    ----------
    s, a : record
        The pool's state and arrays.
    row : int
        The histogram (``H_DUR``, ``H_INIT``, ``H_LIFE``, ...).
    value_ms : int
        The value, rounded up to a whole millisecond [ms].
    """
    if value_ms < DENSE_MS:
        a.hist[row, value_ms] += 1
    else:
        a.overflow[0, s.ov_n] = row
        a.overflow[1, s.ov_n] = value_ms
        s.ov_n += 1


@njit_inline
def _close_period(s, a, slot: int) -> None:
    """Record the open activity period of ``slot``, which ended when it last went idle.

    Parameters
    ----------
    s, a : record
        The pool's state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    slot : int
        The instance's slot.
    """
    since_s = a.slot_f[ACTIVE_SINCE, slot]
    if since_s == NO_PERIOD_S:
        return
    period_s = a.slot_f[IDLE, slot] - since_s
    s.active_s += period_s
    _record(s, a, H_PACTIVE if a.slot_i[PROV, slot] else H_ACTIVE, ms_ceil(period_s))
    a.slot_f[ACTIVE_SINCE, slot] = NO_PERIOD_S


@njit_inline
def _retire(p, s, a, slot: int, end_s: float) -> None:
    """Account for the instance in ``slot`` alive from its creation to ``end_s`` [s].

    Parameters
    ----------
    p, s, a : record
        The pool's parameters, state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    slot : int
        The instance's slot.
    end_s : float
        When it retires [s]; its life is metered up to the horizon.
    """
    if a.slot_i[ACTIVE, slot] == 0:
        _close_period(s, a, slot)
    created_s = a.slot_f[CREATED, slot]
    end_s = clip_to_horizon_s(end_s, p.horizon_s)
    if end_s > created_s:
        s.alive_s += end_s - created_s
        add_interval(a.b_alive, created_s, end_s, 1.0, p.horizon_s, p.bin_width_s, p.n_bins)
        _record(s, a, H_LIFE, ms_ceil(end_s - created_s))


@njit_inline
def _finish(p, s, a) -> None:
    """Complete the first request on the heap: free its share of the instance, count it.

    Parameters
    ----------
    p, s, a : record
        The pool's parameters, state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    """
    s.now_s = a.ht[0]
    code = a.ha[0]
    end_s = a.hv[0]
    s.heap_n = heap_pop(a.ht, a.ho, a.ha, a.hv, s.heap_n)
    slot = code >> 2
    active = a.slot_i[ACTIVE, slot] - 1
    a.slot_i[ACTIVE, slot] = active
    prov = a.slot_i[PROV, slot]
    if active == 0:
        # the activity period stays open: the next request may continue it
        a.slot_f[IDLE, slot] = end_s
        list_push(a, slot, prov)
        if not prov:
            s.idle_created_s = min(s.idle_created_s, a.slot_f[CREATED, slot])
    if not p.lean and active == p.conc - 1:
        if prov:
            s.nf_prov = free_insert(a.f_prov, s.nf_prov, slot, a.slot_i, p.sign)
        else:
            s.nf_other = free_insert(a.f_other, s.nf_other, slot, a.slot_i, p.sign)
    if code & 1:
        s.timed_out += 1
        return
    s.served += 1
    if code & 2:  # started on a provisioned instance: its duration is metered there
        s.provisioned_served += 1
    a.b_served[bin_index(end_s, p.bin_width_s, p.n_bins)] += 1


@njit_inline
def _by_id(a, m: int, slot: int) -> int:
    """Insert ``slot`` into the first ``m`` scratch entries, kept in id order.

    Parameters
    ----------
    a : record
        The pool's arrays (:mod:`costsim.engine.fast_serverless_state`).
    m : int
        Entries of ``a.scratch`` in use.
    slot : int
        The instance's slot.

    Returns
    -------
    int
        The new count, ``m + 1``.
    """
    si = a.slot_i
    scratch = a.scratch
    # insertion sort by id: usually one or two instances expire at a time
    j = m
    while j > 0 and si[ID, scratch[j - 1]] > si[ID, slot]:
        scratch[j] = scratch[j - 1]
        j -= 1
    scratch[j] = slot
    return m + 1


@njit_inline
def _aged_out(p, s, a, t_s: float) -> int:
    """Move every idle on-demand instance past its lifetime at ``t_s`` [s] from the idle list
    to the scratch (in id order). Resets ``idle_created_s`` to the earliest creation among
    those left.

    Parameters
    ----------
    p, s, a : record
        The pool's parameters, state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    t_s : float
        Now [s].

    Returns
    -------
    int
        How many instances were moved to the scratch.
    """
    sf = a.slot_f
    m = 0
    earliest_s = np.inf
    slot = a.ends[O_HEAD]
    while slot >= 0:
        nxt = a.slot_i[NEXT, slot]
        if idle_expired(sf[CREATED, slot], sf[IDLE, slot], t_s, p.keep_alive_s, p.max_lifetime_s):
            list_unlink(a, slot, 0)
            m = _by_id(a, m, slot)
        else:
            earliest_s = min(earliest_s, sf[CREATED, slot])
        slot = nxt
    s.idle_created_s = earliest_s
    return m


@njit_inline
def _reclaim(p, s, a, t_s: float) -> None:
    """Retire, in id order, every idle on-demand instance whose keep-alive has run out or that
    has reached its lifetime by ``t_s`` [s].

    Parameters
    ----------
    p, s, a : record
        The pool's parameters, state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    t_s : float
        Now [s].
    """
    ka_s = p.keep_alive_s
    si = a.slot_i
    m = 0
    if lifetime_reached(s.idle_created_s, t_s, p.max_lifetime_s):
        m = _aged_out(p, s, a, t_s)
    # the idle list is in idle order: the instances whose keep-alive ran out are at its head
    while a.ends[O_HEAD] >= 0 and keep_alive_expired(a.slot_f[IDLE, a.ends[O_HEAD]], t_s, ka_s):
        slot = a.ends[O_HEAD]
        list_unlink(a, slot, 0)
        m = _by_id(a, m, slot)
    for j in range(m):
        slot = a.scratch[j]
        end_s = idle_retire_s(a.slot_f[CREATED, slot], a.slot_f[IDLE, slot], ka_s, p.max_lifetime_s)
        _retire(p, s, a, slot, end_s)
        if not p.lean:
            k = free_find(a.f_other, s.nf_other, p.sign * si[ID, slot], si, p.sign)
            s.nf_other = free_remove(a.f_other, s.nf_other, k)
        a.slots_free[s.n_free_slots] = slot
        s.n_free_slots += 1
    s.n_alive -= m


@njit_inline
def _pick(p, s, a, t_s: float, u: float) -> int:
    """Slot of the warm instance to use (provisioned first), or -1.

    Parameters
    ----------
    p, s, a : record
        The pool's parameters, state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    t_s : float
        Arrival time [s].
    u : float
        A uniform draw in [0, 1), read for ``reuse: random``.

    Returns
    -------
    int
        The slot, taken off its idle list (and free set when full); -1 when none is free.
    """
    if p.lean:
        for lst in (1, 0):
            tail = a.ends[2 * lst + 1]
            if tail >= 0:
                slot = mru_in_list(a, tail)
                list_unlink(a, slot, lst)
                return slot
        return -1
    for lst in (1, 0):
        fr = a.f_prov if lst else a.f_other
        n = s.nf_prov if lst else s.nf_other
        k = in_free_set(p, a, fr, n, t_s, u)
        if k >= 0:
            slot = fr[k]
            active = a.slot_i[ACTIVE, slot]
            if active == 0:
                list_unlink(a, slot, lst)
            if active + 1 == p.conc:
                if lst:
                    s.nf_prov = free_remove(fr, n, k)
                else:
                    s.nf_other = free_remove(fr, n, k)
            return slot
    return -1


@njit_inline
def _launch(p, s, a, t_s: float, init_s: float) -> int:
    """Start a new on-demand instance at ``t_s`` [s], ready after ``init_s`` [s]; its slot.

    Parameters
    ----------
    p, s, a : record
        The pool's parameters, state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    t_s : float
        Launch time [s].
    init_s : float
        Its cold start [s].

    Returns
    -------
    int
        The slot of the new instance.
    """
    s.n_free_slots -= 1
    slot = a.slots_free[s.n_free_slots]
    a.slot_f[CREATED, slot] = t_s
    a.slot_f[IDLE, slot] = t_s
    a.slot_f[READY, slot] = t_s + init_s
    a.slot_f[ACTIVE_SINCE, slot] = NO_PERIOD_S
    a.slot_i[ID, slot] = s.next_id
    a.slot_i[ACTIVE, slot] = 0
    a.slot_i[PROV, slot] = 0
    s.next_id += 1
    s.n_alive += 1
    s.max_instances = max(s.max_instances, s.n_alive)
    s.cold_starts += 1
    _record(s, a, H_INIT, ms_ceil(init_s))
    if not p.lean and p.conc > 1:
        s.nf_other = free_insert(a.f_other, s.nf_other, slot, a.slot_i, p.sign)
    return slot


@njit_inline
def _start(p, s, a, slot: int, t_s: float, dur_s: float, init_s: float) -> None:
    """Run a request arriving at ``t_s`` [s] on ``slot``, after ``init_s`` [s] of cold start.

    Parameters
    ----------
    p, s, a : record
        The pool's parameters, state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    slot : int
        The instance's slot.
    t_s, dur_s, init_s : float
        Arrival time, duration and cold start (0 when warm) [s].
    """
    if a.slot_i[ACTIVE, slot] == 0 and not continues_active_period(
        a.slot_f[ACTIVE_SINCE, slot], a.slot_f[IDLE, slot], t_s
    ):
        _close_period(s, a, slot)
        a.slot_f[ACTIVE_SINCE, slot] = t_s
    a.slot_i[ACTIVE, slot] += 1
    timed_out = times_out(dur_s, p.timeout_s)
    run_s = run_time_s(dur_s, p.timeout_s)
    latency_s = init_s + run_s
    end_s = t_s + latency_s
    if not timed_out and counts_in_latency(t_s, p.warmup_s):
        a.lat_counts[latency_bucket(latency_s)] += 1
        s.lat_total_s += latency_s
    if not timed_out:
        batch_completion(a.batch_tally, a.batch_cfg, t_s, end_s)
    _record(s, a, H_PDUR if a.slot_i[PROV, slot] else H_DUR, ms_ceil(run_s))
    if end_s > t_s:
        s.busy_s += busy_within_horizon_s(t_s, end_s, p.horizon_s, p.weight)
        add_interval(a.b_busy, t_s, end_s, p.weight, p.horizon_s, p.bin_width_s, p.n_bins)
    code = 4 * slot + 2 * a.slot_i[PROV, slot] + (1 if timed_out else 0)
    s.heap_n = heap_push(a.ht, a.ho, a.ha, a.hv, s.heap_n, max(end_s, s.now_s), s.seq, code, end_s)
    s.seq += 1


@njit_inline
def _arrive(p, s, a, t_s: float, dur_s: float, u: float, cold: np.ndarray) -> None:
    """The reference's ``_Pool.arrive``: reclaim, then a warm instance, a new one or a throttle.

    Parameters
    ----------
    p, s, a : record
        The pool's parameters, state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    t_s, dur_s : float
        Arrival time and duration [s].
    u : float
        A uniform draw in [0, 1), read for ``reuse: random``.
    cold : numpy.ndarray
        The block of cold-start durations [s], read from ``s.cold_pos`` on.
    """
    b = bin_index(t_s, p.bin_width_s, p.n_bins)
    s.arrived += 1
    a.b_arrivals[b] += 1
    batch_arrival(a.batch_tally, a.batch_cfg, t_s)
    _reclaim(p, s, a, t_s)
    slot = _pick(p, s, a, t_s, u)
    init_s = 0.0
    if slot < 0:
        s.tokens = bucket_refill(s.tokens, s.tokens_at_s, t_s, p.burst, p.rate_per_s)
        s.tokens_at_s = t_s
        if not admits_new_instance(s.n_alive, p.limit, s.tokens):
            s.throttled += 1
            a.b_throttled[b] += 1
            return
        s.tokens -= 1.0
        init_s = cold[s.cold_pos]
        s.cold_pos += 1
        slot = _launch(p, s, a, t_s, init_s)
        a.b_cold[b] += 1
    _start(p, s, a, slot, t_s, dur_s, init_s)
