"""Differential tests: the compiled application engine against the SimPy application engine.

For the same application, plan, arrivals and seed, :func:`run_serverless_app_fast` must give
exactly what :func:`run_serverless_app` gives: every count, every millisecond histogram, every
latency histogram, every time bin and every float (the same operations in the same order).
Hypothesis draws small random applications over every step type the compiled engine runs
(calls, async sends with throttle backoff, max event age and error retries, queues with batch
size, batching window, max concurrency, visibility timeout and dead letters, authorizers with a
cache, standard and express workflows with sequence, choice, parallel, map with
max_concurrency and retries with backoff) and over the pool settings (memory, keep-alive,
reserved and provisioned concurrency, scale rate, reuse policy, account limit). Arrival times
and durations sit on a coarse grid, so that simultaneous events are common and the tie order
(SimPy's: time, URGENT before NORMAL, then scheduling order) is exercised; arrivals come in
several chunks, which the compiled engine must carry its state across.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costsim.application.schema import Application
from costsim.engine.app import (
    AppOutput,
    FleetPlan,
    PoolParams,
    ServerlessPlan,
    run_fleet_app,
    run_serverless_app,
)
from costsim.engine.fast_app import run_fleet_app_fast, run_serverless_app_fast
from costsim.engine.fast_app_features import application_gap
from costsim.engine.metrics import TimeBins
from costsim.platforms.rules import BALANCERS, REUSE_POLICIES
from costsim.stats.distributions import Exponential, Fixed

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUNCS = ["f0", "f1", "f2", "f3"]
#: Every field of a pool's parameters, each varied below (a test checks the list).
POOL_VARIED = (
    "memory_mb", "keep_alive_s", "cold_start", "reserved", "provisioned", "scale_burst",
    "scale_rate_per_s", "reuse_code", "timeout_s", "max_lifetime_s",
)  # fmt: skip
#: Pool parameters the compiled engine does not run: a scenario setting them runs on SimPy
#: (costsim/kinds/app_compiled.py, tested in tests/cli); kept at their defaults below.
POOL_NOT_COMPILED = ("instance_concurrency", "provisioned_changes")
#: Every field of a serverless plan, each varied below.
PLAN_VARIED = ("pools", "account_limit", "workflow_type")
FLEET_VARIED = (
    "servers", "workers", "background_workers", "balancer_code", "queue_limit",
    "queue_timeout_s", "billing_granularity_s", "billing_minimum_s",
)  # fmt: skip
#: Fleet plan fields the compiled engine does not run (autoscaled groups run on SimPy).
FLEET_NOT_COMPILED = ("autoscale",)


class Chunked:
    """A stand-in traffic profile: the given arrival times [s], in chunks of ``size``."""

    def __init__(self, times_s: np.ndarray, size: int) -> None:
        self.times = times_s
        self.size = size

    def requests(self, ctx: Any) -> Iterator[tuple[np.ndarray, None]]:
        for i in range(0, len(self.times), self.size):
            yield self.times[i : i + self.size], None


def _duration(draw: Any) -> dict[str, Any]:
    ms = draw(st.sampled_from([0, 100, 200, 500, 1000]))
    if draw(st.booleans()):
        return {"dist": "fixed", "value": f"{ms}ms"}
    return {"dist": "exponential", "mean": f"{max(ms, 50)}ms"}


def _retry(draw: Any) -> dict[str, Any] | None:
    if not draw(st.booleans()):
        return None
    return {
        "max_attempts": draw(st.integers(1, 3)),
        "interval": draw(st.sampled_from(["0s", "1s", "500ms"])),
        "backoff": draw(st.sampled_from([1.0, 2.0, 1.5])),
        "error_rate": draw(st.sampled_from([0.0, 0.3])),
    }


@st.composite
def states(draw: Any, items: dict[str, Any], depth: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        kinds = ["call", "call", "map", "parallel", "choice"] if depth < 2 else ["call"]
        kind = draw(st.sampled_from(kinds))
        f = draw(st.sampled_from(FUNCS))
        if kind == "call":
            state: dict[str, Any] = {"call": f}
            if (r := _retry(draw)) is not None:
                state["retry"] = r
            out.append(state)
        elif kind == "map":
            state = {"map": f, "items": items}
            if draw(st.booleans()):
                state["max_concurrency"] = draw(st.integers(1, 3))
            out.append(state)
        elif kind == "parallel":
            n = draw(st.integers(1, 3))
            out.append({"parallel": [draw(states(items, depth + 1)) for _ in range(n)]})
        else:
            p = draw(st.sampled_from([0.0, 0.3, 0.5, 1.0]))
            out.append(
                {
                    "choice": [
                        {"p": p, "states": draw(states(items, depth + 1))},
                        {"p": 1.0 - p, "states": draw(st.just([]) | states(items, depth + 1))},
                    ]
                }
            )
    return out


@st.composite
def applications(draw: Any) -> dict[str, Any]:
    functions: dict[str, Any] = {}
    for i, name in enumerate(FUNCS):
        spec: dict[str, Any] = {"duration": _duration(draw)}
        later = FUNCS[i + 1 :]  # calls go to later functions only: no cycle
        steps = []
        for _ in range(draw(st.integers(0, 2)) if later else 0):
            target = draw(st.sampled_from(later))
            kind = draw(st.sampled_from(["call", "async", "queue", "named"]))
            if kind == "call":
                steps.append({"call": target})
            elif kind == "named":
                steps.append({"send": "jobs"})
            else:
                steps.append({"send": target, "via": kind})
        if steps:
            spec["steps"] = steps
        if draw(st.booleans()):
            spec["error_rate"] = draw(st.sampled_from([0.2, 0.5]))
        if draw(st.booleans()):
            spec["async_retries"] = draw(st.integers(0, 2))
        if draw(st.booleans()):
            spec["max_event_age"] = "60s"
        functions[name] = spec
    queues = {
        "jobs": {
            # the last function, which sends nothing: no asynchronous cycle (endless work)
            "consumer": FUNCS[-1],
            "batch_size": draw(st.integers(1, 4)),
            "batching_window": draw(st.sampled_from(["0s", "1s", "2500ms"])),
            "visibility_timeout": draw(st.sampled_from(["0s", "5s", "30s"])),
            "max_receives": draw(st.integers(1, 3)),
        }
    }
    if draw(st.booleans()):
        queues["jobs"]["max_concurrency"] = draw(st.integers(1, 2))
    items = (
        {"dist": "fixed", "value": draw(st.integers(0, 4))}
        if draw(st.booleans())
        else {"dist": "exponential", "mean": 2}
    )
    routes = []
    for r in range(draw(st.integers(1, 3))):
        route: dict[str, Any] = {"name": f"r{r}", "traffic": {"profile": "constant", "mean_rps": 1}}
        if draw(st.booleans()):
            route["authorizer"] = {
                "function": draw(st.sampled_from(FUNCS)),
                "cache_ttl": draw(st.sampled_from(["0s", "3s", "30s"])),
                "clients": draw(st.integers(1, 4)),
            }
        if draw(st.booleans()):
            route["workflow"] = {
                "type": draw(st.sampled_from(["standard", "express"])),
                "states": draw(states(items)),
            }
            if (retry := _retry(draw)) is not None:
                route["workflow"]["retry"] = retry
        else:
            steps: list[dict[str, Any]] = []
            for _ in range(draw(st.integers(1, 3))):
                target = draw(st.sampled_from(FUNCS))
                kind = draw(st.sampled_from(["call", "call", "async", "queue", "named"]))
                if kind == "call":
                    steps.append({"call": target})
                elif kind == "named":
                    steps.append({"send": "jobs", "via": "queue"})
                else:
                    steps.append({"send": target, "via": kind})
            route["steps"] = steps
        routes.append(route)
    return {"functions": functions, "routes": routes, "queues": queues}


@st.composite
def pools(draw: Any) -> tuple[dict[str, PoolParams], int]:
    reuse = draw(st.integers(0, len(REUSE_POLICIES) - 1))
    limited = draw(st.booleans())
    out = {}
    for name in FUNCS:
        reserved = draw(st.none() | st.integers(0, 3))
        prov_max = 2 if reserved is None else reserved
        cold = Fixed(dist="fixed", value=draw(st.sampled_from([0.0, 0.2, 1.0])))
        if draw(st.booleans()):
            cold = Exponential(dist="exponential", mean=0.3)
        out[name] = PoolParams(
            memory_mb=draw(st.sampled_from([128.0, 1024.0])),
            keep_alive_s=draw(st.sampled_from([0.0, 2.0, 10.0, 600.0])),
            cold_start=cold,
            reserved=reserved,
            provisioned=draw(st.integers(0, prov_max)),
            scale_burst=2.0 if limited else float("inf"),
            scale_rate_per_s=0.5 if limited else float("inf"),
            reuse_code=reuse,
            # the Lambda timeout cuts executions and the calls they wait on
            timeout_s=draw(st.sampled_from([float("inf"), 900.0, 0.3, 1.0, 2.5])),
            # on-demand instances recycled at their lifetime, busy or not
            max_lifetime_s=draw(st.sampled_from([float("inf"), 1.0, 5.0, 20.0])),
        )
    return out, draw(st.sampled_from([3, 8, 1000]))


def _plain(value: Any) -> Any:
    """A dataclass tree as plain comparable values (arrays as lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def assert_same(ref: AppOutput, fast: AppOutput) -> None:
    """Everything equal, floats included, bin by bin, each function's time series and the
    edge counts too."""
    for name in ("routes", "functions", "queues", "workflows", "edges"):
        assert _plain(getattr(fast, name)) == _plain(getattr(ref, name)), name
    for name, st_ref in ref.functions.items():
        got, want = vars(fast.functions[name].bins), vars(st_ref.bins)
        assert _plain(got) == _plain(want), f"{name} bins"
    for name in ("arrivals", "served", "cold_starts", "throttled", "dropped", "alive_s", "busy_s"):
        assert getattr(fast.bins, name).tolist() == getattr(ref.bins, name).tolist(), name
    assert (fast.alive_s, fast.busy_s, fast.max_instances) == (
        ref.alive_s,
        ref.busy_s,
        ref.max_instances,
    )


def both(
    data: dict[str, Any],
    plan: ServerlessPlan,
    times: dict[str, np.ndarray],
    horizon_s: float,
    chunk: int,
    seed: int = 3,
    warmup_s: float = 0.0,
) -> tuple[AppOutput, AppOutput]:
    app = Application.model_validate(data)
    routes = [
        r.model_copy(update={"traffic": Chunked(times.get(r.name, np.zeros(0)), chunk)})
        for r in app.routes
    ]
    app = app.model_copy(update={"routes": routes})
    assert application_gap(app) is None
    outs = []
    for run in (run_serverless_app, run_serverless_app_fast):
        bins = TimeBins(horizon_s, 7)
        outs.append(run(app, plan, horizon_s, bins, seed, 11, warmup_s))
    return outs[0], outs[1]


def _times(seed: int, n: int, horizon_s: float, grid_s: float) -> np.ndarray:
    g = np.random.default_rng(seed)
    t = np.sort(g.uniform(0, horizon_s, n))
    return np.round(t / grid_s) * grid_s


def test_differential_test_varies_every_pool_parameter() -> None:
    assert set(POOL_VARIED) | set(POOL_NOT_COMPILED) == {
        f.name for f in dataclasses.fields(PoolParams)
    }
    assert set(PLAN_VARIED) == {f.name for f in dataclasses.fields(ServerlessPlan)}


@SETTINGS
@given(
    app=applications(),
    pool=pools(),
    seed=st.integers(0, 2**31),
    n=st.integers(1, 40),
    # 0.0005 s: gaps under the meters' 1 ms, which continue an activity period
    grid=st.sampled_from([0.5, 1.0, 0.1, 0.0005]),
    chunk=st.integers(1, 9),
    workflow_type=st.sampled_from([None, "standard", "express"]),
)
def test_fast_application_engine_matches_simpy(
    app: dict[str, Any],
    pool: tuple,
    seed: int,
    n: int,
    grid: float,
    chunk: int,
    workflow_type: str | None,
) -> None:
    pools_, limit = pool
    horizon_s = 60.0
    times = {f"r{r}": _times(seed + r, n, horizon_s, grid) for r in range(3)}
    plan = ServerlessPlan(pools_, limit, workflow_type)
    ref, fast = both(app, plan, times, horizon_s, chunk, seed, 5.0)
    assert_same(ref, fast)


def test_many_requests_grow_every_table_and_overflow() -> None:
    """Thousands of requests with long durations: tables, heap and overflow grow mid-run."""
    data = {
        "functions": {
            "a": {"duration": {"dist": "exponential", "mean": "40s"}, "steps": [{"call": "b"}]},
            "b": {"duration": {"dist": "exponential", "mean": "2s"}, "steps": [{"send": "q"}]},
            "c": {"duration": {"dist": "fixed", "value": "3s"}, "error_rate": 0.3},
        },
        "queues": {"q": {"consumer": "c", "batch_size": 3, "batching_window": "1s"}},
        "routes": [
            {"name": "r", "traffic": {"profile": "constant", "mean_rps": 1},
             "steps": [{"call": "a"}, {"send": "c", "via": "async"}]},
            {"name": "w", "traffic": {"profile": "constant", "mean_rps": 1},
             "workflow": {"states": [{"map": "b", "items": {"dist": "exponential", "mean": 30},
                                      "max_concurrency": 40}]}},
        ],
    }  # fmt: skip
    cold = Fixed(dist="fixed", value=0.25)
    plan = ServerlessPlan({n: PoolParams(128.0, 30.0, cold) for n in "abc"}, 40)
    times = {"r": _times(1, 4000, 3600.0, 0.5), "w": _times(2, 200, 3600.0, 1.0)}
    ref, fast = both(data, plan, times, 3600.0, 500)
    assert ref.functions["a"].arrived == 4000
    assert ref.functions["a"].throttled > 0
    assert_same(ref, fast)


def test_mixed_item_distributions_are_named_as_unsupported() -> None:
    data = {
        "functions": {"a": {"duration": {"dist": "fixed", "value": "1s"}}},
        "routes": [
            {"name": "w", "traffic": {"profile": "constant", "mean_rps": 1},
             "workflow": {"states": [{"map": "a", "items": {"dist": "fixed", "value": 2}},
                                     {"map": "a", "items": {"dist": "fixed", "value": 3}}]}},
        ],
    }  # fmt: skip
    app = Application.model_validate(data)
    assert "different item distributions" in str(application_gap(app))


@st.composite
def fleets(draw: Any) -> FleetPlan:
    timeout = draw(st.none() | st.sampled_from([0.5, 2.0]))
    return FleetPlan(
        servers=draw(st.integers(1, 3)),
        workers=draw(st.integers(1, 3)),
        background_workers=draw(st.none() | st.integers(1, 2)),
        balancer_code=draw(st.integers(0, len(BALANCERS) - 1)),
        queue_limit=draw(st.none() | st.integers(0, 3)),
        queue_timeout_s=timeout,
        billing_granularity_s=draw(st.sampled_from([1.0, 3600.0])),
        billing_minimum_s=draw(st.sampled_from([0.0, 60.0])),
    )


def both_fleet(
    data: dict[str, Any],
    plan: FleetPlan,
    times: dict[str, np.ndarray],
    horizon_s: float,
    chunk: int,
    seed: int = 3,
    warmup_s: float = 0.0,
) -> tuple[AppOutput, AppOutput]:
    app = Application.model_validate(data)
    routes = [
        r.model_copy(update={"traffic": Chunked(times.get(r.name, np.zeros(0)), chunk)})
        for r in app.routes
    ]
    app = app.model_copy(update={"routes": routes})
    assert application_gap(app) is None
    outs = []
    for run in (run_fleet_app, run_fleet_app_fast):
        bins = TimeBins(horizon_s, 7)
        outs.append(run(plan, app, horizon_s, warmup_s, seed, 11, bins))
    return outs[0], outs[1]


def test_differential_test_varies_every_fleet_plan_field() -> None:
    assert set(FLEET_VARIED) | set(FLEET_NOT_COMPILED) == {
        f.name for f in dataclasses.fields(FleetPlan)
    }


@SETTINGS
@given(
    app=applications(),
    plan=fleets(),
    seed=st.integers(0, 2**31),
    n=st.integers(1, 40),
    grid=st.sampled_from([0.5, 1.0, 0.1]),
    chunk=st.integers(1, 9),
)
def test_fast_fleet_application_engine_matches_simpy(
    app: dict[str, Any], plan: FleetPlan, seed: int, n: int, grid: float, chunk: int
) -> None:
    horizon_s = 60.0
    times = {f"r{r}": _times(seed + r, n, horizon_s, grid) for r in range(3)}
    ref, fast = both_fleet(app, plan, times, horizon_s, chunk, seed, 5.0)
    assert_same(ref, fast)
    assert (fast.servers, fast.capacity_per_instance) == (
        ref.servers,
        ref.capacity_per_instance,
    )


def _one_route(steps: list[dict[str, Any]], functions: dict[str, Any]) -> dict[str, Any]:
    return {
        "functions": functions,
        "routes": [
            {"name": "r", "traffic": {"profile": "constant", "mean_rps": 1}, "steps": steps}
        ],
    }


def test_timeout_cuts_a_caller_waiting_on_its_call_on_both_engines() -> None:
    """The Lambda timeout in an application pool (the reference's ``call | timer`` race): a
    1 s caller whose call takes 2 s is cut at its timeout, billed to it, counted ``timed_out``
    and answers with an error; the call runs on, unawaited, to its end. AWS Lambda: "the
    function times out ... Lambda stops the invocation" (docs.aws.amazon.com/lambda/latest/dg/
    configuration-timeout.html); the reference is costsim.engine.app.flow.Host.steps."""
    fixed = lambda s: {"dist": "fixed", "value": s}  # noqa: E731
    data = _one_route(
        [{"call": "a"}],
        {
            "a": {"duration": fixed("100ms"), "steps": [{"call": "b"}]},
            "b": {"duration": fixed("2s")},
        },
    )
    cold = Fixed(dist="fixed", value=0.0)
    plan = ServerlessPlan(
        {
            "a": PoolParams(128.0, 60.0, cold, timeout_s=1.0),
            "b": PoolParams(128.0, 60.0, cold, timeout_s=900.0),
        }
    )
    times = {"r": np.array([0.0, 10.0, 10.5, 30.0])}
    ref, fast = both(data, plan, times, 60.0, 2)
    a, b = ref.functions["a"], ref.functions["b"]
    assert a.timed_out == 4 and a.errors == 4 and a.served == 4
    assert b.timed_out == 0 and b.served == 4  # the calls ran on to their end
    assert a.duration_ms == {1000: 4}  # billed to the timeout
    assert ref.routes["r"].errors == 4
    assert_same(ref, fast)


def test_lifetime_and_zero_gap_periods_on_both_engines() -> None:
    """An on-demand instance past ``max_lifetime`` takes no new request (a new one starts cold)
    and idle ones retire at their lifetime (serverless_rules.lifetime_reached, idle_retire_s;
    Lambda's execution environments live at most a few hours: docs.aws.amazon.com/lambda/
    latest/dg/lambda-runtime-environment.html); back-to-back requests (gaps under the meters'
    1 ms) are one activity period (serverless_rules.continues_active_period)."""
    data = _one_route([{"call": "a"}], {"a": {"duration": {"dist": "fixed", "value": "1s"}}})
    cold = Fixed(dist="fixed", value=0.0)
    plan = ServerlessPlan({"a": PoolParams(128.0, 600.0, cold, max_lifetime_s=5.0)})
    # back to back from 0 to 4 s (one period), then 4.0005 (a 0.5 ms gap: still one), then at
    # 6 s the instance is past its lifetime: a new one
    times = {"r": np.array([0.0, 1.0, 2.0, 3.0, 4.0005, 6.0])}
    ref, fast = both(data, plan, times, 60.0, 3)
    a = ref.functions["a"]
    assert a.cold_starts == 2
    assert sum(a.active_period_ms.values()) == 2
    assert max(a.active_period_ms) == 5001  # 0 s to 5.0005 s, ms rounded up
    assert a.lifetime_ms[5000] == 1  # retired at its lifetime, idle
    assert_same(ref, fast)
