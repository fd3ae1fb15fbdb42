"""The model chain for an application scenario: one option -> engine -> meters -> rating.

:func:`simulate_application_option` is what :func:`costsim.simulate.simulate` calls for a
scenario with an ``application``; the single-function path is untouched.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from costsim.application.schema import Application
from costsim.appsim.blocks import (
    edge_blocks,
    function_blocks,
    function_timeseries,
    latency_summary,
    queue_blocks,
    route_blocks,
    service_costs,
    timeseries,
)
from costsim.appsim.plans import fleet_plan, serverless_plan
from costsim.appsim.pricing import merged_meters, pool_meters, queue_requests, workflow_histogram
from costsim.appsim.rating import (
    catalog_item,
    function_product,
    gateway_item,
    machine_item,
    rate_usage,
)
from costsim.engine.app import (
    AppOutput,
    FleetPlan,
    ServerlessPlan,
    run_fleet_app,
    run_serverless_app,
)
from costsim.engine.metrics import TimeBins, default_bin_count
from costsim.errors import InputError
from costsim.meters import Meters, MsHistogram
from costsim.pricing.catalog import Catalog, FunctionItem
from costsim.pricing.registry import CatalogSet
from costsim.results import OptionResult
from costsim.scenario import BareMetalOption, Scenario, ServerlessOption, VpsOption
from costsim.traffic import option_stream_key

#: The only engine that runs applications for now.
APPLICATION_ENGINES = ("simpy",)


def _app(scenario: Scenario) -> Application:
    app = scenario.application
    assert app is not None
    return app


def _function_product(opt: ServerlessOption) -> dict[str, str]:
    key, field = (opt.plan, "plan") if opt.plan is not None else (opt.arch, "arch")
    return {"catalog": opt.provider, "item": key, "field": field}


def _function_catalog(
    scenario: Scenario, idx: int, opt: ServerlessOption, cats: CatalogSet
) -> tuple[Catalog, FunctionItem]:
    return function_product(cats, _function_product(opt), scenario.error, idx)


def _machine(opt: VpsOption | BareMetalOption) -> dict[str, Any]:
    if isinstance(opt, VpsOption):
        return {"key": opt.instance, "kinds": ["vm"], "field": "instance"}
    return {"key": opt.server, "kinds": ["server"], "field": "server"}


def fleet_meters(out: AppOutput, plan: FleetPlan) -> Meters:
    """A fixed fleet's meters: each server's lifetime (the horizon), its count, its busy time."""
    totals = out.totals()
    lifetime = MsHistogram.from_seconds(np.full(plan.servers, out.horizon_s))
    return Meters(
        kind="fleet",
        horizon_s=out.horizon_s,
        counts={
            "arrived": totals["arrived"],
            "served": totals["served"],
            "cold_starts": 0,
            "throttled": totals["throttled"],
            "dropped": totals["dropped"],
            "instances_launched": plan.servers,
        },
        histograms={"instance_lifetime_ms": lifetime},
        totals={"alive_instance_s": out.alive_s, "busy_instance_s": out.busy_s},
        config={"servers": plan.servers, "workers": plan.workers, "application": True},
    )


def _pool_usage(
    scenario: Scenario,
    idx: int,
    opt: ServerlessOption,
    out: AppOutput,
    item: FunctionItem,
    plan: ServerlessPlan,
) -> tuple[dict[str, Any], dict[str, Meters], dict[str, float]]:
    """A serverless option's usage (see :mod:`costsim.appsim.rating`), its pools' meters and
    each queue's billed requests."""
    app = _app(scenario)
    init_billed = item.billing.init_billed if opt.init_billed is None else opt.init_billed
    meters: dict[str, Meters] = {}
    for name, p in plan.pools.items():
        lo, hi = item.billing.memory_min_mb, item.billing.memory_max_mb
        if not lo <= p.memory_mb <= hi:
            raise scenario.error(
                f"{name}: {opt.provider} memory must be within {lo:g}-{hi:g} MB, "
                f"got {p.memory_mb:g} MB",
                "options",
                idx,
                "functions" if name in opt.functions else "memory",
            )
        config: dict[str, object] = {
            "function": name,
            "memory_mb": p.memory_mb,
            "arch": opt.arch,
            "ephemeral_storage_mb": opt.ephemeral_storage,
            "init_billed": init_billed,
            "provisioned_concurrency": p.provisioned,
            "instance_concurrency": 1,
            "response_mb": 0.0,
        }
        if opt.billing_granularity is not None:
            config["billing_granularity_ms"] = max(1, round(opt.billing_granularity * 1000))
        meters[name] = pool_meters(out.functions[name], scenario.horizon, config)
    services = {
        name: app.queues[name].service if name in app.queues else "aws-sqs" for name in out.queues
    }
    requests = queue_requests(out, services)
    by_item: dict[tuple[str, str], float] = {}
    for name, count in requests.items():
        spec = app.queues.get(name)
        key = (spec.service, spec.item) if spec else ("aws-sqs", "standard")
        by_item[key] = by_item.get(key, 0.0) + count
    express = sorted({w.memory_mb for w in out.workflows.values() if w.kind == "express"})
    usage: dict[str, Any] = {
        "pools": {name: m.to_json() for name, m in meters.items()},
        "product": _function_product(opt),
        "free_tier": opt.free_tier,
        "prices": dict(opt.prices),
        # gateways: every request that reaches one, throttled ones included
        "gateways": [
            {"route": i, "key": route.gateway, "requests": out.routes[route.name].arrived}
            for i, route in enumerate(app.routes)
            if route.gateway is not None
        ],
        "queues": [
            {"catalog": c, "item": it, "requests": n} for (c, it), n in sorted(by_item.items())
        ],
        "standard_transitions": sum(
            w.transitions for w in out.workflows.values() if w.kind == "standard"
        ),
        "express": [
            {"memory_mb": m, "durations": workflow_histogram(out, m).to_json()} for m in express
        ],
    }
    return usage, meters, requests


def _fleet_usage(opt: VpsOption | BareMetalOption, meters: Meters) -> dict[str, Any]:
    """A fleet option's usage: its meters and how its servers are priced."""
    usage: dict[str, Any] = {
        "machine": _machine(opt),
        "meters": meters.to_json(),
        "prices": dict(opt.prices),
    }
    if isinstance(opt, VpsOption):
        usage.update(rating="machines", savings_plan_discount=opt.savings_plan_discount)
    else:
        usage.update(
            rating="servers",
            commitment_months=opt.commitment_months,
            ops_usd_per_server_month=opt.ops_usd_per_server_month,
        )
    return usage


def simulate_application_option(
    scenario: Scenario, idx: int, cats: CatalogSet, engine: str = "simpy"
) -> tuple[OptionResult, dict[str, str], dict[str, str]]:
    """Simulate and price option ``idx`` of an application scenario.

    Returns
    -------
    (OptionResult, {catalog: version}, {catalog: as_of})
    """
    if engine not in APPLICATION_ENGINES:
        raise application_engine_error(scenario)
    app = _app(scenario)
    opt = scenario.options[idx]
    bins = TimeBins(scenario.horizon, default_bin_count(scenario.horizon))
    args = (
        app,
        scenario.horizon,
        scenario.warmup,
        scenario.seed,
        option_stream_key(opt.name),
        bins,
        scenario.base_dir,
    )
    meters: dict[str, Meters] = {}
    memory: dict[str, float] = {}
    requests: dict[str, float] = {}
    detail: dict[str, Any] = {"application": True}
    if isinstance(opt, ServerlessOption):
        item = _function_catalog(scenario, idx, opt, cats)[1]
        plan = serverless_plan(scenario, idx, opt, item)
        out = _engine(
            run_serverless_app,
            app,
            plan,
            scenario.horizon,
            bins,
            scenario.seed,
            option_stream_key(opt.name),
            scenario.warmup,
            scenario.base_dir,
        )
        usage, meters, requests = _pool_usage(scenario, idx, opt, out, item, plan)
        bill = rate_usage(usage, cats, scenario.horizon, scenario.error, idx)
        memory = {n: p.memory_mb for n, p in plan.pools.items()}
        gateways = sorted({r.gateway for r in app.routes if r.gateway is not None})
        extras = {c.catalog for c in bill.catalogs[1:]} - {"aws-api-gateway"}
        detail.update(
            provider=opt.provider,
            arch=opt.arch,
            memory_mb=opt.memory,
            keep_alive_s=opt.keep_alive,
            concurrency_limit=opt.concurrency_limit,
            extras=[*gateways, *sorted(extras)],
            function_memory_mb=memory,
        )
        option_meters = merged_meters(meters, "serverless", scenario.horizon)
    else:
        machine = _machine(opt)
        cat = machine_item(cats, machine, scenario.error, idx)[0]
        fplan = fleet_plan(scenario, idx, opt, cat)
        out = _engine(run_fleet_app, fplan, *args)
        option_meters = fleet_meters(out, fplan)
        usage = _fleet_usage(opt, option_meters)
        bill = rate_usage(usage, cats, scenario.horizon, scenario.error, idx)
        detail.update(
            {machine["field"]: machine["key"], "autoscale": False},
            servers=fplan.servers,
            workers=fplan.workers,
            background_workers=fplan.background_workers,
        )
    versions, dates = bill.versions, bill.dates
    cost = bill.cost()
    totals = out.totals()
    horizon = scenario.horizon
    inst_mean = out.alive_s / horizon
    busy_mean = out.busy_s / horizon
    latency = out.latency()
    result = OptionResult(
        name=opt.name,
        kind=opt.kind,
        cost=cost,
        arrived=totals["arrived"],
        served=totals["served"],
        cold_starts=totals["cold_starts"],
        throttled=totals["throttled"],
        dropped=totals["dropped"],
        latency_ms=latency_summary(latency),
        instances_mean=inst_mean,
        instances_max=out.max_instances,
        busy_mean=busy_mean,
        utilization=busy_mean / inst_mean if inst_mean > 0 else 0.0,
        latency_cdf=latency.cdf(),
        timeseries=timeseries(out, cost.total, isinstance(opt, ServerlessOption)),
        detail=detail,
        routes=route_blocks(out),
        functions=function_blocks(out, bill.per_function, memory),
        queues=queue_blocks(out, requests),
        services=service_costs(bill.lines, bill.services),
        edges=edge_blocks(out),
        function_timeseries=function_timeseries(out),
        meters=option_meters,
        pool_meters=meters,
        app_usage=usage,
    )
    return result, versions, dates


def _engine(run: Any, *args: Any) -> AppOutput:
    """Call an application engine; an :class:`InputError` from a lazily read trace keeps its
    location (SimPy re-raises a process's exception as a new one, the original its cause)."""
    try:
        return run(*args)
    except InputError as exc:
        cause = exc.__cause__
        raise (cause if isinstance(cause, InputError) else exc) from None


def application_engine_error(scenario: Scenario) -> InputError:
    """The one line for an application run on an engine that does not support them."""
    return scenario.error(
        "applications run on --engine simpy for now; the compiled engine does not run them yet",
        "application",
    )


def check_application_catalogs(scenario: Scenario, cats: CatalogSet) -> None:
    """Resolve every catalog item an application run would need, without simulating."""
    app = _app(scenario)
    for idx, opt in enumerate(scenario.options):
        if isinstance(opt, ServerlessOption):
            serverless_plan(scenario, idx, opt, _function_catalog(scenario, idx, opt, cats)[1])
        else:
            cat = machine_item(cats, _machine(opt), scenario.error, idx)[0]
            fleet_plan(scenario, idx, opt, cat)
    for i, route in enumerate(app.routes):
        if route.gateway is not None:
            gateway_item(cats, route.gateway, scenario.error, i)
    for name, q in app.queues.items():
        path = ("application", "queues", name, "service")
        catalog_item(cats, q.service, q.item, scenario.error, *path)
