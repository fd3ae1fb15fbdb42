"""Quick theory checks of the SimPy engines against closed-form queueing results.

Each check runs independent replications (own seed each) of a Poisson arrival stream with
exponential service times and asserts that the theoretical value lies in the 95 % confidence
interval (Student t) of the replication means.

Formulas: Erlang B (M/M/c/c blocking) and Erlang C (M/M/c probability of waiting, mean wait
``W_q = C(c, a) / (c mu - lambda)``) as in L. Kleinrock, *Queueing Systems, Volume 1: Theory*
(Wiley, 1975), sections 3.5 (M/M/m) and 3.7 (M/M/m/m); Little's law ``L = lambda W`` (J. D. C.
Little, Operations Research 9(3), 1961), applied to the servers: busy servers on average =
``lambda E[S]`` (carried load).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from conftest import draws, fixed, fleet, serverless
from scipy import stats

from costsim.engine.common import EngineOutput
from costsim.engine.metrics import TimeBins
from costsim.engine.simpy_fleet import run_fleet
from costsim.engine.simpy_serverless import run_serverless
from costsim.traffic.chunk import Chunk

REPLICATIONS = 10


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c with offered load ``a = lambda / mu`` [Erlang].

    Stable recursion ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))``.
    """
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an M/M/c arrival waits, with ``a = lambda / mu < c`` [Erlang].

    ``C = c B / (c - a (1 - B))`` with ``B`` the Erlang B value for the same ``c`` and ``a``.
    """
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def test_erlang_formulas_match_the_direct_sums() -> None:
    """The recursions agree with the textbook sums (c = 3, a = 2.1)."""
    c, a = 3, 2.1
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    assert math.isclose(erlang_b(c, a), terms[c] / sum(terms), rel_tol=1e-12)
    top = terms[c] * c / (c - a)
    assert math.isclose(erlang_c(c, a), top / (sum(terms[:c]) + top), rel_tol=1e-12)


def poisson_chunk(rate_rps: float, mean_s: float, horizon_s: float, seed: int) -> Chunk:
    """Poisson arrivals at ``rate_rps`` on ``[0, horizon_s)`` with exponential durations."""
    gen = np.random.default_rng(seed)
    n = int(rate_rps * horizon_s * 1.2 + 100)
    arrivals = np.cumsum(gen.exponential(1.0 / rate_rps, n))
    arrivals = arrivals[arrivals < horizon_s]
    return Chunk(arrivals, gen.exponential(mean_s, len(arrivals)))


def replicate(
    run: Callable[[Chunk, int], EngineOutput],
    measure: Callable[[Chunk, EngineOutput], float],
    rate_rps: float,
    mean_s: float,
    horizon_s: float,
) -> tuple[float, float]:
    """Mean and 95 % CI half-width of ``measure`` over independent replications."""
    values = []
    for rep in range(REPLICATIONS):
        ch = poisson_chunk(rate_rps, mean_s, horizon_s, seed=1000 + rep)
        values.append(measure(ch, run(ch, rep)))
    x = np.array(values)
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return float(x.mean()), float(half)


def _fleet_run(c: int, horizon_s: float) -> Callable[[Chunk, int], EngineOutput]:
    def run(ch: Chunk, rep: int) -> EngineOutput:
        return run_fleet(fleet(count=c), [ch], draws(seed=rep), horizon_s, TimeBins(horizon_s, 1))

    return run


def _mean_wait_s(ch: Chunk, out: EngineOutput) -> float:
    # every request is served (no limit, the run drains), so the waits are latency - duration
    assert out.counters.served == len(ch)
    return out.latency.total_s / len(ch) - float(ch.duration_s.mean())


def test_mmc_shared_queue_mean_wait_matches_erlang_c() -> None:
    """M/M/3 shared queue at 70 % load: mean wait = C(3, 2.1) / (3 mu - lambda)."""
    c, lam, mean_s, horizon_s = 3, 2.1, 1.0, 3000.0
    theory = erlang_c(c, lam * mean_s) / (c / mean_s - lam)
    mean, half = replicate(_fleet_run(c, horizon_s), _mean_wait_s, lam, mean_s, horizon_s)
    assert abs(mean - theory) <= half, (mean, half, theory)
    assert half < 0.15 * theory  # the check is not vacuous


def test_mmc_least_connections_is_no_better_than_a_shared_queue() -> None:
    """Per-server queues wait at least as long as Erlang C's shared queue (same load)."""
    c, lam, mean_s, horizon_s = 3, 2.1, 1.0, 3000.0
    theory = erlang_c(c, lam * mean_s) / (c / mean_s - lam)

    def run(ch: Chunk, rep: int) -> EngineOutput:
        p = fleet(count=c, balancer="least_connections")
        return run_fleet(p, [ch], draws(seed=rep), horizon_s, TimeBins(horizon_s, 1))

    mean, half = replicate(run, _mean_wait_s, lam, mean_s, horizon_s)
    assert mean + half >= theory


def test_serverless_at_its_limit_throttles_as_erlang_b() -> None:
    """Concurrency limit 5, no queue, offered load 4: throttled fraction = B(5, 4).

    With no cold start and instances that never expire, the pool is an M/M/5/5 loss system. Its
    busy servers average the carried load ``a (1 - B)`` (Little's law).
    """
    c, lam, mean_s, horizon_s = 5, 4.0, 1.0, 2000.0
    p = serverless(cold_start=fixed(0.0), keep_alive_s=1e9, concurrency_limit=c)
    busy: list[float] = []

    def run(ch: Chunk, rep: int) -> EngineOutput:
        out = run_serverless(p, [ch], draws(seed=rep), horizon_s, TimeBins(horizon_s, 1))
        busy.append(out.busy_s / horizon_s)
        return out

    def throttled_share(ch: Chunk, out: EngineOutput) -> float:
        c_ = out.counters
        assert c_.arrived == c_.served + c_.throttled
        return c_.throttled / c_.arrived

    b = erlang_b(c, lam * mean_s)
    mean, half = replicate(run, throttled_share, lam, mean_s, horizon_s)
    assert abs(mean - b) <= half, (mean, half, b)
    x = np.array(busy)
    half_busy = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    carried = lam * mean_s * (1.0 - b)
    assert abs(x.mean() - carried) <= half_busy, (x.mean(), half_busy, carried)


def test_littles_law_busy_instances_equal_lambda_times_mean_duration() -> None:
    """Unlimited serverless pool and an M/M/3 fleet: busy_mean = lambda E[S]."""
    lam, mean_s, horizon_s = 3.0, 0.5, 2000.0
    p = serverless(cold_start=fixed(0.0))

    def run_pool(ch: Chunk, rep: int) -> EngineOutput:
        return run_serverless(p, [ch], draws(seed=rep), horizon_s, TimeBins(horizon_s, 1))

    def busy_mean(ch: Chunk, out: EngineOutput) -> float:
        return out.busy_s / horizon_s

    mean, half = replicate(run_pool, busy_mean, lam, mean_s, horizon_s)
    assert abs(mean - lam * mean_s) <= half, (mean, half)

    def busy_servers(ch: Chunk, out: EngineOutput) -> float:
        return out.busy_s * out.capacity_per_instance / horizon_s

    mean, half = replicate(_fleet_run(3, horizon_s), busy_servers, lam, mean_s, horizon_s)
    assert abs(mean - lam * mean_s) <= half, (mean, half)
