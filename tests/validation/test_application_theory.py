"""Applications against queueing theory, each with its source and a confidence interval.

Every check runs independent replications (one seed each) of the SimPy application engine and
holds the replication mean against the formula with Student's t interval at 99 %
(:class:`vcheck.core.Estimate`). The runs are sized for ``make test``; parameters are chosen
so that the alternative a check must tell apart lies well outside that interval.
"""

from __future__ import annotations

import math
from typing import Any

from vcheck.core import Estimate
from vcheck.theory import erlang_b, erlang_c

from costsim.application.schema import Application
from costsim.engine.app import (
    AppOutput,
    FleetPlan,
    PoolParams,
    ServerlessPlan,
    run_fleet_app,
    run_serverless_app,
)
from costsim.engine.metrics import TimeBins
from costsim.traffic.distributions import Fixed

LEVEL = 0.99
SEEDS = (11, 12, 13, 14, 15)


def _app(functions: dict[str, Any], routes: list[dict[str, Any]]) -> Application:
    return Application.model_validate({"functions": functions, "routes": routes})


def _serverless(
    app: Application,
    seed: int,
    horizon_s: float,
    limit: int = 1000,
    keep_alive_s: float = 600.0,
    **per: Any,
) -> AppOutput:
    pools = {
        name: PoolParams(
            memory_mb=128,
            keep_alive_s=keep_alive_s,
            cold_start=Fixed(dist="fixed", value=0.0),
            **per.get(name, {}),
        )
        for name in app.functions
    }
    return run_serverless_app(
        app, ServerlessPlan(pools, limit), horizon_s, TimeBins(horizon_s, 4), seed, 99
    )


def _agrees(values: list[float], reference: float) -> tuple[bool, str]:
    est = Estimate.of(values)
    half = est.half(LEVEL)
    text = f"sim {est.mean:.5g} +- {half:.3g} (99 %, n={est.n}), theory {reference:.5g}"
    return abs(est.mean - reference) <= half, text


def test_littles_law_per_function_and_per_route() -> None:
    """Little's law, L = lambda W (Little 1961), on a route -> a -> b chain with no queueing.

    Per function: the time-average of busy instances (an integral over time) equals the arrival
    rate times the mean time an invocation holds an instance: E[S_a] + E[S_b] for a (it waits
    for b), E[S_b] for b. Per route: the entry function's busy integral equals the route's
    measured arrival rate times its measured mean latency (two independent measurements).
    """
    rate, horizon = 3.0, 3600.0
    app = _app(
        {
            "a": {"duration": {"dist": "exponential", "mean": "200ms"}, "steps": [{"call": "b"}]},
            "b": {"duration": {"dist": "lognormal", "median": "50ms", "p99": "400ms"}},
        },
        [
            {
                "name": "r",
                "traffic": {"profile": "constant", "mean_rps": rate},
                "steps": [{"call": "a"}],
            }
        ],
    )
    mean_b = app.functions["b"].duration.mean_s
    busy_a, busy_b, route_l = [], [], []
    for seed in SEEDS:
        out = _serverless(app, seed, horizon)
        busy_a.append(out.functions["a"].busy_s / horizon)
        busy_b.append(out.functions["b"].busy_s / horizon)
        r = out.routes["r"]
        route_l.append(r.arrived / horizon * r.time_in_system_s / r.served)
    for values, ref in ((busy_a, rate * (0.2 + mean_b)), (busy_b, rate * mean_b)):
        ok, text = _agrees(values, ref)
        assert ok, text
    ok, text = _agrees([ra - ba for ra, ba in zip(route_l, busy_a, strict=True)], 0.0)
    assert ok or max(abs(ra - ba) for ra, ba in zip(route_l, busy_a, strict=True)) < 1e-3, text


def _renewal_rate(lam: float, ttl_s: float, latency_s: float) -> float:
    """Authorizer calls per second per client: Poisson requests at ``lam``, a TTL cache that
    starts at the authorizer's response, and a fixed authorizer latency ``latency_s``.

    A cycle starts at a miss; requests during the next ``latency_s`` miss too (the answer is not
    back); the entry set by the last of them, at ``x`` (0 if none), expires at
    ``x + latency_s + ttl_s``; then the next request misses. Renewal-reward: rate = E[misses per
    cycle] / E[cycle] = (1 + lam a) / (E[x] + a + T + 1/lam), E[x] = a - (1 - e^{-lam a}) / lam.
    With a = 0 it is the textbook lambda / (1 + lambda T) for a TTL cache started at the request.
    """
    a = latency_s
    ex = a - (1.0 - math.exp(-lam * a)) / lam if a > 0 else 0.0
    return (1.0 + lam * a) / (ex + a + ttl_s + 1.0 / lam)


def test_authorizer_calls_follow_the_ttl_renewal_formula() -> None:
    """Authorizer invocation rate for Poisson clients with a TTL cache (renewal theory).

    20 clients at 0.2 req/s each, TTL 30 s, a 0.5 s authorizer kept warm: the latency correction
    is +8 % over lambda / (1 + lambda T) (0.03096 vs 0.02857 per client per second), far outside
    the interval, so the check tells the two apart.
    """
    clients, lam, ttl, a, horizon = 20, 0.2, 30.0, 0.5, 7200.0
    app = _app(
        {
            "auth": {"duration": {"dist": "fixed", "value": f"{a}s"}, "provisioned": 10},
            "api": {"duration": {"dist": "fixed", "value": "1ms"}},
        },
        [
            {
                "name": "r",
                "traffic": {"profile": "constant", "mean_rps": clients * lam},
                "authorizer": {"function": "auth", "cache_ttl": f"{ttl}s", "clients": clients},
                "steps": [{"call": "api"}],
            }
        ],
    )
    # Every cache starts empty, i.e. at an expiry: the count is then a renewal process from a
    # renewal point, whose mean is rate x time up to a bounded term (here under 0.1 %).
    rates = []
    for seed in SEEDS[:4]:
        out = _serverless(app, seed, horizon)
        rates.append(out.functions["auth"].invocations / horizon / clients)
    exact = _renewal_rate(lam, ttl, a)
    naive = lam / (1 + lam * ttl)
    ok, text = _agrees(rates, exact)
    assert ok, text
    assert not _agrees(rates, naive)[0], "the latency correction should be resolved"


def test_queue_drained_by_reserved_concurrency_is_erlang_c() -> None:
    """A queue drained by a consumer with reserved concurrency c is M/M/c (Erlang C).

    lambda = 3/s, exponential 1 s work, c = 4 (a = 3): P(wait) = C(4, 3) = 0.5094 and mean wait
    W_q = C / (c mu - lambda) = 0.509 s (Kleinrock, Queueing Systems vol. 1, section 3.5).
    """
    c, lam, mean_s, horizon = 4, 3.0, 1.0, 3600.0
    app = _app(
        {
            "front": {"duration": {"dist": "fixed", "value": "0ms"}},
            "worker": {"duration": {"dist": "exponential", "mean": f"{mean_s}s"}},
        },
        [
            {
                "name": "r",
                "traffic": {"profile": "constant", "mean_rps": lam},
                "steps": [{"send": "worker", "via": "queue"}],
            }
        ],
    )
    waits, p_wait = [], []
    for seed in SEEDS:
        out = _serverless(app, seed, horizon, worker={"reserved": c})
        q = out.queues["worker"]
        waits.append(q.wait.total_s / q.wait.count)
        p_wait.append(1.0 - q.wait.counts[0] / q.wait.count)
        assert out.functions["worker"].max_instances == c
    pc = erlang_c(c, lam * mean_s)
    for values, ref in ((p_wait, pc), (waits, pc / (c / mean_s - lam))):
        ok, text = _agrees(values, ref)
        assert ok, text


def test_two_functions_sharing_an_account_limit_is_erlang_b_on_the_summed_load() -> None:
    """Two functions under one account limit N form a multi-class Erlang loss system; its
    blocking is B(N, a1 + a2) whatever the service distributions (insensitivity; Kelly,
    Reversibility and Stochastic Networks, 1979, section 3.2).

    fa: 3/s x exponential 1 s; fb: 4/s x fixed 0.5 s; a = 5, N = 6: B = 0.1918, the same on both
    routes (Poisson arrivals see time averages).
    """
    n, horizon = 6, 3600.0
    app = _app(
        {
            "fa": {"duration": {"dist": "exponential", "mean": "1s"}},
            "fb": {"duration": {"dist": "fixed", "value": "500ms"}},
        },
        [
            {
                "name": "A",
                "traffic": {"profile": "constant", "mean_rps": 3},
                "steps": [{"call": "fa"}],
            },
            {
                "name": "B",
                "traffic": {"profile": "constant", "mean_rps": 4},
                "steps": [{"call": "fb"}],
            },
        ],
    )
    block_a, block_b = [], []
    for seed in SEEDS:
        out = _serverless(app, seed, horizon, limit=n, keep_alive_s=0.0)
        block_a.append(out.routes["A"].throttled / out.routes["A"].arrived)
        block_b.append(out.routes["B"].throttled / out.routes["B"].arrived)
    ref = erlang_b(n, 5.0)
    for values in (block_a, block_b):
        ok, text = _agrees(values, ref)
        assert ok, text


def test_sync_chain_on_one_server_worker_is_pollaczek_khinchine() -> None:
    """A synchronous chain a -> b on one server with one worker is M/G/1 with the summed service
    time S = S_a + S_b: mean latency E[S] + lambda E[S^2] / (2 (1 - rho))
    (Pollaczek-Khinchine; Kleinrock vol. 1, section 5.7).

    S_a exponential 200 ms, S_b fixed 100 ms: E[S] = 0.3 s, E[S^2] = 0.04 + 0.09 = 0.13 s^2; at
    lambda = 2/s (rho = 0.6) the mean latency is 0.3 + 0.325 = 0.625 s. Counting only S_a (a
    call that did not hold the worker) would give 0.2 + 0.1 = 0.3 s of service and a far
    smaller wait.
    """
    lam, horizon = 2.0, 7200.0
    app = _app(
        {
            "a": {"duration": {"dist": "exponential", "mean": "200ms"}, "steps": [{"call": "b"}]},
            "b": {"duration": {"dist": "fixed", "value": "100ms"}},
        },
        [
            {
                "name": "r",
                "traffic": {"profile": "constant", "mean_rps": lam},
                "steps": [{"call": "a"}],
            }
        ],
    )
    means = []
    for seed in SEEDS:
        out = run_fleet_app(
            FleetPlan(servers=1, workers=1), app, horizon, 0.0, seed, 99, TimeBins(horizon, 4)
        )
        r = out.routes["r"]
        means.append(r.time_in_system_s / r.served)
    es, es2 = 0.3, 0.13
    rho = lam * es
    ok, text = _agrees(means, es + lam * es2 / (2 * (1 - rho)))
    assert ok, text
