"""Compiled engine for serverless function pools: the SimPy reference's semantics, in numba.

One event loop (:func:`_run_chunk`) walks a chunk of arrivals and handles completions from an
event heap in SimPy's order (time, then completions before arrivals, then scheduling order), so
counts, meters, the latency histogram and the time bins come out exactly as the reference's.
Each model step (arrive, pick, launch, start, finish, reclaim, retire, close) is one compiled
function over one state record (:data:`STATE`), the parameters record (:data:`PARAMS`) and the
pool's arrays (:class:`Arrays`); the decisions inside them are the rules of
:mod:`costsim.platforms.rules` and :mod:`costsim.platforms.serverless_rules`, compiled.

Where the reference looks at every instance on every arrival, the loop keeps structures that
reach the same decisions looking only at the instances that can matter:

* instances live in stable slots (``slot_f``: created, idle since, ready, active since [s];
  ``slot_i``: id, active requests, provisioned, idle-list links);
* two *idle lists*, on-demand and provisioned instances with no request, each in the order they
  became idle (completions come in time order, so each list is sorted by idle time): the
  instances whose keep-alive ran out are at the head of the on-demand one;
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

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from costsim.engine.common import (
    DENSE_MS,
    SERVERLESS_HISTOGRAMS,
    Chunk,
    ColdDraws,
    Counters,
    EngineOutput,
    OptionDraws,
    Progress,
    serverless_meters,
)
from costsim.engine.fast_common import (
    add_interval,
    admits_new_instance,
    alive_end_s,
    bin_index,
    bucket_refill,
    busy_integral_s,
    choose_warm,
    chunk_arrays,
    counts_for_latency,
    grow,
    grow_rows,
    heap_pop,
    heap_push,
    keep_alive_expired,
    latency_bucket,
    ms_ceil,
    new_heap,
    njit,
    njit_inline,
    prefer_warm,
    retire_at_close_s,
    run_time_s,
    times_out,
)
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.meters import MsHistogram
from costsim.platforms.rules import REUSE_POLICIES
from costsim.platforms.serverless import ServerlessPlatform

#: The platform's parameters as the loop reads them (one record, read only).
PARAMS = np.dtype(
    [
        ("keep_alive_s", np.float64),
        ("burst", np.float64),
        ("rate_per_s", np.float64),
        ("horizon_s", np.float64),
        ("bin_width_s", np.float64),
        ("warmup_s", np.float64),
        ("timeout_s", np.float64),
        ("weight", np.float64),  # share of an instance one request holds
        ("policy", np.int64),
        ("conc", np.int64),
        ("limit", np.int64),
        ("n_bins", np.int64),
        ("lean", np.int64),  # one request per instance and mru: pick from the idle lists
        ("sign", np.int64),  # free sets sorted by sign * id: -1 for oldest, else 1
        ("has_u", np.int64),
    ]
)
#: The scalar state the loop carries from one chunk to the next (one record).
STATE = np.dtype(
    [
        ("now_s", np.float64),
        ("tokens", np.float64),
        ("tokens_at_s", np.float64),
        ("lat_total_s", np.float64),
        ("alive_s", np.float64),
        ("busy_s", np.float64),
        ("active_s", np.float64),
        ("n_alive", np.int64),
        ("next_id", np.int64),
        ("heap_n", np.int64),
        ("seq", np.int64),
        ("n_free_slots", np.int64),
        ("nf_prov", np.int64),
        ("nf_other", np.int64),
        ("arrived", np.int64),
        ("served", np.int64),
        ("cold_starts", np.int64),
        ("throttled", np.int64),
        ("timed_out", np.int64),
        ("provisioned_served", np.int64),
        ("max_instances", np.int64),
        ("cold_pos", np.int64),
        ("ov_n", np.int64),
    ]
)
# Slot rows: slot_f (float), slot_i (int).
CREATED, IDLE, READY, ACTIVE_SINCE = range(4)
ID, ACTIVE, PROV, PREV, NEXT = range(5)
# Idle-list ends in ``ends``: list 0 (on demand) then list 1 (provisioned), head then tail.
O_HEAD, O_TAIL, P_HEAD, P_TAIL = range(4)
# Histogram rows, in the order of SERVERLESS_HISTOGRAMS.
H_DUR, H_PDUR, H_INIT, H_LIFE, H_ACTIVE, H_PACTIVE = range(len(SERVERLESS_HISTOGRAMS))
MRU, NEWEST, OLDEST, RANDOM_POLICY = (
    REUSE_POLICIES.index(n) for n in ("mru", "newest", "oldest", "random")
)


class Arrays(NamedTuple):
    """The arrays of a pool, as the compiled steps read them (the caller allocates and grows)."""

    slot_f: np.ndarray  # (4, cap) float: CREATED, IDLE, READY, ACTIVE_SINCE [s]
    slot_i: np.ndarray  # (5, cap) int: ID, ACTIVE, PROV, PREV, NEXT
    ends: np.ndarray  # (4,) idle-list heads and tails
    slots_free: np.ndarray  # stack of unused slots
    f_prov: np.ndarray  # free set of provisioned instances, by sign * id
    f_other: np.ndarray  # free set of on-demand instances, by sign * id
    scratch: np.ndarray  # retirements in id order
    cand: np.ndarray  # (2, cap) float: stands for the candidates of ``reuse: random``
    ht: np.ndarray  # event heap: time [s]
    ho: np.ndarray  # order key
    ha: np.ndarray  # 2 * slot + timed out
    hv: np.ndarray  # end time [s]
    hist: np.ndarray  # (6, DENSE_MS) counts per whole millisecond
    overflow: np.ndarray  # (2, n) histogram row and value [ms] of values >= DENSE_MS
    lat_counts: np.ndarray
    b_arrivals: np.ndarray
    b_served: np.ndarray
    b_cold: np.ndarray
    b_throttled: np.ndarray
    b_alive: np.ndarray
    b_busy: np.ndarray


@njit_inline
def _record(s, a, row: int, value_ms: int) -> None:
    """Count ``value_ms`` [ms] in histogram ``row`` (the caller made room in the overflow)."""
    if value_ms < DENSE_MS:
        a.hist[row, value_ms] += 1
    else:
        a.overflow[0, s.ov_n] = row
        a.overflow[1, s.ov_n] = value_ms
        s.ov_n += 1


@njit_inline
def _retire(p, s, a, slot: int, end_s: float) -> None:
    """Account for the instance in ``slot`` alive from its creation to ``end_s`` [s]."""
    created_s = a.slot_f[CREATED, slot]
    end_s = alive_end_s(end_s, p.horizon_s)
    if end_s > created_s:
        s.alive_s += end_s - created_s
        add_interval(a.b_alive, created_s, end_s, 1.0, p.horizon_s, p.bin_width_s, p.n_bins)
        _record(s, a, H_LIFE, ms_ceil(end_s - created_s))


@njit_inline
def _list_push(a, slot: int, lst: int) -> None:
    """Add ``slot`` to idle list ``lst``, after every instance idle as long or longer."""
    ends = a.ends
    si = a.slot_i
    idle_s = a.slot_f[IDLE, slot]
    after = ends[2 * lst + 1]
    while after >= 0 and a.slot_f[IDLE, after] > idle_s:
        after = si[PREV, after]
    before = ends[2 * lst] if after < 0 else si[NEXT, after]
    si[PREV, slot] = after
    si[NEXT, slot] = before
    if after < 0:
        ends[2 * lst] = slot
    else:
        si[NEXT, after] = slot
    if before < 0:
        ends[2 * lst + 1] = slot
    else:
        si[PREV, before] = slot


@njit_inline
def _list_unlink(a, slot: int, lst: int) -> None:
    """Remove ``slot`` from idle list ``lst``."""
    si = a.slot_i
    prev = si[PREV, slot]
    nxt = si[NEXT, slot]
    if prev < 0:
        a.ends[2 * lst] = nxt
    else:
        si[NEXT, prev] = nxt
    if nxt < 0:
        a.ends[2 * lst + 1] = prev
    else:
        si[PREV, nxt] = prev


@njit
def _free_find(fr: np.ndarray, n: int, key: int, si: np.ndarray, sign: int) -> int:
    """Position of the instance with ``sign * id == key`` (or where it goes) in the free set
    ``fr`` of size ``n``, which is sorted by ``sign * id``."""
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) >> 1
        if sign * si[ID, fr[mid]] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def _free_insert(fr: np.ndarray, n: int, slot: int, si: np.ndarray, sign: int) -> int:
    """Add ``slot`` to the free set ``fr`` of size ``n``, keeping its order; return the size."""
    key = sign * si[ID, slot]
    k = n
    if n > 0 and sign * si[ID, fr[n - 1]] > key:
        k = _free_find(fr, n, key, si, sign)
        for j in range(n, k, -1):
            fr[j] = fr[j - 1]
    fr[k] = slot
    return n + 1


@njit
def _free_remove(fr: np.ndarray, n: int, k: int) -> int:
    """Remove position ``k`` from the free set ``fr`` of size ``n``; return the size."""
    for j in range(k, n - 1):
        fr[j] = fr[j + 1]
    return n - 1


@njit_inline
def _finish(p, s, a) -> None:
    """Complete the first request on the heap: free its share of the instance, count it."""
    s.now_s = a.ht[0]
    code = a.ha[0]
    end_s = a.hv[0]
    s.heap_n = heap_pop(a.ht, a.ho, a.ha, a.hv, s.heap_n)
    slot = code >> 1
    active = a.slot_i[ACTIVE, slot] - 1
    a.slot_i[ACTIVE, slot] = active
    prov = a.slot_i[PROV, slot]
    if active == 0:
        a.slot_f[IDLE, slot] = end_s
        period_s = end_s - a.slot_f[ACTIVE_SINCE, slot]
        s.active_s += period_s
        _record(s, a, H_PACTIVE if prov else H_ACTIVE, ms_ceil(period_s))
        _list_push(a, slot, prov)
    if not p.lean and active == p.conc - 1:
        if prov:
            s.nf_prov = _free_insert(a.f_prov, s.nf_prov, slot, a.slot_i, p.sign)
        else:
            s.nf_other = _free_insert(a.f_other, s.nf_other, slot, a.slot_i, p.sign)
    if code & 1:
        s.timed_out += 1
        return
    s.served += 1
    if prov:
        s.provisioned_served += 1
    a.b_served[bin_index(end_s, p.bin_width_s, p.n_bins)] += 1


@njit_inline
def _reclaim(p, s, a, t_s: float) -> None:
    """Retire, in id order, every idle instance whose keep-alive has run out by ``t_s`` [s]."""
    ka_s = p.keep_alive_s
    si = a.slot_i
    scratch = a.scratch
    m = 0
    while a.ends[O_HEAD] >= 0 and keep_alive_expired(a.slot_f[IDLE, a.ends[O_HEAD]], t_s, ka_s):
        slot = a.ends[O_HEAD]
        _list_unlink(a, slot, 0)
        # insertion sort by id: usually one or two instances expire at a time
        j = m
        while j > 0 and si[ID, scratch[j - 1]] > si[ID, slot]:
            scratch[j] = scratch[j - 1]
            j -= 1
        scratch[j] = slot
        m += 1
    for j in range(m):
        slot = scratch[j]
        _retire(p, s, a, slot, a.slot_f[IDLE, slot] + ka_s)
        if not p.lean:
            k = _free_find(a.f_other, s.nf_other, p.sign * si[ID, slot], si, p.sign)
            s.nf_other = _free_remove(a.f_other, s.nf_other, k)
        a.slots_free[s.n_free_slots] = slot
        s.n_free_slots += 1
    s.n_alive -= m


@njit_inline
def _mru_in_list(a, tail: int) -> int:
    """The instance ``mru`` prefers in an idle list: its tail, or one idle as long."""
    sf = a.slot_f
    si = a.slot_i
    best = tail
    j = si[PREV, tail]
    while j >= 0 and sf[IDLE, j] == sf[IDLE, tail]:
        if prefer_warm(
            MRU, sf[IDLE, j], sf[CREATED, j], si[ID, j], sf[IDLE, best], sf[CREATED, best],
            si[ID, best],
        ):  # fmt: skip
            best = j
        j = si[PREV, j]
    return best


@njit_inline
def _in_free_set(p, a, fr: np.ndarray, n: int, t_s: float, u: float) -> int:
    """Position in the free set ``fr`` (size ``n``) of the warm instance to use, or -1.

    The candidates are the free instances that are ready. Ids are given in creation order, so
    creation times rise with the id: ``newest`` (latest created, ties to the highest id) is the
    last ready candidate in id order, and ``oldest`` the first, so for ``oldest`` the free sets
    are kept in descending id order (``sign``) and both take the ready candidate nearest the
    end, where removing it moves nothing. ``mru`` compares the candidates with
    :func:`prefer_warm`; ``random`` takes the candidate :func:`choose_warm` names by position.
    With one request per instance every free instance is ready.
    """
    policy = p.policy
    check_ready = p.conc > 1
    sf = a.slot_f
    if policy in (NEWEST, OLDEST):
        for j in range(n - 1, -1, -1):
            if not check_ready or sf[READY, fr[j]] <= t_s:
                return j
        return -1
    if policy == RANDOM_POLICY:
        m = n
        if check_ready:
            m = 0
            for j in range(n):
                m += sf[READY, fr[j]] <= t_s
        if m == 0:
            return -1
        # the random rule reads only how many candidates there are, not their times
        k = choose_warm(RANDOM_POLICY, a.cand[0, :m], a.cand[1, :m], u)
        if not check_ready:
            return k
        for j in range(n):
            if sf[READY, fr[j]] <= t_s:
                if k == 0:
                    return j
                k -= 1
        return -1
    si = a.slot_i
    best = -1
    b = 0
    for j in range(n):
        slot = fr[j]
        if check_ready and sf[READY, slot] > t_s:
            continue
        if best < 0 or prefer_warm(
            policy, sf[IDLE, slot], sf[CREATED, slot], si[ID, slot], sf[IDLE, b],
            sf[CREATED, b], si[ID, b],
        ):  # fmt: skip
            best = j
            b = slot
    return best


@njit_inline
def _pick(p, s, a, t_s: float, u: float) -> int:
    """Slot of the warm instance to use (provisioned first), or -1."""
    if p.lean:
        for lst in (1, 0):
            tail = a.ends[2 * lst + 1]
            if tail >= 0:
                slot = _mru_in_list(a, tail)
                _list_unlink(a, slot, lst)
                return slot
        return -1
    for lst in (1, 0):
        fr = a.f_prov if lst else a.f_other
        n = s.nf_prov if lst else s.nf_other
        k = _in_free_set(p, a, fr, n, t_s, u)
        if k >= 0:
            slot = fr[k]
            active = a.slot_i[ACTIVE, slot]
            if active == 0:
                _list_unlink(a, slot, lst)
            if active + 1 == p.conc:
                if lst:
                    s.nf_prov = _free_remove(fr, n, k)
                else:
                    s.nf_other = _free_remove(fr, n, k)
            return slot
    return -1


@njit_inline
def _launch(p, s, a, t_s: float, init_s: float) -> int:
    """Start a new on-demand instance at ``t_s`` [s], ready after ``init_s`` [s]; its slot."""
    s.n_free_slots -= 1
    slot = a.slots_free[s.n_free_slots]
    a.slot_f[CREATED, slot] = t_s
    a.slot_f[IDLE, slot] = t_s
    a.slot_f[READY, slot] = t_s + init_s
    a.slot_f[ACTIVE_SINCE, slot] = t_s
    a.slot_i[ID, slot] = s.next_id
    a.slot_i[ACTIVE, slot] = 0
    a.slot_i[PROV, slot] = 0
    s.next_id += 1
    s.n_alive += 1
    s.max_instances = max(s.max_instances, s.n_alive)
    s.cold_starts += 1
    _record(s, a, H_INIT, ms_ceil(init_s))
    if not p.lean and p.conc > 1:
        s.nf_other = _free_insert(a.f_other, s.nf_other, slot, a.slot_i, p.sign)
    return slot


@njit_inline
def _start(p, s, a, slot: int, t_s: float, dur_s: float, init_s: float) -> None:
    """Run a request arriving at ``t_s`` [s] on ``slot``, after ``init_s`` [s] of cold start."""
    if a.slot_i[ACTIVE, slot] == 0:
        a.slot_f[ACTIVE_SINCE, slot] = t_s
    a.slot_i[ACTIVE, slot] += 1
    timed_out = times_out(dur_s, p.timeout_s)
    run_s = run_time_s(dur_s, p.timeout_s)
    latency_s = init_s + run_s
    end_s = t_s + latency_s
    if not timed_out and counts_for_latency(t_s, p.warmup_s):
        a.lat_counts[latency_bucket(latency_s)] += 1
        s.lat_total_s += latency_s
    _record(s, a, H_PDUR if a.slot_i[PROV, slot] else H_DUR, ms_ceil(run_s))
    if end_s > t_s:
        s.busy_s += busy_integral_s(t_s, end_s, p.horizon_s, p.weight)
        add_interval(a.b_busy, t_s, end_s, p.weight, p.horizon_s, p.bin_width_s, p.n_bins)
    code = 2 * slot + (1 if timed_out else 0)
    s.heap_n = heap_push(a.ht, a.ho, a.ha, a.hv, s.heap_n, max(end_s, s.now_s), s.seq, code, end_s)
    s.seq += 1


@njit_inline
def _arrive(p, s, a, t_s: float, dur_s: float, u: float, cold: np.ndarray) -> None:
    """The reference's ``_Pool.arrive``: reclaim, then a warm instance, a new one or a throttle."""
    b = bin_index(t_s, p.bin_width_s, p.n_bins)
    s.arrived += 1
    a.b_arrivals[b] += 1
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


@njit
def _run_chunk(arr, dur, cold, uni, start: int, params, state, a) -> int:
    """Simulate arrivals ``start..`` of a chunk; return the index reached.

    ``arr``/``dur`` are arrival times and durations [s], ``cold`` a block of cold-start
    durations [s] read from ``state.cold_pos`` on, ``uni`` one uniform per request (read only
    for ``reuse: random``). Stops before an arrival that could find no free slot, no room on
    the heap or in the overflow array, or no cold-start draw left.
    """
    p = params[0]
    s = state[0]
    n = len(arr)
    hcap = len(a.ht)
    ocap = a.overflow.shape[1]
    n_cold = len(cold)
    for i in range(start, n):
        # an arrival records at most one value per completion before it, per reclaimed
        # instance and two of its own
        if (
            s.n_free_slots == 0
            or s.heap_n >= hcap
            or s.cold_pos >= n_cold
            or s.ov_n + s.heap_n + s.n_alive + 2 > ocap
        ):
            return i
        t_s = arr[i]
        if t_s > s.now_s:
            while s.heap_n > 0 and a.ht[0] <= t_s:
                _finish(p, s, a)
            s.now_s = t_s
        _arrive(p, s, a, t_s, dur[i], uni[i] if p.has_u else 0.0, cold)
    return n


@njit
def _drain(params, state, a) -> None:
    """Run the remaining completions."""
    p = params[0]
    s = state[0]
    while s.heap_n > 0:
        _finish(p, s, a)


@njit
def _idle_slots(a, out: np.ndarray) -> int:
    """Write the slots of both idle lists into ``out``; return how many."""
    k = 0
    for lst in (1, 0):
        j = a.ends[2 * lst]
        while j >= 0:
            out[k] = j
            k += 1
            j = a.slot_i[NEXT, j]
    return k


@njit
def _close(params, state, a, slots: np.ndarray) -> None:
    """Retire the instances in ``slots`` (every one alive, in id order): the reference's close."""
    p = params[0]
    s = state[0]
    for slot in slots:
        end_s = retire_at_close_s(
            a.slot_i[ACTIVE, slot],
            a.slot_i[PROV, slot] != 0,
            a.slot_f[IDLE, slot],
            p.keep_alive_s,
            p.horizon_s,
        )
        _retire(p, s, a, slot, end_s)
    s.n_alive = 0


def params(p: ServerlessPlatform, horizon_s: float, bins: TimeBins) -> np.ndarray:
    """The platform's parameters as the loop reads them (a one-element :data:`PARAMS` array)."""
    out = np.zeros(1, dtype=PARAMS)
    r = out[0]
    r["keep_alive_s"] = p.keep_alive_s
    r["burst"] = p.scale_burst
    r["rate_per_s"] = p.scale_rate_per_s
    r["horizon_s"] = horizon_s
    r["bin_width_s"] = bins.width_s
    r["warmup_s"] = p.latency_warmup_s
    r["timeout_s"] = p.timeout_s
    r["weight"] = 1.0 / p.instance_concurrency
    r["policy"] = p.reuse_code
    r["conc"] = p.instance_concurrency
    r["limit"] = p.concurrency_limit
    r["n_bins"] = bins.n_bins
    r["lean"] = int(p.instance_concurrency == 1 and p.reuse_code == MRU)
    r["has_u"] = int(p.reuse_code == RANDOM_POLICY)
    r["sign"] = -1 if p.reuse_code == OLDEST else 1
    return out


class _Pool:
    """The state and arrays one serverless simulation carries between chunks."""

    def __init__(self, p: ServerlessPlatform, horizon_s: float, bins: TimeBins) -> None:
        self.params = params(p, horizon_s, bins)
        self.state = np.zeros(1, dtype=STATE)
        s = self.state[0]
        s["tokens"] = p.scale_burst
        n_prov = p.provisioned
        cap = max(64, 2 * n_prov)
        slot_f = np.zeros((4, cap))
        slot_i = np.zeros((5, cap), dtype=np.int64)
        ends = np.full(4, -1, dtype=np.int64)
        # provisioned instances: slots and ids 0.., alive, idle and ready from 0, all free
        slot_i[ID, :n_prov] = np.arange(n_prov)
        slot_i[PROV, :n_prov] = 1
        if n_prov:
            slot_i[PREV, :n_prov] = np.arange(-1, n_prov - 1)
            slot_i[NEXT, :n_prov] = np.arange(1, n_prov + 1)
            slot_i[NEXT, n_prov - 1] = -1
            ends[P_HEAD], ends[P_TAIL] = 0, n_prov - 1
        slots_free = np.zeros(cap, dtype=np.int64)
        slots_free[: cap - n_prov] = np.arange(cap - 1, n_prov - 1, -1)
        s["n_free_slots"] = cap - n_prov
        s["nf_prov"] = n_prov
        s["n_alive"] = s["next_id"] = s["max_instances"] = n_prov
        self.a = Arrays(
            slot_f, slot_i, ends, slots_free,
            np.ascontiguousarray(np.arange(max(n_prov, 1))[:: int(self.params[0]["sign"])]),
            np.zeros(cap, dtype=np.int64), np.zeros(cap, dtype=np.int64), np.zeros((2, cap)),
            *new_heap(256),
            np.zeros((len(SERVERLESS_HISTOGRAMS), DENSE_MS), dtype=np.int64),
            np.zeros((2, 1024), dtype=np.int64),
            np.zeros(0, dtype=np.int64),  # set per run
            bins.arrivals, bins.served, bins.cold_starts, bins.throttled, bins.alive_s,
            bins.busy_s,
        )  # fmt: skip
        #: Values emptied from the overflow array, per histogram row.
        self.long_values = [MsHistogram() for _ in SERVERLESS_HISTOGRAMS]

    @property
    def s(self) -> np.void:
        """The state record."""
        return self.state[0]

    def _room(self, extra: int) -> None:
        """Empty the overflow array and make sure it holds ``extra`` more values."""
        ov = self.a.overflow
        n = int(self.s["ov_n"])
        for row in range(len(self.long_values)):
            values = ov[1, :n][ov[0, :n] == row]
            if len(values):
                self.long_values[row] = self.long_values[row].merged(
                    MsHistogram.from_values(values)
                )
        self.s["ov_n"] = 0
        need = max(extra, max(len(h.values_ms) for h in self.long_values))
        if ov.shape[1] < need:
            self.a = self.a._replace(overflow=np.zeros((2, 2 * need), dtype=np.int64))

    def _needed(self) -> int:
        s = self.s
        return int(s["heap_n"] + s["n_alive"] + 2)

    def grow(self) -> None:
        """Make room for the next arrival: slots, heap or overflow, whichever is short."""
        s = self.s
        a = self.a
        cap = a.slot_f.shape[1]
        if s["n_free_slots"] == 0:
            new = 2 * cap
            free = grow(np.arange(new - 1, cap - 1, -1, dtype=np.int64), new)
            a = a._replace(
                slot_f=grow_rows(a.slot_f, new),
                slot_i=grow_rows(a.slot_i, new),
                slots_free=free,
                f_other=grow(a.f_other, new),
                scratch=grow(a.scratch, new),
                cand=grow_rows(a.cand, new),
            )
            s["n_free_slots"] = new - cap
        if s["heap_n"] >= len(a.ht):
            n = 2 * len(a.ht)
            a = a._replace(ht=grow(a.ht, n), ho=grow(a.ho, n), ha=grow(a.ha, n), hv=grow(a.hv, n))
        self.a = a
        if s["ov_n"] + self._needed() > a.overflow.shape[1]:
            self._room(self._needed())

    def run(self, arr, dur, cold, uni, start: int) -> int:
        """Call the loop on ``arr[start:]`` (see :func:`_run_chunk`)."""
        return int(_run_chunk(arr, dur, cold, uni, start, self.params, self.state, self.a))

    def finish(self) -> list[MsHistogram]:
        """Run the remaining completions, retire every instance; the histograms [ms]."""
        self._room(self._needed())
        _drain(self.params, self.state, self.a)
        # after the drain every alive instance is idle, so in an idle list
        slots = np.zeros(self.a.slot_f.shape[1], dtype=np.int64)
        slots = slots[: _idle_slots(self.a, slots)]
        slots = slots[np.argsort(self.a.slot_i[ID, slots], kind="stable")]
        _close(self.params, self.state, self.a, slots)
        self._room(0)
        return [
            MsHistogram.from_dense(self.a.hist[row]).merged(self.long_values[row])
            for row in range(len(SERVERLESS_HISTOGRAMS))
        ]


def run_serverless(
    platform: ServerlessPlatform,
    chunks: Iterable[Chunk],
    draws: OptionDraws,
    horizon_s: float,
    bins: TimeBins,
    progress: Progress | None = None,
) -> EngineOutput:
    """Simulate a serverless pool over the arrivals in ``chunks`` (compiled engine).

    Same contract and results as :func:`costsim.engine.simpy_serverless.run_serverless`.
    Cold-start durations come from :class:`~costsim.engine.common.ColdDraws`, as in the
    reference; the uniform draws are taken only for ``reuse: random``, the one policy that reads
    them.

    Returns
    -------
    EngineOutput
        Counters, latency histogram, time bins and meters; no billing rule is applied.
    """
    pool = _Pool(platform, horizon_s, bins)
    latency = LatencyHistogram()
    pool.a = pool.a._replace(lat_counts=latency.counts)
    cold = ColdDraws(platform.cold_start.sample, draws.cold)
    block = np.zeros(0)
    has_u = bool(pool.params[0]["has_u"])
    for arr, dur, uni in chunk_arrays(chunks, draws, has_u, progress):
        n = len(arr)
        i = 0
        while i < n:
            i = pool.run(arr, dur, block, uni, i)
            if i < n:
                if pool.s["cold_pos"] >= len(block):
                    block = cold.block()
                    pool.s["cold_pos"] = 0
                pool.grow()
    hist = pool.finish()
    s = pool.s
    latency.total_s = float(s["lat_total_s"])
    counters = Counters(
        arrived=int(s["arrived"]),
        served=int(s["served"]),
        cold_starts=int(s["cold_starts"]),
        throttled=int(s["throttled"]),
        timed_out=int(s["timed_out"]),
    )
    meters = serverless_meters(
        horizon_s,
        counters,
        dict(zip(SERVERLESS_HISTOGRAMS, hist, strict=True)),
        totals={
            "alive_instance_s": float(s["alive_s"]),
            "busy_instance_s": float(s["busy_s"]),
            "active_instance_s": float(s["active_s"]),
            "provisioned_instance_s": platform.provisioned * horizon_s,
        },
        counts={
            "provisioned_served": int(s["provisioned_served"]),
            "instances_launched": int(s["next_id"]),
        },
        config=platform.meter_config,
    )
    return EngineOutput(
        counters=counters,
        latency=latency,
        bins=bins,
        alive_s=float(s["alive_s"]),
        busy_s=float(s["busy_s"]),
        max_instances=int(s["max_instances"]),
        capacity_per_instance=platform.instance_concurrency,
        meters=meters,
    )
