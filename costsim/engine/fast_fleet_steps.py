"""The steps of the compiled fleet model, each one compiled function over the two records.

Arrival and the balancer's choice, start, completion, queue expiry and drops, launch, boot,
retire, evaluation with scale-out and scale-in, and the close: the procedures of the SimPy
reference (:mod:`costsim.engine.simpy_fleet`), written once for the compiled loop of
:mod:`costsim.engine.fast_fleet`. They read the platform from :class:`FleetParams` and change
only :class:`FleetState`; the predicates are the rules of :mod:`costsim.platforms.fleet_rules`.
Steps are inlined into their callers (``njit_inline``): the records hold some fifty arrays, which
a real call would pass one by one.

numba's disk cache is keyed by the file a compiled function is defined in, not by the files of
what it inlines or calls: after editing this file (or the rules), delete the ``fast_fleet.*``
files in ``costsim/engine/__pycache__`` or the loop of :mod:`costsim.engine.fast_fleet` runs the
steps it was compiled with.
"""

from __future__ import annotations

from costsim.engine.fast_common import (
    SEQ_BITS,
    add_interval,
    batch_arrival,
    batch_completion,
    bin_index,
    busy_within_horizon_s,
    choose_server,
    clip_to_horizon_s,
    cooldown_over,
    counts_in_latency,
    desired_capacity,
    dropped_at_close_s,
    heap_pop,
    heap_push,
    latency_bucket,
    lifetime_s,
    metered_instance,
    ms_ceil,
    njit,
    njit_inline,
    queue_full,
    scale_from_zero,
    wait_expired,
    within_horizon,
)
from costsim.engine.fast_fleet_state import FleetParams, FleetState
from costsim.platforms.rules import BALANCERS

BALANCER_SHARED = BALANCERS.index("shared_queue")
BALANCER_ROUND_ROBIN = BALANCERS.index("round_robin")
BALANCER_RANDOM = BALANCERS.index("random")
BALANCER_LEAST_CONNECTIONS = BALANCERS.index("least_connections")
# Event priorities at equal times, as in the reference (completions are SimPy's URGENT).
EVENT_COMPLETION, EVENT_BOOT, EVENT_EVALUATION = 0, 1, 2


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
    batch_completion(st.batch_tally, st.batch_cfg, arrival_s, end_s)
    weight = 1.0 / prm.workers
    if end_s > now_s:
        st.busy_s[0] += busy_within_horizon_s(now_s, end_s, prm.horizon_s, weight)
        add_interval(st.b_busy_s, now_s, end_s, weight, prm.horizon_s, prm.bin_width_s, prm.n_bins)
        if prm.autoscale:
            _add_window_busy(prm, st, now_s, clip_to_horizon_s(end_s, prm.horizon_s))
    _push(st, max(end_s, st.now_s[0]), EVENT_COMPLETION, slot, end_s)


@njit_inline
def _choose(prm: FleetParams, st: FleetState, t_s: float, u: float) -> tuple[int, int]:
    """The balancer's choice for a request arriving at ``t_s``: (slot to start on or -1, queue).

    Only serving servers take requests; with none, the request waits in the holding queue
    (queue 0, which is also the shared queue). One pass gathers the candidates.
    """
    if prm.balancer == BALANCER_SHARED:
        nf = 0
        for j in range(st.n_alive[0]):
            slot = st.order[j]
            if st.sv_serving[slot] != 0 and st.sv_active[slot] < prm.workers:
                st.g_slot[nf] = slot
                st.g_active[nf] = st.sv_active[slot]
                nf += 1
        if nf > 0 and not _next_from(prm, st, 0, t_s):
            k = choose_server(BALANCER_SHARED, st.g_active[:nf], st.g_queued[:0], 0, u)
            return st.g_slot[k], 0
        return -1, 0
    m = 0
    for j in range(st.n_alive[0]):
        slot = st.order[j]
        if st.sv_serving[slot] != 0:
            st.g_slot[m] = slot
            st.g_active[m] = st.sv_active[slot]
            st.g_queued[m] = st.q_len[slot + 1]
            m += 1
    if m == 0:
        return -1, 0
    if prm.balancer == BALANCER_LEAST_CONNECTIONS and prm.has_queue_timeout:
        # only requests still waiting count as connections
        for j in range(m):
            _next_from(prm, st, st.g_slot[j] + 1, t_s)
            st.g_queued[j] = st.q_len[st.g_slot[j] + 1]
    k = choose_server(prm.balancer, st.g_active[:m], st.g_queued[:m], st.rr[0], u)
    if prm.balancer == BALANCER_ROUND_ROBIN:
        st.rr[0] += 1
    slot = st.g_slot[k]
    if st.sv_active[slot] < prm.workers and not _next_from(prm, st, slot + 1, t_s):
        return slot, slot + 1
    return -1, slot + 1


@njit_inline
def arrive(prm: FleetParams, st: FleetState, t_s: float, d_s: float, u: float) -> None:
    """Handle one arrival (the reference engine's ``_Fleet.arrive``)."""
    st.arrived[0] += 1
    st.b_arrivals[bin_index(t_s, prm.bin_width_s, prm.n_bins)] += 1
    batch_arrival(st.batch_tally, st.batch_cfg, t_s)
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
    end_in_s = clip_to_horizon_s(end_s, prm.horizon_s)
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
def event(prm: FleetParams, st: FleetState) -> None:
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
def room(prm: FleetParams, st: FleetState) -> bool:
    """Whether the heap and the lifetime buffer can take whatever one step may add."""
    n_slots = len(st.sv_used)
    need_heap = max(prm.workers, n_slots) + 2
    heap_free = len(st.ev_t_s) - st.heap_n[0]
    return heap_free >= need_heap and len(st.life_ms) - st.n_life[0] >= n_slots


@njit
def close(prm: FleetParams, st: FleetState) -> None:
    """Drop what is still queued (no server left to run it), then retire every server."""
    n = st.n_alive[0]
    for j in range(-1, n):
        q = 0 if j < 0 else st.order[j] + 1
        while st.q_len[q] > 0:
            a_s = st.nd_arrival_s[st.q_head[q]]
            _pop_head(st, q)
            _drop(prm, st, dropped_at_close_s(a_s, prm.horizon_s))
    for j in range(n):
        _retire(prm, st, st.order[j], prm.horizon_s)
    st.n_alive[0] = 0


@njit
def start_servers(prm: FleetParams, st: FleetState, n: int) -> None:
    """The servers serving from time 0, and the first evaluation within the horizon."""
    for _ in range(n):
        _launch(st, 0.0, True)
    if prm.autoscale and within_horizon(prm.evaluation_period_s, prm.horizon_s):
        st.eval_k[0] = 1
        _push(st, prm.evaluation_period_s, EVENT_EVALUATION, 0, 0.0)
