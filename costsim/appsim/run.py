"""The model chain for an application scenario: one option -> engine -> meters -> rating.

:func:`simulate_application_option` is what :func:`costsim.simulate.simulate` calls for a
scenario with an ``application``; the single-function path is untouched.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from costsim.application.schema import Application
from costsim.appsim.blocks import (
    function_blocks,
    latency_summary,
    queue_blocks,
    route_blocks,
    timeseries,
)
from costsim.appsim.plans import fleet_plan, serverless_plan
from costsim.appsim.pricing import (
    Lines,
    PoolBilling,
    merged_meters,
    pool_meters,
    queue_requests,
    rate_addon,
    rate_express_workflow,
    rate_pools,
    rate_standard_workflow,
    workflow_histogram,
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
from costsim.meters import Meters, MissingMeterError, MsHistogram
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem, MachineItem
from costsim.pricing.rate import breakdown, rate_machines, rate_servers
from costsim.pricing.registry import CatalogSet
from costsim.results import CostBreakdown, OptionResult
from costsim.scenario import BareMetalOption, Scenario, ServerlessOption, VpsOption
from costsim.traffic import option_stream_key

#: Engines that run applications: the compiled one where it supports every feature used.
APPLICATION_ENGINES = ("simpy", "fast")
WORKFLOW_CATALOG = "aws-step-functions"


def _app(scenario: Scenario) -> Application:
    app = scenario.application
    assert app is not None
    return app


def _function_catalog(
    scenario: Scenario, idx: int, opt: ServerlessOption, cats: CatalogSet
) -> tuple[Catalog, FunctionItem]:
    try:
        cat = cats.get(opt.provider)
    except InputError as exc:
        raise scenario.error(exc.message, "options", idx, "provider") from None
    key, field = (opt.plan, "plan") if opt.plan is not None else (opt.arch, "arch")
    item = cat.items.get(key)
    if cat.kind != "function" or not isinstance(item, FunctionItem):
        raise scenario.error(f"{opt.provider} has no function item {key!r}", "options", idx, field)
    return cat, item


def _item(
    scenario: Scenario, cats: CatalogSet, catalog: str, item: str, *path: str | int
) -> tuple[Catalog, AddonItem | FunctionItem]:
    try:
        cat = cats.get(catalog)
    except InputError as exc:
        raise scenario.error(exc.message, *path) from None
    found = cat.items.get(item)
    if not isinstance(found, AddonItem | FunctionItem):
        raise scenario.error(f"{catalog} has no item {item!r}; have {', '.join(cat.items)}", *path)
    return cat, found


def _machine(
    scenario: Scenario, idx: int, opt: VpsOption | BareMetalOption, cats: CatalogSet
) -> tuple[str, str, Catalog, MachineItem]:
    key, kinds, field = (
        (opt.instance, ("vm",), "instance")
        if isinstance(opt, VpsOption)
        else (opt.server, ("server",), "server")
    )
    try:
        cat, name = cats.find_item(key, kinds)
    except InputError as exc:
        raise scenario.error(exc.message, "options", idx, field) from None
    item = cat.items[name]
    assert isinstance(item, MachineItem)
    return key, field, cat, item


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


def _gateway(scenario: Scenario, cats: CatalogSet, i: int, key: str) -> tuple[Catalog, AddonItem]:
    try:
        cat, name = cats.find_item(key, ("addon",))
    except InputError as exc:
        raise scenario.error(exc.message, "application", "routes", i, "gateway") from None
    item = cat.items[name]
    assert isinstance(item, AddonItem)
    return cat, item


def _serverless_lines(
    scenario: Scenario,
    idx: int,
    opt: ServerlessOption,
    out: AppOutput,
    cats: CatalogSet,
    plan: ServerlessPlan,
    used: list[Catalog],
) -> tuple[Lines, dict[str, CostBreakdown], dict[str, Meters], dict[str, float]]:
    """The option's lines, each function's cost, the pools' meters and the queues' requests."""
    app = _app(scenario)
    cat, item = _function_catalog(scenario, idx, opt, cats)
    used.append(cat)
    init_billed = item.billing.init_billed if opt.init_billed is None else opt.init_billed
    meters: dict[str, Meters] = {}
    billing: dict[str, PoolBilling] = {}
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
        billing[name] = PoolBilling(cat, item, opt.free_tier, opt.prices)
    try:
        lines, per_function = rate_pools(meters, billing)
    except MissingMeterError as exc:
        raise scenario.error(
            f"{exc}; applications are priced for per-request function products (AWS Lambda "
            "and alike) for now",
            "options",
            idx,
            "provider",
        ) from None
    # gateways: every request that reaches one, throttled ones included
    for i, route in enumerate(app.routes):
        if route.gateway is None:
            continue
        gcat, gitem = _gateway(scenario, cats, i, route.gateway)
        used.append(gcat)
        lines += rate_addon(
            gitem, gcat, out.routes[route.name].arrived, scenario.horizon, opt.free_tier
        )
    services = {
        name: app.queues[name].service if name in app.queues else "aws-sqs" for name in out.queues
    }
    requests = queue_requests(out, services)
    by_item: dict[tuple[str, str], float] = {}
    for name, count in requests.items():
        spec = app.queues.get(name)
        key = (spec.service, spec.item) if spec else ("aws-sqs", "standard")
        by_item[key] = by_item.get(key, 0.0) + count
    for (catalog, item_name), count in sorted(by_item.items()):
        qcat, qitem = _item(scenario, cats, catalog, item_name, "application", "queues")
        used.append(qcat)
        lines += rate_addon(qitem, qcat, count, scenario.horizon, opt.free_tier)
    lines += _workflow_lines(scenario, out, cats, opt.free_tier, used)
    return lines, per_function, meters, requests


def _workflow_lines(
    scenario: Scenario, out: AppOutput, cats: CatalogSet, free_tier: bool, used: list[Catalog]
) -> Lines:
    lines: Lines = []
    transitions = sum(w.transitions for w in out.workflows.values() if w.kind == "standard")
    express = [w for w in out.workflows.values() if w.kind == "express"]
    if not out.workflows:
        return lines
    path = ("application", "routes")
    if transitions:
        cat, item = _item(scenario, cats, WORKFLOW_CATALOG, "standard", *path)
        assert isinstance(item, FunctionItem)
        used.append(cat)
        lines += rate_standard_workflow(item, cat, transitions, scenario.horizon, free_tier)
    for memory_mb in sorted({w.memory_mb for w in express}):
        cat, item = _item(scenario, cats, WORKFLOW_CATALOG, "express", *path)
        assert isinstance(item, FunctionItem)
        used.append(cat)
        hist = workflow_histogram(out, memory_mb)
        lines += rate_express_workflow(item, cat, hist, memory_mb, scenario.horizon, free_tier)
    return lines


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
    engine = application_engine(scenario, engine)[0]
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
    used: list[Catalog] = []
    per_function: dict[str, CostBreakdown] = {}
    meters: dict[str, Meters] = {}
    memory: dict[str, float] = {}
    requests: dict[str, float] = {}
    detail: dict[str, Any] = {"application": True}
    if isinstance(opt, ServerlessOption):
        plan = serverless_plan(scenario, idx, opt)
        out = _engine(
            run_serverless_app if engine == "simpy" else _run_serverless_app_fast,
            app,
            plan,
            scenario.horizon,
            bins,
            scenario.seed,
            option_stream_key(opt.name),
            scenario.warmup,
            scenario.base_dir,
        )
        lines, per_function, meters, requests = _serverless_lines(
            scenario, idx, opt, out, cats, plan, used
        )
        memory = {n: p.memory_mb for n, p in plan.pools.items()}
        gateways = sorted({r.gateway for r in app.routes if r.gateway is not None})
        detail.update(
            provider=opt.provider,
            arch=opt.arch,
            memory_mb=opt.memory,
            keep_alive_s=opt.keep_alive,
            concurrency_limit=opt.concurrency_limit,
            extras=[*gateways, *sorted({c.catalog for c in used[1:]} - {"aws-api-gateway"})],
            function_memory_mb=memory,
        )
        option_meters = merged_meters(meters, "serverless", scenario.horizon)
    else:
        key, field, cat, mitem = _machine(scenario, idx, opt, cats)
        used.append(cat)
        fplan = fleet_plan(scenario, idx, opt, cat)
        out = _engine(run_fleet_app if engine == "simpy" else _run_fleet_app_fast, fplan, *args)
        option_meters = fleet_meters(out, fplan)
        if isinstance(opt, VpsOption):
            lines = rate_machines(option_meters, cat, mitem, opt.prices, opt.savings_plan_discount)
        else:
            lines = rate_servers(
                option_meters,
                cat,
                mitem,
                opt.prices,
                opt.commitment_months,
                opt.ops_usd_per_server_month,
            )
        detail.update(
            {field: key, "autoscale": False},
            servers=fplan.servers,
            workers=fplan.workers,
            background_workers=fplan.background_workers,
        )
    versions = {c.catalog: c.version for c in used}
    dates = {c.catalog: c.as_of.isoformat() for c in used}
    cost = breakdown(lines, versions)
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
        functions=function_blocks(out, per_function, memory),
        queues=queue_blocks(out, requests),
        meters=option_meters,
        pool_meters=meters,
    )
    return result, versions, dates


def _run_serverless_app_fast(*args: Any) -> AppOutput:
    """:func:`costsim.engine.fast_app.run_serverless_app_fast`, imported on first call."""
    from costsim.engine.fast_app import run_serverless_app_fast

    return run_serverless_app_fast(*args)


def _run_fleet_app_fast(*args: Any) -> AppOutput:
    """:func:`costsim.engine.fast_app.run_fleet_app_fast`, imported on first call."""
    from costsim.engine.fast_app import run_fleet_app_fast

    return run_fleet_app_fast(*args)


def application_engine(scenario: Scenario, engine: str) -> tuple[str, str | None]:
    """The engine that runs an application scenario asked to run on ``engine``, and why not
    ``engine`` when it is another.

    ``fast`` runs on the compiled engine when it supports every feature every option uses,
    and otherwise the whole scenario runs on ``simpy`` (one engine per result, so that the
    ``engine`` field of ``summary.json`` says which ran); the reason is one line naming the
    first feature missing.
    """
    if engine != "fast":
        return engine, None
    from costsim.engine.fast_app import unsupported

    app = _app(scenario)
    for opt in scenario.options:
        missing = unsupported(app, isinstance(opt, ServerlessOption))
        if missing is not None:
            return "simpy", (
                f"option {opt.name}: the compiled engine does not run {missing} yet; "
                "running this application on --engine simpy"
            )
    return "fast", None


def _engine(run: Any, *args: Any) -> AppOutput:
    """Call an application engine; an :class:`InputError` from a lazily read trace keeps its
    location (SimPy re-raises a process's exception as a new one, the original its cause)."""
    try:
        return run(*args)
    except InputError as exc:
        cause = exc.__cause__
        raise (cause if isinstance(cause, InputError) else exc) from None


def application_engine_error(scenario: Scenario) -> InputError:
    """The one line for an application run on an engine that does not run them."""
    return scenario.error(
        f"applications run on --engine {' or '.join(APPLICATION_ENGINES)}", "application"
    )


def check_application_catalogs(scenario: Scenario, cats: CatalogSet) -> None:
    """Resolve every catalog item an application run would need, without simulating."""
    app = _app(scenario)
    for idx, opt in enumerate(scenario.options):
        if isinstance(opt, ServerlessOption):
            _function_catalog(scenario, idx, opt, cats)
            serverless_plan(scenario, idx, opt)
        else:
            fleet_plan(scenario, idx, opt, _machine(scenario, idx, opt, cats)[2])
    for i, route in enumerate(app.routes):
        if route.gateway is not None:
            _gateway(scenario, cats, i, route.gateway)
    for name, q in app.queues.items():
        _item(scenario, cats, q.service, q.item, "application", "queues", name, "service")
