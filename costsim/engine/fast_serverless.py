"""Compiled engine for serverless function pools: the SimPy reference's semantics, in numba.

The kernel walks a chunk of arrivals and handles completions from an event heap in SimPy's order
(time, then completions before arrivals, then scheduling order), so counts, the latency histogram
and the time bins come out exactly as the reference engine's. It calls the same rule functions
(:mod:`costsim.platforms.rules`, compiled in :mod:`costsim.engine.fast_common`).

Everything the simulation carries from one chunk to the next lives in preallocated arrays:

* the pool of alive instances, in id order (columns of ``pf``: created, idle since, ready [s];
  of ``pi``: id, active requests); the first ``provisioned`` columns are the provisioned
  instances, which are never reclaimed;
* the completion heap (see :mod:`costsim.engine.fast_common`);
* scalars in ``sf`` and ``si`` (indices below).

When the pool or the heap is full the kernel stops before the next arrival and returns its index;
the caller grows the arrays and calls again. Memory therefore follows the number of instances
and requests in flight, never the horizon.

Keep-alive expiry is checked lazily, as in the reference: at each arrival, a lower bound on the
earliest idle time of an idle instance tells whether any instance can have expired; only then is
the pool scanned (in id order, as the reference does at every arrival).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from costsim.engine.common import Chunk, Counters, EngineOutput, OptionDraws, Progress
from costsim.engine.fast_common import (
    add_interval,
    billed_duration_s,
    bin_index,
    bucket_refill,
    choose_warm,
    grow_rows,
    heap_pop,
    heap_push,
    keep_alive_expired,
    latency_bucket,
    new_heap,
    njit,
)
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.platforms.serverless import ServerlessPlatform

# Platform parameters: pp (float64) and ip (int64).
P_KA, P_BURST, P_RATE, P_GRAN, P_MIN, P_HORIZON, P_WIDTH = range(7)
I_POLICY, I_CONC, I_LIMIT, I_PROV, I_NBINS, I_HAS_U = range(6)
# Float state (sf).
S_NOW, S_TOKENS, S_TOKENS_AT, S_MIN_IDLE, S_LAT_TOTAL = range(5)
S_REQ, S_COMPUTE, S_INIT, S_PREQ, S_PCOMPUTE, S_ALIVE, S_BUSY = range(5, 12)
N_SF = 12
# Integer state (si).
N_ALIVE, NEXT_ID, HEAP_N, SEQ, EPOCH = range(5)
C_ARRIVED, C_SERVED, C_COLD, C_THROTTLED, MAX_INST = range(5, 10)
N_SI = 10
# Pool rows.
CREATED, IDLE, READY = 0, 1, 2
ID, ACTIVE = 0, 1
RANDOM_POLICY = 3


@njit
def _retire(
    created_s: float,
    end_s: float,
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    b_alive: np.ndarray,
) -> None:
    """Account for an instance alive from ``created_s`` to ``end_s`` [s] (clipped to horizon)."""
    horizon_s = pp[P_HORIZON]
    end_s = min(end_s, horizon_s)
    if end_s > created_s:
        sf[S_ALIVE] += end_s - created_s
        add_interval(b_alive, created_s, end_s, 1.0, horizon_s, pp[P_WIDTH], ip[I_NBINS])


@njit
def _reclaim(
    t_s: float,
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    pf: np.ndarray,
    pi: np.ndarray,
    b_alive: np.ndarray,
) -> None:
    """Retire, in id order, every idle instance whose keep-alive has run out by ``t_s`` [s]."""
    ka = pp[P_KA]
    n = si[N_ALIVE]
    w = ip[I_PROV]
    min_idle = np.inf
    for j in range(ip[I_PROV], n):
        idle_s = pf[IDLE, j]
        if pi[ACTIVE, j] == 0 and keep_alive_expired(idle_s, t_s, ka):
            _retire(pf[CREATED, j], idle_s + ka, pp, ip, sf, b_alive)
            continue
        if w != j:
            pf[CREATED, w] = pf[CREATED, j]
            pf[IDLE, w] = idle_s
            pf[READY, w] = pf[READY, j]
            pi[ID, w] = pi[ID, j]
            pi[ACTIVE, w] = pi[ACTIVE, j]
        if pi[ACTIVE, w] == 0:
            min_idle = min(min_idle, idle_s)
        w += 1
    if w != n:
        si[EPOCH] += 1
    si[N_ALIVE] = w
    sf[S_MIN_IDLE] = min_idle


@njit
def _pick(
    lo: int,
    hi: int,
    t_s: float,
    conc: int,
    policy: int,
    u: float,
    pf: np.ndarray,
    pi: np.ndarray,
    c_idle: np.ndarray,
    c_created: np.ndarray,
    c_pos: np.ndarray,
) -> int:
    """Pool position of the warm instance to use among positions ``[lo, hi)``, or -1."""
    m = 0
    for j in range(lo, hi):
        c_idle[m] = pf[IDLE, j]
        c_created[m] = pf[CREATED, j]
        c_pos[m] = j
        if pi[ACTIVE, j] < conc and pf[READY, j] <= t_s:
            m += 1
    if m == 0:
        return -1
    return c_pos[choose_warm(policy, c_idle[:m], c_created[:m], u)]


@njit
def _find(pi: np.ndarray, n: int, iid: int) -> int:
    """Pool position of instance ``iid`` (ids are kept sorted)."""
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) >> 1
        if pi[ID, mid] < iid:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def _finish(
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    pf: np.ndarray,
    pi: np.ndarray,
    hf: np.ndarray,
    hi: np.ndarray,
    b_served: np.ndarray,
) -> None:
    """Handle the first completion on the heap."""
    end_s = hf[1, 0]
    sf[S_NOW] = hf[0, 0]
    pos = hi[3, 0]
    if hi[4, 0] != si[EPOCH]:
        pos = _find(pi, si[N_ALIVE], hi[2, 0])
    si[HEAP_N] = heap_pop(hf, hi, si[HEAP_N])
    pi[ACTIVE, pos] -= 1
    if pi[ACTIVE, pos] == 0:
        pf[IDLE, pos] = end_s
        if pos >= ip[I_PROV]:
            sf[S_MIN_IDLE] = min(sf[S_MIN_IDLE], end_s)
    si[C_SERVED] += 1
    b_served[bin_index(end_s, pp[P_WIDTH], ip[I_NBINS])] += 1


@njit
def _arrive(
    t_s: float,
    dur_s: float,
    cold_s: float,
    u: float,
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    pf: np.ndarray,
    pi: np.ndarray,
    hf: np.ndarray,
    hi: np.ndarray,
    c_idle: np.ndarray,
    c_created: np.ndarray,
    c_pos: np.ndarray,
    lat_counts: np.ndarray,
    b_arrivals: np.ndarray,
    b_cold: np.ndarray,
    b_throttled: np.ndarray,
    b_alive: np.ndarray,
    b_busy: np.ndarray,
) -> None:
    """Handle one arrival (the reference engine's ``_Pool.arrive``)."""
    horizon_s = pp[P_HORIZON]
    width_s = pp[P_WIDTH]
    n_bins = ip[I_NBINS]
    b = bin_index(t_s, width_s, n_bins)
    si[C_ARRIVED] += 1
    b_arrivals[b] += 1
    if keep_alive_expired(sf[S_MIN_IDLE], t_s, pp[P_KA]):
        _reclaim(t_s, pp, ip, sf, si, pf, pi, b_alive)
    conc = ip[I_CONC]
    policy = ip[I_POLICY]
    n_prov = ip[I_PROV]
    pos = _pick(0, n_prov, t_s, conc, policy, u, pf, pi, c_idle, c_created, c_pos)
    if pos < 0:
        pos = _pick(n_prov, si[N_ALIVE], t_s, conc, policy, u, pf, pi, c_idle, c_created, c_pos)
    init_s = 0.0
    if pos < 0:
        sf[S_TOKENS] = bucket_refill(sf[S_TOKENS], sf[S_TOKENS_AT], t_s, pp[P_BURST], pp[P_RATE])
        sf[S_TOKENS_AT] = t_s
        if si[N_ALIVE] >= ip[I_LIMIT] or sf[S_TOKENS] < 1.0:
            si[C_THROTTLED] += 1
            b_throttled[b] += 1
            return
        sf[S_TOKENS] -= 1.0
        init_s = cold_s
        pos = si[N_ALIVE]
        pf[CREATED, pos] = t_s
        pf[IDLE, pos] = t_s
        pf[READY, pos] = t_s + init_s
        pi[ID, pos] = si[NEXT_ID]
        pi[ACTIVE, pos] = 0
        si[NEXT_ID] += 1
        si[N_ALIVE] += 1
        si[MAX_INST] = max(si[MAX_INST], si[N_ALIVE])
        si[C_COLD] += 1
        b_cold[b] += 1
        sf[S_INIT] += billed_duration_s(init_s, pp[P_GRAN], 0.0)
    pi[ACTIVE, pos] += 1
    latency_s = init_s + dur_s
    end_s = t_s + latency_s
    lat_counts[latency_bucket(latency_s)] += 1
    sf[S_LAT_TOTAL] += latency_s
    billed = billed_duration_s(dur_s, pp[P_GRAN], pp[P_MIN])
    if pos < n_prov:
        sf[S_PREQ] += 1
        sf[S_PCOMPUTE] += billed
    else:
        sf[S_REQ] += 1
        sf[S_COMPUTE] += billed
    weight = 1.0 / conc
    if end_s > t_s:
        sf[S_BUSY] += weight * (min(end_s, horizon_s) - min(t_s, horizon_s))
        add_interval(b_busy, t_s, end_s, weight, horizon_s, width_s, n_bins)
    si[HEAP_N] = heap_push(
        hf, hi, si[HEAP_N], max(end_s, sf[S_NOW]), end_s, 0, si[SEQ], pi[ID, pos], pos, si[EPOCH]
    )
    si[SEQ] += 1


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
    pf: np.ndarray,
    pi: np.ndarray,
    hf: np.ndarray,
    hi: np.ndarray,
    c_idle: np.ndarray,
    c_created: np.ndarray,
    c_pos: np.ndarray,
    lat_counts: np.ndarray,
    b_arrivals: np.ndarray,
    b_served: np.ndarray,
    b_cold: np.ndarray,
    b_throttled: np.ndarray,
    b_alive: np.ndarray,
    b_busy: np.ndarray,
) -> int:
    """Simulate arrivals ``start..`` of a chunk; return the index reached.

    Stops early, before an arrival, when the pool or the heap is full.
    """
    n = len(arr)
    cap = pf.shape[1]
    hcap = hf.shape[1]
    has_u = ip[I_HAS_U] != 0
    for i in range(start, n):
        if si[N_ALIVE] >= cap or si[HEAP_N] >= hcap:
            return i
        t_s = arr[i]
        if t_s > sf[S_NOW]:
            while si[HEAP_N] > 0 and hf[0, 0] <= t_s:
                _finish(pp, ip, sf, si, pf, pi, hf, hi, b_served)
            sf[S_NOW] = t_s
        u = uni[i] if has_u else 0.0
        _arrive(
            t_s,
            dur[i],
            cold[i],
            u,
            pp,
            ip,
            sf,
            si,
            pf,
            pi,
            hf,
            hi,
            c_idle,
            c_created,
            c_pos,
            lat_counts,
            b_arrivals,
            b_cold,
            b_throttled,
            b_alive,
            b_busy,
        )
    return n


@njit
def _close(
    pp: np.ndarray,
    ip: np.ndarray,
    sf: np.ndarray,
    si: np.ndarray,
    pf: np.ndarray,
    pi: np.ndarray,
    hf: np.ndarray,
    hi: np.ndarray,
    b_served: np.ndarray,
    b_alive: np.ndarray,
) -> None:
    """Run the remaining completions, then retire every instance (the reference's ``close``)."""
    while si[HEAP_N] > 0:
        _finish(pp, ip, sf, si, pf, pi, hf, hi, b_served)
    for j in range(si[N_ALIVE]):
        if pi[ACTIVE, j] == 0 and j >= ip[I_PROV]:
            _retire(pf[CREATED, j], pf[IDLE, j] + pp[P_KA], pp, ip, sf, b_alive)
        else:
            _retire(pf[CREATED, j], pp[P_HORIZON], pp, ip, sf, b_alive)
    si[N_ALIVE] = 0


class _State:
    """The arrays a serverless simulation carries between chunks."""

    def __init__(self, p: ServerlessPlatform, horizon_s: float, bins: TimeBins) -> None:
        self.pp = np.array(
            [
                p.keep_alive_s,
                p.scale_burst,
                p.scale_rate_per_s,
                p.billing_granularity_s,
                p.billing_minimum_s,
                horizon_s,
                bins.width_s,
            ]
        )
        self.ip = np.array(
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
        self.sf = np.zeros(N_SF)
        self.si = np.zeros(N_SI, dtype=np.int64)
        self.sf[S_TOKENS] = p.scale_burst
        self.sf[S_MIN_IDLE] = np.inf
        cap = max(64, 2 * p.provisioned)
        self.pf = np.zeros((3, cap))
        self.pi = np.zeros((2, cap), dtype=np.int64)
        # provisioned instances: ids 0.., created, idle since and ready at 0
        self.pi[ID, : p.provisioned] = np.arange(p.provisioned)
        self.si[N_ALIVE] = self.si[NEXT_ID] = self.si[MAX_INST] = p.provisioned
        self.hf, self.hi = new_heap(256)
        self._scratch(cap)

    def _scratch(self, cap: int) -> None:
        self.c_idle = np.zeros(cap)
        self.c_created = np.zeros(cap)
        self.c_pos = np.zeros(cap, dtype=np.int64)

    def grow(self) -> None:
        """Double whichever of the pool and the heap is full."""
        cap = self.pf.shape[1]
        if self.si[N_ALIVE] >= cap:
            self.pf = grow_rows(self.pf, 2 * cap)
            self.pi = grow_rows(self.pi, 2 * cap)
            self._scratch(2 * cap)
        hcap = self.hf.shape[1]
        if self.si[HEAP_N] >= hcap:
            self.hf = grow_rows(self.hf, 2 * hcap)
            self.hi = grow_rows(self.hi, 2 * hcap)


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
    Each chunk takes one cold-start draw per request, as the reference does; the uniform draws
    are taken only for ``reuse: random``, the one policy that reads them.

    Returns
    -------
    EngineOutput
        Counters, latency histogram, time bins and usage quantities (``requests``,
        ``compute_s``, ``init_s``, ``provisioned_requests``, ``provisioned_compute_s``,
        ``provisioned_instance_s``; all durations already rounded for billing).
    """
    st = _State(platform, horizon_s, bins)
    latency = LatencyHistogram()
    no_u = np.zeros(1)
    for chunk in chunks:
        n = len(chunk)
        cold = platform.cold_start.sample(draws.cold, n)
        uni = draws.uniform.random(n) if st.ip[I_HAS_U] else no_u
        arr = np.ascontiguousarray(chunk.arrival_s, dtype=np.float64)
        dur = np.ascontiguousarray(chunk.duration_s, dtype=np.float64)
        i = 0
        while i < n:
            i = _run_chunk(
                arr,
                dur,
                cold,
                uni,
                i,
                st.pp,
                st.ip,
                st.sf,
                st.si,
                st.pf,
                st.pi,
                st.hf,
                st.hi,
                st.c_idle,
                st.c_created,
                st.c_pos,
                latency.counts,
                bins.arrivals,
                bins.served,
                bins.cold_starts,
                bins.throttled,
                bins.alive_s,
                bins.busy_s,
            )
            if i < n:
                st.grow()
        if progress is not None:
            progress(n)
    _close(st.pp, st.ip, st.sf, st.si, st.pf, st.pi, st.hf, st.hi, bins.served, bins.alive_s)
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
        quantities=q,
        alive_s=float(sf[S_ALIVE]),
        busy_s=float(sf[S_BUSY]),
        max_instances=int(si[MAX_INST]),
        capacity_per_instance=platform.instance_concurrency,
    )
