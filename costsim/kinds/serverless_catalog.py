"""The catalog side of a serverless option: its function item, its extras' items and the
product's limits (timeout, scale rate, maximum lifetime) the platform follows.
"""

from __future__ import annotations

import math

from costsim.errors import InputError
from costsim.kinds.base import OptionContext
from costsim.kinds.serverless_option import Extra, ServerlessOption
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem
from costsim.pricing.registry import CatalogSet


def function_item(
    opt: ServerlessOption, ctx: OptionContext, cats: CatalogSet
) -> tuple[Catalog, FunctionItem]:
    """The function product ``opt`` names (``provider`` and ``plan`` or ``arch``), checked.

    Raises
    ------
    InputError
        At ``provider``, ``plan``/``arch`` or ``memory`` of the option.
    """
    try:
        cat = cats.get(opt.provider)
    except InputError as exc:
        raise ctx.error(exc.message, "provider") from None
    if cat.kind != "function":
        raise ctx.error(
            f"catalog {opt.provider!r} is a {cat.kind} catalog, not a function product",
            "provider",
        )
    key, field = (opt.plan, "plan") if opt.plan is not None else (opt.arch, "arch")
    item = cat.items.get(key)
    if not isinstance(item, FunctionItem):
        have = ", ".join(cat.items)
        raise ctx.error(f"{opt.provider} has no {field} {key!r}; have {have}", field)
    lo, hi = item.billing.memory_min_mb, item.billing.memory_max_mb
    if not lo <= opt.memory_mb <= hi:
        raise ctx.error(
            f"{opt.provider} memory must be within {lo:g}-{hi:g} MB, got {opt.memory_mb:g} MB",
            "memory",
        )
    return cat, item


def extra_item(
    extra: Extra, j: int, ctx: OptionContext, cats: CatalogSet
) -> tuple[Catalog, AddonItem | FunctionItem]:
    """The catalog item behind extra ``j`` of a serverless option.

    Raises
    ------
    InputError
        At ``extras.J`` of the option.
    """
    try:
        if extra.key is not None:
            cat, name = cats.find_item(extra.key, ("addon",))
            item = cat.items[name]
        else:
            assert extra.catalog is not None and extra.item is not None
            cat = cats.get(extra.catalog)
            if extra.item not in cat.items:
                have = ", ".join(cat.items)
                raise InputError(f"{extra.catalog} has no item {extra.item!r}; have {have}")
            item = cat.items[extra.item]
    except InputError as exc:
        raise ctx.error(exc.message, "extras", j) from None
    assert isinstance(item, AddonItem | FunctionItem)
    return cat, item


def product_limits(
    opt: ServerlessOption, item: FunctionItem, ctx: OptionContext
) -> dict[str, float]:
    """The timeout [s], scale rate (burst, per second) and maximum instance lifetime [s] the pool
    runs with: the option's where it sets them, else the product's published limits (none:
    unlimited, never recycled).

    Raises
    ------
    InputError
        At ``timeout`` when it is above what the product allows.
    """
    lim = item.limits
    if opt.timeout_s is not None and lim.timeout_s is not None and opt.timeout_s > lim.timeout_s:
        raise ctx.error(
            f"{opt.provider} allows invocations of at most {lim.timeout_s:g} s, got "
            f"{opt.timeout_s:g} s",
            "timeout",
        )
    timeout_s = opt.timeout_s if opt.timeout_s is not None else lim.timeout_s
    out: dict[str, float] = {
        "timeout_s": math.inf if timeout_s is None else float(timeout_s),
        "max_lifetime_s": max_lifetime_s(opt, item),
    }
    if opt.scale_rate is not None:
        out["scale_burst"] = float(opt.scale_rate.instances)
        out["scale_rate_per_s"] = opt.scale_rate.instances / opt.scale_rate.per_s
    elif lim.scale_instances is not None and lim.scale_per_s is not None:
        out["scale_burst"] = float(lim.scale_instances)
        out["scale_rate_per_s"] = lim.scale_instances / lim.scale_per_s
    return out


def max_lifetime_s(opt: ServerlessOption, item: FunctionItem | None) -> float:
    """The maximum instance lifetime [s] of ``opt``: its own ``max_lifetime``, else the product's
    (``item``'s limits), else never (``inf``)."""
    if opt.max_lifetime_s is not None:
        return float(opt.max_lifetime_s)
    life_s = item.limits.max_lifetime_s if item is not None else None
    return math.inf if life_s is None else float(life_s)
