"""Rating: usage quantities in, a CostBreakdown in Decimal USD out.

Rating never sees an event. Quantities measured over the horizon are first scaled to a 730-hour
month, so that monthly tiers, free allowances and caps apply as they would on a monthly bill.
"""

from __future__ import annotations

import math
from decimal import Decimal

from costsim.pricing.catalog import Catalog, Component, FunctionItem, MachineItem
from costsim.pricing.tiers import tiered_cost
from costsim.results import CostBreakdown, Usage

#: Seconds in the billing month used for every monthly figure (730 h, as AWS uses).
MONTH_S = 730 * 3600.0


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def rate_component(
    component: Component, quantity: Decimal, catalog: Catalog, free_tier: bool
) -> list[tuple[str, Decimal]]:
    """Price one component's monthly ``quantity``; returns (line name, USD) pairs.

    The full quantity is tiered first; the free allowance is then a separate negative line,
    priced at the tier rates the free units fall in.
    """
    bounds = [None if t.up_to is None else _dec(t.up_to) for t in component.tiers]
    prices = [catalog.to_usd(t.per_base_unit, t.currency) for t in component.tiers]
    lines = [(component.name, sum(tiered_cost(quantity, bounds, prices), Decimal(0)))]
    if free_tier and component.free_per_month > 0 and quantity > 0:
        free = min(quantity, _dec(component.free_per_month))
        credit = sum(tiered_cost(free, bounds, prices), Decimal(0))
        if credit:
            lines.append((f"{component.name} free tier", -credit))
    return lines


def rate_components(
    components: list[Component],
    metrics: dict[str, float],
    catalog: Catalog,
    free_tier: bool,
    overrides: dict[str, float] | None = None,
) -> list[tuple[str, Decimal]]:
    """Rate every component against monthly ``metrics``; ``overrides`` replace flat prices.

    An override is keyed by component name and gives the price in the component's own unit.
    """
    lines: list[tuple[str, Decimal]] = []
    for comp in components:
        if comp.name in (overrides or {}):
            first = comp.tiers[-1]
            data = {first.key: (overrides or {})[comp.name]}
            comp = comp.model_copy(update={"tiers": [type(first).model_validate(data)]})
        quantity = _dec(metrics.get(comp.metric, 0.0))
        if quantity == 0:
            continue
        lines.extend(rate_component(comp, quantity, catalog, free_tier))
    return lines


def function_metrics(usage: Usage, item: FunctionItem, ephemeral_mb: float) -> dict[str, float]:
    """Monthly metric quantities of a serverless option from its usage."""
    scale = MONTH_S / usage.horizon_s
    q = usage.quantities
    gb = usage.memory_mb / 1024.0
    billing = item.billing
    pc_s = q.get("provisioned_instance_s", 0.0)
    pc_period = billing.provisioned_granularity_s
    pc_s = math.ceil(pc_s / pc_period - 1e-9) * pc_period if pc_s > 0 else 0.0
    extra_gb = max(0.0, ephemeral_mb - billing.included_ephemeral_mb) / 1024.0
    out = {
        "requests": q.get("requests", 0.0) * scale,
        "arrivals": q.get("arrivals", 0.0) * scale,
        "compute_gb_s": q.get("compute_s", 0.0) * gb * scale,
        "init_gb_s": (q.get("init_s", 0.0) * gb * scale) if usage.init_billed else 0.0,
        "ephemeral_gb_s": (q.get("compute_s", 0.0) + q.get("provisioned_compute_s", 0.0))
        * extra_gb
        * scale,
        "provisioned_requests": q.get("provisioned_requests", 0.0) * scale,
        "provisioned_compute_gb_s": q.get("provisioned_compute_s", 0.0) * gb * scale,
        "provisioned_gb_s": pc_s * gb * scale,
    }
    return out


def rate_machines(
    usage: Usage, catalog: Catalog, item: MachineItem, overrides: dict[str, float]
) -> list[tuple[str, Decimal]]:
    """Monthly cost of VM instances (per-instance lifetimes, hourly with a monthly cap)."""
    scale = _dec(MONTH_S / usage.horizon_s)
    hourly = item.price("per_hour")
    monthly = item.price("per_month")
    if "per_hour" in overrides:
        hourly = (_dec(overrides["per_hour"]), "usd")
    if "per_month" in overrides:
        monthly = (_dec(overrides["per_month"]), "usd")
    cap = catalog.billing.monthly_cap if catalog.billing else False
    total = Decimal(0)
    for billed_s in usage.instance_billed_s:
        hours = _dec(billed_s) * scale / Decimal(3600)
        if hourly is not None:
            cost = catalog.to_usd(hourly[0] * hours, hourly[1])
            if cap and monthly is not None:
                # a scaled lifetime never exceeds one month, so the cap applies once
                cost = min(cost, catalog.to_usd(monthly[0], monthly[1]))
        elif monthly is not None:
            cost = catalog.to_usd(monthly[0] * hours / _dec(MONTH_S / 3600), monthly[1])
        else:
            cost = Decimal(0)
        total += cost
    return [("instances", total)]


def rate_servers(
    usage: Usage,
    catalog: Catalog,
    item: MachineItem,
    overrides: dict[str, float],
    commitment_months: int,
    ops_usd_per_server_month: float,
) -> list[tuple[str, Decimal]]:
    """Monthly cost of a fixed fleet of dedicated servers."""
    count = Decimal(usage.servers)
    monthly = item.price("per_month")
    if "per_month" in overrides:
        monthly = (_dec(overrides["per_month"]), "usd")
    setup = item.price("setup")
    if "setup" in overrides:
        setup = (_dec(overrides["setup"]), "usd")
    lines: list[tuple[str, Decimal]] = []
    if monthly is not None:
        lines.append(("servers", count * catalog.to_usd(monthly[0], monthly[1])))
    if setup is not None and setup[0] > 0:
        per_month = catalog.to_usd(setup[0], setup[1]) / Decimal(commitment_months)
        lines.append(("setup fee (spread)", count * per_month))
    if ops_usd_per_server_month > 0:
        lines.append(("operations", count * _dec(ops_usd_per_server_month)))
    return lines


def breakdown(lines: list[tuple[str, Decimal]], catalogs: dict[str, str]) -> CostBreakdown:
    """Merge lines with equal names into a CostBreakdown."""
    components: dict[str, Decimal] = {}
    for name, amount in lines:
        components[name] = components.get(name, Decimal(0)) + amount
    return CostBreakdown(components=components, catalogs=catalogs)
