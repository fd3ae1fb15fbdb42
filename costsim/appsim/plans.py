"""Per-option engine plans of an application: each function's pool, or the fixed fleet."""

from __future__ import annotations

import math

from costsim.application.schema import Application
from costsim.engine.app import FleetPlan, PoolParams, ServerlessPlan
from costsim.platforms.bare_metal import servers_for_peak
from costsim.platforms.rules import BALANCERS, REUSE_POLICIES
from costsim.pricing.catalog import Catalog
from costsim.scenario import BareMetalOption, Scenario, ServerlessOption, VpsOption


def _app(scenario: Scenario) -> Application:
    app = scenario.application
    assert app is not None
    return app


def serverless_plan(
    scenario: Scenario, idx: int, opt: ServerlessOption, max_lifetime_s: float = math.inf
) -> ServerlessPlan:
    """Each function's pool on option ``idx``.

    A setting comes from the option's ``functions`` entry, else the function, else the option;
    ``max_lifetime_s`` [s] (the option's or its product's, see
    :func:`costsim.kinds.serverless.max_lifetime_s`) applies to every pool.
    """
    app = _app(scenario)
    if opt.instance_concurrency != 1:
        raise scenario.error(
            "instance_concurrency above 1 is not simulated for applications yet",
            "options",
            idx,
            "instance_concurrency",
        )
    # option-wide settings that an application sets per function or per route
    if opt.provisioned_concurrency:
        raise scenario.error(
            "in an application, provisioned instances are per function: "
            "functions: {NAME: {provisioned: N}}",
            "options",
            idx,
            "provisioned_concurrency",
        )
    if opt.extras:
        raise scenario.error(
            "in an application, a gateway is per route (application.routes.N.gateway); "
            "queues and workflows are priced from their catalogs",
            "options",
            idx,
            "extras",
        )
    burst = float(opt.scale_rate.instances) if opt.scale_rate else math.inf
    rate = opt.scale_rate.instances / opt.scale_rate.per_s if opt.scale_rate else math.inf
    pools: dict[str, PoolParams] = {}
    for name, spec in app.functions.items():
        s = opt.functions.get(name)
        reserved = s.reserved_concurrency if s and s.reserved_concurrency is not None else None
        reserved = spec.reserved_concurrency if reserved is None else reserved
        provisioned = s.provisioned if s and s.provisioned is not None else spec.provisioned
        if reserved is not None and provisioned > reserved:
            raise scenario.error(
                f"{name}: provisioned ({provisioned}) above reserved_concurrency ({reserved})",
                "options",
                idx,
                "functions",
            )
        pools[name] = PoolParams(
            memory_mb=(s.memory_mb if s and s.memory_mb else None)
            or spec.memory_mb
            or opt.memory_mb,
            keep_alive_s=next(
                v
                for v in (s.keep_alive_s if s else None, spec.keep_alive_s, opt.keep_alive_s)
                if v is not None
            ),
            cold_start=(s.cold_start if s and s.cold_start else None) or opt.cold_start,
            reserved=reserved,
            provisioned=provisioned,
            scale_burst=burst,
            scale_rate_per_s=rate,
            reuse_code=REUSE_POLICIES.index(opt.reuse),
            max_lifetime_s=max_lifetime_s,
        )
    reserved_sum = sum(p.reserved or 0 for p in pools.values())
    if reserved_sum > opt.concurrency_limit:
        raise scenario.error(
            f"reserved concurrency sums to {reserved_sum}, above the account's "
            f"concurrency_limit ({opt.concurrency_limit})",
            "options",
            idx,
            "concurrency_limit",
        )
    return ServerlessPlan(pools=pools, account_limit=opt.concurrency_limit)


def fleet_plan(
    scenario: Scenario, idx: int, opt: VpsOption | BareMetalOption, catalog: Catalog
) -> FleetPlan:
    """The fixed fleet of option ``idx``."""
    if isinstance(opt, VpsOption):
        if opt.autoscale is not None:
            raise scenario.error(
                "autoscaling is not simulated for applications yet; give a fixed count",
                "options",
                idx,
                "autoscale",
            )
        count = opt.fixed_count
        billing = catalog.billing
        gran, minimum = (billing.granularity_s, billing.minimum_s) if billing else (1.0, 0.0)
    else:
        count = opt.count or servers_for_peak(
            scenario.traffic.peak_rps(scenario.horizon_s),
            scenario.workload.duration.mean_s,
            opt.workers + (opt.background_workers or 0),
            opt.sizing_utilization,
        )
        gran, minimum = scenario.horizon_s, 0.0
    return FleetPlan(
        servers=count,
        workers=opt.workers,
        background_workers=opt.background_workers,
        balancer_code=BALANCERS.index(opt.balancer),
        queue_limit=opt.queue_limit,
        queue_timeout_s=opt.queue_timeout_s,
        billing_granularity_s=gran,
        billing_minimum_s=minimum,
    )
