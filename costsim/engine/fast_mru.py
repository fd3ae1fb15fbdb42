"""Compiled kernel for the commonest serverless pool: one request per instance, ``reuse: mru``.

Same semantics as the general kernel (:mod:`costsim.engine.fast_serverless`) and the SimPy
reference, reached with less work per request:

* An instance serves one request at a time, so it is either busy (its completion is on the
  event heap) or idle, and an idle instance is warm: the candidates of the reuse rule are exactly
  the idle instances. Two lists hold them, one for provisioned instances and one for the others,
  each in the order the instances became idle. Completions are handled in time order, so each
  list is sorted by idle time.
* ``mru`` prefers the instance idle most recently (:func:`~costsim.platforms.rules.prefer_warm`),
  so the choice is at the tail of a list: the kernel compares only the instances tied with the
  tail, instead of scanning every idle instance.
* Instances whose keep-alive ran out are at the head of the unprovisioned list.
* The scalars of the state live in local variables inside the loop (registers), and are stored
  back into ``sf``/``si`` (the general kernel's layout) when the kernel returns.

Memory follows the number of instances and requests in flight, never the horizon: when the
slots or the heap are full, or the block of cold-start draws is used up, the kernel stops
before the next arrival and the caller grows the arrays or hands it the next block.
"""

from __future__ import annotations

import numpy as np

from costsim.engine.fast_common import (
    add_interval,
    billed_duration_s,
    bin_index,
    bucket_refill,
    grow,
    heap_pop,
    heap_push,
    keep_alive_expired,
    latency_bucket,
    new_heap,
    njit,
    prefer_warm,
)
from costsim.engine.fast_serverless import (
    C_ARRIVED,
    C_COLD,
    C_SERVED,
    C_THROTTLED,
    COLD_POS,
    HEAP_N,
    I_LIMIT,
    I_NBINS,
    I_PROV,
    MAX_INST,
    N_ALIVE,
    N_FREE_SLOTS,
    N_SF,
    N_SI,
    NEXT_ID,
    P_BURST,
    P_GRAN,
    P_HORIZON,
    P_KA,
    P_MIN,
    P_RATE,
    P_WARMUP,
    P_WIDTH,
    S_ALIVE,
    S_BUSY,
    S_COMPUTE,
    S_INIT,
    S_LAT_TOTAL,
    S_NOW,
    S_PCOMPUTE,
    S_PREQ,
    S_REQ,
    S_TOKENS,
    S_TOKENS_AT,
    SEQ,
    alive_seconds,
)
from costsim.engine.metrics import TimeBins

MRU = 0
_EMPTY = np.zeros(0)
# List ends in ``ends``: the unprovisioned list, then the provisioned one.
O_HEAD, O_TAIL, P_HEAD, P_TAIL = range(4)


@njit
def _push(slot: int, head: int, tail: int, idle, prev, nxt) -> tuple[int, int]:
    """Insert ``slot`` into a list sorted by idle time, after every equal or earlier instance.

    Returns the list's new (head, tail). Completions come in time order, so the walk back from
    the tail stops at once.
    """
    after = tail
    t_s = idle[slot]
    while after >= 0 and idle[after] > t_s:
        after = prev[after]
    before = head if after < 0 else nxt[after]
    prev[slot] = after
    nxt[slot] = before
    if after < 0:
        head = slot
    else:
        nxt[after] = slot
    if before < 0:
        tail = slot
    else:
        prev[before] = slot
    return head, tail


@njit
def _unlink(slot: int, head: int, tail: int, prev, nxt) -> tuple[int, int]:
    """Remove ``slot`` from a list; return its new (head, tail)."""
    p = prev[slot]
    n = nxt[slot]
    if p < 0:
        head = n
    else:
        nxt[p] = n
    if n < 0:
        tail = p
    else:
        prev[n] = p
    return head, tail


@njit
def _mru(tail: int, idle, created, iid, prev) -> int:
    """The instance ``mru`` prefers in a list sorted by idle time: the tail or one tied with it."""
    best = tail
    j = prev[tail]
    while j >= 0 and idle[j] == idle[tail]:
        if prefer_warm(MRU, idle[j], created[j], iid[j], idle[best], created[best], iid[best]):
            best = j
        j = prev[j]
    return best


@njit
def run_chunk(
    arr: np.ndarray,
    dur: np.ndarray,
    cold: np.ndarray,
    start: int,
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    ends: np.ndarray,
    created: np.ndarray,
    idle: np.ndarray,
    iid: np.ndarray,
    prov: np.ndarray,
    prev: np.ndarray,
    nxt: np.ndarray,
    slots_free: np.ndarray,
    scratch: np.ndarray,
    ht: np.ndarray,
    ho: np.ndarray,
    ha: np.ndarray,
    hv: np.ndarray,
    lat_counts: np.ndarray,
    b_arrivals: np.ndarray,
    b_served: np.ndarray,
    b_cold: np.ndarray,
    b_throttled: np.ndarray,
    b_alive: np.ndarray,
    b_busy: np.ndarray,
) -> int:
    """Simulate arrivals ``start..`` of a chunk; return the index reached.

    ``arr``/``dur`` are arrival times and durations [s]; ``cold`` is a block of cold-start
    durations [s] read from ``si[COLD_POS]`` on. With ``arr`` empty it runs the remaining
    completions (the drain at the end of the run).
    """
    horizon_s = pp[P_HORIZON]
    width_s = pp[P_WIDTH]
    ka_s = pp[P_KA]
    burst = pp[P_BURST]
    rate = pp[P_RATE]
    gran_s = pp[P_GRAN]
    minimum_s = pp[P_MIN]
    warmup_s = pp[P_WARMUP]
    n_bins = ip[I_NBINS]
    limit = ip[I_LIMIT]
    hcap = len(ht)
    n_cold = len(cold)
    # state, in registers
    now_s = sf[S_NOW]
    tokens = sf[S_TOKENS]
    tokens_at_s = sf[S_TOKENS_AT]
    lat_total_s = sf[S_LAT_TOTAL]
    req = sf[S_REQ]
    compute_s = sf[S_COMPUTE]
    init_total_s = sf[S_INIT]
    preq = sf[S_PREQ]
    pcompute_s = sf[S_PCOMPUTE]
    alive_s = sf[S_ALIVE]
    busy_s = sf[S_BUSY]
    n_alive = si[N_ALIVE]
    next_id = si[NEXT_ID]
    hn = si[HEAP_N]
    seq = si[SEQ]
    n_free = si[N_FREE_SLOTS]
    arrived = si[C_ARRIVED]
    served = si[C_SERVED]
    n_cold_starts = si[C_COLD]
    throttled = si[C_THROTTLED]
    max_inst = si[MAX_INST]
    cold_pos = si[COLD_POS]
    o_head = ends[O_HEAD]
    o_tail = ends[O_TAIL]
    p_head = ends[P_HEAD]
    p_tail = ends[P_TAIL]

    n = len(arr)
    i = start
    while True:
        if i < n:
            if n_free == 0 or hn >= hcap or cold_pos >= n_cold:
                break
            t_s = arr[i]
        else:
            t_s = np.inf  # no arrival left: run every completion (drain) when n == 0
            if n > 0:
                break
        # completions first, in time order (at equal times before the arrival)
        if t_s > now_s:
            while hn > 0 and ht[0] <= t_s:
                now_s = ht[0]
                slot = ha[0]
                end_s = hv[0]
                hn = heap_pop(ht, ho, ha, hv, hn)
                idle[slot] = end_s
                if prov[slot]:
                    p_head, p_tail = _push(slot, p_head, p_tail, idle, prev, nxt)
                else:
                    o_head, o_tail = _push(slot, o_head, o_tail, idle, prev, nxt)
                served += 1
                b_served[bin_index(end_s, width_s, n_bins)] += 1
            if i >= n:
                break
            now_s = t_s
        dur_s = dur[i]
        i += 1
        b = bin_index(t_s, width_s, n_bins)
        arrived += 1
        b_arrivals[b] += 1
        # reclaim the instances whose keep-alive ran out, retiring them in id order
        m = 0
        while o_head >= 0 and keep_alive_expired(idle[o_head], t_s, ka_s):
            slot = o_head
            o_head, o_tail = _unlink(slot, o_head, o_tail, prev, nxt)
            j = m
            while j > 0 and iid[scratch[j - 1]] > iid[slot]:
                scratch[j] = scratch[j - 1]
                j -= 1
            scratch[j] = slot
            m += 1
        for j in range(m):
            slot = scratch[j]
            alive_s += alive_seconds(created[slot], idle[slot] + ka_s, pp, ip, b_alive)
            slots_free[n_free] = slot
            n_free += 1
        n_alive -= m
        # a warm instance, provisioned first
        if p_tail >= 0:
            slot = _mru(p_tail, idle, created, iid, prev)
            p_head, p_tail = _unlink(slot, p_head, p_tail, prev, nxt)
        elif o_tail >= 0:
            slot = _mru(o_tail, idle, created, iid, prev)
            o_head, o_tail = _unlink(slot, o_head, o_tail, prev, nxt)
        else:
            slot = -1
        init_s = 0.0
        if slot < 0:
            tokens = bucket_refill(tokens, tokens_at_s, t_s, burst, rate)
            tokens_at_s = t_s
            if n_alive >= limit or tokens < 1.0:
                throttled += 1
                b_throttled[b] += 1
                continue
            tokens -= 1.0
            init_s = cold[cold_pos]
            cold_pos += 1
            n_free -= 1
            slot = slots_free[n_free]
            created[slot] = t_s
            idle[slot] = t_s
            iid[slot] = next_id
            prov[slot] = 0
            next_id += 1
            n_alive += 1
            max_inst = max(max_inst, n_alive)
            n_cold_starts += 1
            b_cold[b] += 1
            init_total_s += billed_duration_s(init_s, gran_s, 0.0)
        latency_s = init_s + dur_s
        end_s = t_s + latency_s
        if t_s >= warmup_s:
            lat_counts[latency_bucket(latency_s)] += 1
            lat_total_s += latency_s
        billed_s = billed_duration_s(dur_s, gran_s, minimum_s)
        if prov[slot]:
            preq += 1
            pcompute_s += billed_s
        else:
            req += 1
            compute_s += billed_s
        if end_s > t_s:
            busy_s += 1.0 * (min(end_s, horizon_s) - min(t_s, horizon_s))
            add_interval(b_busy, t_s, end_s, 1.0, horizon_s, width_s, n_bins)
        hn = heap_push(ht, ho, ha, hv, hn, max(end_s, now_s), seq, slot, end_s)
        seq += 1

    sf[S_NOW] = now_s
    sf[S_TOKENS] = tokens
    sf[S_TOKENS_AT] = tokens_at_s
    sf[S_LAT_TOTAL] = lat_total_s
    sf[S_REQ] = req
    sf[S_COMPUTE] = compute_s
    sf[S_INIT] = init_total_s
    sf[S_PREQ] = preq
    sf[S_PCOMPUTE] = pcompute_s
    sf[S_ALIVE] = alive_s
    sf[S_BUSY] = busy_s
    si[N_ALIVE] = n_alive
    si[NEXT_ID] = next_id
    si[HEAP_N] = hn
    si[SEQ] = seq
    si[N_FREE_SLOTS] = n_free
    si[C_ARRIVED] = arrived
    si[C_SERVED] = served
    si[C_COLD] = n_cold_starts
    si[C_THROTTLED] = throttled
    si[MAX_INST] = max_inst
    si[COLD_POS] = cold_pos
    ends[O_HEAD] = o_head
    ends[O_TAIL] = o_tail
    ends[P_HEAD] = p_head
    ends[P_TAIL] = p_tail
    return i


@njit
def list_slots(head: int, nxt: np.ndarray, out: np.ndarray, k: int) -> int:
    """Write the slots of the list starting at ``head`` into ``out[k:]``; return the new end."""
    j = head
    while j >= 0:
        out[k] = j
        k += 1
        j = nxt[j]
    return k


@njit
def close(slots, pp, ip, sf, created, idle, prov, b_alive) -> None:
    """Retire the instances in ``slots`` (every one, all idle after the drain, in id order).

    The reference's close: provisioned instances live to the horizon, the others until their
    keep-alive runs out.
    """
    alive_s = sf[S_ALIVE]
    for slot in slots:
        end_s = pp[P_HORIZON] if prov[slot] else idle[slot] + pp[P_KA]
        alive_s += alive_seconds(created[slot], end_s, pp, ip, b_alive)
    sf[S_ALIVE] = alive_s


class MruState:
    """The arrays the single-request ``mru`` kernel carries between chunks.

    ``pp``/``ip``/``sf``/``si`` use the layout of :mod:`costsim.engine.fast_serverless`.
    """

    def __init__(self, pp: np.ndarray, ip: np.ndarray) -> None:
        self.pp = pp
        self.ip = ip
        self.sf = np.zeros(N_SF)
        self.si = np.zeros(N_SI, dtype=np.int64)
        self.sf[S_TOKENS] = pp[P_BURST]
        n_prov = int(ip[I_PROV])
        cap = max(64, 2 * n_prov)
        self.created = np.zeros(cap)
        self.idle = np.zeros(cap)
        self.iid = np.zeros(cap, dtype=np.int64)
        self.prov = np.zeros(cap, dtype=np.int64)
        self.prev = np.full(cap, -1, dtype=np.int64)
        self.nxt = np.full(cap, -1, dtype=np.int64)
        self.scratch = np.zeros(cap, dtype=np.int64)
        self.ends = np.full(4, -1, dtype=np.int64)
        # provisioned instances: slots and ids 0.., created and idle since 0, in id order
        self.iid[:n_prov] = np.arange(n_prov)
        self.prov[:n_prov] = 1
        if n_prov:
            self.prev[:n_prov] = np.arange(-1, n_prov - 1)
            self.nxt[: n_prov - 1] = np.arange(1, n_prov)
            self.ends[P_HEAD], self.ends[P_TAIL] = 0, n_prov - 1
        self.slots_free = np.zeros(cap, dtype=np.int64)
        self.slots_free[: cap - n_prov] = np.arange(cap - 1, n_prov - 1, -1)
        self.si[N_FREE_SLOTS] = cap - n_prov
        self.si[N_ALIVE] = self.si[NEXT_ID] = self.si[MAX_INST] = n_prov
        self.heap = new_heap(256)

    def grow(self) -> None:
        """Double whichever of the slots and the heap is full."""
        cap = len(self.created)
        if self.si[N_FREE_SLOTS] == 0:
            new = 2 * cap
            for name in ("created", "idle", "iid", "prov", "scratch"):
                setattr(self, name, grow(getattr(self, name), new))
            for name in ("prev", "nxt"):
                a = np.full(new, -1, dtype=np.int64)
                a[:cap] = getattr(self, name)
                setattr(self, name, a)
            self.slots_free = grow(np.arange(new - 1, cap - 1, -1, dtype=np.int64), new)
            self.si[N_FREE_SLOTS] = new - cap
        if self.si[HEAP_N] >= len(self.heap[0]):
            self.heap = tuple(grow(h, 2 * len(h)) for h in self.heap)  # type: ignore[assignment]

    def run(self, arr, dur, cold, uni, start: int, lat_counts: np.ndarray, bins: TimeBins) -> int:
        """Call the kernel on ``arr[start:]`` (see :func:`run_chunk`); ``uni`` is not read."""
        return int(
            run_chunk(
                arr, dur, cold, start, self.pp, self.ip, self.sf, self.si, self.ends,
                self.created, self.idle, self.iid, self.prov, self.prev, self.nxt,
                self.slots_free, self.scratch, *self.heap, lat_counts, bins.arrivals,
                bins.served, bins.cold_starts, bins.throttled, bins.alive_s, bins.busy_s,
            )
        )  # fmt: skip

    def finish(self, lat_counts: np.ndarray, bins: TimeBins) -> None:
        """Run the remaining completions and retire every instance."""
        self.run(_EMPTY, _EMPTY, _EMPTY, _EMPTY, 0, lat_counts, bins)
        slots = np.zeros(len(self.created), dtype=np.int64)
        k = list_slots(self.ends[P_HEAD], self.nxt, slots, 0)
        k = list_slots(self.ends[O_HEAD], self.nxt, slots, k)
        slots = slots[:k]
        slots = slots[np.argsort(self.iid[slots], kind="stable")]
        close(slots, self.pp, self.ip, self.sf, self.created, self.idle, self.prov, bins.alive_s)
