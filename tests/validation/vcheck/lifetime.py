"""Maximum instance lifetime: cold starts of a pool that never idles long, against renewal theory.

The model: from the age ``L`` on, an on-demand instance takes no new request; it finishes those
in flight and is retired, and the next request is a cold start (AWS Lambda "terminates execution
environments every few hours ... even for functions that are invoked continuously", Lambda
developer guide, *Understanding the Lambda execution environment lifecycle*).

Set-up whose count is exact: Poisson arrivals at rate ``lambda``, a pool of one instance at most
(``concurrency_limit: 1``: a request that finds it busy is throttled, not a second instance), a
keep-alive of a day, so long that no gap outlasts it (``P = exp(-lambda K)``, below 1e-60 here),
requests of 10 ms. The first cold start is the first arrival, ``S_0 ~ Exp(lambda)``. The instance created
at ``S_k`` takes no request from ``S_k + L`` on; Poisson arrivals are memoryless, so the next one
comes ``R ~ Exp(lambda)`` later and is the next cold start: ``S_{k+1} = S_k + L + R``. So
``S_k = k L + Gamma(k + 1, lambda)`` and the expected cold starts in ``[0, T]`` are

    E[N(T)] = sum_{k >= 0, k L < T} P(Gamma(k + 1, lambda) <= T - k L)
            = sum_k P(Poisson(lambda (T - k L)) >= k + 1),

about ``T / (L + 1 / lambda)``: ``(instances) x T / L`` with one instance, plus the wait for the
first arrival after each recycling. The one inexact case, an arrival just after ``S_k + L``
finding the old instance still busy with a request it took before ``S_k + L`` (then it is
throttled and the cold start waits for the next arrival), has probability below ``lambda x
10 ms`` per recycling and moves the mean by less than ``1e-4`` cold starts here, far inside the
interval. Three regimes: ``L = 2 h`` (the Lambda default) with ``1 / lambda = 5 s``, where the
week holds exactly 84 cold starts in every replication; ``L = 2 h`` with ``1 / lambda = 10 min``
and ``L = 10 min`` with ``1 / lambda = 50 s``, where the wait term matters.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from scipy import stats

from costsim.stats.distributions import Fixed
from costsim.traffic.chunk import Chunk
from vcheck.core import Estimate, Mapper, Row, register, seed_for
from vcheck.sim import pool, run

DAY_S = 86400.0
#: (lifetime L [s], arrival rate lambda [1/s], horizon T [s])
CASES = ((7200.0, 0.2, 7 * DAY_S), (7200.0, 1 / 600.0, 7 * DAY_S), (600.0, 0.02, 7 * DAY_S))
REPS = {"fast": 6, "full": 40}
DURATION_S = 0.01
KEEP_ALIVE_S = DAY_S


def expected_cold_starts(lifetime_s: float, rate_rps: float, horizon_s: float) -> float:
    """``E[N(T)]`` of the module docstring: ``sum_k P(Poisson(lambda (T - k L)) >= k + 1)``."""
    k = np.arange(int(np.ceil(horizon_s / lifetime_s)))
    return float(stats.poisson.sf(k, rate_rps * (horizon_s - k * lifetime_s)).sum())


def _cold_starts(case: tuple[float, float, float], engine: str, rep: int) -> float:
    lifetime_s, rate_rps, horizon_s = case
    seed = seed_for(19, int(lifetime_s), rep)
    gen = np.random.default_rng(seed)
    n = int(rate_rps * horizon_s + 10 * np.sqrt(rate_rps * horizon_s) + 10)
    arrivals = np.cumsum(gen.exponential(1.0 / rate_rps, n))
    arrivals = arrivals[arrivals <= horizon_s]
    ch = Chunk(arrivals, np.full(len(arrivals), DURATION_S))
    p = pool(
        cold_start=Fixed(dist="fixed", value=0.25),
        keep_alive_s=KEEP_ALIVE_S,
        concurrency_limit=1,
        max_lifetime_s=lifetime_s,
    )
    out = run("serverless", p, ch, seed, horizon_s, engine=engine)
    return float(out.counters.cold_starts)


@register("lifetime")
def check_lifetime(size: str, mapper: Mapper) -> list[Row]:
    """Cold starts over a week of a pool recycled at its maximum lifetime, both engines."""
    rows = []
    for case in CASES:
        lifetime_s, rate_rps, horizon_s = case
        ref = expected_cold_starts(*case)
        model = (
            f"serverless, max_lifetime {lifetime_s / 60:g} min, Poisson {rate_rps:.4g}/s, "
            f"one instance (limit 1), 10 ms requests, keep-alive 1 d, {horizon_s / DAY_S:g} days"
        )
        for engine in ("fast", "simpy") if size == "full" else ("fast",):
            got = list(mapper(partial(_cold_starts, case, engine), range(REPS[size])))
            rows.append(
                Row(
                    "lifetime",
                    "cold starts",
                    model,
                    "renewal: sum_k P(Poisson(lambda (T - k L)) >= k + 1)",
                    "renewal",
                    Estimate.of(got),
                    Estimate.exact(ref),
                    note=f"{engine} engine; T / (L + 1/lambda) = "
                    f"{horizon_s / (lifetime_s + 1 / rate_rps):.2f}; "
                    f"{3600 * ref / horizon_s:.3f} per hour",
                )
            )
    return rows
