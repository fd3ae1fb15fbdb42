"""Applications (many functions, one system) against queueing theory: the SimPy app engine.

Each configuration runs independent replications of :mod:`costsim.engine.app` and is held
against its formula:

* Little's law per function and per route (a route -> a -> b chain, no queueing);
* the authorizer's invocation rate for Poisson clients with a TTL cache, by renewal-reward,
  with the correction for the authorizer's own latency (the textbook lambda / (1 + lambda T)
  holds for a cache started at the request; here it starts at the response);
* a queue drained by a consumer with reserved concurrency c: Erlang C (M/M/c);
* two functions sharing one account limit: Erlang B on their summed load (insensitivity);
* a synchronous chain on one server worker: Pollaczek-Khinchine for the summed service time.

The applications run on ``--engine simpy`` only for now; these rows are its reference.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

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
from vcheck.core import Estimate, Mapper, Row, register
from vcheck.theory import erlang_b, erlang_c

CHECK = "applications"
SEED_BASE = 31_000


def _app(functions: dict[str, Any], routes: list[dict[str, Any]]) -> Application:
    return Application.model_validate({"functions": functions, "routes": routes})


def _serverless(
    app: Application,
    seed: int,
    horizon_s: float,
    limit: int = 1000,
    keep_alive_s: float = 600.0,
    per: dict[str, dict[str, Any]] | None = None,
) -> AppOutput:
    pools = {
        name: PoolParams(
            memory_mb=128,
            keep_alive_s=keep_alive_s,
            cold_start=Fixed(dist="fixed", value=0.0),
            **(per or {}).get(name, {}),
        )
        for name in app.functions
    }
    bins = TimeBins(horizon_s, 4)
    return run_serverless_app(app, ServerlessPlan(pools, limit), horizon_s, bins, seed, 99)


def renewal_rate(lam: float, ttl_s: float, latency_s: float) -> float:
    """Authorizer calls per second per client [1/s].

    Poisson requests at ``lam`` [1/s], an answer cached for ``ttl_s`` [s] from the authorizer's
    response, a fixed authorizer latency ``latency_s`` [s]. A cycle starts at a miss; requests
    in the next ``a`` seconds miss too (no answer yet); the entry the last of them (at ``x``, 0
    if none) writes expires at ``x + a + T``; the next request then misses. Renewal-reward:
    ``(1 + lam a) / (E[x] + a + T + 1/lam)`` with ``E[x] = a - (1 - exp(-lam a)) / lam``; at
    ``a = 0`` it is ``lam / (1 + lam T)``.
    """
    a = latency_s
    ex = a - (1.0 - math.exp(-lam * a)) / lam if a > 0 else 0.0
    return (1.0 + lam * a) / (ex + a + ttl_s + 1.0 / lam)


# -- Little's law --------------------------------------------------------------------------
LITTLE_RATE = 3.0
LITTLE_APP = {
    "a": {"duration": {"dist": "exponential", "mean": "200ms"}, "steps": [{"call": "b"}]},
    "b": {"duration": {"dist": "lognormal", "median": "50ms", "p99": "400ms"}},
}


def _little(horizon_s: float, rep: int) -> list[float]:
    app = _app(
        LITTLE_APP,
        [
            {
                "name": "r",
                "traffic": {"profile": "constant", "mean_rps": LITTLE_RATE},
                "steps": [{"call": "a"}],
            }
        ],
    )
    out = _serverless(app, SEED_BASE + rep, horizon_s)
    r = out.routes["r"]
    busy_a = out.functions["a"].busy_s / horizon_s
    route_l = r.arrived / horizon_s * r.time_in_system_s / r.served  # lambda W, measured
    return [busy_a, out.functions["b"].busy_s / horizon_s, route_l]


# -- authorizer cache ------------------------------------------------------------------------
AUTH = {"clients": 20, "lam": 0.2, "ttl": 30.0, "latency": 0.5}


def _authorizer(horizon_s: float, rep: int) -> list[float]:
    c = AUTH
    app = _app(
        {
            "auth": {"duration": {"dist": "fixed", "value": f"{c['latency']}s"}, "provisioned": 10},
            "api": {"duration": {"dist": "fixed", "value": "1ms"}},
        },
        [
            {
                "name": "r",
                "traffic": {"profile": "constant", "mean_rps": c["clients"] * c["lam"]},
                "authorizer": {
                    "function": "auth",
                    "cache_ttl": f"{c['ttl']}s",
                    "clients": int(c["clients"]),
                },
                "steps": [{"call": "api"}],
            }
        ],
    )
    out = _serverless(app, SEED_BASE + 100 + rep, horizon_s)
    # caches start empty, i.e. at an expiry: a renewal process from a renewal point
    return [out.functions["auth"].invocations / horizon_s / c["clients"]]


# -- Erlang C ----------------------------------------------------------------------------------
ERLANG_C = {"c": 4, "lam": 3.0, "mean_s": 1.0}


def _erlang_c(horizon_s: float, rep: int) -> list[float]:
    p = ERLANG_C
    app = _app(
        {
            "front": {"duration": {"dist": "fixed", "value": "0ms"}},
            "worker": {"duration": {"dist": "exponential", "mean": f"{p['mean_s']}s"}},
        },
        [
            {
                "name": "r",
                "traffic": {"profile": "constant", "mean_rps": p["lam"]},
                "steps": [{"send": "worker", "via": "queue"}],
            }
        ],
    )
    out = _serverless(
        app, SEED_BASE + 200 + rep, horizon_s, per={"worker": {"reserved": int(p["c"])}}
    )
    q = out.queues["worker"]
    return [1.0 - q.wait.counts[0] / q.wait.count, q.wait.total_s / q.wait.count]


# -- Erlang B on a shared account limit ----------------------------------------------------------
ERLANG_B_LIMIT = 6


def _erlang_b(horizon_s: float, rep: int) -> list[float]:
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
    out = _serverless(app, SEED_BASE + 300 + rep, horizon_s, limit=ERLANG_B_LIMIT, keep_alive_s=0.0)
    return [out.routes[n].throttled / out.routes[n].arrived for n in ("A", "B")]


# -- Pollaczek-Khinchine ---------------------------------------------------------------------------
PK_RATE = 2.0


def _pk(horizon_s: float, rep: int) -> list[float]:
    app = _app(
        {
            "a": {"duration": {"dist": "exponential", "mean": "200ms"}, "steps": [{"call": "b"}]},
            "b": {"duration": {"dist": "fixed", "value": "100ms"}},
        },
        [
            {
                "name": "r",
                "traffic": {"profile": "constant", "mean_rps": PK_RATE},
                "steps": [{"call": "a"}],
            }
        ],
    )
    plan = FleetPlan(servers=1, workers=1)
    out = run_fleet_app(
        plan, app, horizon_s, 0.0, SEED_BASE + 400 + rep, 99, TimeBins(horizon_s, 4)
    )
    r = out.routes["r"]
    return [r.time_in_system_s / r.served]


def _columns(per_rep: list[list[float]]) -> list[Estimate]:
    return [Estimate.of([rep[i] for rep in per_rep]) for i in range(len(per_rep[0]))]


@register(CHECK)
def check_applications(size: str, mapper: Mapper) -> list[Row]:
    """Little's law, the TTL-cache renewal formula, Erlang C, Erlang B and P-K on applications."""
    fast = size == "fast"
    reps = range(5 if fast else 20)
    hour = 3600.0 if fast else 4 * 3600.0
    rows: list[Row] = []

    little = _columns(list(mapper(partial(_little, hour), reps)))
    mean_b = (
        _app(
            LITTLE_APP,
            [
                {
                    "name": "r",
                    "traffic": {"profile": "constant", "mean_rps": 1},
                    "steps": [{"call": "a"}],
                }
            ],
        )
        .functions["b"]
        .duration.mean_s
    )
    chain = f"route -> a (exp 200 ms) -> b (lognormal 50/400 ms), {LITTLE_RATE:g} req/s"
    rows += [
        Row(
            CHECK,
            "busy instances of a",
            chain,
            "lambda (E[S_a] + E[S_b])",
            "little",
            little[0],
            Estimate.exact(LITTLE_RATE * (0.2 + mean_b)),
            note="a waits for b",
        ),
        Row(
            CHECK,
            "busy instances of b",
            chain,
            "lambda E[S_b]",
            "little",
            little[1],
            Estimate.exact(LITTLE_RATE * mean_b),
        ),
        Row(
            CHECK,
            "route lambda W (measured)",
            chain,
            "L = lambda (E[S_a] + E[S_b])",
            "little",
            little[2],
            Estimate.exact(LITTLE_RATE * (0.2 + mean_b)),
            note="the route's arrival rate x mean latency",
        ),
    ]

    auth = _columns(list(mapper(partial(_authorizer, 2 * hour), range(4 if fast else 20))))[0]
    c = AUTH
    naive = c["lam"] / (1 + c["lam"] * c["ttl"])
    rows.append(
        Row(
            CHECK,
            "authorizer calls per client [1/s]",
            f"{c['clients']:g} Poisson clients x {c['lam']:g} req/s, TTL {c['ttl']:g} s, authorizer {c['latency']:g} s",
            "renewal-reward with latency",
            "renewal",
            auth,
            Estimate.exact(renewal_rate(c["lam"], c["ttl"], c["latency"])),
            note=f"lambda/(1+lambda T) = {naive:.5f} ignores the latency",
        )
    )

    ec = _columns(list(mapper(partial(_erlang_c, hour), reps)))
    p = ERLANG_C
    pc = erlang_c(int(p["c"]), p["lam"] * p["mean_s"])
    queue = f"queue -> consumer, reserved {p['c']:g}, {p['lam']:g} msg/s, exp {p['mean_s']:g} s"
    rows += [
        Row(CHECK, "P(message waits)", queue, "Erlang C", "kleinrock", ec[0], Estimate.exact(pc)),
        Row(
            CHECK,
            "mean queue wait [s]",
            queue,
            "C / (c mu - lambda)",
            "kleinrock",
            ec[1],
            Estimate.exact(pc / (p["c"] / p["mean_s"] - p["lam"])),
        ),
    ]

    eb = _columns(list(mapper(partial(_erlang_b, hour), reps)))
    shared = f"account limit {ERLANG_B_LIMIT}: fa 3/s x exp 1 s + fb 4/s x fixed 0.5 s"
    ref_b = Estimate.exact(erlang_b(ERLANG_B_LIMIT, 5.0))
    rows += [
        Row(
            CHECK,
            "throttled share, route A",
            shared,
            "Erlang B (a = 5)",
            "sevastyanov",
            eb[0],
            ref_b,
        ),
        Row(
            CHECK,
            "throttled share, route B",
            shared,
            "Erlang B (a = 5)",
            "sevastyanov",
            eb[1],
            ref_b,
        ),
    ]

    pk = _columns(list(mapper(partial(_pk, 2 * hour), reps)))[0]
    es, es2 = 0.3, 0.13
    rho = PK_RATE * es
    rows.append(
        Row(
            CHECK,
            "mean latency [s]",
            f"a (exp 200 ms) -> b (fixed 100 ms) on 1 server x 1 worker, {PK_RATE:g} req/s",
            "Pollaczek-Khinchine, S = S_a + S_b",
            "kleinrock-mg1",
            pk,
            Estimate.exact(es + PK_RATE * es2 / (2 * (1 - rho))),
        )
    )
    return rows
