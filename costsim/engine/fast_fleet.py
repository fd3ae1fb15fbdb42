"""Compiled engine for fleets of servers (VPS and bare metal): the SimPy reference in numba.

Events are handled in the reference's order: by time, then completions, boots, the autoscaling
evaluation and arrivals, then in scheduling order (see :mod:`costsim.engine.simpy_fleet`). The
balancer and the autoscaler call the shared rules of :mod:`costsim.platforms.rules`.

State carried between chunks, all in preallocated arrays:

* servers in slots (``sv_f``: launch time [s]; ``sv_i``: id, active, serving, used), and
  ``order``, the alive slots in id order;
* FIFO queues as linked lists in one node pool (``nd_f``: arrival, duration [s]; ``nd_next``);
  queue 0 is the shared (or holding) queue, queue ``slot + 1`` belongs to a server;
* the event heap, the autoscaling window ring (busy seconds per evaluation period, indexed by
  period number modulo its size) and a buffer of billed instance lifetimes;
* scalars in ``sf`` and ``si`` (indices below).

Before each event the kernel checks that whatever the event may need is free; if not it stops and
the caller grows the arrays (or empties the billed buffer) and calls again.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from costsim.engine.common import (
    Chunk,
    Counters,
    EngineOutput,
    LifetimeTally,
    OptionDraws,
    Progress,
    fleet_meters,
)
from costsim.engine.fast_common import (
    SEQ_BITS,
    add_interval,
    bin_index,
    choose_server,
    chunk_arrays,
    desired_capacity,
    grow,
    grow_rows,
    heap_pop,
    heap_push,
    latency_bucket,
    ms_ceil,
    new_heap,
    njit,
    njit_inline,
    window_busy_end_s,
    within_horizon,
)
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.meters import ms_ceil as ms_ceil_py
from costsim.platforms.fleet import FleetPlatform

SHARED, ROUND_ROBIN, RANDOM, LEAST_CONNECTIONS = 0, 1, 2, 3
# Event priorities at equal times, as in the reference.
COMPLETION, BOOT, EVALUATION = 0, 1, 2
# Float parameters (pp).
(
    P_HORIZON,
    P_WIDTH,
    P_TIMEOUT,
    P_GRAN,
    P_MIN,
    P_TARGET,
    P_BOOT,
    P_COOLDOWN,
    P_PERIOD,
    P_WARMUP,
) = range(10)
# Integer parameters (ip).
I_WORKERS, I_BALANCER, I_HAS_LIMIT, I_LIMIT, I_HAS_TIMEOUT, I_AUTOSCALE = range(6)
I_AMIN, I_AMAX, I_NBINS, I_HAS_U = range(6, 10)
# Float state (sf).
S_NOW, S_LAT_TOTAL, S_ALIVE, S_BUSY, S_SERV_INT, S_SERV_AT, S_LAST_ACTION = range(7)
N_SF = 7
# Integer state (si).
N_ALIVE, NEXT_ID, HEAP_N, SEQ, RR, IN_SYSTEM, SERV_COUNT = range(7)
C_ARRIVED, C_SERVED, C_DROPPED, MAX_INST, N_BILLED, EVAL_K, EVAL_ON = range(7, 14)
NODE_FREE, W_NEXT, CURSOR, WALK_PENDING = range(14, 18)
N_SI = 18
#: Most steps one kernel call takes before returning to Python (about 0.1 s of work): Ctrl-C is
#: seen between calls, since compiled code does not check for signals.
EVENT_BUDGET = 1 << 20
# Server rows.
LAUNCHED = 0
ID, ACTIVE, SERVING, USED = 0, 1, 2, 3
# Queue rows.
Q_HEAD, Q_TAIL, Q_LEN = 0, 1, 2


@njit
def _drop(t_s: float, pp: np.ndarray, ip: np.ndarray, si: np.ndarray, b_dropped: np.ndarray):
    si[C_DROPPED] += 1
    b_dropped[bin_index(t_s, pp[P_WIDTH], ip[I_NBINS])] += 1
    si[IN_SYSTEM] -= 1


@njit
def _pop_head(q: int, qs: np.ndarray, nd_next: np.ndarray, si: np.ndarray) -> None:
    node = qs[Q_HEAD, q]
    qs[Q_HEAD, q] = nd_next[node]
    qs[Q_LEN, q] -= 1
    nd_next[node] = si[NODE_FREE]
    si[NODE_FREE] = node


@njit_inline
def _next_from(
    q: int,
    now_s: float,
    pp: np.ndarray,
    ip: np.ndarray,
    si: np.ndarray,
    qs: np.ndarray,
    nd_f: np.ndarray,
    nd_next: np.ndarray,
    b_dropped: np.ndarray,
) -> bool:
    """Drop the timed-out head of queue ``q``; return whether a request is left at its head."""
    has_timeout = ip[I_HAS_TIMEOUT] != 0
    timeout = pp[P_TIMEOUT]
    while qs[Q_LEN, q] > 0:
        a = nd_f[0, qs[Q_HEAD, q]]
        if has_timeout and now_s - a > timeout:
            _pop_head(q, qs, nd_next, si)
            _drop(a + timeout, pp, ip, si, b_dropped)
            continue
        return True
    return False


@njit
def _enqueue(
    q: int,
    t_s: float,
    d_s: float,
    pp: np.ndarray,
    ip: np.ndarray,
    si: np.ndarray,
    qs: np.ndarray,
    nd_f: np.ndarray,
    nd_next: np.ndarray,
    b_dropped: np.ndarray,
) -> None:
    _next_from(q, t_s, pp, ip, si, qs, nd_f, nd_next, b_dropped)
    if ip[I_HAS_LIMIT] != 0 and qs[Q_LEN, q] >= ip[I_LIMIT]:
        _drop(t_s, pp, ip, si, b_dropped)
        return
    node = si[NODE_FREE]
    si[NODE_FREE] = nd_next[node]
    nd_f[0, node] = t_s
    nd_f[1, node] = d_s
    nd_next[node] = -1
    if qs[Q_LEN, q] == 0:
        qs[Q_HEAD, q] = node
    else:
        nd_next[qs[Q_TAIL, q]] = node
    qs[Q_TAIL, q] = node
    qs[Q_LEN, q] += 1


@njit
def _serving_changed(now_s: float, delta: int, sf: np.ndarray, si: np.ndarray) -> None:
    sf[S_SERV_INT] += si[SERV_COUNT] * (now_s - sf[S_SERV_AT])
    sf[S_SERV_AT] = now_s
    si[SERV_COUNT] += delta


@njit
def _add_window_busy(
    t0_s: float, t1_s: float, pp: np.ndarray, si: np.ndarray, win: np.ndarray
) -> None:
    """Busy seconds per evaluation period; periods already evaluated are never read again."""
    period = pp[P_PERIOD]
    mask = len(win) - 1
    k = int(t0_s // period)
    while t0_s < t1_s:
        edge = (k + 1) * period
        seg = min(t1_s, edge) - t0_s
        if k >= si[W_NEXT]:
            win[k & mask] += seg
        t0_s = edge
        k += 1


@njit_inline
def _start(
    slot: int,
    arrival_s: float,
    now_s: float,
    dur_s: float,
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    sv_i: np.ndarray,
    ht: np.ndarray,
    ho: np.ndarray,
    ha: np.ndarray,
    hv: np.ndarray,
    win: np.ndarray,
    lat_counts: np.ndarray,
    b_busy: np.ndarray,
) -> None:
    sv_i[ACTIVE, slot] += 1
    latency_s = (now_s - arrival_s) + dur_s
    if arrival_s >= pp[P_WARMUP]:
        lat_counts[latency_bucket(latency_s)] += 1
        sf[S_LAT_TOTAL] += latency_s
    end_s = now_s + dur_s
    weight = 1.0 / ip[I_WORKERS]
    horizon_s = pp[P_HORIZON]
    if end_s > now_s:
        sf[S_BUSY] += weight * (min(end_s, horizon_s) - min(now_s, horizon_s))
        add_interval(b_busy, now_s, end_s, weight, horizon_s, pp[P_WIDTH], ip[I_NBINS])
        if ip[I_AUTOSCALE] != 0:
            _add_window_busy(now_s, window_busy_end_s(end_s, horizon_s), pp, si, win)
    si[HEAP_N] = heap_push(ht, ho, ha, hv, si[HEAP_N], max(end_s, sf[S_NOW]), si[SEQ], slot, end_s)
    si[SEQ] += 1


@njit
def _launch(
    now_s: float,
    serving: bool,
    sf: np.ndarray,
    si: np.ndarray,
    sv_f: np.ndarray,
    sv_i: np.ndarray,
    qs: np.ndarray,
    order: np.ndarray,
) -> int:
    slot = 0
    while sv_i[USED, slot] != 0:
        slot += 1
    sv_i[USED, slot] = 1
    sv_i[ID, slot] = si[NEXT_ID]
    sv_i[ACTIVE, slot] = 0
    sv_i[SERVING, slot] = 1 if serving else 0
    sv_f[LAUNCHED, slot] = now_s
    qs[Q_LEN, slot + 1] = 0
    si[NEXT_ID] += 1
    order[si[N_ALIVE]] = slot
    si[N_ALIVE] += 1
    si[MAX_INST] = max(si[MAX_INST], si[N_ALIVE])
    if serving:
        _serving_changed(now_s, 1, sf, si)
    return slot


@njit
def _retire(
    slot: int,
    end_s: float,
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    sv_f: np.ndarray,
    sv_i: np.ndarray,
    billed: np.ndarray,
    b_alive: np.ndarray,
) -> None:
    """Account for a server's life and free its slot (the caller updates ``order``)."""
    sv_i[USED, slot] = 0
    if sv_i[SERVING, slot] != 0:
        _serving_changed(end_s, -1, sf, si)
    horizon_s = pp[P_HORIZON]
    launched_s = sv_f[LAUNCHED, slot]
    end = min(end_s, horizon_s)
    life = max(0.0, end - launched_s)
    sf[S_ALIVE] += life
    add_interval(b_alive, launched_s, end, 1.0, horizon_s, pp[P_WIDTH], ip[I_NBINS])
    if launched_s < horizon_s:
        billed[si[N_BILLED]] = ms_ceil(life)
        si[N_BILLED] += 1


@njit_inline
def _arrive(
    t_s: float,
    dur_s: float,
    u: float,
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    sv_i: np.ndarray,
    order: np.ndarray,
    qs: np.ndarray,
    nd_f: np.ndarray,
    nd_next: np.ndarray,
    ht: np.ndarray,
    ho: np.ndarray,
    ha: np.ndarray,
    hv: np.ndarray,
    win: np.ndarray,
    g_slot: np.ndarray,
    g_active: np.ndarray,
    g_queued: np.ndarray,
    lat_counts: np.ndarray,
    b_arrivals: np.ndarray,
    b_dropped: np.ndarray,
    b_busy: np.ndarray,
) -> None:
    """Handle one arrival (the reference engine's ``_Fleet.arrive``)."""
    si[C_ARRIVED] += 1
    b_arrivals[bin_index(t_s, pp[P_WIDTH], ip[I_NBINS])] += 1
    si[IN_SYSTEM] += 1
    workers = ip[I_WORKERS]
    code = ip[I_BALANCER]
    m = 0
    for j in range(si[N_ALIVE]):
        slot = order[j]
        if sv_i[SERVING, slot] != 0:
            g_slot[m] = slot
            m += 1
    if m == 0:
        _enqueue(0, t_s, dur_s, pp, ip, si, qs, nd_f, nd_next, b_dropped)
        return
    if code == SHARED:
        nf = 0
        for j in range(m):
            slot = g_slot[j]
            if sv_i[ACTIVE, slot] < workers:
                g_slot[nf] = slot
                g_active[nf] = sv_i[ACTIVE, slot]
                nf += 1
        if nf > 0 and not _next_from(0, t_s, pp, ip, si, qs, nd_f, nd_next, b_dropped):
            k = choose_server(SHARED, g_active[:nf], g_queued[:0], 0, u)
            _start(
                g_slot[k],
                t_s,
                t_s,
                dur_s,
                pp,
                ip,
                sf,
                si,
                sv_i,
                ht,
                ho,
                ha,
                hv,
                win,
                lat_counts,
                b_busy,
            )
        else:
            _enqueue(0, t_s, dur_s, pp, ip, si, qs, nd_f, nd_next, b_dropped)
        return
    if code == LEAST_CONNECTIONS and ip[I_HAS_TIMEOUT] != 0:
        for j in range(m):
            _next_from(g_slot[j] + 1, t_s, pp, ip, si, qs, nd_f, nd_next, b_dropped)
    for j in range(m):
        g_active[j] = sv_i[ACTIVE, g_slot[j]]
        g_queued[j] = qs[Q_LEN, g_slot[j] + 1]
    k = choose_server(code, g_active[:m], g_queued[:m], si[RR], u)
    if code == ROUND_ROBIN:
        si[RR] += 1
    slot = g_slot[k]
    q = slot + 1
    if sv_i[ACTIVE, slot] < workers and not _next_from(
        q, t_s, pp, ip, si, qs, nd_f, nd_next, b_dropped
    ):
        _start(slot, t_s, t_s, dur_s, pp, ip, sf, si, sv_i, ht, ho, ha, hv, win, lat_counts, b_busy)
    else:
        _enqueue(q, t_s, dur_s, pp, ip, si, qs, nd_f, nd_next, b_dropped)


@njit_inline
def _event(
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    sv_f: np.ndarray,
    sv_i: np.ndarray,
    order: np.ndarray,
    qs: np.ndarray,
    nd_f: np.ndarray,
    nd_next: np.ndarray,
    ht: np.ndarray,
    ho: np.ndarray,
    ha: np.ndarray,
    hv: np.ndarray,
    win: np.ndarray,
    billed: np.ndarray,
    lat_counts: np.ndarray,
    b_served: np.ndarray,
    b_dropped: np.ndarray,
    b_alive: np.ndarray,
    b_busy: np.ndarray,
) -> None:
    """Handle the first event on the heap: a completion, a boot or an evaluation."""
    now = ht[0]
    kind = ho[0] >> SEQ_BITS
    slot = ha[0]
    val = hv[0]
    si[HEAP_N] = heap_pop(ht, ho, ha, hv, si[HEAP_N])
    sf[S_NOW] = now
    workers = ip[I_WORKERS]
    if kind == COMPLETION:
        end_s = val
        sv_i[ACTIVE, slot] -= 1
        si[IN_SYSTEM] -= 1
        si[C_SERVED] += 1
        b_served[bin_index(end_s, pp[P_WIDTH], ip[I_NBINS])] += 1
        for q in (slot + 1, 0):
            if _next_from(q, end_s, pp, ip, si, qs, nd_f, nd_next, b_dropped):
                node = qs[Q_HEAD, q]
                a = nd_f[0, node]
                d = nd_f[1, node]
                _pop_head(q, qs, nd_next, si)
                _start(
                    slot, a, end_s, d, pp, ip, sf, si, sv_i, ht, ho, ha, hv, win, lat_counts, b_busy
                )
                return
        return
    if kind == BOOT:
        if sv_i[USED, slot] == 0 or sv_i[ID, slot] != int(val):
            return
        sv_i[SERVING, slot] = 1
        _serving_changed(now, 1, sf, si)
        while sv_i[ACTIVE, slot] < workers and _next_from(
            0, now, pp, ip, si, qs, nd_f, nd_next, b_dropped
        ):
            node = qs[Q_HEAD, 0]
            a = nd_f[0, node]
            d = nd_f[1, node]
            _pop_head(0, qs, nd_next, si)
            _start(slot, a, now, d, pp, ip, sf, si, sv_i, ht, ho, ha, hv, win, lat_counts, b_busy)
        return
    # evaluation k: the reference's autoscaler loop body
    k = si[EVAL_K]
    period = pp[P_PERIOD]
    now_s = k * period
    _serving_changed(now_s, 0, sf, si)
    capacity_s = sf[S_SERV_INT] * workers
    sf[S_SERV_INT] = 0.0
    mask = len(win) - 1
    busy = 0.0
    if k - 1 >= si[W_NEXT]:
        busy = win[(k - 1) & mask]
        win[(k - 1) & mask] = 0.0
        si[W_NEXT] = k
    util = busy / capacity_s if capacity_s > 0 else 0.0
    desired = desired_capacity(si[SERV_COUNT], min(util, 1.0), pp[P_TARGET], ip[I_AMIN], ip[I_AMAX])
    if si[SERV_COUNT] == 0 and si[IN_SYSTEM] > 0:
        desired = max(desired, 1)
    total = si[N_ALIVE]
    if desired > total:
        for _ in range(desired - total):
            s = _launch(now_s, False, sf, si, sv_f, sv_i, qs, order)
            boot_s = max(now_s + pp[P_BOOT], sf[S_NOW])
            if within_horizon(now_s + pp[P_BOOT], pp[P_HORIZON]):
                key = (BOOT << SEQ_BITS) | si[SEQ]
                si[HEAP_N] = heap_push(ht, ho, ha, hv, si[HEAP_N], boot_s, key, s, sv_i[ID, s])
                si[SEQ] += 1
        sf[S_LAST_ACTION] = now_s
    elif desired < total and now_s - sf[S_LAST_ACTION] >= pp[P_COOLDOWN]:
        want = total - desired
        retired = 0
        for j in range(total - 1, -1, -1):
            if retired >= want:
                break
            s = order[j]
            if sv_i[SERVING, s] != 0 and sv_i[ACTIVE, s] == 0 and qs[Q_LEN, s + 1] == 0:
                _retire(s, now_s, pp, ip, sf, si, sv_f, sv_i, billed, b_alive)
                retired += 1
        if retired > 0:
            w = 0
            for j in range(total):
                if sv_i[USED, order[j]] != 0:
                    order[w] = order[j]
                    w += 1
            si[N_ALIVE] = w
            sf[S_LAST_ACTION] = now_s
    if not within_horizon((k + 1) * period, pp[P_HORIZON]):
        si[EVAL_ON] = 0
        return
    si[EVAL_K] = k + 1
    t_next = max((k + 1) * period, sf[S_NOW])
    key = (EVALUATION << SEQ_BITS) | si[SEQ]
    si[HEAP_N] = heap_push(ht, ho, ha, hv, si[HEAP_N], t_next, key, 0, 0.0)
    si[SEQ] += 1


@njit
def _room(
    si: np.ndarray,
    ip: np.ndarray,
    ht: np.ndarray,
    billed: np.ndarray,
    sv_i: np.ndarray,
) -> bool:
    """Whether the heap and the billed buffer can take whatever one event may add."""
    n_slots = sv_i.shape[1]
    need_heap = max(ip[I_WORKERS], n_slots) + 2
    return len(ht) - si[HEAP_N] >= need_heap and len(billed) - si[N_BILLED] >= n_slots


@njit
def _run(
    arr: np.ndarray,
    dur: np.ndarray,
    uni: np.ndarray,
    final: bool,
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    sv_f: np.ndarray,
    sv_i: np.ndarray,
    order: np.ndarray,
    qs: np.ndarray,
    nd_f: np.ndarray,
    nd_next: np.ndarray,
    ht: np.ndarray,
    ho: np.ndarray,
    ha: np.ndarray,
    hv: np.ndarray,
    win: np.ndarray,
    billed: np.ndarray,
    g_slot: np.ndarray,
    g_active: np.ndarray,
    g_queued: np.ndarray,
    lat_counts: np.ndarray,
    b_arrivals: np.ndarray,
    b_served: np.ndarray,
    b_dropped: np.ndarray,
    b_alive: np.ndarray,
    b_busy: np.ndarray,
) -> bool:
    """Simulate arrivals from ``si[CURSOR]`` to the end of the chunk (then, if ``final``, drain).

    Returns False when it stopped early, because an array must grow or after
    :data:`EVENT_BUDGET` steps (so that Python, and Ctrl-C, get control back often);
    ``si[CURSOR]`` says where.
    """
    n = len(arr)
    i = si[CURSOR]
    has_u = ip[I_HAS_U] != 0
    autoscale = ip[I_AUTOSCALE] != 0
    period = pp[P_PERIOD]
    budget = EVENT_BUDGET
    while True:
        budget -= 1
        if budget < 0 or not _room(si, ip, ht, billed, sv_i):
            si[CURSOR] = i
            return False
        if i < n:
            t_s = arr[i]
            # The walk decides when it reaches a request: a later one is an ARRIVAL event,
            # handled after every other event at or before its time.
            if si[WALK_PENDING] == 0 and t_s > sf[S_NOW]:
                si[WALK_PENDING] = 1
            if si[WALK_PENDING] != 0 and si[HEAP_N] > 0 and ht[0] <= t_s:
                _event(
                    pp, ip, sf, si, sv_f, sv_i, order, qs, nd_f, nd_next, ht, ho, ha, hv, win,
                    billed, lat_counts, b_served, b_dropped, b_alive, b_busy,
                )  # fmt: skip
                continue
            d_s = dur[i]
            span_s = min(d_s, pp[P_HORIZON])  # window busy time stops at the horizon
            if si[NODE_FREE] < 0 or (autoscale and int(span_s / period) + 4 > len(win)):
                si[CURSOR] = i
                return False
            if si[WALK_PENDING] != 0:
                sf[S_NOW] = t_s
                si[WALK_PENDING] = 0
            u = uni[i] if has_u else 0.0
            _arrive(
                t_s, d_s, u, pp, ip, sf, si, sv_i, order, qs, nd_f, nd_next, ht, ho, ha, hv, win,
                g_slot, g_active, g_queued, lat_counts, b_arrivals, b_dropped, b_busy,
            )  # fmt: skip
            i += 1
            continue
        if not final or si[HEAP_N] == 0:
            si[CURSOR] = 0
            return True
        _event(
            pp, ip, sf, si, sv_f, sv_i, order, qs, nd_f, nd_next, ht, ho, ha, hv, win, billed,
            lat_counts, b_served, b_dropped, b_alive, b_busy,
        )  # fmt: skip


@njit
def _close(
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    sv_f: np.ndarray,
    sv_i: np.ndarray,
    order: np.ndarray,
    qs: np.ndarray,
    nd_f: np.ndarray,
    nd_next: np.ndarray,
    billed: np.ndarray,
    b_dropped: np.ndarray,
    b_alive: np.ndarray,
) -> None:
    """Drop what is still queued (no server left to run it), then retire every server."""
    horizon_s = pp[P_HORIZON]
    n = si[N_ALIVE]
    for j in range(-1, n):
        q = 0 if j < 0 else order[j] + 1
        while qs[Q_LEN, q] > 0:
            a = nd_f[0, qs[Q_HEAD, q]]
            _pop_head(q, qs, nd_next, si)
            _drop(max(a, horizon_s), pp, ip, si, b_dropped)
    for j in range(n):
        _retire(order[j], horizon_s, pp, ip, sf, si, sv_f, sv_i, billed, b_alive)
    si[N_ALIVE] = 0


class _State:
    """The arrays a fleet simulation carries between chunks."""

    def __init__(self, p: FleetPlatform, horizon_s: float, bins: TimeBins) -> None:
        a = p.autoscale
        self.pp = np.array(
            [
                horizon_s,
                bins.width_s,
                p.queue_timeout_s if p.queue_timeout_s is not None else 0.0,
                0.0,
                0.0,
                a.target_utilization if a else 1.0,
                a.boot_time_s if a else 0.0,
                a.cooldown_s if a else 0.0,
                a.evaluation_period_s if a else 1.0,
                p.latency_warmup_s,
            ]
        )
        self.ip = np.array(
            [
                p.workers,
                p.balancer_code,
                int(p.queue_limit is not None),
                p.queue_limit if p.queue_limit is not None else 0,
                int(p.queue_timeout_s is not None),
                int(a is not None),
                a.minimum if a else 0,
                a.maximum if a else 0,
                bins.n_bins,
                int(p.balancer_code == RANDOM),
            ],
            dtype=np.int64,
        )
        self.sf = np.zeros(N_SF)
        self.sf[S_LAST_ACTION] = -np.inf
        self.si = np.zeros(N_SI, dtype=np.int64)
        first = a.minimum if a is not None else p.count
        n_slots = max(first, a.maximum if a else 0, 1)
        self.sv_f = np.zeros((1, n_slots))
        self.sv_i = np.zeros((4, n_slots), dtype=np.int64)
        self.order = np.zeros(n_slots, dtype=np.int64)
        self.qs = np.zeros((3, n_slots + 1), dtype=np.int64)
        self.nd_f = np.zeros((2, 0))
        self.nd_next = np.zeros(0, dtype=np.int64)
        self.si[NODE_FREE] = -1
        self._grow_nodes(1024)
        self.heap = new_heap(2 * (max(p.workers, n_slots) + 2) * 4)
        self.win = np.zeros(64)
        self.billed = np.zeros(4 * n_slots + 1024, dtype=np.int64)
        self.lifetimes = LifetimeTally()
        self.g_slot = np.zeros(n_slots, dtype=np.int64)
        self.g_active = np.zeros(n_slots, dtype=np.int64)
        self.g_queued = np.zeros(n_slots, dtype=np.int64)
        for _ in range(first):
            _launch(0.0, True, self.sf, self.si, self.sv_f, self.sv_i, self.qs, self.order)
        if a is not None and a.evaluation_period_s <= horizon_s:
            self.si[EVAL_K] = 1
            self.si[EVAL_ON] = 1
            ht, ho, ha, hv = self.heap
            order = EVALUATION << SEQ_BITS
            self.si[HEAP_N] = heap_push(ht, ho, ha, hv, 0, a.evaluation_period_s, order, 0, 0.0)
            self.si[SEQ] = 1

    def _grow_nodes(self, capacity: int) -> None:
        old = len(self.nd_next)
        self.nd_f = grow_rows(self.nd_f, capacity)
        self.nd_next = grow(self.nd_next, capacity)
        # chain the new nodes in front of the free list
        self.nd_next[old : capacity - 1] = np.arange(old + 1, capacity)
        self.nd_next[capacity - 1] = self.si[NODE_FREE]
        self.si[NODE_FREE] = old

    def flush_billed(self) -> None:
        """Move the billed lifetimes out of the kernel's buffer."""
        nb = int(self.si[N_BILLED])
        self.lifetimes.add_many(self.billed[:nb])
        self.si[N_BILLED] = 0

    def grow(self, next_dur_s: float) -> None:
        """Make room for the next event (and the next arrival, of ``next_dur_s`` [s])."""
        self.flush_billed()
        if self.si[NODE_FREE] < 0:
            self._grow_nodes(2 * len(self.nd_next))
        need = max(int(self.ip[I_WORKERS]), self.sv_i.shape[1]) + 2
        if len(self.heap[0]) - self.si[HEAP_N] < need:
            cap = 2 * (len(self.heap[0]) + need)
            self.heap = tuple(grow(h, cap) for h in self.heap)  # type: ignore[assignment]
        if self.ip[I_AUTOSCALE]:
            span = int(min(next_dur_s, self.pp[P_HORIZON]) / self.pp[P_PERIOD]) + 4
            if span > len(self.win):
                size = len(self.win)
                while size < 2 * span:
                    size *= 2
                ks = np.arange(self.si[W_NEXT], self.si[W_NEXT] + len(self.win))
                new = np.zeros(size)
                new[ks & (size - 1)] = self.win[ks & (len(self.win) - 1)]
                self.win = new

    def run(self, arr: np.ndarray, dur: np.ndarray, uni: np.ndarray, final: bool,
            latency: LatencyHistogram, bins: TimeBins) -> None:  # fmt: skip
        """Simulate one chunk (and drain at the end if ``final``), growing arrays as needed."""
        while not _run(
            arr, dur, uni, final, self.pp, self.ip, self.sf, self.si, self.sv_f, self.sv_i,
            self.order, self.qs, self.nd_f, self.nd_next, *self.heap, self.win,
            self.billed, self.g_slot, self.g_active, self.g_queued, latency.counts,
            bins.arrivals, bins.served, bins.dropped, bins.alive_s, bins.busy_s,
        ):  # fmt: skip
            i = int(self.si[CURSOR])
            self.grow(float(dur[i]) if i < len(dur) else 0.0)


def run_fleet(
    platform: FleetPlatform,
    chunks: Iterable[Chunk],
    draws: OptionDraws,
    horizon_s: float,
    bins: TimeBins,
    progress: Progress | None = None,
) -> EngineOutput:
    """Simulate a fleet of servers over the arrivals in ``chunks`` (compiled engine).

    Same contract and results as :func:`costsim.engine.simpy_fleet.run_fleet`. The uniform
    draws are taken only for the ``random`` balancer, the one rule that reads them. Fixed
    fleets (no autoscaling) run the leaner kernel of :mod:`costsim.engine.fast_fixed`.
    """
    if platform.autoscale is None and platform.count > 0:
        return _run_fixed(platform, chunks, draws, horizon_s, bins, progress)
    st = _State(platform, horizon_s, bins)
    latency = LatencyHistogram()
    empty = np.zeros(0)
    for arr, dur, uni in chunk_arrays(chunks, draws, bool(st.ip[I_HAS_U]), progress):
        st.run(arr, dur, uni, False, latency, bins)
    st.run(empty, empty, empty, True, latency, bins)
    _close(
        st.pp, st.ip, st.sf, st.si, st.sv_f, st.sv_i, st.order, st.qs, st.nd_f, st.nd_next,
        st.billed, bins.dropped, bins.alive_s,
    )  # fmt: skip
    st.flush_billed()
    sf, si = st.sf, st.si
    latency.total_s = float(sf[S_LAT_TOTAL])
    alive_s = float(sf[S_ALIVE])
    counters = Counters(
        arrived=int(si[C_ARRIVED]),
        served=int(si[C_SERVED]),
        dropped=int(si[C_DROPPED]),
    )
    busy_s = float(sf[S_BUSY])
    meters = fleet_meters(
        horizon_s, counters, int(si[NEXT_ID]), st.lifetimes.histogram(), alive_s, busy_s,
        platform.workers, None if platform.autoscale is not None else platform.count,
    )  # fmt: skip
    return EngineOutput(
        counters=counters,
        latency=latency,
        bins=bins,
        meters=meters,
        quantities={"instance_s": alive_s, "instances_launched": float(si[NEXT_ID])},
        alive_s=alive_s,
        busy_s=busy_s,
        max_instances=int(si[MAX_INST]),
        capacity_per_instance=platform.workers,
    )


def _run_fixed(
    platform: FleetPlatform,
    chunks: Iterable[Chunk],
    draws: OptionDraws,
    horizon_s: float,
    bins: TimeBins,
    progress: Progress | None,
) -> EngineOutput:
    """A fixed fleet, with the lean kernel of :mod:`costsim.engine.fast_fixed`."""
    from costsim.engine import fast_fixed as ff

    st = ff.FixedState(platform, horizon_s, bins)
    latency = LatencyHistogram()
    empty = np.zeros(0)
    for arr, dur, uni in chunk_arrays(chunks, draws, bool(st.ip[ff.I_HAS_U]), progress):
        i = 0
        while i < len(arr):
            i = st.run(arr, dur, uni, i, latency.counts, bins)
            if i < len(arr):
                st.grow()
    st.run(empty, empty, empty, 0, latency.counts, bins)
    dropped, alive_s = ff.close(st.pp, st.ip, st.qlen, bins.dropped, bins.alive_s)
    latency.total_s = float(st.sf[ff.S_LAT_TOTAL])
    si = st.si
    counters = Counters(
        arrived=int(si[ff.C_ARRIVED]),
        served=int(si[ff.C_SERVED]),
        dropped=int(si[ff.C_DROPPED]) + int(dropped),
    )
    lifetimes = LifetimeTally()
    if horizon_s > 0:
        lifetimes.add_many(np.full(platform.count, ms_ceil_py(horizon_s), dtype=np.int64))
    busy_s = float(st.sf[ff.S_BUSY])
    meters = fleet_meters(
        horizon_s, counters, platform.count, lifetimes.histogram(), alive_s, busy_s,
        platform.workers, platform.count,
    )  # fmt: skip
    return EngineOutput(
        counters=counters,
        latency=latency,
        bins=bins,
        meters=meters,
        quantities={"instance_s": alive_s, "instances_launched": float(platform.count)},
        alive_s=alive_s,
        busy_s=busy_s,
        max_instances=platform.count,
        capacity_per_instance=platform.workers,
    )
