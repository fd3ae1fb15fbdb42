"""Application pools take what a single function's pool takes: a provisioned schedule and
instance concurrency above 1 (the SimPy application engine).

Sources: AWS Lambda pricing page (2026 copy, https://aws.amazon.com/lambda/pricing/), section
"Provisioned Concurrency Pricing": provisioned concurrency is metered "from the time you enable
it on your function until you disable it, rounded up to the nearest 5 minutes"; its Example 2
(Cyber Monday: PC 7 for 24 h at 4,096 MB, 2M requests of 280 ms, no free tier: $32.26). The
single-function SimPy engine (:mod:`costsim.engine.simpy_serverless`) is the reference for the
pool model: an application of one function and one route, with no gateway, must give the same
counts and histograms as the single-function scenario it mirrors.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from conftest import fixed, run_serverless, serverless
from test_application_engine import Times

import costsim
from costsim.application.schema import Application
from costsim.engine.app import PoolParams, ServerlessPlan, run_serverless_app
from costsim.engine.metrics import TimeBins
from costsim.errors import InputError

SCALE = 16


def _one_function_app(dur_s: float, arrivals_s: np.ndarray) -> Application:
    app = Application.model_validate(
        {
            "functions": {"f": {"duration": {"dist": "fixed", "value": f"{dur_s * 1000}ms"}}},
            "routes": [
                {
                    "name": "r",
                    "traffic": {"profile": "constant", "mean_rps": 1},
                    "gateway": None,
                    "steps": [{"call": "f"}],
                }
            ],
        }
    )
    routes = [app.routes[0].model_copy(update={"traffic": Times(*arrivals_s.tolist())})]
    return app.model_copy(update={"routes": routes})


#: Pools compared with the single-function engine: (instance concurrency, keep-alive [s],
#: cold start [s], reserved (the single function's concurrency_limit), provisioned changes).
#: A reserved limit with a schedule that adds instances while the pool is at the limit is left
#: out: there the models differ on purpose (see
#: test_reserved_concurrency_caps_executions_on_provisioned_instances_too).
MIRRORED = [
    (1, 600.0, 0.25, None, ()),
    (3, 0.5, 0.25, None, ()),
    (4, 2.0, 0.125, 3, ()),
    (1, 1.0, 0.25, 2, ()),
    (1, 1.0, 0.25, None, ((2.0, 3), (5.0, 1), (7.0, 0))),
    (3, 1.0, 0.125, None, ((1.0, 2), (3.0, 5), (6.0, 0))),
    (2, 0.0, 0.0, None, ((0.5, 1), (4.0, 0))),
]


@pytest.mark.parametrize(("conc", "keep_s", "cold_s", "reserved", "changes"), MIRRORED)
def test_one_function_application_matches_the_single_function_pool(
    conc: int,
    keep_s: float,
    cold_s: float,
    reserved: int | None,
    changes: tuple[tuple[float, int], ...],
) -> None:
    """One function, one route, no gateway: the application's pool is the single-function
    pool (same cold starts, throttles, duration, init, lifetime and activity-period histograms,
    alive and busy time), with instance concurrency, keep-alive expiry, a reserved limit (the
    single function's concurrency_limit: both cap instances in use) and a provisioned
    schedule. Arrivals on a 1/64 s grid and binary-exact durations keep every sum exact."""
    g = np.random.default_rng(5)
    arrivals = np.sort(np.round(g.uniform(0.0, 8.0, 400) * 64.0) / 64.0)
    dur_s = 0.375
    horizon_s = 10.0
    first = changes[0][1] if changes and changes[0][0] == 0.0 else 0
    app = _one_function_app(dur_s, arrivals)
    params = PoolParams(
        memory_mb=128,
        keep_alive_s=keep_s,
        cold_start=fixed(cold_s),
        reserved=reserved,
        provisioned=first,
        provisioned_changes=changes,
        instance_concurrency=conc,
    )
    out = run_serverless_app(
        app, ServerlessPlan({"f": params}, 1000), horizon_s, TimeBins(horizon_s, 10), 1, 7
    )
    platform = serverless(
        cold_start=fixed(cold_s),
        keep_alive_s=keep_s,
        concurrency_limit=reserved if reserved is not None else 1000,
        provisioned=first,
        provisioned_changes=changes,
        instance_concurrency=conc,
    )
    ref = run_serverless(platform, arrivals.tolist(), dur_s, horizon_s)
    f, r = out.functions["f"], out.routes["r"]
    c = ref.counters
    assert (f.arrived, f.served, f.throttled, f.cold_starts) == (
        c.arrived,
        c.served,
        c.throttled,
        c.cold_starts,
    )
    assert (r.arrived, r.served, r.throttled) == (c.arrived, c.served, c.throttled)
    assert c.throttled > 0 or reserved is None
    h = ref.meters.histograms
    for ours, theirs in (
        (f.duration_ms, "duration_ms"),
        (f.provisioned_duration_ms, "provisioned_duration_ms"),
        (f.init_ms, "init_ms"),
        (f.lifetime_ms, "instance_lifetime_ms"),
        (f.active_period_ms, "active_period_ms"),
        (f.provisioned_active_period_ms, "provisioned_active_period_ms"),
    ):
        got = sorted(ours.items())
        want = list(zip(h[theirs].values_ms.tolist(), h[theirs].counts.tolist(), strict=True))
        assert got == want, theirs
    assert f.alive_s == ref.alive_s
    assert f.busy_s == pytest.approx(ref.busy_s, rel=1e-12)
    assert f.provisioned_instance_s == ref.meters.totals["provisioned_instance_s"]


def test_reserved_concurrency_caps_executions_on_provisioned_instances_too() -> None:
    """Reserved concurrency caps a function's concurrent executions, provisioned ones included
    (AWS Lambda, PutFunctionConcurrency: reserved concurrency "caps and guarantees" the
    function's concurrency, and provisioned concurrency cannot exceed it). Reserved 2: two
    1 s calls at 0 s hold both slots; the schedule raises provisioned to 2 at 0.5 s, yet a call
    at 0.75 s is throttled; at 1.0 s (both done) a call runs warm on a provisioned instance.
    (A single function's ``concurrency_limit`` caps the instances it launches instead, so
    there a provisioned instance added at the limit would serve.)"""
    app = _one_function_app(1.0, np.array([0.0, 0.0, 0.75, 1.0]))
    params = PoolParams(
        memory_mb=128,
        keep_alive_s=600.0,
        cold_start=fixed(0.0),
        reserved=2,
        provisioned_changes=((0.5, 2),),
    )
    out = run_serverless_app(
        app, ServerlessPlan({"f": params}, 1000), 10.0, TimeBins(10.0, 10), 1, 7
    )
    f = out.functions["f"]
    assert (f.served, f.throttled, f.cold_starts, f.provisioned_served) == (3, 1, 2, 1)


def test_a_free_seat_on_a_busy_instance_is_taken_when_every_slot_is_held() -> None:
    """Account limit 2, f with 2 seats per instance (1 s calls), g with 1 (10 s). At 1.75 s f
    holds A (one call running), B has just gone idle and g holds the other slot: the reuse
    policy (MRU) would take idle B, which needs a slot the account no longer has, so the call
    takes A's free seat instead (a slot is an instance in use) and nothing is throttled."""
    app = Application.model_validate(
        {
            "functions": {
                "f": {"duration": {"dist": "fixed", "value": "1s"}},
                "g": {"duration": {"dist": "fixed", "value": "10s"}},
            },
            "routes": [
                {"name": n, "traffic": {"profile": "constant", "mean_rps": 1}, "gateway": None,
                 "steps": [{"call": n[1]}]}
                for n in ("rf", "rg")
            ],
        }
    )  # fmt: skip
    times = {"rf": Times(0.0, 0.0, 0.0, 0.5, 1.25, 1.75), "rg": Times(1.5)}
    app = app.model_copy(
        update={"routes": [r.model_copy(update={"traffic": times[r.name]}) for r in app.routes]}
    )
    pools = {
        "f": PoolParams(
            memory_mb=128, keep_alive_s=600.0, cold_start=fixed(0.0), instance_concurrency=2
        ),
        "g": PoolParams(memory_mb=128, keep_alive_s=600.0, cold_start=fixed(0.0)),
    }
    out = run_serverless_app(app, ServerlessPlan(pools, 2), 20.0, TimeBins(20.0, 10), 1, 7)
    f = out.functions["f"]
    assert (f.served, f.throttled, f.cold_starts) == (6, 0, 2)
    assert out.routes["rg"].served == 1


def _run(text: str) -> Any:
    return costsim.simulate(costsim.scenario_from_text(text, "s.yaml"), engine="simpy").options[0]


def test_lambda_provisioned_example_2_as_an_application() -> None:
    """Lambda pricing page, Provisioned Concurrency Example 2 (Cyber Monday), as an application
    of one function over a 16th of the month: PC 7 for 90 minutes from a per-function cron
    window, 125,000 requests of 280 ms evenly spread in it (never more than 7 in flight),
    4,096 MB, no free tier, no gateway: $10.08 + $21.78 + $0.40 = $32.26, as for the single
    function (tests/unit/test_provisioned_schedule.py)."""
    text = f"""\
name: cyber-monday-app
horizon: 45.625h
seed: 1
application:
  functions:
    checkout: {{duration: {{dist: fixed, value: 280ms}}, memory: 4096MB}}
  routes:
    - name: buy
      gateway: null
      traffic: {{profile: schedule, every: 45.625h, window: 90min,
        count: {2_000_000 // SCALE}, spread: equidistant}}
      steps: [{{call: checkout}}]
options:
  - name: lambda
    kind: serverless
    init_billed: false
    free_tier: false
    cold_start: {{dist: fixed, value: 0ms}}
    functions:
      checkout:
        provisioned_schedule: [{{count: 7, cron: "0 0 1 1 *", duration: 90min}}]
"""
    opt = _run(text)
    assert opt.served == 2_000_000 // SCALE and opt.cold_starts == 0 and opt.throttled == 0
    c = {k: v.quantize(Decimal("0.01")) for k, v in opt.cost.components.items()}
    assert c["provisioned concurrency"] == Decimal("10.08")
    assert c["provisioned duration"] == Decimal("21.78")
    assert c["requests"] == Decimal("0.40")
    assert opt.cost.total.quantize(Decimal("0.01")) == Decimal("32.26")


def test_each_enabled_period_of_a_function_rounds_up_to_five_minutes() -> None:
    """Lambda pricing page: provisioned time is "rounded up to the nearest 5 minutes" per
    enabled period. A 7-minute window of 2 instances and a 3-minute window of 1 on another
    function bill 2 x 600 s + 1 x 300 s at 1 GB x $0.0000041667 over an hour's run, scaled to
    the month (x 730): the sum of periods x rate, each period rounded on its own."""
    text = """\
name: round-app
horizon: 1h
seed: 1
application:
  functions:
    a: {duration: {dist: fixed, value: 10ms}}
    b: {duration: {dist: fixed, value: 10ms}}
  routes:
    - name: r
      gateway: null
      traffic: {profile: schedule, every: 1h, window: 1h, count: 10, spread: equidistant}
      steps: [{call: a}, {call: b}]
options:
  - name: lambda
    kind: serverless
    memory: 1024MB
    free_tier: false
    functions:
      a: {provisioned_schedule: [{count: 2, start: 10min, end: 17min}]}
      b: {provisioned_schedule: [{count: 1, at: "00:20", until: "00:23"}]}
"""
    opt = _run(text)
    expected = Decimal(2 * 600 + 300) * Decimal("0.0000041667") * 730
    assert opt.cost.components["provisioned concurrency"] == expected


def test_instance_concurrency_packs_executions_on_one_instance() -> None:
    """Cloud Run style, instance concurrency 4 from the option and 1 for one function: four
    overlapping calls of ``shared`` run on one instance (one cold start) while four of
    ``solo`` start four; busy time is weighted by the seat share (1/4 per execution)."""
    text = """\
name: packing
horizon: 1h
seed: 1
application:
  functions:
    shared: {duration: {dist: fixed, value: 1s}}
    solo: {duration: {dist: fixed, value: 1s}}
  routes:
    - name: r
      gateway: null
      traffic: {profile: schedule, every: 1h, window: 0.4s, count: 4, spread: equidistant}
      steps: [{send: shared}, {send: solo}]
options:
  - name: run
    kind: serverless
    provider: gcp-cloud-run
    plan: request-based
    instance_concurrency: 4
    cold_start: {dist: fixed, value: 0ms}
    functions:
      solo: {instance_concurrency: 1}
"""
    opt = _run(text)
    fns = {f["name"]: f for f in opt.functions}
    assert fns["shared"]["cold_starts"] == 1 and fns["solo"]["cold_starts"] == 4


@pytest.mark.parametrize(
    ("option", "words", "where"),
    [
        (
            "functions: {f: {provisioned_schedule: [{count: 2000, start: 0h, end: 1h}]}}",
            "cannot exceed concurrency_limit",
            "options.0.functions.f.provisioned_schedule.0.count",
        ),
        (
            "functions: {f: {provisioned_schedule: [{count: 1, cron: '0 24 * * *', duration: 1h}]}}",
            "cron hour",
            "options.0.functions.f.provisioned_schedule.0",
        ),
        (
            "provisioned_schedule: [{count: 1, start: 0h, end: 1h}]",
            "per function",
            "options.0.provisioned_schedule",
        ),
        (
            "functions: {f: {reserved_concurrency: 2, "
            "provisioned_schedule: [{count: 3, start: 0h, end: 1h}]}}",
            "above reserved_concurrency",
            "options.0.functions",
        ),
        (
            "functions: {f: {instance_concurrency: 0}}",
            "",
            "options.0.functions.f.instance_concurrency",
        ),
    ],
)
def test_bad_pool_settings_are_located_errors(option: str, words: str, where: str) -> None:
    """Each bad per-function setting is one located line naming its field path."""
    text = f"""\
name: bad
horizon: 1h
application:
  functions: {{f: {{duration: {{dist: fixed, value: 10ms}}}}}}
  routes: [{{name: r, traffic: {{profile: constant, mean_rps: 1}}, steps: [{{call: f}}]}}]
options:
  - name: f
    kind: serverless
    {option}
"""
    with pytest.raises(InputError) as info:
        costsim.simulate(costsim.scenario_from_text(text, "s.yaml"), engine="simpy")
    message = str(info.value)
    assert words in message and where in message and "s.yaml:" in message
    assert "\n" not in message
