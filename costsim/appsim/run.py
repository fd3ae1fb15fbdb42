"""The model chain for an application scenario: one option -> engine -> usage -> rating.

:func:`simulate_application_option` is what :func:`costsim.simulate.simulate` calls for a
scenario with an ``application``; the single-function path is untouched. What differs between
option kinds (the engine's plan, its run, the usage it measured, its words) is the kind
adapter's :meth:`~costsim.kinds.base.OptionKind.application`.
"""

from __future__ import annotations

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
from costsim.engine.app import AppOutput
from costsim.engine.metrics import TimeBins, default_bin_count
from costsim.errors import InputError
from costsim.kinds import kind_of, option_context
from costsim.pricing.registry import CatalogSet
from costsim.results import OptionResult
from costsim.scenario import Scenario
from costsim.traffic import option_stream_key

#: The only engine that runs applications for now.
APPLICATION_ENGINES = ("simpy",)


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
    )
    kind = kind_of(opt)
    host = kind.application(opt, option_context(scenario, idx), cats)
    out = _engine(host.run, *args)
    used = host.measure(out)
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
        kind_of(opt).application(opt, option_context(scenario, idx), cats)
    for i, route in enumerate(app.routes):
        if route.gateway is not None:
            gateway_item(cats, route.gateway, scenario.error, i)
    for name, q in app.queues.items():
        path = ("application", "queues", name)
        # the catalog is located at service, a missing item of it at item when it is written
        item_path = (*path, "item") if "item" in q.model_fields_set else None
        catalog_item(cats, q.service, q.item, scenario.error, *path, "service", item_path=item_path)
