"""Compiled kernel for fixed fleets (no autoscaling): VPS fleets of a set size and bare metal.

Same semantics as the general fleet kernel (:mod:`costsim.engine.fast_fleet`) and the SimPy
reference, with less work per request. With no autoscaling every server serves from time 0 to
the end, so servers are simply ``0..count-1`` (their ids), and the only events are completions.
The scalars of the state live in local variables (registers) inside the loop and are stored back
into ``sf``/``si`` when the kernel returns. Queues are FIFO linked lists in one node pool: queue 0
is the shared queue, queue ``s + 1`` belongs to server ``s``.

When the node pool or the heap is full the kernel stops before the next arrival; the caller grows
the arrays and calls again. Memory follows the requests in flight, never the horizon.
"""

from __future__ import annotations

import numpy as np

from costsim.engine.fast_common import (
    add_interval,
    bin_index,
    choose_server,
    grow,
    heap_pop,
    heap_push,
    latency_bucket,
    new_heap,
    njit,
)
from costsim.engine.metrics import TimeBins
from costsim.platforms.fleet import FleetPlatform

SHARED, ROUND_ROBIN, RANDOM, LEAST_CONNECTIONS = 0, 1, 2, 3
# Parameters: pp (float64) and ip (int64).
P_HORIZON, P_WIDTH, P_TIMEOUT, P_GRAN, P_MIN, P_WARMUP = range(6)
I_COUNT, I_WORKERS, I_BALANCER, I_HAS_LIMIT, I_LIMIT, I_HAS_TIMEOUT, I_NBINS, I_HAS_U = range(8)
# State: sf (float64) and si (int64).
S_NOW, S_LAT_TOTAL, S_BUSY = range(3)
N_SF = 3
HEAP_N, SEQ, RR, C_ARRIVED, C_SERVED, C_DROPPED, NODE_FREE = range(7)
N_SI = 7


@njit
def _drop_head(q: int, qhead, qlen, nd_next, node_free: int) -> int:
    """Unlink the head of queue ``q`` and return it to the free list; return the new free head."""
    node = qhead[q]
    qhead[q] = nd_next[node]
    qlen[q] -= 1
    nd_next[node] = node_free
    return node


@njit
def _expire(q, now_s, timeout_s, qhead, qlen, nd_a, nd_next, node_free, b_dropped, width_s, n_bins):
    """Drop the requests at the head of queue ``q`` that waited past the timeout by ``now_s``.

    The reference's ``_next_from``. Returns (new free-list head, requests dropped).
    """
    m = 0
    while qlen[q] > 0 and now_s - nd_a[qhead[q]] > timeout_s:
        a_s = nd_a[qhead[q]]
        node_free = _drop_head(q, qhead, qlen, nd_next, node_free)
        m += 1
        b_dropped[bin_index(a_s + timeout_s, width_s, n_bins)] += 1
    return node_free, m


@njit
def _start(
    slot, arrival_s, now_s, d_s, active, pp, weight, n_bins, lat_counts, b_busy,
    ht, ho, ha, hv, hn, seq, lat_total_s, busy_s,
):  # fmt: skip
    """Start a request that arrived at ``arrival_s`` on server ``slot`` at ``now_s`` [s].

    The reference's ``_start``. Returns the new (heap size, sequence, latency sum, busy time).
    """
    horizon_s = pp[P_HORIZON]
    active[slot] += 1
    latency_s = (now_s - arrival_s) + d_s
    if arrival_s >= pp[P_WARMUP]:
        lat_counts[latency_bucket(latency_s)] += 1
        lat_total_s += latency_s
    end_s = now_s + d_s
    if end_s > now_s:
        busy_s += weight * (min(end_s, horizon_s) - min(now_s, horizon_s))
        add_interval(b_busy, now_s, end_s, weight, horizon_s, pp[P_WIDTH], n_bins)
    hn = heap_push(ht, ho, ha, hv, hn, max(end_s, now_s), seq, slot, end_s)
    return hn, seq + 1, lat_total_s, busy_s


@njit
def run_chunk(
    arr: np.ndarray,
    dur: np.ndarray,
    uni: np.ndarray,
    start: int,
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    active: np.ndarray,
    qhead: np.ndarray,
    qtail: np.ndarray,
    qlen: np.ndarray,
    nd_a: np.ndarray,
    nd_d: np.ndarray,
    nd_next: np.ndarray,
    g_slot: np.ndarray,
    g_active: np.ndarray,
    ht: np.ndarray,
    ho: np.ndarray,
    ha: np.ndarray,
    hv: np.ndarray,
    lat_counts: np.ndarray,
    b_arrivals: np.ndarray,
    b_served: np.ndarray,
    b_dropped: np.ndarray,
    b_busy: np.ndarray,
) -> int:
    """Simulate arrivals ``start..`` of a chunk; return the index reached.

    With ``arr`` empty it runs every remaining completion (the drain at the end of the run).
    """
    width_s = pp[P_WIDTH]
    timeout_s = pp[P_TIMEOUT]
    count = ip[I_COUNT]
    workers = ip[I_WORKERS]
    code = ip[I_BALANCER]
    has_limit = ip[I_HAS_LIMIT] != 0
    limit = ip[I_LIMIT]
    has_timeout = ip[I_HAS_TIMEOUT] != 0
    has_u = ip[I_HAS_U] != 0
    n_bins = ip[I_NBINS]
    weight = 1.0 / workers
    hcap = len(ht)
    now_s = sf[S_NOW]
    lat_total_s = sf[S_LAT_TOTAL]
    busy_s = sf[S_BUSY]
    hn = si[HEAP_N]
    seq = si[SEQ]
    rr = si[RR]
    arrived = si[C_ARRIVED]
    served = si[C_SERVED]
    dropped = si[C_DROPPED]
    node_free = si[NODE_FREE]

    queues = (qhead, qlen, nd_a, nd_next)
    drops = (b_dropped, width_s, n_bins)
    n = len(arr)
    i = start
    while True:
        if i < n:
            if node_free < 0 or hn >= hcap:
                break
            t_s = arr[i]
        else:
            t_s = np.inf
            if n > 0:
                break
        if t_s > now_s:
            # completions at or before the arrival, in time order
            while hn > 0 and ht[0] <= t_s:
                now_s = ht[0]
                slot = ha[0]
                end_s = hv[0]
                hn = heap_pop(ht, ho, ha, hv, hn)
                active[slot] -= 1
                served += 1
                b_served[bin_index(end_s, width_s, n_bins)] += 1
                # the server takes the next request of its own queue, then of the shared one
                q = slot + 1
                if has_timeout:
                    node_free, m = _expire(q, end_s, timeout_s, *queues, node_free, *drops)
                    dropped += m
                if qlen[q] == 0:
                    q = 0
                    if has_timeout:
                        node_free, m = _expire(q, end_s, timeout_s, *queues, node_free, *drops)
                        dropped += m
                if qlen[q] > 0:
                    node = qhead[q]
                    a_s = nd_a[node]
                    d_s = nd_d[node]
                    node_free = _drop_head(q, qhead, qlen, nd_next, node_free)
                    hn, seq, lat_total_s, busy_s = _start(
                        slot, a_s, end_s, d_s, active, pp, weight, n_bins, lat_counts, b_busy,
                        ht, ho, ha, hv, hn, seq, lat_total_s, busy_s,
                    )  # fmt: skip
            if i >= n:
                break
            now_s = t_s
        d_s = dur[i]
        u = uni[i] if has_u else 0.0
        i += 1
        arrived += 1
        b_arrivals[bin_index(t_s, width_s, n_bins)] += 1
        # choose a server (slot), or a queue to wait in (q)
        slot = -1
        if code == SHARED:
            q = 0
            nf = 0
            for s in range(count):
                if active[s] < workers:
                    g_slot[nf] = s
                    g_active[nf] = active[s]
                    nf += 1
            if nf > 0:
                # drop the timed-out head of the shared queue; serve now only if it is empty
                if has_timeout:
                    node_free, m = _expire(0, t_s, timeout_s, *queues, node_free, *drops)
                    dropped += m
                if qlen[0] == 0:
                    slot = g_slot[choose_server(SHARED, g_active[:nf], g_active[:0], 0, u)]
        else:
            if code == LEAST_CONNECTIONS and has_timeout:
                for s in range(count):
                    node_free, m = _expire(s + 1, t_s, timeout_s, *queues, node_free, *drops)
                    dropped += m
            k = choose_server(code, active[:count], qlen[1 : count + 1], rr, u)
            if code == ROUND_ROBIN:
                rr += 1
            q = k + 1
            if active[k] < workers:
                if has_timeout:
                    node_free, m = _expire(q, t_s, timeout_s, *queues, node_free, *drops)
                    dropped += m
                if qlen[q] == 0:
                    slot = k
        if slot >= 0:
            hn, seq, lat_total_s, busy_s = _start(
                slot, t_s, t_s, d_s, active, pp, weight, n_bins, lat_counts, b_busy,
                ht, ho, ha, hv, hn, seq, lat_total_s, busy_s,
            )  # fmt: skip
            continue
        # enqueue in q: drop its timed-out head first, then apply the queue limit
        if has_timeout:
            node_free, m = _expire(q, t_s, timeout_s, *queues, node_free, *drops)
            dropped += m
        if has_limit and qlen[q] >= limit:
            dropped += 1
            b_dropped[bin_index(t_s, width_s, n_bins)] += 1
            continue
        node = node_free
        node_free = nd_next[node]
        nd_a[node] = t_s
        nd_d[node] = d_s
        nd_next[node] = -1
        if qlen[q] == 0:
            qhead[q] = node
        else:
            nd_next[qtail[q]] = node
        qtail[q] = node
        qlen[q] += 1

    sf[S_NOW] = now_s
    sf[S_LAT_TOTAL] = lat_total_s
    sf[S_BUSY] = busy_s
    si[HEAP_N] = hn
    si[SEQ] = seq
    si[RR] = rr
    si[C_ARRIVED] = arrived
    si[C_SERVED] = served
    si[C_DROPPED] = dropped
    si[NODE_FREE] = node_free
    return i


@njit
def close(pp, ip, qlen, b_dropped, b_alive) -> tuple[int, float]:
    """Drop what is still queued, then retire every server at the horizon, in id order.

    Returns (requests dropped, instance-seconds alive).
    """
    horizon_s = pp[P_HORIZON]
    n_bins = ip[I_NBINS]
    dropped = 0
    for q in range(len(qlen)):
        for _ in range(qlen[q]):
            # queued requests arrived before the horizon: they are dropped at the horizon
            dropped += 1
            b_dropped[bin_index(horizon_s, pp[P_WIDTH], n_bins)] += 1
        qlen[q] = 0
    alive_s = 0.0
    for _ in range(ip[I_COUNT]):
        end_s = min(horizon_s, horizon_s)
        life_s = max(0.0, end_s - 0.0)
        alive_s += life_s
        add_interval(b_alive, 0.0, end_s, 1.0, horizon_s, pp[P_WIDTH], n_bins)
    return dropped, alive_s


class FixedState:
    """The arrays the fixed-fleet kernel carries between chunks."""

    def __init__(self, p: FleetPlatform, horizon_s: float, bins: TimeBins) -> None:
        c = p.count
        self.pp = np.array(
            [
                horizon_s,
                bins.width_s,
                p.queue_timeout_s if p.queue_timeout_s is not None else 0.0,
                0.0,
                0.0,
                p.latency_warmup_s,
            ]
        )
        self.ip = np.array(
            [
                c,
                p.workers,
                p.balancer_code,
                int(p.queue_limit is not None),
                p.queue_limit if p.queue_limit is not None else 0,
                int(p.queue_timeout_s is not None),
                bins.n_bins,
                int(p.balancer_code == RANDOM),
            ],
            dtype=np.int64,
        )
        self.sf = np.zeros(N_SF)
        self.si = np.zeros(N_SI, dtype=np.int64)
        self.si[NODE_FREE] = -1
        self.active = np.zeros(c, dtype=np.int64)
        self.qhead = np.full(c + 1, -1, dtype=np.int64)
        self.qtail = np.full(c + 1, -1, dtype=np.int64)
        self.qlen = np.zeros(c + 1, dtype=np.int64)
        self.g_slot = np.zeros(c, dtype=np.int64)
        self.g_active = np.zeros(c, dtype=np.int64)
        self.nd_a = np.zeros(0)
        self.nd_d = np.zeros(0)
        self.nd_next = np.zeros(0, dtype=np.int64)
        self._grow_nodes(1024)
        self.heap = new_heap(256)

    def _grow_nodes(self, capacity: int) -> None:
        old = len(self.nd_next)
        self.nd_a = grow(self.nd_a, capacity)
        self.nd_d = grow(self.nd_d, capacity)
        self.nd_next = grow(self.nd_next, capacity)
        # chain the new nodes in front of the free list
        self.nd_next[old : capacity - 1] = np.arange(old + 1, capacity)
        self.nd_next[capacity - 1] = self.si[NODE_FREE]
        self.si[NODE_FREE] = old

    def grow(self) -> None:
        """Double whichever of the node pool and the heap is full."""
        if self.si[NODE_FREE] < 0:
            self._grow_nodes(2 * len(self.nd_next))
        if self.si[HEAP_N] >= len(self.heap[0]):
            self.heap = tuple(grow(h, 2 * len(h)) for h in self.heap)  # type: ignore[assignment]

    def run(
        self, arr: np.ndarray, dur: np.ndarray, uni: np.ndarray, start: int,
        lat_counts: np.ndarray, bins: TimeBins,
    ) -> int:  # fmt: skip
        """Call the kernel on ``arr[start:]`` (see :func:`run_chunk`)."""
        return int(
            run_chunk(
                arr, dur, uni, start, self.pp, self.ip, self.sf, self.si, self.active,
                self.qhead, self.qtail, self.qlen, self.nd_a, self.nd_d, self.nd_next,
                self.g_slot, self.g_active, *self.heap, lat_counts, bins.arrivals, bins.served,
                bins.dropped, bins.busy_s,
            )
        )  # fmt: skip
