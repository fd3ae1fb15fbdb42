"""Compiled engine for fleets of servers (VPS and bare metal): the SimPy reference in numba.

One loop (:func:`_run`) drives every fleet, fixed or autoscaled, with any balancer. Each model
step (arrival, balancer choice, start, completion, queue expiry, boot, evaluation, scale-out,
scale-in, retire, close) is one compiled function over two records:

* :class:`FleetParams`, the platform's parameters as scalars (read only);
* :class:`FleetState`, every array the run carries between chunks. A scalar of the state is a
  one-element array (``st.now_s[0]``), so that no index constant is needed.

The predicates of the model (warm-up, queue full or expired, busy time, lifetime clip, scale
from zero, cooldown, events past the horizon) are the rules of
:mod:`costsim.platforms.fleet_rules`, compiled from the functions the SimPy engine calls.

Events are handled in the reference's order: by time, then completions, boots, the autoscaling
evaluation and arrivals, then in scheduling order (see :mod:`costsim.engine.simpy_fleet`).
Servers live in slots; ``order`` lists the alive slots in id order. FIFO queues are linked lists
in one node pool: queue 0 is the shared (or holding) queue, queue ``slot + 1`` a server's own.
Before each step the loop checks that whatever the step may need is free; if not it returns and
the caller grows the arrays and calls again, so memory follows the requests in flight, never the
horizon.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

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
    busy_within_horizon_s,
    choose_server,
    chunk_arrays,
    cooldown_over,
    counts_in_latency,
    desired_capacity,
    grow,
    heap_pop,
    heap_push,
    latency_bucket,
    lifetime_end_s,
    lifetime_s,
    metered_instance,
    ms_ceil,
    njit,
    njit_inline,
    queue_full,
    scale_from_zero,
    wait_expired,
    window_busy_end_s,
    within_horizon,
)
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.platforms.fleet import FleetPlatform
from costsim.platforms.rules import BALANCERS

BALANCER_SHARED = BALANCERS.index("shared_queue")
BALANCER_ROUND_ROBIN = BALANCERS.index("round_robin")
BALANCER_RANDOM = BALANCERS.index("random")
BALANCER_LEAST_CONNECTIONS = BALANCERS.index("least_connections")
# Event priorities at equal times, as in the reference (completions are SimPy's URGENT).
EVENT_COMPLETION, EVENT_BOOT, EVENT_EVALUATION = 0, 1, 2
#: Most steps one kernel call takes before returning to Python (about 0.1 s of work): Ctrl-C is
#: seen between calls, since compiled code does not check for signals.
EVENT_BUDGET = 1 << 20


class FleetParams(NamedTuple):
    """A fleet platform's parameters as the kernel reads them (times [s])."""

    horizon_s: float
    bin_width_s: float
    n_bins: int
    workers: int
    balancer: int
    uses_uniforms: bool
    has_queue_limit: bool
    queue_limit: int
    has_queue_timeout: bool
    queue_timeout_s: float
    warmup_s: float
    autoscale: bool
    minimum: int
    maximum: int
    target_utilization: float
    boot_time_s: float
    cooldown_s: float
    evaluation_period_s: float


class FleetState(NamedTuple):
    """Every array a fleet run carries between chunks (one-element arrays hold scalars)."""

    # clock and walk
    now_s: np.ndarray
    cursor: np.ndarray  # next request of the chunk
    walk_pending: np.ndarray  # 1 once the walk waits for a later arrival
    # servers, by slot
    sv_launched_s: np.ndarray
    sv_id: np.ndarray
    sv_active: np.ndarray
    sv_serving: np.ndarray
    sv_used: np.ndarray
    order: np.ndarray  # alive slots in id order
    n_alive: np.ndarray
    next_id: np.ndarray
    rr: np.ndarray
    # queues (0 shared or holding, slot + 1 a server's own) over one node pool
    q_head: np.ndarray
    q_tail: np.ndarray
    q_len: np.ndarray
    nd_arrival_s: np.ndarray
    nd_duration_s: np.ndarray
    nd_next: np.ndarray
    node_free: np.ndarray  # head of the free list, -1 when the pool is full
    in_system: np.ndarray  # queued + in service
    # event heap
    ev_t_s: np.ndarray
    ev_order: np.ndarray
    ev_slot: np.ndarray
    ev_value: np.ndarray
    heap_n: np.ndarray
    seq: np.ndarray
    # autoscaling
    win_busy_s: np.ndarray  # ring of busy seconds per evaluation period
    win_next: np.ndarray  # first period not yet evaluated
    eval_k: np.ndarray  # number of the next evaluation
    serving: np.ndarray
    serving_integral_s: np.ndarray
    serving_at_s: np.ndarray
    last_action_s: np.ndarray
    # measurements
    arrived: np.ndarray
    served: np.ndarray
    dropped: np.ndarray
    max_instances: np.ndarray
    alive_s: np.ndarray
    busy_s: np.ndarray
    latency_total_s: np.ndarray
    life_ms: np.ndarray  # lifetimes of retired servers, until Python collects them
    n_life: np.ndarray
    g_slot: np.ndarray  # scratch for the balancer
    g_active: np.ndarray
    g_queued: np.ndarray
    lat_counts: np.ndarray
    b_arrivals: np.ndarray
    b_served: np.ndarray
    b_dropped: np.ndarray
    b_alive_s: np.ndarray
    b_busy_s: np.ndarray


# -- queues ----------------------------------------------------------------------------------
@njit_inline
def _drop(prm: FleetParams, st: FleetState, t_s: float) -> None:
    """Count a request dropped at ``t_s`` [s] (queue full, timed out, or no server left)."""
    st.dropped[0] += 1
    st.b_dropped[bin_index(t_s, prm.bin_width_s, prm.n_bins)] += 1
    st.in_system[0] -= 1


@njit_inline
def _pop_head(st: FleetState, q: int) -> None:
    """Unlink the head of queue ``q`` and return its node to the free list."""
    node = st.q_head[q]
    st.q_head[q] = st.nd_next[node]
    st.q_len[q] -= 1
    st.nd_next[node] = st.node_free[0]
    st.node_free[0] = node


@njit_inline
def _next_from(prm: FleetParams, st: FleetState, q: int, now_s: float) -> bool:
    """Drop the timed-out head of queue ``q``; return whether a request is left at its head."""
    while st.q_len[q] > 0:
        a_s = st.nd_arrival_s[st.q_head[q]]
        if prm.has_queue_timeout and wait_expired(a_s, now_s, prm.queue_timeout_s):
            _pop_head(st, q)
            _drop(prm, st, a_s + prm.queue_timeout_s)
            continue
        return True
    return False


@njit_inline
def _enqueue(prm: FleetParams, st: FleetState, q: int, t_s: float, d_s: float) -> None:
    """Queue a request in ``q``, or drop it when the queue is full."""
    _next_from(prm, st, q, t_s)
    if prm.has_queue_limit and queue_full(st.q_len[q], prm.queue_limit):
        _drop(prm, st, t_s)
        return
    node = st.node_free[0]
    st.node_free[0] = st.nd_next[node]
    st.nd_arrival_s[node] = t_s
    st.nd_duration_s[node] = d_s
    st.nd_next[node] = -1
    if st.q_len[q] == 0:
        st.q_head[q] = node
    else:
        st.nd_next[st.q_tail[q]] = node
    st.q_tail[q] = node
    st.q_len[q] += 1


# -- requests --------------------------------------------------------------------------------
@njit_inline
def _push(st: FleetState, t_s: float, priority: int, slot: int, value: float) -> None:
    """Schedule an event; events at equal times go by priority, then scheduling order."""
    order = (priority << SEQ_BITS) | st.seq[0]
    st.heap_n[0] = heap_push(
        st.ev_t_s, st.ev_order, st.ev_slot, st.ev_value, st.heap_n[0], t_s, order, slot, value
    )
    st.seq[0] += 1


@njit_inline
def _add_window_busy(prm: FleetParams, st: FleetState, t0_s: float, t1_s: float) -> None:
    """Busy seconds per evaluation period; periods already evaluated are never read again."""
    period_s = prm.evaluation_period_s
    mask = len(st.win_busy_s) - 1
    k = int(t0_s // period_s)
    while t0_s < t1_s:
        edge_s = (k + 1) * period_s
        if k >= st.win_next[0]:
            st.win_busy_s[k & mask] += min(t1_s, edge_s) - t0_s
        t0_s = edge_s
        k += 1


@njit_inline
def _start(
    prm: FleetParams, st: FleetState, slot: int, arrival_s: float, now_s: float, d_s: float
) -> None:
    """Start serving a request that arrived at ``arrival_s`` on ``slot`` at ``now_s`` [s]."""
    st.sv_active[slot] += 1
    latency_s = (now_s - arrival_s) + d_s
    if counts_in_latency(arrival_s, prm.warmup_s):
        st.lat_counts[latency_bucket(latency_s)] += 1
        st.latency_total_s[0] += latency_s
    end_s = now_s + d_s
    weight = 1.0 / prm.workers
    if end_s > now_s:
        st.busy_s[0] += busy_within_horizon_s(now_s, end_s, prm.horizon_s, weight)
        add_interval(st.b_busy_s, now_s, end_s, weight, prm.horizon_s, prm.bin_width_s, prm.n_bins)
        if prm.autoscale:
            _add_window_busy(prm, st, now_s, window_busy_end_s(end_s, prm.horizon_s))
    _push(st, max(end_s, st.now_s[0]), EVENT_COMPLETION, slot, end_s)


@njit_inline
def _choose(prm: FleetParams, st: FleetState, t_s: float, u: float) -> tuple[int, int]:
    """The balancer's choice for a request arriving at ``t_s``: (slot to start on or -1, queue).

    Only serving servers take requests; with none, the request waits in the holding queue.
    """
    m = 0
    for j in range(st.n_alive[0]):
        slot = st.order[j]
        if st.sv_serving[slot] != 0:
            st.g_slot[m] = slot
            m += 1
    if m == 0:
        return -1, 0
    if prm.balancer == BALANCER_SHARED:
        nf = 0
        for j in range(m):
            slot = st.g_slot[j]
            if st.sv_active[slot] < prm.workers:
                st.g_slot[nf] = slot
                st.g_active[nf] = st.sv_active[slot]
                nf += 1
        if nf > 0 and not _next_from(prm, st, 0, t_s):
            k = choose_server(BALANCER_SHARED, st.g_active[:nf], st.g_queued[:0], 0, u)
            return st.g_slot[k], 0
        return -1, 0
    if prm.balancer == BALANCER_LEAST_CONNECTIONS and prm.has_queue_timeout:
        for j in range(m):
            _next_from(prm, st, st.g_slot[j] + 1, t_s)
    for j in range(m):
        st.g_active[j] = st.sv_active[st.g_slot[j]]
        st.g_queued[j] = st.q_len[st.g_slot[j] + 1]
    k = choose_server(prm.balancer, st.g_active[:m], st.g_queued[:m], st.rr[0], u)
    if prm.balancer == BALANCER_ROUND_ROBIN:
        st.rr[0] += 1
    slot = st.g_slot[k]
    if st.sv_active[slot] < prm.workers and not _next_from(prm, st, slot + 1, t_s):
        return slot, slot + 1
    return -1, slot + 1


@njit_inline
def _arrive(prm: FleetParams, st: FleetState, t_s: float, d_s: float, u: float) -> None:
    """Handle one arrival (the reference engine's ``_Fleet.arrive``)."""
    st.arrived[0] += 1
    st.b_arrivals[bin_index(t_s, prm.bin_width_s, prm.n_bins)] += 1
    st.in_system[0] += 1
    slot, q = _choose(prm, st, t_s, u)
    if slot >= 0:
        _start(prm, st, slot, t_s, t_s, d_s)
    else:
        _enqueue(prm, st, q, t_s, d_s)


@njit_inline
def _serve_head(prm: FleetParams, st: FleetState, slot: int, q: int, now_s: float) -> None:
    """Start the request at the head of queue ``q`` on ``slot``."""
    node = st.q_head[q]
    a_s = st.nd_arrival_s[node]
    d_s = st.nd_duration_s[node]
    _pop_head(st, q)
    _start(prm, st, slot, a_s, now_s, d_s)


@njit_inline
def _complete(prm: FleetParams, st: FleetState, slot: int, end_s: float) -> None:
    """A request ends: the server takes the next of its own queue, then of the shared one."""
    st.sv_active[slot] -= 1
    st.in_system[0] -= 1
    st.served[0] += 1
    st.b_served[bin_index(end_s, prm.bin_width_s, prm.n_bins)] += 1
    if _next_from(prm, st, slot + 1, end_s):
        _serve_head(prm, st, slot, slot + 1, end_s)
    elif _next_from(prm, st, 0, end_s):
        _serve_head(prm, st, slot, 0, end_s)


# -- servers ---------------------------------------------------------------------------------
@njit_inline
def _serving_changed(st: FleetState, now_s: float, delta: int) -> None:
    """Integrate the serving servers up to ``now_s``, then change their number by ``delta``."""
    st.serving_integral_s[0] += st.serving[0] * (now_s - st.serving_at_s[0])
    st.serving_at_s[0] = now_s
    st.serving[0] += delta


@njit_inline
def _launch(st: FleetState, now_s: float, serving: bool) -> int:
    """Start a server in the first free slot at ``now_s`` (billing starts); return the slot."""
    slot = 0
    while st.sv_used[slot] != 0:
        slot += 1
    st.sv_used[slot] = 1
    st.sv_id[slot] = st.next_id[0]
    st.sv_active[slot] = 0
    st.sv_serving[slot] = 1 if serving else 0
    st.sv_launched_s[slot] = now_s
    st.q_len[slot + 1] = 0
    st.next_id[0] += 1
    st.order[st.n_alive[0]] = slot
    st.n_alive[0] += 1
    st.max_instances[0] = max(st.max_instances[0], st.n_alive[0])
    if serving:
        _serving_changed(st, now_s, 1)
    return slot


@njit_inline
def _boot(prm: FleetParams, st: FleetState, slot: int, server_id: int, now_s: float) -> None:
    """A server finished booting: it serves, first from the holding queue."""
    if st.sv_used[slot] == 0 or st.sv_id[slot] != server_id:
        return
    st.sv_serving[slot] = 1
    _serving_changed(st, now_s, 1)
    while st.sv_active[slot] < prm.workers and _next_from(prm, st, 0, now_s):
        _serve_head(prm, st, slot, 0, now_s)


@njit_inline
def _retire(prm: FleetParams, st: FleetState, slot: int, end_s: float) -> None:
    """Meter a server's life and free its slot (the caller updates ``order``)."""
    st.sv_used[slot] = 0
    if st.sv_serving[slot] != 0:
        _serving_changed(st, end_s, -1)
    launched_s = st.sv_launched_s[slot]
    life_s = lifetime_s(launched_s, end_s, prm.horizon_s)
    st.alive_s[0] += life_s
    end_in_s = lifetime_end_s(end_s, prm.horizon_s)
    add_interval(
        st.b_alive_s, launched_s, end_in_s, 1.0, prm.horizon_s, prm.bin_width_s, prm.n_bins
    )
    if metered_instance(launched_s, prm.horizon_s):
        st.life_ms[st.n_life[0]] = ms_ceil(life_s)
        st.n_life[0] += 1


# -- autoscaling -----------------------------------------------------------------------------
@njit_inline
def _scale_out(prm: FleetParams, st: FleetState, now_s: float, n: int) -> None:
    """Launch ``n`` servers; each serves once booted, unless its boot ends past the horizon."""
    boot_s = now_s + prm.boot_time_s
    for _ in range(n):
        slot = _launch(st, now_s, False)
        if within_horizon(boot_s, prm.horizon_s):
            _push(st, max(boot_s, st.now_s[0]), EVENT_BOOT, slot, float(st.sv_id[slot]))
    st.last_action_s[0] = now_s


@njit_inline
def _scale_in(prm: FleetParams, st: FleetState, now_s: float, n: int) -> None:
    """Retire up to ``n`` idle servers, newest first; only a real retirement is an action."""
    total = st.n_alive[0]
    retired = 0
    for j in range(total - 1, -1, -1):
        if retired >= n:
            break
        s = st.order[j]
        if st.sv_serving[s] != 0 and st.sv_active[s] == 0 and st.q_len[s + 1] == 0:
            _retire(prm, st, s, now_s)
            retired += 1
    if retired > 0:
        w = 0
        for j in range(total):
            if st.sv_used[st.order[j]] != 0:
                st.order[w] = st.order[j]
                w += 1
        st.n_alive[0] = w
        st.last_action_s[0] = now_s


@njit_inline
def _evaluate(prm: FleetParams, st: FleetState) -> None:
    """Evaluation ``k``: target tracking on the utilisation of the window just ended."""
    k = st.eval_k[0]
    period_s = prm.evaluation_period_s
    now_s = k * period_s
    _serving_changed(st, now_s, 0)
    capacity_s = st.serving_integral_s[0] * prm.workers
    st.serving_integral_s[0] = 0.0
    busy_s = 0.0
    if k - 1 >= st.win_next[0]:
        mask = len(st.win_busy_s) - 1
        busy_s = st.win_busy_s[(k - 1) & mask]
        st.win_busy_s[(k - 1) & mask] = 0.0
        st.win_next[0] = k
    util = busy_s / capacity_s if capacity_s > 0 else 0.0
    desired = desired_capacity(
        st.serving[0], min(util, 1.0), prm.target_utilization, prm.minimum, prm.maximum
    )
    desired = scale_from_zero(desired, st.serving[0], st.in_system[0])
    total = st.n_alive[0]
    if desired > total:
        _scale_out(prm, st, now_s, desired - total)
    elif desired < total and cooldown_over(now_s, st.last_action_s[0], prm.cooldown_s):
        _scale_in(prm, st, now_s, total - desired)
    st.eval_k[0] = k + 1
    if within_horizon((k + 1) * period_s, prm.horizon_s):
        _push(st, max((k + 1) * period_s, st.now_s[0]), EVENT_EVALUATION, 0, 0.0)


# -- the loop --------------------------------------------------------------------------------
@njit_inline
def _event(prm: FleetParams, st: FleetState) -> None:
    """Handle the first event on the heap: a completion, a boot or an evaluation."""
    now_s = st.ev_t_s[0]
    kind = st.ev_order[0] >> SEQ_BITS
    slot = st.ev_slot[0]
    value = st.ev_value[0]
    st.heap_n[0] = heap_pop(st.ev_t_s, st.ev_order, st.ev_slot, st.ev_value, st.heap_n[0])
    st.now_s[0] = now_s
    if kind == EVENT_COMPLETION:
        _complete(prm, st, slot, value)
    elif kind == EVENT_BOOT:
        _boot(prm, st, slot, int(value), now_s)
    else:
        _evaluate(prm, st)


@njit_inline
def _room(prm: FleetParams, st: FleetState) -> bool:
    """Whether the heap and the lifetime buffer can take whatever one step may add."""
    n_slots = len(st.sv_used)
    need_heap = max(prm.workers, n_slots) + 2
    heap_free = len(st.ev_t_s) - st.heap_n[0]
    return heap_free >= need_heap and len(st.life_ms) - st.n_life[0] >= n_slots


@njit
def _run(
    prm: FleetParams,
    st: FleetState,
    arr: np.ndarray,
    dur: np.ndarray,
    uni: np.ndarray,
    final: bool,
) -> bool:
    """Simulate arrivals from ``st.cursor`` to the end of the chunk (then, if ``final``, drain).

    Returns False when it stopped early, because an array must grow or after
    :data:`EVENT_BUDGET` steps (so that Python, and Ctrl-C, get control back often);
    ``st.cursor`` says where.
    """
    n = len(arr)
    i = st.cursor[0]
    for _ in range(EVENT_BUDGET):
        if not _room(prm, st):
            break
        if i < n:
            t_s = arr[i]
            # The walk decides when it reaches a request: a later one is an ARRIVAL event,
            # handled after every other event at or before its time.
            if st.walk_pending[0] == 0 and t_s > st.now_s[0]:
                st.walk_pending[0] = 1
            if st.walk_pending[0] != 0 and st.heap_n[0] > 0 and st.ev_t_s[0] <= t_s:
                _event(prm, st)
                continue
            d_s = dur[i]
            span_s = min(d_s, prm.horizon_s)  # window busy time stops at the horizon
            if st.node_free[0] < 0 or (
                prm.autoscale and int(span_s / prm.evaluation_period_s) + 4 > len(st.win_busy_s)
            ):
                break
            if st.walk_pending[0] != 0:
                st.now_s[0] = t_s
                st.walk_pending[0] = 0
            _arrive(prm, st, t_s, d_s, uni[i] if prm.uses_uniforms else 0.0)
            i += 1
            continue
        if not final or st.heap_n[0] == 0:
            st.cursor[0] = 0
            return True
        _event(prm, st)
    st.cursor[0] = i
    return False


@njit
def _close(prm: FleetParams, st: FleetState) -> None:
    """Drop what is still queued (no server left to run it), then retire every server."""
    n = st.n_alive[0]
    for j in range(-1, n):
        q = 0 if j < 0 else st.order[j] + 1
        while st.q_len[q] > 0:
            a_s = st.nd_arrival_s[st.q_head[q]]
            _pop_head(st, q)
            _drop(prm, st, max(a_s, prm.horizon_s))
    for j in range(n):
        _retire(prm, st, st.order[j], prm.horizon_s)
    st.n_alive[0] = 0


# -- Python side -----------------------------------------------------------------------------
def _params(p: FleetPlatform, horizon_s: float, bins: TimeBins) -> FleetParams:
    a = p.autoscale
    return FleetParams(
        horizon_s=float(horizon_s),
        bin_width_s=float(bins.width_s),
        n_bins=int(bins.n_bins),
        workers=int(p.workers),
        balancer=int(p.balancer_code),
        uses_uniforms=p.balancer_code == BALANCER_RANDOM,
        has_queue_limit=p.queue_limit is not None,
        queue_limit=int(p.queue_limit or 0),
        has_queue_timeout=p.queue_timeout_s is not None,
        queue_timeout_s=float(p.queue_timeout_s or 0.0),
        warmup_s=float(p.latency_warmup_s),
        autoscale=a is not None,
        minimum=a.minimum if a else 0,
        maximum=a.maximum if a else 0,
        target_utilization=float(a.target_utilization) if a else 1.0,
        boot_time_s=float(a.boot_time_s) if a else 0.0,
        cooldown_s=float(a.cooldown_s) if a else 0.0,
        evaluation_period_s=float(a.evaluation_period_s) if a else 1.0,
    )


def _zeros_f(n: int) -> np.ndarray:
    return np.zeros(n)


def _zeros_i(n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.int64)


class _Fleet:
    """The records of one fleet run, grown between kernel calls."""

    def __init__(
        self, p: FleetPlatform, horizon_s: float, bins: TimeBins, latency: LatencyHistogram
    ) -> None:
        self.prm = _params(p, horizon_s, bins)
        a = p.autoscale
        first = a.minimum if a is not None else p.count
        n_slots = max(first, a.maximum if a else 0, 1)
        heap_cap = 2 * (max(p.workers, n_slots) + 2) * 4
        self.lifetimes = LifetimeTally()
        f1, i1 = (lambda: _zeros_f(1)), (lambda: _zeros_i(1))
        self.st = FleetState(
            now_s=f1(), cursor=i1(), walk_pending=i1(),
            sv_launched_s=_zeros_f(n_slots), sv_id=_zeros_i(n_slots),
            sv_active=_zeros_i(n_slots), sv_serving=_zeros_i(n_slots),
            sv_used=_zeros_i(n_slots), order=_zeros_i(n_slots),
            n_alive=i1(), next_id=i1(), rr=i1(),
            q_head=_zeros_i(n_slots + 1), q_tail=_zeros_i(n_slots + 1),
            q_len=_zeros_i(n_slots + 1),
            nd_arrival_s=_zeros_f(0), nd_duration_s=_zeros_f(0), nd_next=_zeros_i(0),
            node_free=np.full(1, -1, dtype=np.int64), in_system=i1(),
            ev_t_s=_zeros_f(heap_cap), ev_order=_zeros_i(heap_cap),
            ev_slot=_zeros_i(heap_cap), ev_value=_zeros_f(heap_cap),
            heap_n=i1(), seq=i1(),
            win_busy_s=_zeros_f(64), win_next=i1(), eval_k=i1(), serving=i1(),
            serving_integral_s=f1(), serving_at_s=f1(),
            last_action_s=np.full(1, -np.inf),
            arrived=i1(), served=i1(), dropped=i1(), max_instances=i1(),
            alive_s=f1(), busy_s=f1(), latency_total_s=f1(),
            life_ms=_zeros_i(4 * n_slots + 1024), n_life=i1(),
            g_slot=_zeros_i(n_slots), g_active=_zeros_i(n_slots), g_queued=_zeros_i(n_slots),
            lat_counts=latency.counts, b_arrivals=bins.arrivals, b_served=bins.served,
            b_dropped=bins.dropped, b_alive_s=bins.alive_s, b_busy_s=bins.busy_s,
        )  # fmt: skip
        self._grow_nodes(1024)
        _start_servers(self.prm, self.st, first)

    def _grow_nodes(self, capacity: int) -> None:
        st = self.st
        old = len(st.nd_next)
        nd_next = grow(st.nd_next, capacity)
        # chain the new nodes in front of the free list
        nd_next[old : capacity - 1] = np.arange(old + 1, capacity)
        nd_next[capacity - 1] = st.node_free[0]
        st.node_free[0] = old
        self.st = st._replace(
            nd_arrival_s=grow(st.nd_arrival_s, capacity),
            nd_duration_s=grow(st.nd_duration_s, capacity),
            nd_next=nd_next,
        )

    def collect_lifetimes(self) -> None:
        """Move the metered lifetimes out of the kernel's buffer."""
        st = self.st
        self.lifetimes.add_many(st.life_ms[: st.n_life[0]])
        st.n_life[0] = 0

    def grow(self, next_dur_s: float) -> None:
        """Make room for the next step (and the next arrival, of ``next_dur_s`` [s])."""
        self.collect_lifetimes()
        st, prm = self.st, self.prm
        if st.node_free[0] < 0:
            self._grow_nodes(2 * len(st.nd_next))
        need = max(prm.workers, len(st.sv_used)) + 2
        if len(st.ev_t_s) - st.heap_n[0] < need:
            cap = 2 * (len(st.ev_t_s) + need)
            self.st = self.st._replace(
                ev_t_s=grow(st.ev_t_s, cap), ev_order=grow(st.ev_order, cap),
                ev_slot=grow(st.ev_slot, cap), ev_value=grow(st.ev_value, cap),
            )  # fmt: skip
        if prm.autoscale:
            span = int(min(next_dur_s, prm.horizon_s) / prm.evaluation_period_s) + 4
            win = self.st.win_busy_s
            if span > len(win):
                size = len(win)
                while size < 2 * span:
                    size *= 2
                ks = np.arange(st.win_next[0], st.win_next[0] + len(win))
                new = np.zeros(size)
                new[ks & (size - 1)] = win[ks & (len(win) - 1)]
                self.st = self.st._replace(win_busy_s=new)

    def run(self, arr: np.ndarray, dur: np.ndarray, uni: np.ndarray, final: bool) -> None:
        """Simulate one chunk (and drain at the end if ``final``), growing arrays as needed.

        Each kernel call returns within :data:`EVENT_BUDGET` steps, so a Ctrl-C between calls
        stops the run within a fraction of a second.
        """
        while not _run(self.prm, self.st, arr, dur, uni, final):
            i = int(self.st.cursor[0])
            self.grow(float(dur[i]) if i < len(dur) else 0.0)


@njit
def _start_servers(prm: FleetParams, st: FleetState, n: int) -> None:
    """The servers serving from time 0, and the first evaluation within the horizon."""
    for _ in range(n):
        _launch(st, 0.0, True)
    if prm.autoscale and within_horizon(prm.evaluation_period_s, prm.horizon_s):
        st.eval_k[0] = 1
        _push(st, prm.evaluation_period_s, EVENT_EVALUATION, 0, 0.0)


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
    draws are taken only for the ``random`` balancer, the one rule that reads them.
    """
    latency = LatencyHistogram()
    fl = _Fleet(platform, horizon_s, bins, latency)
    empty = np.zeros(0)
    for arr, dur, uni in chunk_arrays(chunks, draws, fl.prm.uses_uniforms, progress):
        fl.run(arr, dur, uni, False)
    fl.run(empty, empty, empty, True)
    _close(fl.prm, fl.st)
    fl.collect_lifetimes()
    st = fl.st
    latency.total_s = float(st.latency_total_s[0])
    counters = Counters(
        arrived=int(st.arrived[0]), served=int(st.served[0]), dropped=int(st.dropped[0])
    )
    alive_s, busy_s = float(st.alive_s[0]), float(st.busy_s[0])
    launched = int(st.next_id[0])
    meters = fleet_meters(
        horizon_s, counters, launched, fl.lifetimes.histogram(), alive_s, busy_s,
        platform.workers, None if platform.autoscale is not None else platform.count,
    )  # fmt: skip
    return EngineOutput(
        counters=counters,
        latency=latency,
        bins=bins,
        meters=meters,
        quantities={"instance_s": alive_s, "instances_launched": float(launched)},
        alive_s=alive_s,
        busy_s=busy_s,
        max_instances=int(st.max_instances[0]),
        capacity_per_instance=platform.workers,
    )
