"""Rating: meters in, Decimal USD cost lines out.

Rating never sees an event: a function product's billing model (:mod:`costsim.pricing.models`)
turns its meters into monthly quantities, and the tiers, free allowances and prices of its
catalog turn those into money. VMs are rated from each instance's lifetime, servers from their
count. ``run``, ``sweep``, ``quote`` and ``reprice`` all come through here.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from costsim.errors import InputError
from costsim.meters import Meters
from costsim.pricing.catalog import AddonItem, Catalog, Component, FunctionItem, MachineItem
from costsim.pricing.models import FLAT_METRICS, MONTH_S, dec, month_factor, monthly_quantities
from costsim.pricing.tiers import tiered_cost
from costsim.results import CostBreakdown

__all__ = [
    "MONTH_S",
    "breakdown",
    "check_amounts",
    "rate_component",
    "rate_function",
    "rate_machines",
]

#: Largest monthly quantity of one metric [base units]: 1e24 requests or GB-s a month is far
#: beyond any workload; an infinite product of two huge inputs lands here, not in the tiers.
MAX_QUANTITY = Decimal("1e24")
#: Largest monthly amount one cost line may reach [USD]: far beyond any real bill, and far
#: inside what Decimal rounding to cents (28 digits) and a float in summary.json can hold.
MAX_MONTHLY_USD = Decimal("1e15")


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
    bounds = [None if t.up_to is None else dec(t.up_to) for t in component.tiers]
    prices = [catalog.to_usd(t.per_base_unit, t.currency) for t in component.tiers]
    costs = tiered_cost(quantity, bounds, prices)
    lines = [(component.name, costs[0])]
    for i, cost in enumerate(costs[1:], start=2):
        if cost:
            lines.append((f"{component.name} tier {i}", cost))
    if free_tier and component.free_per_month > 0 and quantity > 0:
        free = min(quantity, dec(component.free_per_month))
        credit = sum(tiered_cost(free, bounds, prices), Decimal(0))
        if credit:
            lines.append((f"{component.name} free tier", -credit))
    return lines


def rate_components(
    components: list[Component],
    quantities: dict[str, Decimal],
    catalog: Catalog,
    free_tier: bool,
    overrides: dict[str, float] | None = None,
) -> list[tuple[str, Decimal]]:
    """Rate every component against monthly ``quantities``; ``overrides`` replace prices.

    An override is keyed by component name and gives a flat price in the component's own unit
    (it replaces every tier). Check the keys first with
    :func:`costsim.pricing.overrides.check_overrides`.
    """
    lines: list[tuple[str, Decimal]] = []
    for comp in components:
        if comp.name in (overrides or {}):
            first = comp.tiers[-1]
            data = {first.key: (overrides or {})[comp.name]}
            comp = comp.model_copy(update={"tiers": [type(first).model_validate(data)]})
        quantity = quantities.get(comp.metric, Decimal(0))
        if quantity == 0:
            continue
        lines.extend(rate_component(comp, quantity, catalog, free_tier))
    return lines


def rate_function(
    meters: Meters,
    catalog: Catalog,
    item: FunctionItem,
    *,
    free_tier: bool = True,
    overrides: dict[str, float] | None = None,
    extras: list[tuple[Catalog, AddonItem | FunctionItem, float, bool]] | None = None,
) -> list[tuple[str, Decimal]]:
    """Monthly cost lines of a function product (and its add-ons) from its meters.

    Parameters
    ----------
    meters : Meters
        What the option used over its horizon.
    catalog, item : Catalog, FunctionItem
        The product and its priced variant; ``item.billing.model`` says how meters are billed.
    free_tier : bool
        Whether monthly free allowances are credited.
    overrides : dict
        Component name to a price in the component's own unit.
    extras : list of (Catalog, item, per_request, free_tier)
        Add-ons rated on the option's quantities times ``per_request`` (API gateways, workflow
        transitions, ...); the flat monthly fee is not multiplied.
    """
    extras = extras or []
    metrics = {c.metric for c in item.components}
    for _, extra, _, _ in extras:
        metrics |= {c.metric for c in extra.components}
    quantities = monthly_quantities(meters, item, metrics)
    lines = rate_components(item.components, quantities, catalog, free_tier, overrides)
    for acat, extra, per_request, extra_free in extras:
        factor = dec(per_request)
        scaled = {k: (v if k in FLAT_METRICS else v * factor) for k, v in quantities.items()}
        lines += rate_components(extra.components, scaled, acat, extra_free, overrides)
    return lines


def _hours_price(
    catalog: Catalog, item: MachineItem, overrides: dict[str, float], cap: bool
) -> tuple[tuple[Decimal, str] | None, tuple[Decimal, str] | None]:
    """The hourly and monthly prices after overrides.

    On a VM billed hourly up to a monthly cap, ``per_month`` alone states the monthly price:
    the hourly rate follows it in proportion (so every lifetime costs that share of the new
    price), rather than only moving the cap.
    """
    hourly = item.price("per_hour")
    monthly = item.price("per_month")
    if "per_month" in overrides:
        new_month = dec(overrides["per_month"])
        if cap and hourly is not None and monthly is not None and "per_hour" not in overrides:
            old_month = catalog.to_usd(monthly[0], monthly[1])
            old_hour = catalog.to_usd(hourly[0], hourly[1])
            hour = old_hour * new_month / old_month if old_month > 0 else Decimal(0)
            hourly = (hour, "usd")
        monthly = (new_month, "usd")
    if "per_hour" in overrides:
        hourly = (dec(overrides["per_hour"]), "usd")
    return hourly, monthly


def rate_machines(
    meters: Meters,
    catalog: Catalog,
    item: MachineItem,
    overrides: dict[str, float] | None = None,
    discount: float = 0.0,
) -> list[tuple[str, Decimal]]:
    """Monthly cost of VM instances from each instance's lifetime (``instance_lifetime_ms``).

    Each lifetime is rounded up to the catalog's granularity, at least its minimum, scaled to
    a month and priced hourly (capped at the monthly price where the catalog says so) or
    monthly in proportion to the time.

    Parameters
    ----------
    meters : Meters
        ``instance_lifetime_ms``: each instance's alive time over the horizon.
    catalog, item : Catalog, MachineItem
        The VM catalog and instance type.
    overrides : dict
        ``per_hour`` / ``per_month`` prices in USD that replace the catalog's.
    discount : float
        Savings-plan (or reserved) discount on the hourly charge, as a fraction in [0, 1).
    """
    if not 0.0 <= discount < 1.0:
        raise InputError(f"savings_plan_discount must be within [0, 1), got {discount}")
    overrides = overrides or {}
    lifetimes = meters.require("instance_lifetime_ms", "vm")
    billing = catalog.billing
    gran_ms = round((billing.granularity_s if billing else 0.001) * 1000)
    min_ms = round((billing.minimum_s if billing else 0.0) * 1000)
    cap = billing.monthly_cap if billing else False
    hourly, monthly = _hours_price(catalog, item, overrides, cap)
    scale = month_factor(meters.horizon_s)
    total = Decimal(0)
    for value_ms, count in zip(lifetimes.values_ms, lifetimes.counts, strict=True):
        if value_ms <= 0:
            continue
        units = -(-int(value_ms) // gran_ms)
        billed_ms = max(units * gran_ms, min_ms)
        hours = Decimal(billed_ms) / Decimal(3_600_000) * scale
        total += Decimal(int(count)) * _instance_cost(catalog, hours, hourly, monthly, cap)
    lines = [("instances", total)]
    if discount > 0 and total > 0:
        lines.append(("savings plan discount", -total * dec(discount)))
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
        return catalog.to_usd(monthly[0] * hours / (MONTH_S / 3600), monthly[1])
    return Decimal(0)


def rate_servers(
    meters: Meters,
    catalog: Catalog,
    item: MachineItem,
    overrides: dict[str, float] | None = None,
    commitment_months: int = 12,
    ops_usd_per_server_month: float = 0.0,
) -> list[tuple[str, Decimal]]:
    """Monthly cost of a fixed fleet of dedicated or colocated servers (``servers`` meter).

    A rented server costs its monthly price plus its setup fee spread over
    ``commitment_months``. A colocated server (one with ``CURRENCY_capex``) costs its capex
    amortised over ``amortization_years``, its power, its rack space and its operations.
    """
    count = Decimal(int(meters.require("servers", "server")))
    overrides = overrides or {}

    def price(what: str) -> tuple[Decimal, str] | None:
        if what in overrides:
            return dec(overrides[what]), "usd"
        return item.price(what)

    lines: list[tuple[str, Decimal]] = []
    monthly = price("per_month")
    hourly = price("per_hour")
    if monthly is not None:
        lines.append(("servers", count * catalog.to_usd(monthly[0], monthly[1])))
    elif hourly is not None:
        # a fixed fleet runs the whole month
        lines.append(("servers", count * catalog.to_usd(hourly[0] * MONTH_S / 3600, hourly[1])))
    setup = price("setup")
    if setup is not None and setup[0] > 0:
        per_month = catalog.to_usd(setup[0], setup[1]) / Decimal(commitment_months)
        lines.append(("setup fee (spread)", count * per_month))
    lines += _colocation_lines(catalog, item, count, price)
    if ops_usd_per_server_month > 0:
        lines.append(("operations", count * dec(ops_usd_per_server_month)))
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
        months = dec((item.amortization_years or 5.0) * 12)
        lines.append(("capex (amortised)", count * catalog.to_usd(capex[0], capex[1]) / months))
    per_kw = price("per_kw_month")
    if per_kw is not None and item.power_kw:
        kw = dec(item.power_kw)
        lines.append(("power", count * kw * catalog.to_usd(per_kw[0], per_kw[1])))
    per_ru = price("per_rack_unit_month")
    if per_ru is not None and item.rack_units:
        ru = dec(item.rack_units)
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
