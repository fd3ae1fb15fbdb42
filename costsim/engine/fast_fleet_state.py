"""The two records of the compiled fleet engine, and how they are made and grown.

:class:`FleetParams` holds the platform's parameters as scalars; :class:`FleetState` every array
a run carries between chunks, a scalar of the state being a one-element array (``st.now_s[0]``),
so that no index constant is needed. Arrays are allocated for the servers the platform can have
and grown between kernel calls (node pool, event heap, autoscaling window ring) when the kernel
says it needs more: memory follows the requests in flight, never the horizon.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from costsim.engine.batches import BatchWindows
from costsim.engine.fast_common import grow
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.platforms.fleet import FleetPlatform
from costsim.platforms.rules import BALANCERS


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
    batch_tally: np.ndarray  # (batches, 5), see costsim.engine.batches
    batch_cfg: np.ndarray


def fleet_params(p: FleetPlatform, horizon_s: float, bins: TimeBins) -> FleetParams:
    """The kernel's view of platform ``p`` over ``horizon_s`` [s], binned as ``bins``."""
    a = p.autoscale
    return FleetParams(
        horizon_s=float(horizon_s),
        bin_width_s=float(bins.width_s),
        n_bins=int(bins.n_bins),
        workers=int(p.workers),
        balancer=int(p.balancer_code),
        uses_uniforms=p.balancer_code == BALANCERS.index("random"),
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


def new_state(
    p: FleetPlatform, bins: TimeBins, latency: LatencyHistogram, batches: BatchWindows
) -> FleetState:
    """An empty state for platform ``p``, measuring into ``bins``, ``latency`` and ``batches``.

    Slots are allocated for the most servers the platform can have; no server is launched yet
    (see :func:`costsim.engine.fast_fleet_steps.start_servers`).
    """
    a = p.autoscale
    n_slots = max(a.minimum if a else p.count, a.maximum if a else 0, 1)
    heap_cap = 2 * (max(p.workers, n_slots) + 2) * 4
    f1, i1 = (lambda: _zeros_f(1)), (lambda: _zeros_i(1))
    st = FleetState(
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
        batch_tally=batches.tally, batch_cfg=batches.cfg,
    )  # fmt: skip
    return with_nodes(st, 1024)


def with_nodes(st: FleetState, capacity: int) -> FleetState:
    """``st`` with a node pool of ``capacity`` nodes, the new ones chained onto the free list."""
    old = len(st.nd_next)
    nd_next = grow(st.nd_next, capacity)
    nd_next[old : capacity - 1] = np.arange(old + 1, capacity)
    nd_next[capacity - 1] = st.node_free[0]
    st.node_free[0] = old
    return st._replace(
        nd_arrival_s=grow(st.nd_arrival_s, capacity),
        nd_duration_s=grow(st.nd_duration_s, capacity),
        nd_next=nd_next,
    )


def grown(prm: FleetParams, st: FleetState, next_dur_s: float) -> FleetState:
    """``st`` with room for the next step (and the next arrival, of ``next_dur_s`` [s]).

    Doubles whichever of the node pool, the event heap and the window ring is short; the
    caller has emptied the lifetime buffer.
    """
    if st.node_free[0] < 0:
        st = with_nodes(st, 2 * len(st.nd_next))
    need = max(prm.workers, len(st.sv_used)) + 2
    if len(st.ev_t_s) - st.heap_n[0] < need:
        cap = 2 * (len(st.ev_t_s) + need)
        st = st._replace(
            ev_t_s=grow(st.ev_t_s, cap), ev_order=grow(st.ev_order, cap),
            ev_slot=grow(st.ev_slot, cap), ev_value=grow(st.ev_value, cap),
        )  # fmt: skip
    if prm.autoscale:
        # busy time feeds the windows up to the horizon only
        span = int(min(next_dur_s, prm.horizon_s) / prm.evaluation_period_s) + 4
        win = st.win_busy_s
        if span > len(win):
            size = len(win)
            while size < 2 * span:
                size *= 2
            ks = np.arange(st.win_next[0], st.win_next[0] + len(win))
            new = np.zeros(size)
            new[ks & (size - 1)] = win[ks & (len(win) - 1)]
            st = st._replace(win_busy_s=new)
    return st
