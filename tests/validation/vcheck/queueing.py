"""Queueing-theory checks: Erlang C, random balancing, Erlang B, M/M/c/K and M/G/inf.

Every service time here is exponential with mean 1 s unless said otherwise, so loads read
directly in Erlang. Replications start empty; the initial transient is removed as follows.

* Waits (fleets, FIFO queues): a request's wait depends only on earlier arrivals, so the run
  over the first 10 % of the requests is exactly the prefix of the full run. The waits of the
  last 90 % are the difference of the two runs' latency totals, minus their durations.
* Counts and time shares: only the bins after the first 10 % of the horizon are used.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from scipy import stats

from costsim.engine.metrics import TimeBins
from costsim.stats.distributions import Exponential, Lognormal
from costsim.traffic.chunk import Chunk
from vcheck.core import Estimate, Mapper, Row, register, seed_for
from vcheck.sim import IntervalLog, fleet, occupancy_pmf, poisson_stream, pool, run
from vcheck.theory import erlang_b, erlang_c, mmc_mean_wait_s, mmck_blocking

EXP1 = Exponential(dist="exponential", mean=1.0)
WARMUP = 0.1


def _reps(size: str, fast: int, full: int) -> range:
    return range(fast if size == "fast" else full)


# -- M/M/c shared queue: mean wait and P(wait) ----------------------------------------------


def _mean_wait_rep(key: int, count: int, workers: int, balancer: str, rho: float, n: int,
                   rep: int) -> float:  # fmt: skip
    """Mean wait [s] of the requests after the first 10 % (fast engine, prefix difference)."""
    seed = seed_for(key, rep)
    gen = np.random.default_rng(seed.spawn(1)[0])
    rate = rho * count * workers
    ch = poisson_stream(gen, rate, n, EXP1)
    p = fleet(count, workers, balancer)
    horizon = float(ch.arrival_s[-1]) + 1.0
    nw = n // 10
    full = run("fleet", p, ch, seed, horizon)
    pre = run("fleet", p, Chunk(ch.arrival_s[:nw], ch.duration_s[:nw]), seed, horizon)
    waited = full.latency.total_s - pre.latency.total_s - float(ch.duration_s[nw:].sum())
    return waited / (n - nw)


def _p_wait_rep(key: int, c: int, rho: float, n: int, rep: int) -> float:
    """Share of requests (after the first 10 %) that waited (SimPy engine, exact starts)."""
    seed = seed_for(key, rep)
    gen = np.random.default_rng(seed.spawn(1)[0])
    ch = poisson_stream(gen, rho * c, n, EXP1)
    horizon = float(ch.arrival_s[-1]) + 1.0
    log = IntervalLog(horizon, 1)
    run("fleet", fleet(c), ch, seed, horizon, log, engine="simpy")
    # shared FIFO queue: requests start in arrival order
    starts = np.asarray(log.starts)
    assert len(starts) == n
    waited = starts - ch.arrival_s > 0
    return float(waited[n // 10 :].mean())


@register("erlang_c")
def check_erlang_c(size: str, mapper: Mapper) -> list[Row]:
    """VPS shared queue = M/M/c: mean wait and P(wait) against Erlang C."""
    rows = []
    loads = (0.5, 0.85) if size == "fast" else (0.3, 0.5, 0.7, 0.85, 0.95)
    n = 50_000 if size == "fast" else 400_000
    configs = [(4, 1, rho) for rho in loads]
    if size == "full":
        configs.append((2, 2, 0.8))
    for i, (count, workers, rho) in enumerate(configs):
        c = count * workers
        fn = partial(_mean_wait_rep, 100 + i, count, workers, "shared_queue", rho, n)
        est = Estimate.of(list(mapper(fn, _reps(size, 10, 20))))
        rows.append(Row(
            "erlang_c", "mean wait W_q [s]",
            f"VPS shared_queue, {count} x {workers} workers, rho = {rho}",
            f"Erlang C, M/M/{c}", "kleinrock", est,
            Estimate.exact(mmc_mean_wait_s(c, rho * c, 1.0)),
        ))  # fmt: skip
    p_loads = (0.7,) if size == "fast" else loads
    m = 20_000 if size == "fast" else 60_000
    for i, rho in enumerate(p_loads):
        fn2 = partial(_p_wait_rep, 150 + i, 4, rho, m)
        est = Estimate.of(list(mapper(fn2, _reps(size, 8, 20))))
        rows.append(Row(
            "erlang_c", "P(wait)", f"VPS shared_queue, 4 x 1 worker, rho = {rho}",
            "Erlang C, M/M/4", "kleinrock", est, Estimate.exact(erlang_c(4, rho * 4)),
            note="reference engine, exact per-request starts",
        ))  # fmt: skip
    return rows


@register("random_balancing")
def check_random_balancing(size: str, mapper: Mapper) -> list[Row]:
    """VPS with random balancing: each instance is M/M/k with a 1/n share of the arrivals."""
    configs = [(3, 4, 0.8)] if size == "fast" else [(4, 1, 0.5), (4, 1, 0.8), (3, 4, 0.8),
                                                    (2, 8, 0.9)]  # fmt: skip
    n = 100_000 if size == "fast" else 400_000
    rows = []
    for i, (count, workers, rho) in enumerate(configs):
        fn = partial(_mean_wait_rep, 200 + i, count, workers, "random", rho, n)
        est = Estimate.of(list(mapper(fn, _reps(size, 10, 20))))
        rows.append(Row(
            "random_balancing", "mean wait W_q [s]",
            f"VPS random, {count} instances x {workers} workers, rho = {rho}",
            f"Erlang C per instance, M/M/{workers}", "kleinrock", est,
            Estimate.exact(mmc_mean_wait_s(workers, rho * workers, 1.0)),
        ))  # fmt: skip
    return rows


# -- Erlang B: serverless at its concurrency limit -------------------------------------------


def _throttle_rep(key: int, c: int, a: float, lognormal: bool, n: int, rep: int) -> float:
    """Throttled share of the arrivals after the first 10 % of the horizon (fast engine)."""
    seed = seed_for(key, rep)
    gen = np.random.default_rng(seed.spawn(1)[0])
    dist = LOGN if lognormal else EXP1
    ch = poisson_stream(gen, a / dist.mean_s, n, dist)
    horizon = float(ch.arrival_s[-1])
    bins = TimeBins(horizon, 10)
    p = pool(concurrency_limit=c, keep_alive_s=1e12)
    out = run("serverless", p, ch, seed, horizon, bins)
    assert out.counters.arrived == out.counters.served + out.counters.throttled
    return float(bins.throttled[1:].sum() / bins.arrivals[1:].sum())


#: Lognormal service with mean 1 s and a heavy tail (cv about 1.3).
LOGN = Lognormal(dist="lognormal", median=0.6, p99=4.9)


@register("erlang_b")
def check_erlang_b(size: str, mapper: Mapper) -> list[Row]:
    """Serverless at its limit, no queue or retry: throttled share against Erlang B."""
    configs = [(5, 4.0, False)] if size == "fast" else [
        (5, 4.0, False), (20, 15.0, False), (50, 45.0, False), (20, 15.0, True)]  # fmt: skip
    n = 100_000 if size == "fast" else 500_000
    rows = []
    for i, (c, a, logn) in enumerate(configs):
        fn = partial(_throttle_rep, 300 + i, c, a, logn, n)
        est = Estimate.of(list(mapper(fn, _reps(size, 10, 20))))
        service = "lognormal service (mean 1 s, cv 1.3)" if logn else "exponential service"
        rows.append(Row(
            "erlang_b", "throttled share",
            f"serverless, limit {c}, offered {a:g} Erlang, no cold start, {service}",
            f"Erlang B, M/{'G' if logn else 'M'}/{c}/{c}",
            "sevastyanov" if logn else "kleinrock", est, Estimate.exact(erlang_b(c, a)),
        ))  # fmt: skip
    return rows


# -- M/M/c/K: shared queue with a queue limit ------------------------------------------------


def _drop_rep(key: int, c: int, limit: int, rho: float, n: int, rep: int) -> float:
    seed = seed_for(key, rep)
    gen = np.random.default_rng(seed.spawn(1)[0])
    ch = poisson_stream(gen, rho * c, n, EXP1)
    horizon = float(ch.arrival_s[-1])
    bins = TimeBins(horizon, 10)
    out = run("fleet", fleet(c, queue_limit=limit), ch, seed, horizon, bins)
    assert out.counters.arrived == out.counters.served + out.counters.dropped
    return float(bins.dropped[1:].sum() / bins.arrivals[1:].sum())


@register("mmck")
def check_mmck(size: str, mapper: Mapper) -> list[Row]:
    """VPS shared queue with a queue limit = M/M/c/K: dropped share against p_K."""
    configs = [(4, 4, 0.9)] if size == "fast" else [(4, 4, 0.9), (4, 10, 1.2), (8, 2, 0.7)]
    n = 100_000 if size == "fast" else 400_000
    rows = []
    for i, (c, limit, rho) in enumerate(configs):
        fn = partial(_drop_rep, 400 + i, c, limit, rho, n)
        est = Estimate.of(list(mapper(fn, _reps(size, 10, 20))))
        rows.append(Row(
            "mmck", "dropped share", f"VPS shared_queue, {c} x 1, queue_limit {limit}, rho = {rho}",
            f"M/M/{c}/{c + limit} loss p_K", "gross", est,
            Estimate.exact(mmck_blocking(c, c + limit, rho * c)),
        ))  # fmt: skip
    return rows


# -- M/G/inf: unlimited pool, long keep-alive ------------------------------------------------

MGI_RATE = 2.0


def _mginf_rep(n: int, rep: int) -> np.ndarray:
    """Time-weighted distribution of busy instances after the first 10 % (reference engine)."""
    seed = seed_for(500, rep)
    gen = np.random.default_rng(seed.spawn(1)[0])
    ch = poisson_stream(gen, MGI_RATE, n, LOGN)
    horizon = float(ch.arrival_s[-1])
    log = IntervalLog(horizon, 1)
    run("serverless", pool(keep_alive_s=3600.0), ch, seed, horizon, log, engine="simpy")
    return occupancy_pmf(np.asarray(log.starts), np.asarray(log.ends), WARMUP * horizon, horizon)


@register("mginf")
def check_mginf(size: str, mapper: Mapper) -> list[Row]:
    """Unlimited pool with 1 h keep-alive: busy instances ~ Poisson(lambda E[S])."""
    n = 10_000 if size == "fast" else 40_000
    pmfs = list(mapper(partial(_mginf_rep, n), _reps(size, 8, 20)))
    mean = MGI_RATE * LOGN.mean_s
    kmax = int(stats.poisson.ppf(0.995, mean))
    model = f"serverless, no limit, keep-alive 1 h, lambda = {MGI_RATE:g}/s, lognormal S"
    rows = []
    means = [float(np.dot(np.arange(len(p)), p)) for p in pmfs]
    var = [
        float(np.dot(np.arange(len(p)) ** 2, p)) - m**2 for p, m in zip(pmfs, means, strict=True)
    ]
    rows.append(Row("mginf", "mean busy instances", model, "M/G/inf, lambda E[S]", "takacs",
                    Estimate.of(means), Estimate.exact(mean)))  # fmt: skip
    rows.append(Row("mginf", "variance / mean of busy instances", model, "Poisson: 1", "takacs",
                    Estimate.of([v / m for v, m in zip(var, means, strict=True)]),
                    Estimate.exact(1.0)))  # fmt: skip
    for k in range(kmax + 1):
        vals = [float(p[k]) if k < len(p) else 0.0 for p in pmfs]
        rows.append(Row("mginf", f"P(busy = {k})", model, f"Poisson({mean:.3f})", "takacs",
                        Estimate.of(vals), Estimate.exact(float(stats.poisson.pmf(k, mean))),
                        note="reference engine, exact busy intervals"))  # fmt: skip
    return rows
