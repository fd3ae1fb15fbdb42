"""Application results: the timeout on pools, per-function time series, measured edges and
per-service cost (issue 15, Build item 5 and the gaps of its phase-1 closing note)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import numpy as np
import pytest

from costsim import scenario_from_text, simulate
from tests.unit.test_application_engine import SCENARIO, app_of, fn, serverless


def test_timeout_cuts_an_execution_bills_it_to_the_timeout_and_answers_an_error() -> None:
    """Lambda's timeout rule as for a single function (a run exactly as long completes): a
    2 s function with a 1 s timeout ends at 1.0 s, billed 1,000 ms, counted timed_out; one of
    exactly 1 s completes. The route's caller gets an error answer at the timeout."""
    app = app_of(
        {
            "functions": {"slow": fn(2000), "edge": fn(1000)},
            "routes": [
                {"name": "a", "steps": [{"call": "slow"}]},
                {"name": "b", "steps": [{"call": "edge"}]},
            ],
        },
        a=(0.0,),
        b=(0.0,),
    )
    out = serverless(app, cold_s=0.0, slow={"timeout_s": 1.0}, edge={"timeout_s": 1.0})
    slow, edge = out.functions["slow"], out.functions["edge"]
    assert (slow.timed_out, dict(slow.duration_ms)) == (1, {1000: 1})
    assert (slow.served, slow.errors) == (1, 1)  # an answer, and an error one
    assert (edge.timed_out, edge.errors, dict(edge.duration_ms)) == (0, 0, {1000: 1})
    ra, rb = out.routes["a"], out.routes["b"]
    assert (ra.served, ra.errors, rb.errors) == (1, 1, 0)
    assert ra.time_in_system_s == pytest.approx(1.0)


def test_timeout_of_a_caller_stops_its_wait_and_its_later_sends() -> None:
    """a (100 ms, timeout 0.5 s) calls b (1 s), then sends to c: a ends at 0.5 s, billed 500 ms;
    b runs on to 1.1 s unawaited; the send after the call is never made."""
    app = app_of(
        {
            "functions": {
                "a": fn(100, steps=[{"call": "b"}, {"send": "c"}]),
                "b": fn(1000),
                "c": fn(10),
            },
            "routes": [{"name": "r", "steps": [{"call": "a"}]}],
        },
        r=(0.0,),
    )
    out = serverless(app, cold_s=0.0, a={"timeout_s": 0.5})
    a, b, c = out.functions["a"], out.functions["b"], out.functions["c"]
    assert (a.timed_out, dict(a.duration_ms)) == (1, {500: 1})
    assert (b.timed_out, b.served, dict(b.duration_ms)) == (0, 1, {1000: 1})
    assert c.arrived == 0
    assert out.routes["r"].time_in_system_s == pytest.approx(0.5)
    assert out.edges[("fn:a", "fn:b", "call")] == 1
    assert ("fn:a", "fn:c", "event") not in out.edges


def test_catalog_timeout_reaches_the_pools() -> None:
    """The option's ``timeout`` (or Lambda's 900 s limit) is each pool's timeout."""
    text = SCENARIO.format(seed=1).replace(
        "    memory: 256MB\n", "    memory: 256MB\n    timeout: 300ms\n", 1
    )
    result = simulate(scenario_from_text(text), engine="simpy")
    lam = result.option("lambda")
    assert lam.functions is not None
    api = next(f for f in lam.functions if f["name"] == "api")
    # a lognormal (median 40 ms, p99 300 ms) with a db call runs past 300 ms about 1 % of runs
    assert 0 < api["timed_out"] < api["invocations"] * 0.05
    assert lam.pool_meters["api"].histograms["duration_ms"].values_ms.max() <= 300


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return simulate(scenario_from_text(SCENARIO.format(seed=3)), engine="simpy")


def test_services_sum_to_the_option_total(result) -> None:  # type: ignore[no-untyped-def]
    """Functions, gateway, queues and workflows (a fleet's servers) add up to the bill."""
    for opt in result.options:
        assert opt.services is not None
        assert sum(opt.services.values(), Decimal(0)) == opt.cost.total
    assert set(result.option("lambda").services) == {"functions", "gateway", "queues", "workflows"}
    assert set(result.option("vps").services) == {"servers"}


def test_function_time_series_add_up_to_the_function_counts(result) -> None:  # type: ignore[no-untyped-def]
    """Each function's bins sum to its counts; its instance-time bins to its alive time."""
    text = result.function_timeseries_csv()
    assert text is not None
    rows = list(csv.DictReader(io.StringIO(text)))
    for opt in result.options:
        for f in opt.functions:
            mine = [r for r in rows if r["option"] == opt.name and r["function"] == f["name"]]
            assert len(mine) == len(opt.timeseries["t_start_s"])
            for col, want in (
                ("arrivals", f["requests"]["arrived"]),
                ("invocations", f["invocations"]),
                ("cold_starts", f["cold_starts"]),
                ("throttled", f["requests"]["throttled"]),
                ("dropped", f["requests"]["dropped"]),
            ):
                assert sum(int(r[col]) for r in mine) == want, (opt.name, f["name"], col)
            if "instances" in f:
                width = result.horizon_s / len(mine)
                alive = sum(float(r["instances"]) for r in mine) * width
                assert alive == pytest.approx(f["instances"]["mean"] * result.horizon_s, rel=1e-4)
            else:
                assert {r["instances"] for r in mine} == {""}


def test_edges_count_what_was_called_and_sent(result) -> None:  # type: ignore[no-untyped-def]
    """Edge counts: a route's calls to api are its requests past the authorizer; the queue's
    edge to its consumer carries its messages; the authorizer edge counts cache misses."""
    lam = result.option("lambda")
    edges = {(e["from"], e["to"], e["kind"]): e for e in lam.edges}
    route = next(r for r in lam.routes if r["name"] == "get")
    auth = next(f for f in lam.functions if f["name"] == "auth")
    assert edges[("route:get", "fn:auth", "authorize")]["count"] == auth["requests"]["arrived"]
    ingest_q = next(q for q in lam.queues if q["name"] == "ingest")
    assert edges[("queue:ingest", "fn:ingest", "consume")]["count"] == ingest_q["messages"]
    assert edges[("route:get", "queue:ingest", "send")]["count"] == ingest_q["messages"]
    assert edges[("route:get", "fn:api", "call")]["count"] <= route["requests"]["arrived"]
    e = edges[("route:get", "fn:api", "call")]
    assert e["rate_per_s"] == pytest.approx(e["count"] / result.horizon_s, rel=1e-5)
    assert np.isfinite([x["rate_per_s"] for x in lam.edges]).all()


def test_traffic_scale_on_an_application_scales_every_route() -> None:
    """``--vary traffic.scale=3`` multiplies each route's own scale (1 and 0.5 here) by 3; a
    route's expected count follows; any other top-level traffic path names the working ones."""
    from costsim.errors import InputError
    from costsim.sweep.grid import apply_point, set_path

    base = scenario_from_text(SCENARIO.format(seed=1))
    assert base.application is not None
    data = base.model_dump(mode="json", exclude={"base_dir", "source_file", "line_map"})
    data["application"]["routes"][1]["traffic"]["scale"] = 0.5
    set_path(data, "traffic.scale", 3)
    assert [r["traffic"]["scale"] for r in data["application"]["routes"]] == [3.0, 1.5]
    point = apply_point(base, {"traffic.scale": 3})
    assert point.application is not None
    for was, now in zip(base.application.routes, point.application.routes, strict=True):
        h = base.horizon_s
        assert now.traffic.expected_count(0, h) == pytest.approx(
            3 * was.traffic.expected_count(0, h)
        )
    with pytest.raises(InputError, match=r"vary traffic.scale \(scales every route\) or "):
        apply_point(base, {"traffic.mean_rps": 3})


def test_record_tables_give_each_route_function_and_service(result) -> None:  # type: ignore[no-untyped-def]
    """The decision record's application section: one row per route and option (with its
    p99), per function and option, and per option with each service and the total."""
    from costsim.report.adr_app import application_blocks
    from costsim.report.doc import Table

    options = result.to_summary()["options"]
    tables = [b for b in application_blocks(options) if isinstance(b, Table)]
    routes, functions, services = tables[0], tables[1], tables[-1]
    queues = [t for t in tables if t.header[0] == "queue"]
    assert len(queues) == (1 if any(o.get("queues") for o in options) else 0)
    assert len(routes.rows) == sum(len(o["routes"]) for o in options)
    get = next(r for r in routes.rows if r[:2] == ["get", "lambda"])
    lam = next(o for o in options if o["name"] == "lambda")
    p99 = next(r for r in lam["routes"] if r["name"] == "get")["latency_ms"]["p99"]
    assert get[5] == (f"{p99:,.0f} ms" if p99 >= 100 else f"{p99:,.1f} ms")
    assert len(functions.rows) == sum(len(o["functions"]) for o in options)
    assert services.header == ["option", "functions", "gateway", "queues", "workflows", "servers",
                               "total"]  # fmt: skip
    assert [r[0] for r in services.rows] == [o["name"] for o in options]
    assert application_blocks([{**o, "routes": None} for o in options]) == []


@pytest.mark.parametrize(
    ("option", "field", "words"),
    [
        (
            "{name: pc, kind: serverless, provisioned_schedule: [{count: 1, start: 0h, end: 1h}]}",
            "options.1.provisioned_schedule",
            "in an application, provisioned instances are per function: functions: {NAME: "
            "{provisioned: N}} or {NAME: {provisioned_schedule: [...]}}",
        ),
        (
            "{name: pc, kind: serverless, functions: {api: {provisioned_schedule: "
            "[{count: 5000, start: 0h, end: 1h}]}}}",
            "options.1.functions.api.provisioned_schedule.0.count",
            "api: a window's count (5000) cannot exceed concurrency_limit (1000)",
        ),
        (
            "{name: fx, kind: serverless, workflow_type: express}",
            "options.1.workflow_type",
            "workflow_type needs an application with a workflow route",
        ),
    ],
)
def test_what_applications_do_not_take_is_one_located_line(
    option: str, field: str, words: str
) -> None:
    """The kinds' application hosts refuse, at the option's line and field, what an
    application sets per function (a provisioned schedule), a schedule above the account's
    limit, or what needs a workflow."""
    from costsim.errors import InputError
    from costsim.simulate import check_scenario

    text = f"""\
name: t
horizon: 1h
application:
  functions: {{api: {{duration: {{dist: fixed, value: 10ms}}}}}}
  routes: [{{name: r, traffic: {{profile: constant, mean_rps: 1}}, steps: [{{call: api}}]}}]
options:
  - {{name: lambda, kind: serverless}}
  - {option}
"""
    with pytest.raises(InputError) as info:
        check_scenario(scenario_from_text(text, file="s.yaml"))
    assert str(info.value) == f"s.yaml:8: {field}: {words}"
