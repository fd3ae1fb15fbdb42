"""Maximum instance lifetime: hand-computed cases, on both serverless engines.

AWS Lambda "terminates execution environments every few hours to allow for runtime updates and
maintenance - even for functions that are invoked continuously" (Lambda developer guide,
*Understanding the Lambda execution environment lifecycle*,
docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html); measured at about two
hours for busy environments (Xebia blog, "TIL that AWS Lambda terminates instances
preemptively"). The model: from the age ``max_lifetime_s`` on an on-demand instance takes no
new request; it finishes those in flight and is retired, and the next request is a cold start.
Provisioned instances are replaced warm and never age out.

Times are binary fractions so the expected values are exact. Unless a test says otherwise the
pool has a fixed 250 ms cold start, a 600 s keep-alive and mru reuse (``conftest.serverless``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from conftest import chunk, draws, serverless

from costsim.engine import fast_serverless, simpy_serverless
from costsim.engine.common import EngineOutput
from costsim.engine.metrics import TimeBins
from costsim.platforms.serverless import ServerlessPlatform
from costsim.platforms.serverless_rules import idle_retire_s, lifetime_reached

ENGINES = {"simpy": simpy_serverless, "fast": fast_serverless}


def run(
    engine: str,
    p: ServerlessPlatform,
    arrivals_s: Sequence[float],
    durations_s: Sequence[float] | float,
    horizon_s: float = 100.0,
) -> EngineOutput:
    """One hand-made chunk through the named engine."""
    return ENGINES[engine].run_serverless(
        p, [chunk(arrivals_s, durations_s)], draws(None), horizon_s, TimeBins(horizon_s, 10)
    )


def test_lifetime_is_reached_at_exactly_its_age() -> None:
    """The rule: an instance created at 1 s with a 4 s lifetime takes a request at 4.999 s, not
    at 5 s; ``inf`` (off) never ages out."""
    assert not lifetime_reached(1.0, 4.999, 4.0)
    assert lifetime_reached(1.0, 5.0, 4.0)
    assert not lifetime_reached(0.0, 1e12, math.inf)


def test_idle_instance_retires_at_keep_alive_or_lifetime_whichever_first() -> None:
    """Created at 0, idle since 1 s: keep-alive 2 s ends it at 3 s before a 4 s lifetime; a 600 s
    keep-alive leaves the lifetime (4 s); busy past its lifetime until 5 s, it retires at 5 s."""
    assert idle_retire_s(0.0, 1.0, 2.0, 4.0) == 3.0
    assert idle_retire_s(0.0, 1.0, 600.0, 4.0) == 4.0
    assert idle_retire_s(0.0, 5.0, 600.0, 4.0) == 5.0
    assert idle_retire_s(0.0, 1.0, 600.0, math.inf) == 601.0


@pytest.mark.parametrize("engine", ENGINES)
def test_instance_takes_no_request_at_exactly_its_lifetime(engine: str) -> None:
    """Lifetime 4 s, requests of 125 ms at 0, 3.5 and 4 s: the second is warm (age 3.5 s), the
    third arrives when the instance is exactly 4 s old and starts a new one. The first instance
    is alive 0-4 s; the second from 4 s to its lifetime, 8 s."""
    out = run(engine, serverless(max_lifetime_s=4.0), [0.0, 3.5, 4.0], 0.125)
    assert out.counters.cold_starts == 2
    assert out.alive_s == 4.0 + 4.0
    h = out.meters.histograms["instance_lifetime_ms"]
    assert dict(zip(h.values_ms.tolist(), h.counts.tolist(), strict=True)) == {4000: 2}


@pytest.mark.parametrize("engine", ENGINES)
def test_busy_instance_finishes_its_request_then_retires(engine: str) -> None:
    """Lifetime 4 s: a 2 s request starting at 3.5 s runs past the lifetime to 5.5 s on the
    same instance; the request at 6 s is a cold start. The first instance is alive until its
    last request ended (5.5 s), the second from 6 s for its 4 s lifetime (10 s)."""
    out = run(engine, serverless(max_lifetime_s=4.0), [0.0, 3.5, 6.0], [0.125, 2.0, 0.125])
    assert out.counters.cold_starts == 2
    assert out.counters.served == 3
    assert out.alive_s == 5.5 + 4.0


@pytest.mark.parametrize("engine", ENGINES)
def test_a_steady_stream_cold_starts_once_per_lifetime(engine: str) -> None:
    """A request of 125 ms every second for 100 s, lifetime 10 s: one instance serves them all
    but is recycled every 10 s, so 10 cold starts (1 with the lifetime off), and each instance
    is alive exactly 10 s."""
    arrivals = np.arange(100.0).tolist()
    off = run(engine, serverless(), arrivals, 0.125)
    assert off.counters.cold_starts == 1
    on = run(engine, serverless(max_lifetime_s=10.0), arrivals, 0.125)
    assert on.counters.cold_starts == 10
    assert on.max_instances == 1
    assert on.alive_s == pytest.approx(100.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_free_slot_of_an_aged_instance_is_not_used(engine: str) -> None:
    """Two requests per instance, lifetime 4 s: an instance busy from 0 to 10.25 s has a free
    slot at 4.5 s but is too old to take the request there, which starts a second instance."""
    p = serverless(max_lifetime_s=4.0, instance_concurrency=2)
    out = run(engine, p, [0.0, 4.5], [10.0, 0.125])
    assert out.counters.cold_starts == 2
    young = run(engine, p, [0.0, 3.5], [10.0, 0.125])
    assert young.counters.cold_starts == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_provisioned_instances_never_age_out(engine: str) -> None:
    """One provisioned instance, lifetime 4 s: requests at 0, 5 and 10 s are all warm."""
    p = serverless(max_lifetime_s=4.0, provisioned=1)
    out = run(engine, p, [0.0, 5.0, 10.0], 0.125)
    assert out.counters.cold_starts == 0
    assert out.meters.counts["provisioned_served"] == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_keep_alive_still_reclaims_before_the_lifetime(engine: str) -> None:
    """Keep-alive 2 s, lifetime 100 s: a request 10 s after the first finds the instance
    reclaimed at 0.375 + 2 s."""
    out = run(engine, serverless(keep_alive_s=2.0, max_lifetime_s=100.0), [0.0, 10.0], 0.125)
    assert out.counters.cold_starts == 2
    assert out.alive_s == 2.375 + 2.375


def test_application_pools_recycle_at_the_lifetime_too() -> None:
    """An application route calling one function (100 ms, 200 ms cold start) at 0, 3.5, 4 and
    5 s with a 4 s lifetime: the call at 4 s finds its instance exactly 4 s old and starts a new
    one, so 2 cold starts (1 with the lifetime off). The first instance lives 0-4 s; the second
    from 4 s for 4 s."""
    from test_application_engine import app_of, fn
    from test_application_engine import serverless as app_serverless

    app = app_of(
        {"functions": {"f": fn(100)}, "routes": [{"name": "r", "steps": [{"call": "f"}]}]},
        r=(0.0, 3.5, 4.0, 5.0),
    )
    off = app_serverless(app, horizon_s=100.0)
    assert off.functions["f"].cold_starts == 1
    on = app_serverless(app, horizon_s=100.0, f={"max_lifetime_s": 4.0})
    assert on.functions["f"].cold_starts == 2
    assert on.functions["f"].alive_s == pytest.approx(4.0 + 4.0)
