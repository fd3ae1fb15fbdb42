"""The SimPy application engine on hand-computed cases, plus conservation and determinism."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from costsim import scenario_from_text, simulate
from costsim.application.schema import Application
from costsim.engine.app import (
    FleetPlan,
    PoolParams,
    ServerlessPlan,
    run_fleet_app,
    run_serverless_app,
)
from costsim.engine.metrics import TimeBins
from costsim.traffic.distributions import Fixed


class Times:
    """A stand-in traffic profile that yields the given arrival times [s]."""

    def __init__(self, *times_s: float) -> None:
        self.times = np.array(times_s, dtype=np.float64)

    def requests(self, ctx: Any) -> Iterator[tuple[np.ndarray, None]]:
        yield self.times, None


def fixed(value_s: float) -> Fixed:
    return Fixed(dist="fixed", value=value_s)


def app_of(data: dict[str, Any], **times: tuple[float, ...]) -> Application:
    """An application whose routes get the arrival times given by route name."""
    for route in data["routes"]:
        route.setdefault("traffic", {"profile": "constant", "mean_rps": 1})
    app = Application.model_validate(data)
    routes = [r.model_copy(update={"traffic": Times(*times.get(r.name, ()))}) for r in app.routes]
    return app.model_copy(update={"routes": routes})


def fn(ms: float, **kw: Any) -> dict[str, Any]:
    return {"duration": {"dist": "fixed", "value": f"{ms}ms"}, **kw}


def serverless(
    app: Application,
    horizon_s: float = 3600.0,
    cold_s: float = 0.2,
    limit: int = 1000,
    **per: dict[str, Any],
) -> Any:
    pools = {
        name: PoolParams(
            memory_mb=128, keep_alive_s=600.0, cold_start=fixed(cold_s), **per.get(name, {})
        )
        for name in app.functions
    }
    bins = TimeBins(horizon_s, 10)
    return run_serverless_app(
        app, ServerlessPlan(pools, limit), horizon_s, bins, seed=1, option_key=7
    )


def test_sync_chain_adds_latencies_and_cold_starts() -> None:
    """Route -> a (100 ms) -> b (50 ms), 200 ms cold starts: 0.2 + 0.1 + 0.2 + 0.05 = 0.55 s cold,
    0.15 s warm; a is billed for its wait on b (350 ms), and keep-alive expiry makes t=1000 cold."""
    app = app_of(
        {
            "functions": {"a": fn(100, steps=[{"call": "b"}]), "b": fn(50)},
            "routes": [{"name": "r", "steps": [{"call": "a"}]}],
        },
        r=(0.0, 10.0, 1000.0),
    )
    out = serverless(app)
    r = out.routes["r"]
    assert (r.arrived, r.served, r.throttled, r.dropped) == (3, 3, 0, 0)
    assert r.time_in_system_s == pytest.approx(0.55 + 0.15 + 0.55)
    a, b = out.functions["a"], out.functions["b"]
    assert dict(a.duration_ms) == {350: 2, 150: 1}
    assert dict(b.duration_ms) == {50: 3}
    assert a.cold_starts == b.cold_starts == 2 and dict(a.init_ms) == {200: 2}
    # a's first instance: 0 -> idle at 10.15 s (warm call) + 600 s keep-alive; reclaimed before
    # t=1000, whose cold instance is idle from 1000.55 s for 600 s
    assert a.alive_s == pytest.approx((10.15 + 600.0) + (0.55 + 600.0), rel=1e-9)


def test_account_limit_is_shared_and_a_completion_frees_its_slot_first() -> None:
    """Limit 1 across two functions: B at 0.5 s is throttled while A runs; B at 1.0 s (A ends at
    1.0 s) is served, as completions come before arrivals at equal times."""
    app = app_of(
        {
            "functions": {"fa": fn(1000), "fb": fn(1000)},
            "routes": [
                {"name": "A", "steps": [{"call": "fa"}]},
                {"name": "B", "steps": [{"call": "fb"}]},
            ],
        },
        A=(0.0,),
        B=(0.5, 1.0),
    )
    out = serverless(app, cold_s=0.0, limit=1)
    assert (out.routes["B"].served, out.routes["B"].throttled) == (1, 1)
    assert (out.functions["fb"].arrived, out.functions["fb"].throttled) == (2, 1)


def test_reserved_concurrency_queue_turns_throttles_into_waiting() -> None:
    """Three messages at t=0 to a consumer with reserved concurrency 1 (1 s each): they wait 0,
    1 and 2 s; none is throttled or lost."""
    app = app_of(
        {
            "functions": {"front": fn(0), "worker": fn(1000, reserved_concurrency=1)},
            "routes": [
                {"name": "r", "steps": [{"call": "front"}, {"send": "worker", "via": "queue"}]}
            ],
        },
        r=(0.0, 0.0, 0.0),
    )
    out = serverless(app, cold_s=0.0, worker={"reserved": 1})
    q = out.queues["worker"]
    assert (q.messages, q.receives, q.dead_lettered) == (3, 3, 0)
    assert q.wait.total_s == pytest.approx(0 + 1 + 2)
    w = out.functions["worker"]
    assert (w.arrived, w.served, w.throttled, w.dropped, w.max_instances) == (3, 3, 0, 0, 1)


def test_async_event_retries_throttles_with_backoff_then_dead_letters() -> None:
    """A disabled function (reserved 0) never runs: its async event is retried after 1, 2, 4 ...
    s, and dead-lettered once the next wait would pass the 60 s maximum event age."""
    app = app_of(
        {
            "functions": {"front": fn(0), "off": fn(10, max_event_age="60s")},
            "routes": [{"name": "r", "steps": [{"call": "front"}, {"send": "off"}]}],
        },
        r=(0.0,),
    )
    out = serverless(app, cold_s=0.0, off={"reserved": 0})
    off = out.functions["off"]
    # waits 1 + 2 + 4 + 8 + 16 = 31 s; the next (32 s) would end at 63 s > 60 s
    assert (off.arrived, off.served, off.dropped, off.retried) == (1, 0, 1, 5)
    assert out.routes["r"].served == 1  # the sender does not wait


def test_authorizer_cache_is_per_client_and_valid_for_the_ttl_from_the_response() -> None:
    """One client, TTL 10 s, a 15 ms authorizer: t=0 misses (valid until 10.015 s), t=5 and
    t=10.015 hit, t=10.016 misses."""
    app = app_of(
        {
            "functions": {"auth": fn(15), "api": fn(1)},
            "routes": [
                {
                    "name": "r",
                    "authorizer": {"function": "auth", "cache_ttl": "10s", "clients": 1},
                    "steps": [{"call": "api"}],
                }
            ],
        },
        r=(0.0, 5.0, 10.015, 10.016),
    )
    out = serverless(app, cold_s=0.0)
    assert out.functions["auth"].invocations == 2
    assert out.functions["api"].invocations == 4


def test_workflow_map_parallel_and_transitions() -> None:
    """Map of 4 one-second items at most 2 at a time takes 2 s; a parallel of two 1 s branches
    1 s: 3 s in all. Transitions: map 1 + 4 items, parallel 1 + 2 branches = 8."""
    app = app_of(
        {
            "functions": {"task": fn(1000)},
            "routes": [
                {
                    "name": "wf",
                    "gateway": None,
                    "workflow": {
                        "type": "express",
                        "states": [
                            {
                                "map": "task",
                                "items": {"dist": "fixed", "value": 4},
                                "max_concurrency": 2,
                            },
                            {"parallel": [{"call": "task"}, {"call": "task"}]},
                        ],
                    },
                }
            ],
        },
        wf=(0.0,),
    )
    out = serverless(app, cold_s=0.0)
    wf = out.workflows["wf"]
    assert (wf.executions, wf.transitions) == (1, 8)
    assert dict(wf.duration_ms) == {3000: 1}
    assert out.functions["task"].invocations == 6
    assert out.functions["task"].max_instances == 2


def test_workflow_retry_waits_grow_by_backoff_and_count_as_transitions() -> None:
    """A throttled task, 3 attempts, 1 s interval, backoff 2: it gives up after 1 + 2 = 3 s,
    with 1 + 2 transitions; the route request counts as throttled."""
    app = app_of(
        {
            "functions": {"off": fn(10)},
            "routes": [
                {
                    "name": "wf",
                    "workflow": {
                        "states": [
                            {
                                "call": "off",
                                "retry": {"max_attempts": 3, "interval": "1s", "backoff": 2},
                            }
                        ]
                    },
                }
            ],
        },
        wf=(0.0,),
    )
    out = serverless(app, off={"reserved": 0})
    wf = out.workflows["wf"]
    assert (wf.transitions, wf.retried) == (3, 2)
    assert dict(wf.duration_ms) == {3000: 1}
    assert out.routes["wf"].throttled == 1
    assert out.functions["off"].throttled == 3


def test_choice_takes_each_branch_at_its_probability() -> None:
    app = app_of(
        {
            "functions": {"x": fn(1), "y": fn(1)},
            "routes": [
                {
                    "name": "wf",
                    "workflow": {
                        "states": [
                            {
                                "choice": [
                                    {"p": 0.3, "states": [{"call": "x"}]},
                                    {"p": 0.7, "states": [{"call": "y"}]},
                                ]
                            }
                        ]
                    },
                }
            ],
        },
        wf=tuple(float(t) for t in range(4000)),
    )
    out = serverless(app, horizon_s=5000.0, cold_s=0.0)
    share = out.functions["x"].invocations / 4000
    assert abs(share - 0.3) < 4 * (0.3 * 0.7 / 4000) ** 0.5  # binomial, 4 sigma


def test_fleet_runs_a_sync_chain_in_process_on_one_worker() -> None:
    """a (100 ms) -> b (50 ms) on one worker: 0.15 s, no cold start; a second request at the same
    instant waits for the first (0.30 s)."""
    app = app_of(
        {
            "functions": {"a": fn(100, steps=[{"call": "b"}]), "b": fn(50)},
            "routes": [{"name": "r", "steps": [{"call": "a"}]}],
        },
        r=(0.0, 0.0),
    )
    out = run_fleet_app(FleetPlan(servers=1, workers=1), app, 60.0, 0.0, 1, 7, TimeBins(60.0, 1))
    assert out.routes["r"].time_in_system_s == pytest.approx(0.15 + 0.30)
    assert out.functions["b"].cold_starts == 0 and out.functions["b"].served == 2
    assert out.busy_s == pytest.approx(0.30)


def test_fleet_background_workers_take_the_sends() -> None:
    """With a background pool, a 10 s job does not hold the front worker: the second request is
    answered at once."""
    app = app_of(
        {
            "functions": {"api": fn(100), "job": fn(10_000)},
            "routes": [{"name": "r", "steps": [{"call": "api"}, {"send": "job", "via": "queue"}]}],
        },
        r=(0.0, 0.2),
    )
    plan = FleetPlan(servers=1, workers=1, background_workers=1)
    out = run_fleet_app(plan, app, 60.0, 0.0, 1, 7, TimeBins(60.0, 1))
    assert out.routes["r"].time_in_system_s == pytest.approx(0.2)
    # sent at 0.1 s and 0.3 s; the second starts when the first job ends (10.1 s)
    assert out.queues["job"].wait.total_s == pytest.approx(0.0 + (10.1 - 0.3))


SCENARIO = """\
name: app
horizon: 20min
seed: {seed}
application:
  functions:
    auth: {{duration: {{dist: fixed, value: 15ms}}}}
    api: {{duration: {{dist: lognormal, median: 40ms, p99: 300ms}}, steps: [{{call: db}}], error_rate: 0.01}}
    db: {{duration: {{dist: exponential, mean: 5ms}}}}
    ingest: {{duration: {{dist: exponential, mean: 400ms}}, error_rate: 0.05}}
    notify: {{duration: {{dist: fixed, value: 20ms}}, error_rate: 0.2}}
  routes:
    - name: get
      traffic: {{profile: diurnal, mean_rps: 4, peak_to_trough: 3}}
      authorizer: {{function: auth, cache_ttl: 1min, clients: 30}}
      steps: [{{call: api}}, {{send: ingest, via: queue}}, {{send: notify}}]
    - name: batch
      traffic: {{profile: constant, mean_rps: 0.05}}
      gateway: null
      workflow:
        type: standard
        retry: {{error_rate: 0.1, max_attempts: 3, interval: 1s}}
        states:
          - {{call: api}}
          - {{parallel: [{{call: ingest}}, [{{call: db}}, {{call: notify}}]]}}
          - {{map: ingest, items: {{dist: exponential, mean: 6}}, max_concurrency: 3}}
          - choice: [{{p: 0.5, states: [{{call: db}}]}}, {{p: 0.5, states: []}}]
options:
  - name: lambda
    kind: serverless
    memory: 256MB
    concurrency_limit: 8
    functions: {{ingest: {{reserved_concurrency: 2}}}}
  - {{name: vps, kind: vps, count: 1, workers: 2, queue_limit: 20}}
  - {{name: metal, kind: bare_metal, count: 1, workers: 4, background_workers: 1}}
"""


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_request_is_accounted_for(seed: int) -> None:
    """arrived = served + throttled + dropped, per route and per function, on every option."""
    result = simulate(scenario_from_text(SCENARIO.format(seed=seed)), engine="simpy")
    for opt in result.options:
        assert opt.arrived == opt.served + opt.throttled + opt.dropped
        assert opt.routes is not None and opt.functions is not None
        for block in [*opt.routes, *opt.functions]:
            req = block["requests"]
            assert req["arrived"] == req["served"] + req["throttled"] + req["dropped"], (
                opt.name,
                block,
            )
            assert req["errors"] <= req["arrived"] + req.get("retried", 0)
    lam = result.option("lambda")
    assert lam.throttled > 0  # the small account limit bites
    assert sum(f["cold_starts"] for f in lam.functions or []) == lam.cold_starts


def test_same_seed_same_bytes() -> None:
    s = scenario_from_text(SCENARIO.format(seed=5))
    a = simulate(s, engine="simpy").summary_json()
    b = simulate(s, engine="simpy").summary_json()
    assert a == b
    assert a != simulate(scenario_from_text(SCENARIO.format(seed=6)), engine="simpy").summary_json()


def test_adding_an_option_leaves_the_others_unchanged() -> None:
    s = scenario_from_text(SCENARIO.format(seed=5))
    full = simulate(s, engine="simpy")
    alone = simulate(s.model_copy(update={"options": s.options[:1]}), engine="simpy")
    assert alone.options[0].to_dict() == full.options[0].to_dict()


def test_batching_window_holds_messages_until_the_batch_fills_or_the_window_ends() -> None:
    """Batch size 3, window 10 s: messages at 0, 1, 2 s go as one batch at 2 s (filled); messages
    at 20 and 21 s go as one batch at 30 s (window of the oldest); 5 messages, 2 receives."""
    app = app_of(
        {
            "functions": {"front": fn(0), "worker": fn(100)},
            "queues": {"q": {"consumer": "worker", "batch_size": 3, "batching_window": "10s"}},
            "routes": [{"name": "r", "steps": [{"call": "front"}, {"send": "q", "via": "queue"}]}],
        },
        r=(0.0, 1.0, 2.0, 20.0, 21.0),
    )
    out = serverless(app, cold_s=0.0)
    q = out.queues["q"]
    assert (q.messages, q.receives) == (5, 2)
    assert q.wait.total_s == pytest.approx((2 + 1 + 0) + (10 + 9))
    assert dict(out.functions["worker"].duration_ms) == {300: 1, 200: 1}  # 3 x 100 ms, 2 x 100 ms
    assert out.functions["worker"].served == 5
