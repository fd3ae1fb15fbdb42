"""The model chain for an application scenario: one option -> engine -> usage -> rating.

:func:`simulate_application_option` is what :func:`costsim.simulate.simulate` calls for a
scenario with an ``application``; the single-function path is untouched. What differs between
option kinds (the engine's plan, its run, the usage it measured, its words) is the kind
adapter's :meth:`~costsim.kinds.base.OptionKind.application`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

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
from costsim.appsim.rating import catalog_item, gateway_item, rate_usage
from costsim.appsim.static import static_blocks, static_item, static_usage
from costsim.engine.app import AppOutput
from costsim.engine.fast_app_features import first_gap
from costsim.engine.metrics import TimeBins, default_bin_count
from costsim.errors import InputError
from costsim.kinds import kind_of, option_context
from costsim.kinds.app_compiled import compiled_gap
from costsim.pricing.registry import CatalogSet
from costsim.results import OptionResult
from costsim.scenario import Scenario, batch_windows
from costsim.traffic import option_stream_key

#: Engines that run applications: the compiled one where it runs every setting used.
APPLICATION_ENGINES = ("simpy", "fast")


#: The scenario's settings the compiled application engine runs (``batch`` windows not yet).
SCENARIO_FIELDS = {
    "Scenario": frozenset(
        {"name", "description", "horizon_s", "warmup_s", "seed", "traffic", "workload",
         "application", "options", "slo", "catalogs", "base_dir", "source_file", "line_map"}
    )
}  # fmt: skip


def _app(scenario: Scenario) -> Application:
    app = scenario.application
    assert app is not None
    return app


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
    bins = TimeBins(scenario.horizon_s, default_bin_count(scenario.horizon_s))
    args = (
        app,
        scenario.horizon_s,
        scenario.warmup_s,
        scenario.seed,
        option_stream_key(opt.name),
        bins,
        scenario.base_dir,
        batch_windows(scenario),
        scenario.batch.route if scenario.batch is not None else None,
    )
    kind = kind_of(opt)
    host = kind.application(opt, option_context(scenario, idx), cats)
    out = _engine(partial(host.run, engine=engine), *args)
    used = host.measure(out)
    if app.static:
        used.usage["static"] = static_usage(
            app.static, scenario.seed, scenario.horizon_s, scenario.base_dir
        )
    bill = rate_usage(used.usage, cats, scenario.horizon_s, scenario.error, idx)
    detail: dict[str, Any] = {"application": True, **host.detail(out, bill.catalogs)}
    versions, dates = bill.versions, bill.dates
    cost = bill.cost()
    totals = out.totals()
    horizon = scenario.horizon_s
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
        timeseries=timeseries(out, cost.total, kind.cost_driver(out.bins)),
        detail=detail,
        routes=route_blocks(out),
        functions=function_blocks(out, bill.per_function, used.memory_mb, host.pools),
        queues=queue_blocks(out, used.queue_requests),
        services=service_costs(bill.lines, bill.services),
        edges=edge_blocks(out),
        function_timeseries=function_timeseries(out, host.pools),
        meters=used.meters,
        pool_meters=used.pool_meters,
        app_usage=used.usage,
        static=static_blocks(used.usage["static"], bill.static) if bill.static else None,
        batches=out.batches.summary() if out.batches is not None else None,
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


def application_engine(scenario: Scenario, engine: str) -> tuple[str, str | None]:
    """The engine that runs an application scenario asked to run on ``engine``, and why not
    ``engine`` when it is another.

    ``fast`` runs on the compiled engine when it runs every setting every option uses
    (:func:`~costsim.kinds.app_compiled.compiled_gap`, a whitelist); otherwise the whole
    scenario runs on ``simpy`` (one engine per result, so that ``summary.json``'s ``engine``
    says which ran), and the reason is one line naming the first setting missing.
    """
    if engine != "fast":
        return engine, None
    app = _app(scenario)
    gap = first_gap(scenario, SCENARIO_FIELDS, "scenario", walk=())
    if gap is None:
        for opt in scenario.options:
            gap = compiled_gap(opt, app)
            if gap is not None:
                break
    if gap is None:
        return "fast", None
    return "simpy", (
        f"the compiled engine does not run {gap} yet; running this application on --engine simpy"
    )


def application_engine_error(scenario: Scenario) -> InputError:
    """The one line for an application run on an engine that does not run them."""
    return scenario.error(
        f"applications run on --engine {' or '.join(APPLICATION_ENGINES)}", "application"
    )


def check_application_catalogs(scenario: Scenario, cats: CatalogSet) -> None:
    """Resolve every catalog item an application run would need, without simulating."""
    app = _app(scenario)
    for idx, opt in enumerate(scenario.options):
        kind_of(opt).application(opt, option_context(scenario, idx), cats)
    for i, route in enumerate(app.routes):
        if route.gateway is not None:
            gateway_item(cats, route.gateway, scenario.error, i)
    for name, q in app.queues.items():
        path = ("application", "queues", name)
        # the catalog is located at service, a missing item of it at item when it is written
        item_path = (*path, "item") if "item" in q.model_fields_set else None
        catalog_item(cats, q.service, q.item, scenario.error, *path, "service", item_path=item_path)
    for i, site in enumerate(app.static):
        static_item(cats, site.cdn, "cdn", scenario.error, i)
        if site.origin is not None:
            static_item(cats, site.origin, "origin", scenario.error, i)
