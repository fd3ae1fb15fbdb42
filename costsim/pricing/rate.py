"""Rating: usage quantities in, a CostBreakdown in Decimal USD out.

Rating never sees an event. Quantities measured over the horizon are first scaled to a 730-hour
month, so that monthly tiers, free allowances and caps apply as they would on a monthly bill.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

from costsim.errors import InputError
from costsim.pricing.catalog import (
    Catalog,
    Component,
    FunctionBilling,
    FunctionItem,
    MachineItem,
)
from costsim.pricing.tiers import tiered_cost
from costsim.results import CostBreakdown, Usage

#: Seconds in the billing month used for every monthly figure (730 h, as AWS uses).
MONTH_S = 730 * 3600.0


#: Largest monthly quantity of one metric [base units]: 1e24 requests or GB-s a month is far
#: beyond any workload; an infinite product of two huge inputs lands here, not in the tiers.
MAX_QUANTITY = Decimal("1e24")
#: Largest monthly amount one cost line may reach [USD]: far beyond any real bill, and far
#: inside what Decimal rounding to cents (28 digits) and a float in summary.json can hold.
MAX_MONTHLY_USD = Decimal("1e15")


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def rate_component(
    component: Component, quantity: Decimal, catalog: Catalog, free_tier: bool
) -> list[tuple[str, Decimal]]:
    """Price one component's monthly ``quantity``; returns (line name, USD) pairs.

    Each tier used is its own line: the first keeps the component's name, later ones are
    called ``NAME tier N``. The free allowance is then a separate negative line, priced at the
    rates of the tiers the free units fall in.

    Parameters
    ----------
    component : Component
        What is billed and at which tiered prices.
    quantity : Decimal
        Monthly usage in the metric's base unit (requests, GB-s, ...).
    catalog : Catalog
        The catalog the component belongs to (for currency conversion).
    free_tier : bool
        Whether the monthly free allowance is credited.
    """
    if not quantity.is_finite() or abs(quantity) > MAX_QUANTITY:
        raise InputError(
            f"the quantity of {component.name!r} ({quantity:.3e} {component.metric} a month) is "
            "beyond what costsim can price (1e24); check the usage figures"
        )
    bounds = [None if t.up_to is None else _dec(t.up_to) for t in component.tiers]
    prices = [catalog.to_usd(t.per_base_unit, t.currency) for t in component.tiers]
    costs = tiered_cost(quantity, bounds, prices)
    lines = [(component.name, costs[0])]
    for i, cost in enumerate(costs[1:], start=2):
        if cost:
            lines.append((f"{component.name} tier {i}", cost))
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
    """Monthly metric quantities of a simulated serverless option.

    Parameters
    ----------
    usage : Usage
        Quantities over the horizon (see :class:`costsim.results.Usage`).
    item : FunctionItem
        The priced variant; its billing rules give the provisioned rounding and the included
        ephemeral storage.
    ephemeral_mb : float
        Configured ephemeral storage [MB].

    Returns
    -------
    dict
        Metric name to monthly quantity, in the units of :data:`METRICS`.
    """
    scale = MONTH_S / usage.horizon_s
    q = usage.quantities
    billing = item.billing
    gb = billed_memory_mb(usage.memory_mb, billing) / 1024.0
    pc_s = provisioned_billed_s(q.get("provisioned_instance_s", 0.0), billing)
    extra_gb = max(0.0, ephemeral_mb - billing.included_ephemeral_mb) / 1024.0
    vcpu = (billing.vcpu_per_gb or 0.0) * usage.memory_mb / 1024.0
    compute_s = q.get("compute_s", 0.0)
    return {
        "requests": q.get("requests", 0.0) * scale,
        "all_requests": (q.get("requests", 0.0) + q.get("provisioned_requests", 0.0)) * scale,
        "arrivals": q.get("arrivals", 0.0) * scale,
        "compute_gb_s": compute_s * gb * scale,
        "compute_vcpu_s": compute_s * vcpu * scale,
        "compute_ghz_s": compute_s * ghz_for(usage.memory_mb, billing) * scale,
        "init_gb_s": (q.get("init_s", 0.0) * gb * scale) if usage.init_billed else 0.0,
        "ephemeral_gb_s": (compute_s + q.get("provisioned_compute_s", 0.0)) * extra_gb * scale,
        "provisioned_requests": q.get("provisioned_requests", 0.0) * scale,
        "provisioned_compute_gb_s": q.get("provisioned_compute_s", 0.0) * gb * scale,
        "provisioned_gb_s": pc_s * gb * scale,
        "provisioned_vcpu_s": pc_s * vcpu * scale,
        "egress_gb": q.get("egress_gb", 0.0) * scale,
        "months": 1.0,
    }


def billed_memory_mb(memory_mb: float, billing: FunctionBilling) -> float:
    """Memory as billed: rounded up to the product's memory step [MB]."""
    step = billing.memory_step_mb
    return math.ceil(memory_mb / step - 1e-9) * step


def provisioned_billed_s(instance_s: float, billing: FunctionBilling) -> float:
    """Provisioned instance time rounded up to the product's period [s]."""
    period = billing.provisioned_granularity_s
    return math.ceil(instance_s / period - 1e-9) * period if instance_s > 0 else 0.0


def ghz_for(memory_mb: float, billing: FunctionBilling) -> float:
    """CPU clock bundled with ``memory_mb`` [GHz]: that of the smallest size that fits it."""
    sizes = sorted(billing.ghz_by_memory_mb)
    for size in sizes:
        if memory_mb <= size + 1e-9:
            return billing.ghz_by_memory_mb[size]
    return billing.ghz_by_memory_mb[sizes[-1]] if sizes else 0.0


def rate_machines(
    usage: Usage,
    catalog: Catalog,
    item: MachineItem,
    overrides: dict[str, float],
    discount: float = 0.0,
) -> list[tuple[str, Decimal]]:
    """Monthly cost of VM instances (per-instance billed lifetimes, with any monthly cap).

    Parameters
    ----------
    usage : Usage
        ``instance_billed_s`` holds each instance's billed lifetime over the horizon [s].
    catalog, item : Catalog, MachineItem
        The VM catalog and instance type.
    overrides : dict
        ``per_hour`` / ``per_month`` prices in USD that replace the catalog's.
    discount : float
        Savings-plan (or reserved) discount on the hourly charge, as a fraction in [0, 1).
    """
    if not 0.0 <= discount < 1.0:
        raise InputError(f"savings_plan_discount must be within [0, 1), got {discount}")
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
        total += _instance_cost(catalog, hours, hourly, monthly, cap)
    lines = [("instances", total)]
    if discount > 0 and total > 0:
        lines.append(("savings plan discount", -total * _dec(discount)))
    return lines


def _instance_cost(
    catalog: Catalog,
    hours: Decimal,
    hourly: tuple[Decimal, str] | None,
    monthly: tuple[Decimal, str] | None,
    cap: bool,
) -> Decimal:
    if hourly is not None:
        cost = catalog.to_usd(hourly[0] * hours, hourly[1])
        if cap and monthly is not None:
            # a scaled lifetime never exceeds one month, so the cap applies once
            cost = min(cost, catalog.to_usd(monthly[0], monthly[1]))
        return cost
    if monthly is not None:
        return catalog.to_usd(monthly[0] * hours / _dec(MONTH_S / 3600), monthly[1])
    return Decimal(0)


def rate_servers(
    usage: Usage,
    catalog: Catalog,
    item: MachineItem,
    overrides: dict[str, float],
    commitment_months: int,
    ops_usd_per_server_month: float,
) -> list[tuple[str, Decimal]]:
    """Monthly cost of a fixed fleet of dedicated or colocated servers.

    A rented server costs its monthly price plus its setup fee spread over
    ``commitment_months``. A colocated server (one with ``CURRENCY_capex``) costs its capex
    amortised over ``amortization_years``, its power, its rack space and its operations.
    """
    count = Decimal(usage.servers)

    def price(what: str) -> tuple[Decimal, str] | None:
        if what in overrides:
            return _dec(overrides[what]), "usd"
        return item.price(what)

    lines: list[tuple[str, Decimal]] = []
    monthly = price("per_month")
    hourly = price("per_hour")
    if monthly is not None:
        lines.append(("servers", count * catalog.to_usd(monthly[0], monthly[1])))
    elif hourly is not None:
        # a fixed fleet runs the whole month
        month_h = _dec(MONTH_S / 3600)
        lines.append(("servers", count * catalog.to_usd(hourly[0] * month_h, hourly[1])))
    setup = price("setup")
    if setup is not None and setup[0] > 0:
        per_month = catalog.to_usd(setup[0], setup[1]) / Decimal(commitment_months)
        lines.append(("setup fee (spread)", count * per_month))
    lines += _colocation_lines(catalog, item, count, price)
    if ops_usd_per_server_month > 0:
        lines.append(("operations", count * _dec(ops_usd_per_server_month)))
    return lines


def _colocation_lines(
    catalog: Catalog,
    item: MachineItem,
    count: Decimal,
    price: Callable[[str], tuple[Decimal, str] | None],
) -> list[tuple[str, Decimal]]:
    lines: list[tuple[str, Decimal]] = []
    capex = price("capex")
    if capex is not None:
        months = _dec((item.amortization_years or 5.0) * 12)
        lines.append(("capex (amortised)", count * catalog.to_usd(capex[0], capex[1]) / months))
    per_kw = price("per_kw_month")
    if per_kw is not None and item.power_kw:
        kw = _dec(item.power_kw)
        lines.append(("power", count * kw * catalog.to_usd(per_kw[0], per_kw[1])))
    per_ru = price("per_rack_unit_month")
    if per_ru is not None and item.rack_units:
        ru = _dec(item.rack_units)
        lines.append(("rack space", count * ru * catalog.to_usd(per_ru[0], per_ru[1])))
    ops = price("ops_per_month")
    if ops is not None and ops[0] > 0:
        lines.append(("operations (colocation)", count * catalog.to_usd(ops[0], ops[1])))
    return lines


def check_amounts(lines: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Return ``lines`` if every amount is finite and within :data:`MAX_MONTHLY_USD`.

    Raises
    ------
    InputError
        Naming the line; the inputs (a price, an extra's ``per_request``, a quantity) are
        beyond what any bill holds.
    """
    for name, amount in lines:
        if not amount.is_finite() or abs(amount) > MAX_MONTHLY_USD:
            shown = f"{amount:.3e}" if amount.is_finite() else str(amount)
            raise InputError(
                f"the cost line {name!r} comes to {shown} USD a month, beyond the 1e15 costsim "
                "can price; check the quantities, prices and per_request factors"
            )
    return lines


def breakdown(lines: list[tuple[str, Decimal]], catalogs: dict[str, str]) -> CostBreakdown:
    """Merge lines with equal names into a CostBreakdown."""
    check_amounts(lines)
    components: dict[str, Decimal] = {}
    for name, amount in lines:
        components[name] = components.get(name, Decimal(0)) + amount
    return CostBreakdown(components=components, catalogs=catalogs)
