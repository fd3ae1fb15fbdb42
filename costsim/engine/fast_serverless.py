"""Compiled engine for serverless function pools: the SimPy reference's semantics, in numba.

The kernel walks a chunk of arrivals and handles completions from an event heap in SimPy's order
(time, then completions before arrivals, then scheduling order), so counts, the latency histogram
and the time bins come out exactly as the reference engine's. It calls the same rule functions
(:mod:`costsim.platforms.rules`, compiled in :mod:`costsim.engine.fast_common`).

The reference looks at every instance on every arrival; the kernel keeps three structures so that
it only looks at the instances that can matter, and reaches the same decisions:

* instances live in stable slots (``sf_``: created, idle since, ready [s]; ``si_``: id, active
  requests, provisioned, idle-list links);
* the *free sets*, one for provisioned instances and one for the others: the instances with a
  free slot (``active < instance_concurrency``), sorted by id, as :func:`choose_warm` wants its
  candidates. With one request per instance every free instance is ready, so the candidates are
  the free set itself;
* the *idle list*: unprovisioned idle instances in the order they became idle, which is the order
  of their idle times, so the instances whose keep-alive ran out are at its head. They are
  retired in id order, as the reference does.

State carried from one chunk to the next lives in these arrays and in the scalars ``sf``/``si``
(indices below). When the slots or the heap are full the kernel stops before the next arrival
and returns its index; the caller grows the arrays and calls again. Memory therefore follows the
number of instances and requests in flight, never the horizon.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from costsim.engine.common import (
    Chunk,
    ColdDraws,
    Counters,
    EngineOutput,
    OptionDraws,
    Progress,
)
from costsim.engine.fast_common import (
    add_interval,
    billed_duration_s,
    bin_index,
    bucket_refill,
    choose_warm,
    chunk_arrays,
    grow,
    grow_rows,
    heap_pop,
    heap_push,
    keep_alive_expired,
    latency_bucket,
    new_heap,
    njit,
)
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.meters import Meters
from costsim.platforms.serverless import ServerlessPlatform

if TYPE_CHECKING:
    from costsim.engine.fast_mru import MruState

# Platform parameters: pp (float64) and ip (int64).
P_KA, P_BURST, P_RATE, P_GRAN, P_MIN, P_HORIZON, P_WIDTH, P_WARMUP = range(8)
I_POLICY, I_CONC, I_LIMIT, I_PROV, I_NBINS, I_HAS_U = range(6)
# Float state (sf).
S_NOW, S_TOKENS, S_TOKENS_AT, S_LAT_TOTAL = range(4)
S_REQ, S_COMPUTE, S_INIT, S_PREQ, S_PCOMPUTE, S_ALIVE, S_BUSY = range(4, 11)
N_SF = 11
# Integer state (si).
N_ALIVE, NEXT_ID, HEAP_N, SEQ, N_FREE_SLOTS, IDLE_HEAD, IDLE_TAIL = range(7)
C_ARRIVED, C_SERVED, C_COLD, C_THROTTLED, MAX_INST, NF_PROV, NF_OTHER, COLD_POS = range(7, 15)
N_SI = 15
# Slot rows: floats, then integers.
CREATED, IDLE, READY = 0, 1, 2
ID, ACTIVE, PROV, PREV, NEXT = 0, 1, 2, 3, 4
MRU, RANDOM_POLICY = 0, 3


@njit
def alive_seconds(
    created_s: float, end_s: float, pp: np.ndarray, ip: np.ndarray, b_alive: np.ndarray
) -> float:
    """Instance-seconds of an instance alive from ``created_s`` to ``end_s`` [s], clipped to the
    horizon; they are also added to the per-bin ``b_alive``."""
    horizon_s = pp[P_HORIZON]
    end_s = min(end_s, horizon_s)
    if end_s <= created_s:
        return 0.0
    add_interval(b_alive, created_s, end_s, 1.0, horizon_s, pp[P_WIDTH], ip[I_NBINS])
    return end_s - created_s


@njit
def _retire(
    created_s: float, end_s: float, pp: np.ndarray, ip: np.ndarray, sf: np.ndarray, b_alive
) -> None:
    """Account for an instance alive from ``created_s`` to ``end_s`` [s] (clipped to horizon)."""
    sf[S_ALIVE] += alive_seconds(created_s, end_s, pp, ip, b_alive)


@njit
def _free_find(fr: np.ndarray, n: int, iid: int, sv_i: np.ndarray) -> int:
    """Position of id ``iid`` (or where it goes) in the free set ``fr`` of size ``n``."""
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) >> 1
        if sv_i[ID, fr[mid]] < iid:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def _free_insert(fr: np.ndarray, n: int, slot: int, sv_i: np.ndarray) -> int:
    """Add ``slot`` to the free set ``fr`` of size ``n``, keeping id order; return the size."""
    iid = sv_i[ID, slot]
    k = n
    if n > 0 and sv_i[ID, fr[n - 1]] > iid:
        k = _free_find(fr, n, iid, sv_i)
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


@njit
def _idle_push(slot: int, si: np.ndarray, sv_f: np.ndarray, sv_i: np.ndarray) -> None:
    """Append ``slot`` to the idle list, keeping it sorted by idle time."""
    after = si[IDLE_TAIL]
    idle_s = sv_f[IDLE, slot]
    while after >= 0 and sv_f[IDLE, after] > idle_s:
        after = sv_i[PREV, after]
    before = si[IDLE_HEAD] if after < 0 else sv_i[NEXT, after]
    sv_i[PREV, slot] = after
    sv_i[NEXT, slot] = before
    if after < 0:
        si[IDLE_HEAD] = slot
    else:
        sv_i[NEXT, after] = slot
    if before < 0:
        si[IDLE_TAIL] = slot
    else:
        sv_i[PREV, before] = slot


@njit
def _idle_remove(slot: int, si: np.ndarray, sv_i: np.ndarray) -> None:
    prev = sv_i[PREV, slot]
    nxt = sv_i[NEXT, slot]
    if prev < 0:
        si[IDLE_HEAD] = nxt
    else:
        sv_i[NEXT, prev] = nxt
    if nxt < 0:
        si[IDLE_TAIL] = prev
    else:
        sv_i[PREV, nxt] = prev


@njit
def _reclaim(t_s: float, pp, ip, sf, si, sv_f, sv_i, slots_free, f_other, scratch, b_alive) -> None:
    """Retire, in id order, every idle instance whose keep-alive has run out by ``t_s`` [s]."""
    ka = pp[P_KA]
    m = 0
    while si[IDLE_HEAD] >= 0 and keep_alive_expired(sv_f[IDLE, si[IDLE_HEAD]], t_s, ka):
        slot = si[IDLE_HEAD]
        _idle_remove(slot, si, sv_i)
        # insertion sort by id: usually one or two instances expire at a time
        j = m
        while j > 0 and sv_i[ID, scratch[j - 1]] > sv_i[ID, slot]:
            scratch[j] = scratch[j - 1]
            j -= 1
        scratch[j] = slot
        m += 1
    for j in range(m):
        slot = scratch[j]
        _retire(sv_f[CREATED, slot], sv_f[IDLE, slot] + ka, pp, ip, sf, b_alive)
        k = _free_find(f_other, si[NF_OTHER], sv_i[ID, slot], sv_i)
        si[NF_OTHER] = _free_remove(f_other, si[NF_OTHER], k)
        slots_free[si[N_FREE_SLOTS]] = slot
        si[N_FREE_SLOTS] += 1
    si[N_ALIVE] -= m


@njit
def _finish(pp, ip, sf, si, sv_f, sv_i, f_prov, f_other, ht, ho, ha, hv, b_served) -> None:
    """Handle the first completion on the heap."""
    sf[S_NOW] = ht[0]
    slot = ha[0]
    end_s = hv[0]
    si[HEAP_N] = heap_pop(ht, ho, ha, hv, si[HEAP_N])
    active = sv_i[ACTIVE, slot] - 1
    sv_i[ACTIVE, slot] = active
    prov = sv_i[PROV, slot]
    if active == 0:
        sv_f[IDLE, slot] = end_s
        if not prov:
            _idle_push(slot, si, sv_f, sv_i)
    if active == ip[I_CONC] - 1:
        if prov:
            si[NF_PROV] = _free_insert(f_prov, si[NF_PROV], slot, sv_i)
        else:
            si[NF_OTHER] = _free_insert(f_other, si[NF_OTHER], slot, sv_i)
    si[C_SERVED] += 1
    b_served[bin_index(end_s, pp[P_WIDTH], ip[I_NBINS])] += 1


@njit
def _candidates(
    fr: np.ndarray, n: int, t_s: float, u: float, ip, sv_f, c_idle, c_created, c_k
) -> int:
    """Position in the free set ``fr`` (size ``n``) of the warm instance to use, or -1.

    The candidates are the free instances that are ready, in id order.
    """
    check_ready = ip[I_CONC] > 1
    m = 0
    for j in range(n):
        slot = fr[j]
        c_idle[m] = sv_f[IDLE, slot]
        c_created[m] = sv_f[CREATED, slot]
        c_k[m] = j
        if not check_ready or sv_f[READY, slot] <= t_s:
            m += 1
    if m == 0:
        return -1
    return c_k[choose_warm(ip[I_POLICY], c_idle[:m], c_created[:m], u)]


@njit
def _pick(t_s: float, u: float, ip, si, sv_f, sv_i, f_prov, f_other, c_idle, c_created, c_k) -> int:
    """Slot of the warm instance to use (provisioned first), or -1; updates the free sets."""
    conc = ip[I_CONC]
    # provisioned instances are ready from time 0; with one request per instance every free
    # instance has finished a request, so it is ready too
    k = _candidates(f_prov, si[NF_PROV], t_s, u, ip, sv_f, c_idle, c_created, c_k)
    if k >= 0:
        slot = f_prov[k]
        if sv_i[ACTIVE, slot] + 1 == conc:
            si[NF_PROV] = _free_remove(f_prov, si[NF_PROV], k)
        return slot
    k = _candidates(f_other, si[NF_OTHER], t_s, u, ip, sv_f, c_idle, c_created, c_k)
    if k < 0:
        return -1
    slot = f_other[k]
    if sv_i[ACTIVE, slot] == 0:
        _idle_remove(slot, si, sv_i)
    if sv_i[ACTIVE, slot] + 1 == conc:
        si[NF_OTHER] = _free_remove(f_other, si[NF_OTHER], k)
    return slot


@njit
def _run_chunk(
    arr: np.ndarray,
    dur: np.ndarray,
    cold: np.ndarray,
    uni: np.ndarray,
    start: int,
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    sv_f: np.ndarray,
    sv_i: np.ndarray,
    slots_free: np.ndarray,
    f_prov: np.ndarray,
    f_other: np.ndarray,
    ht: np.ndarray,
    ho: np.ndarray,
    ha: np.ndarray,
    hv: np.ndarray,
    c_idle: np.ndarray,
    c_created: np.ndarray,
    c_k: np.ndarray,
    lat_counts: np.ndarray,
    b_arrivals: np.ndarray,
    b_served: np.ndarray,
    b_cold: np.ndarray,
    b_throttled: np.ndarray,
    b_alive: np.ndarray,
    b_busy: np.ndarray,
) -> int:
    """Simulate arrivals ``start..`` of a chunk; return the index reached.

    ``cold`` is a block of cold-start durations [s], read from ``si[COLD_POS]`` on. Stops
    early, before an arrival, when no slot is free, the heap is full or the block is used up.
    """
    n = len(arr)
    hcap = len(ht)
    has_u = ip[I_HAS_U] != 0
    horizon_s = pp[P_HORIZON]
    width_s = pp[P_WIDTH]
    n_bins = ip[I_NBINS]
    conc = ip[I_CONC]
    weight = 1.0 / conc
    for i in range(start, n):
        if si[N_FREE_SLOTS] == 0 or si[HEAP_N] >= hcap or si[COLD_POS] >= len(cold):
            return i
        t_s = arr[i]
        if t_s > sf[S_NOW]:
            while si[HEAP_N] > 0 and ht[0] <= t_s:
                _finish(pp, ip, sf, si, sv_f, sv_i, f_prov, f_other, ht, ho, ha, hv, b_served)
            sf[S_NOW] = t_s
        dur_s = dur[i]
        # the reference engine's _Pool.arrive
        b = bin_index(t_s, width_s, n_bins)
        si[C_ARRIVED] += 1
        b_arrivals[b] += 1
        _reclaim(t_s, pp, ip, sf, si, sv_f, sv_i, slots_free, f_other, c_k, b_alive)
        u = uni[i] if has_u else 0.0
        slot = _pick(t_s, u, ip, si, sv_f, sv_i, f_prov, f_other, c_idle, c_created, c_k)
        init_s = 0.0
        if slot < 0:
            sf[S_TOKENS] = bucket_refill(
                sf[S_TOKENS], sf[S_TOKENS_AT], t_s, pp[P_BURST], pp[P_RATE]
            )
            sf[S_TOKENS_AT] = t_s
            if si[N_ALIVE] >= ip[I_LIMIT] or sf[S_TOKENS] < 1.0:
                si[C_THROTTLED] += 1
                b_throttled[b] += 1
                continue
            sf[S_TOKENS] -= 1.0
            init_s = cold[si[COLD_POS]]
            si[COLD_POS] += 1
            si[N_FREE_SLOTS] -= 1
            slot = slots_free[si[N_FREE_SLOTS]]
            sv_f[CREATED, slot] = t_s
            sv_f[IDLE, slot] = t_s
            sv_f[READY, slot] = t_s + init_s
            sv_i[ID, slot] = si[NEXT_ID]
            sv_i[ACTIVE, slot] = 0
            sv_i[PROV, slot] = 0
            si[NEXT_ID] += 1
            si[N_ALIVE] += 1
            si[MAX_INST] = max(si[MAX_INST], si[N_ALIVE])
            si[C_COLD] += 1
            b_cold[b] += 1
            sf[S_INIT] += billed_duration_s(init_s, pp[P_GRAN], 0.0)
            if conc > 1:
                si[NF_OTHER] = _free_insert(f_other, si[NF_OTHER], slot, sv_i)
        sv_i[ACTIVE, slot] += 1
        latency_s = init_s + dur_s
        end_s = t_s + latency_s
        if t_s >= pp[P_WARMUP]:
            lat_counts[latency_bucket(latency_s)] += 1
            sf[S_LAT_TOTAL] += latency_s
        billed = billed_duration_s(dur_s, pp[P_GRAN], pp[P_MIN])
        if sv_i[PROV, slot]:
            sf[S_PREQ] += 1
            sf[S_PCOMPUTE] += billed
        else:
            sf[S_REQ] += 1
            sf[S_COMPUTE] += billed
        if end_s > t_s:
            sf[S_BUSY] += weight * (min(end_s, horizon_s) - min(t_s, horizon_s))
            add_interval(b_busy, t_s, end_s, weight, horizon_s, width_s, n_bins)
        si[HEAP_N] = heap_push(
            ht, ho, ha, hv, si[HEAP_N], max(end_s, sf[S_NOW]), si[SEQ], slot, end_s
        )
        si[SEQ] += 1
    return n


@njit
def _drain(pp, ip, sf, si, sv_f, sv_i, f_prov, f_other, ht, ho, ha, hv, b_served) -> None:
    """Run the remaining completions."""
    while si[HEAP_N] > 0:
        _finish(pp, ip, sf, si, sv_f, sv_i, f_prov, f_other, ht, ho, ha, hv, b_served)


@njit
def _close(slots: np.ndarray, pp, ip, sf, si, sv_f, sv_i, b_alive) -> None:
    """Retire the instances in ``slots`` (all alive ones, in id order): the reference's close."""
    for slot in slots:
        if sv_i[ACTIVE, slot] == 0 and not sv_i[PROV, slot]:
            _retire(sv_f[CREATED, slot], sv_f[IDLE, slot] + pp[P_KA], pp, ip, sf, b_alive)
        else:
            _retire(sv_f[CREATED, slot], pp[P_HORIZON], pp, ip, sf, b_alive)
    si[N_ALIVE] = 0


def params(
    p: ServerlessPlatform, horizon_s: float, bins: TimeBins
) -> tuple[np.ndarray, np.ndarray]:
    """The platform's parameters as the kernels read them: (pp, float64; ip, int64)."""
    pp = np.array(
        [
            p.keep_alive_s,
            p.scale_burst,
            p.scale_rate_per_s,
            p.billing_granularity_s,
            p.billing_minimum_s,
            horizon_s,
            bins.width_s,
            p.latency_warmup_s,
        ]
    )
    ip = np.array(
        [
            p.reuse_code,
            p.instance_concurrency,
            p.concurrency_limit,
            p.provisioned,
            bins.n_bins,
            int(p.reuse_code == RANDOM_POLICY),
        ],
        dtype=np.int64,
    )
    return pp, ip


class _State:
    """The arrays a serverless simulation carries between chunks."""

    def __init__(self, p: ServerlessPlatform, horizon_s: float, bins: TimeBins) -> None:
        self.pp, self.ip = params(p, horizon_s, bins)
        self.sf = np.zeros(N_SF)
        self.si = np.zeros(N_SI, dtype=np.int64)
        self.sf[S_TOKENS] = p.scale_burst
        self.si[IDLE_HEAD] = self.si[IDLE_TAIL] = -1
        cap = max(64, 2 * p.provisioned)
        self.sv_f = np.zeros((3, cap))
        self.sv_i = np.zeros((5, cap), dtype=np.int64)
        self.f_prov = np.arange(max(p.provisioned, 1), dtype=np.int64)
        self.f_other = np.zeros(cap, dtype=np.int64)
        # provisioned instances: slots and ids 0.., created, idle since and ready at 0, all free
        n_prov = p.provisioned
        self.slots_free = np.zeros(cap, dtype=np.int64)
        self.slots_free[: cap - n_prov] = np.arange(cap - 1, n_prov - 1, -1)
        self.si[N_FREE_SLOTS] = cap - n_prov
        self.sv_i[ID, :n_prov] = np.arange(n_prov)
        self.sv_i[PROV, :n_prov] = 1
        self.si[NF_PROV] = n_prov
        self.si[N_ALIVE] = self.si[NEXT_ID] = self.si[MAX_INST] = n_prov
        self.heap = new_heap(256)
        self._scratch(cap)

    def _scratch(self, cap: int) -> None:
        self.c_idle = np.zeros(cap)
        self.c_created = np.zeros(cap)
        self.c_k = np.zeros(cap, dtype=np.int64)

    def grow(self) -> None:
        """Double whichever of the slots and the heap is full."""
        cap = self.sv_f.shape[1]
        if self.si[N_FREE_SLOTS] == 0:
            new = 2 * cap
            self.sv_f = grow_rows(self.sv_f, new)
            self.sv_i = grow_rows(self.sv_i, new)
            self.f_other = grow(self.f_other, new)
            self.slots_free = np.arange(new - 1, cap - 1, -1, dtype=np.int64)
            self.slots_free = grow(self.slots_free, new)
            self.si[N_FREE_SLOTS] = new - cap
            self._scratch(new)
        if self.si[HEAP_N] >= len(self.heap[0]):
            self.heap = tuple(grow(h, 2 * len(h)) for h in self.heap)  # type: ignore[assignment]

    def run(self, arr, dur, cold, uni, start: int, lat_counts: np.ndarray, bins: TimeBins) -> int:
        """Call the kernel on ``arr[start:]`` (see :func:`_run_chunk`)."""
        ht, ho, ha, hv = self.heap
        return int(
            _run_chunk(
                arr, dur, cold, uni, start, self.pp, self.ip, self.sf, self.si, self.sv_f,
                self.sv_i, self.slots_free, self.f_prov, self.f_other, ht, ho, ha, hv,
                self.c_idle, self.c_created, self.c_k, lat_counts, bins.arrivals, bins.served,
                bins.cold_starts, bins.throttled, bins.alive_s, bins.busy_s,
            )
        )  # fmt: skip

    def finish(self, lat_counts: np.ndarray, bins: TimeBins) -> None:
        """Run the remaining completions and retire every instance."""
        _drain(
            self.pp, self.ip, self.sf, self.si, self.sv_f, self.sv_i, self.f_prov,
            self.f_other, *self.heap, bins.served,
        )  # fmt: skip
        # after the drain every alive instance is idle, so in a free set
        slots = np.concatenate((self.f_prov[: self.si[NF_PROV]], self.f_other[: self.si[NF_OTHER]]))
        slots = slots[np.argsort(self.sv_i[ID, slots], kind="stable")]
        _close(slots, self.pp, self.ip, self.sf, self.si, self.sv_f, self.sv_i, bins.alive_s)


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
    them. With one request per instance and ``reuse: mru`` (the defaults) the leaner kernel of
    :mod:`costsim.engine.fast_mru` runs instead of the general one.

    Returns
    -------
    EngineOutput
        Counters, latency histogram, time bins and usage quantities (``requests``,
        ``compute_s``, ``init_s``, ``provisioned_requests``, ``provisioned_compute_s``,
        ``provisioned_instance_s``; all durations already rounded for billing).
    """
    from costsim.engine.fast_mru import MruState  # it reuses this module's state layout

    st: _State | MruState
    if platform.instance_concurrency == 1 and platform.reuse_code == MRU:
        st = MruState(*params(platform, horizon_s, bins))
    else:
        st = _State(platform, horizon_s, bins)
    cold = ColdDraws(platform.cold_start.sample, draws.cold)
    block = np.zeros(0)
    latency = LatencyHistogram()
    for arr, dur, uni in chunk_arrays(chunks, draws, bool(st.ip[I_HAS_U]), progress):
        n = len(arr)
        i = 0
        while i < n:
            i = st.run(arr, dur, block, uni, i, latency.counts, bins)
            if i < n:
                if st.si[COLD_POS] >= len(block):
                    block = cold.block()
                    st.si[COLD_POS] = 0
                st.grow()
    st.finish(latency.counts, bins)
    sf, si = st.sf, st.si
    latency.total_s = float(sf[S_LAT_TOTAL])
    q = {
        "requests": float(sf[S_REQ]),
        "compute_s": float(sf[S_COMPUTE]),
        "init_s": float(sf[S_INIT]),
        "provisioned_requests": float(sf[S_PREQ]),
        "provisioned_compute_s": float(sf[S_PCOMPUTE]),
        "provisioned_instance_s": platform.provisioned * horizon_s,
    }
    counters = Counters(
        arrived=int(si[C_ARRIVED]),
        served=int(si[C_SERVED]),
        cold_starts=int(si[C_COLD]),
        throttled=int(si[C_THROTTLED]),
    )
    return EngineOutput(
        counters=counters,
        latency=latency,
        bins=bins,
        meters=Meters("serverless", horizon_s),  # placeholder until the serverless meters
        quantities=q,
        alive_s=float(sf[S_ALIVE]),
        busy_s=float(sf[S_BUSY]),
        max_instances=int(si[MAX_INST]),
        capacity_per_instance=platform.instance_concurrency,
    )
