"""Quotes: the price calculator without a simulation.

A quote turns the monthly usage a user states (requests, a mean duration, cold starts,
concurrency, instance-hours) into the same :class:`~costsim.meters.Meters` a run measures, and
prices them through the same path (:func:`costsim.pricing.bill.rate`). So a quote and a run of
the same usage give the same bill.
"""

from __future__ import annotations

from collections.abc import Callable

from costsim.errors import InputError
from costsim.meters import Meters, MsHistogram, ms_ceil
from costsim.pricing.bill import Bill, ExtraSpec, PricingSpec, allocate_cents, rate
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem, MachineItem
from costsim.pricing.models import MONTH_S
from costsim.pricing.registry import CatalogSet
from costsim.pricing.usage import (
    MONTH_H,
    FunctionUsage,
    active_periods_ms,
    one_value_histogram,
    quote_meters,
    whole_count,
)

__all__ = [
    "Bill",
    "FunctionUsage",
    "Quote",
    "active_periods_ms",
    "allocate_cents",
    "quote_addon",
    "quote_function",
    "quote_meters",
    "quote_server",
    "quote_vm",
]

#: A quote is a bill (the name the CLI and notebooks know).
Quote = Bill


def _pinned(cats: CatalogSet, cat: Catalog) -> CatalogSet:
    """The catalog set with ``cat``'s version pinned (a quote may name ``NAME@VERSION``)."""
    return cats.with_pins({cat.catalog: cat.version})


def quote_function(
    cats: CatalogSet,
    catalog_name: str,
    variant: str,
    use: FunctionUsage,
    *,
    free_tier: bool = True,
    extras: list[str] | None = None,
    overrides: dict[str, float] | None = None,
) -> Bill:
    """Price a function product (and any add-ons such as an API gateway) for ``use``.

    Parameters
    ----------
    cats : CatalogSet
        Where to find the catalogs.
    catalog_name : str
        A function catalog, e.g. ``aws-lambda`` (``NAME@VERSION`` accepted).
    variant : str
        The catalog item: an architecture or plan, e.g. ``arm64``.
    use : FunctionUsage
        Monthly usage.
    free_tier : bool
        Whether monthly free allowances are credited.
    extras : list of str
        Add-on item keys (``api-gateway-http``, ``internet-egress``, ...), or ``CATALOG/ITEM``
        for an item of another catalog priced on the function's meters
        (``aws-lambda/snapstart``, ``aws-lambda/response-streaming``).
    overrides : dict
        Component name to a price in the component's own unit; it wins over the catalog.
    """
    cat = cats.get(catalog_name)
    if cat.kind != "function":
        raise InputError(f"catalog {cat.catalog!r} is a {cat.kind} catalog, not a function")
    item = cat.items.get(variant)
    if not isinstance(item, FunctionItem):
        raise InputError(
            f"{cat.catalog} has no variant {variant!r}; have {', '.join(cat.items)}",
            field="variant",
        )
    extra_specs = []
    for key in extras or []:
        if "/" in key:
            # CATALOG/ITEM: any catalog item priced on the function's meters (aws-lambda/snapstart)
            name_, _, item_ = key.partition("/")
            extra_specs.append(ExtraSpec(catalog=cats.get(name_).catalog, item=item_))
            continue
        acat, name = cats.find_item(key, ("addon",))
        extra_specs.append(ExtraSpec(catalog=acat.catalog, item=name))
    spec = PricingSpec(
        kind="function",
        catalog=cat.catalog,
        item=variant,
        free_tier=free_tier,
        prices=dict(overrides or {}),
        extras=tuple(extra_specs),
    )
    meters = quote_meters(use, item)
    return _with_flag(lambda: rate(meters, _pinned(cats, cat), spec), overrides)


def _plain_meters(requests: float, egress_gb: float, kind: str, **config: object) -> Meters:
    n = whole_count(requests)
    return Meters(
        kind=kind,
        horizon_s=float(MONTH_S),
        counts={"arrived": n, "served": n},
        totals={"bytes_out": egress_gb * 1024.0**3},
        config=dict(config),
    )


def quote_addon(cats: CatalogSet, key: str, use: FunctionUsage, *, free_tier: bool = True) -> Bill:
    """Price one add-on item (API Gateway, data transfer) on its own."""
    cat, name = cats.find_item(key, ("addon",))
    assert isinstance(cat.items[name], AddonItem)
    spec = PricingSpec(kind="addon", catalog=cat.catalog, item=name, free_tier=free_tier)
    return rate(_plain_meters(use.requests, use.egress_gb, "addon"), cats, spec)


def quote_vm(
    cats: CatalogSet,
    key: str,
    *,
    hours: float = MONTH_H,
    count: int = 1,
    discount: float = 0.0,
    overrides: dict[str, float] | None = None,
) -> Bill:
    """Price ``count`` VMs of type ``key`` running ``hours`` each in a month."""
    cat, name = cats.find_item(key, ("vm",))
    assert isinstance(cat.items[name], MachineItem)
    if hours > MONTH_H + 1e-9:
        raise InputError(f"--hours is per month, at most {MONTH_H:g}", field="--hours")
    life_ms = ms_ceil(hours * 3600.0)
    lifetimes = one_value_histogram(count, float(life_ms)) if life_ms > 0 else MsHistogram()
    meters = Meters(
        kind="vps", horizon_s=float(MONTH_S), histograms={"instance_lifetime_ms": lifetimes}
    )
    spec = PricingSpec(
        kind="vm",
        catalog=cat.catalog,
        item=name,
        prices=dict(overrides or {}),
        savings_plan_discount=discount,
    )
    return _with_flag(lambda: rate(meters, cats, spec), overrides)


def quote_server(
    cats: CatalogSet,
    key: str,
    *,
    count: int = 1,
    commitment_months: int = 12,
    ops_usd_per_server_month: float = 0.0,
    overrides: dict[str, float] | None = None,
) -> Bill:
    """Price ``count`` dedicated or colocated servers of type ``key`` for a month."""
    cat, name = cats.find_item(key, ("server",))
    assert isinstance(cat.items[name], MachineItem)
    meters = Meters(kind="bare_metal", horizon_s=float(MONTH_S), config={"servers": count})
    spec = PricingSpec(
        kind="server",
        catalog=cat.catalog,
        item=name,
        prices=dict(overrides or {}),
        commitment_months=commitment_months,
        ops_usd_per_server_month=ops_usd_per_server_month,
    )
    return _with_flag(lambda: rate(meters, cats, spec), overrides)


def _with_flag(run: Callable[[], Bill], overrides: dict[str, float] | None) -> Bill:
    """``run()``, with an unbilled override reported against the ``--price`` flag."""
    try:
        return run()
    except InputError as exc:
        if exc.field is not None and exc.field in (overrides or {}):
            raise InputError(exc.message, field="--price") from None
        raise
