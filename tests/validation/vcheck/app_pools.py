"""Application pools with several executions per instance against Erlang B (the SimPy app engine).

A function with ``reserved_concurrency`` N on a product with ``instance_concurrency`` c (Cloud
Run, Azure Flex Consumption) runs at most N instances of c seats. With no cold start and no
scale-rate limit a call is refused exactly when all N c seats are busy (an instance with a free
seat takes it; otherwise a new instance starts while fewer than N are in use), so the pool is
an M/G/Nc/Nc loss system and its throttled share is Erlang B(Nc, lambda E[S]), whatever the
service distribution (Sevastyanov's insensitivity): one row with exponential work, one with
lognormal work.
"""

from __future__ import annotations

from functools import partial

from costsim.application.schema import Application
from costsim.engine.app import PoolParams, ServerlessPlan, run_serverless_app
from costsim.engine.metrics import TimeBins
from costsim.traffic.distributions import Fixed
from vcheck.core import Estimate, Mapper, Row, register
from vcheck.theory import erlang_b

CHECK = "app_pools"
SEED_BASE = 33_000
#: (reserved instances N, seats per instance c, arrival rate [1/s], service distribution)
CASES = [
    (2, 3, 4.0, {"dist": "exponential", "mean": "1s"}),
    (3, 2, 5.0, {"dist": "lognormal", "median": "600ms", "p99": "3s"}),
]


def _app(lam: float, duration: dict[str, str]) -> Application:
    return Application.model_validate(
        {
            "functions": {"f": {"duration": duration}},
            "routes": [
                {
                    "name": "r",
                    "traffic": {"profile": "constant", "mean_rps": lam},
                    "gateway": None,
                    "steps": [{"call": "f"}],
                }
            ],
        }
    )


def _throttled_share(case: int, horizon_s: float, rep: int) -> list[float]:
    n, c, lam, duration = CASES[case]
    app = _app(lam, duration)
    pool = PoolParams(
        memory_mb=512,
        keep_alive_s=600.0,
        cold_start=Fixed(dist="fixed", value=0.0),
        reserved=n,
        instance_concurrency=c,
    )
    out = run_serverless_app(
        app,
        ServerlessPlan({"f": pool}, 1000),
        horizon_s,
        TimeBins(horizon_s, 4),
        SEED_BASE + 100 * case + rep,
        99,
    )
    r = out.routes["r"]
    return [r.throttled / r.arrived]


@register(CHECK)
def check_app_pools(size: str, mapper: Mapper) -> list[Row]:
    """Erlang B on a reserved pool of multi-seat instances (exponential and lognormal work)."""
    fast = size == "fast"
    reps = range(5 if fast else 20)
    horizon_s = 3600.0 if fast else 4 * 3600.0
    rows: list[Row] = []
    for i, (n, c, lam, duration) in enumerate(CASES):
        per_rep = list(mapper(partial(_throttled_share, i, horizon_s), reps))
        est = Estimate.of([rep[0] for rep in per_rep])
        mean = _app(lam, duration).functions["f"].duration.mean_s
        rows.append(
            Row(
                CHECK,
                "throttled share",
                f"reserved {n} instances x instance_concurrency {c}, {lam:g} req/s, "
                f"{duration['dist']} work (mean {mean:.3g} s), no cold start",
                f"Erlang B (Nc = {n * c}, a = {lam * mean:.3g})",
                "sevastyanov",
                est,
                Estimate.exact(erlang_b(n * c, lam * mean)),
                note="a call is refused only when every seat of the N instances is busy",
            )
        )
    return rows
