"""Queues and requests of the compiled fleet model: arrival, the balancer, start, completion.

The request half of the procedures of the SimPy reference (:mod:`costsim.engine.simpy_fleet`):
queue expiry and drops, the balancer's choice, the start of service (latency, busy time) and
the completion that takes the next request. The servers' half (launch, boot, retire,
autoscaling, close) is :mod:`costsim.engine.fast_fleet_steps`. They read the platform from
:class:`FleetParams` and change only :class:`FleetState`; the predicates are the rules of
:mod:`costsim.platforms.fleet_rules`. Steps are inlined into their callers (``njit_inline``).

numba's disk cache is keyed by the file a compiled function is defined in, not by the files of
what it inlines or calls: after editing this file (or the rules), clear the cache (``find
costsim -name '*.nb[ic]' -delete``) or the loop of :mod:`costsim.engine.fast_fleet` runs the
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
    counts_in_latency,
    heap_push,
    latency_bucket,
    njit_inline,
    queue_full,
    wait_expired,
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
    """Count a request dropped at ``t_s`` [s] (queue full, timed out, or no server left).

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    t_s : float
        When it is dropped [s].
    """
    st.dropped[0] += 1
    st.b_dropped[bin_index(t_s, prm.bin_width_s, prm.n_bins)] += 1
    st.in_system[0] -= 1


@njit_inline
def _pop_head(st: FleetState, q: int) -> None:
    """Unlink the head of queue ``q`` and return its node to the free list.

    Parameters
    ----------
    st : FleetState
        The run's state.
    q : int
        The queue: 0 the shared (holding) queue, ``slot + 1`` a server's own.
    """
    node = st.q_head[q]
    st.q_head[q] = st.nd_next[node]
    st.q_len[q] -= 1
    st.nd_next[node] = st.node_free[0]
    st.node_free[0] = node


@njit_inline
def _next_from(prm: FleetParams, st: FleetState, q: int, now_s: float) -> bool:
    """Drop the timed-out head of queue ``q``; return whether a request is left at its head.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    q : int
        The queue (0 shared, ``slot + 1`` a server's own).
    now_s : float
        Now [s].

    Returns
    -------
    bool
        True when a request that has not timed out waits at the head.
    """
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
    """Queue a request in ``q``, or drop it when the queue is full.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    q : int
        The queue (0 shared, ``slot + 1`` a server's own).
    t_s, d_s : float
        Arrival time and duration of the request [s].
    """
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
    """Schedule an event; events at equal times go by priority, then scheduling order.

    Parameters
    ----------
    st : FleetState
        The run's state (its event heap).
    t_s : float
        When the event happens [s].
    priority : int
        ``EVENT_COMPLETION``, ``EVENT_BOOT`` or ``EVENT_EVALUATION``.
    slot : int
        The server the event concerns (0 for an evaluation).
    value : float
        A completion's end [s], a boot's server id, or 0.
    """
    order = (priority << SEQ_BITS) | st.seq[0]
    st.heap_n[0] = heap_push(
        st.ev_t_s, st.ev_order, st.ev_slot, st.ev_value, st.heap_n[0], t_s, order, slot, value
    )
    st.seq[0] += 1


@njit_inline
def _add_window_busy(prm: FleetParams, st: FleetState, t0_s: float, t1_s: float) -> None:
    """Busy seconds per evaluation period; periods already evaluated are never read again.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    t0_s, t1_s : float
        The busy interval, cut at the horizon [s].
    """
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
    """Start serving a request that arrived at ``arrival_s`` on ``slot`` at ``now_s`` [s].

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    slot : int
        The server.
    arrival_s, now_s, d_s : float
        Arrival time, start of service and duration [s].
    """
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

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    t_s : float
        Arrival time [s].
    u : float
        A uniform draw in [0, 1), read by the ``random`` balancer.

    Returns
    -------
    tuple of int
        The slot to start on (-1 to queue) and the queue it would wait in.
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
    """Handle one arrival (the reference engine's ``_Fleet.arrive``).

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    t_s, d_s : float
        Arrival time and duration [s].
    u : float
        A uniform draw in [0, 1), read by the ``random`` balancer.
    """
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
    """Start the request at the head of queue ``q`` on ``slot``.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    slot, q : int
        The server and the queue.
    now_s : float
        Now [s].
    """
    node = st.q_head[q]
    a_s = st.nd_arrival_s[node]
    d_s = st.nd_duration_s[node]
    _pop_head(st, q)
    _start(prm, st, slot, a_s, now_s, d_s)


@njit_inline
def _complete(prm: FleetParams, st: FleetState, slot: int, end_s: float) -> None:
    """A request ends: the server takes the next of its own queue, then of the shared one.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    slot : int
        The server.
    end_s : float
        When the request ends [s].
    """
    st.sv_active[slot] -= 1
    st.in_system[0] -= 1
    st.served[0] += 1
    st.b_served[bin_index(end_s, prm.bin_width_s, prm.n_bins)] += 1
    if _next_from(prm, st, slot + 1, end_s):
        _serve_head(prm, st, slot, slot + 1, end_s)
    elif _next_from(prm, st, 0, end_s):
        _serve_head(prm, st, slot, 0, end_s)
