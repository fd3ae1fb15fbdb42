"""Rating an application's usage: function pools, gateways, queues and workflows.

Quantities in, Decimal USD out; nothing here sees an event. Each function pool has its own
:class:`~costsim.meters.Meters`, rated by the one meter-reading path
(:func:`costsim.pricing.rate.rate_function`). The account is rated once on the sum of its
pools' monthly quantities: free allowances (the Lambda free tier) and volume tiers are per
account, not per function. Each function's own cost is stated without the free allowance,
which then shows as the account's credit lines.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from costsim.meters import Meters, MsHistogram
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem
from costsim.pricing.models import dec, month_factor, monthly_quantities
from costsim.pricing.rate import breakdown, rate_components, rate_function
from costsim.results import CostBreakdown

Lines = list[tuple[str, Decimal]]


@dataclass(frozen=True)
class PoolBilling:
    """What prices one function pool: its catalog item and the option's billing settings."""

    catalog: Catalog
    item: FunctionItem
    free_tier: bool
    overrides: dict[str, float]


def rate_pools(
    meters: dict[str, Meters], billing: dict[str, PoolBilling]
) -> tuple[Lines, dict[str, CostBreakdown]]:
    """The account's lines (one rating of all pools), and each function's cost without free tier.

    Pools priced by different catalog items are rated per item.
    """
    by_item: dict[int, list[str]] = defaultdict(list)
    for name in meters:
        by_item[id(billing[name].item)].append(name)
    lines: Lines = []
    per_function: dict[str, CostBreakdown] = {}
    for names in by_item.values():
        first = billing[names[0]]
        metrics = {c.metric for c in first.item.components}
        summed: dict[str, Decimal] = defaultdict(Decimal)
        for name in names:
            b = billing[name]
            own = rate_function(
                meters[name], b.catalog, b.item, free_tier=False, overrides=b.overrides
            )
            per_function[name] = breakdown(own, {b.catalog.catalog: b.catalog.version})
            for metric, value in monthly_quantities(meters[name], b.item, metrics).items():
                summed[metric] += value
        if "months" in summed:
            summed["months"] = Decimal(1)
        lines += rate_components(
            first.item.components, dict(summed), first.catalog, first.free_tier, first.overrides
        )
    return lines, per_function


def rate_addon(
    item: AddonItem | FunctionItem,
    catalog: Catalog,
    count: float,
    horizon_s: float,
    free_tier: bool,
) -> Lines:
    """Lines for ``count`` requests (arrivals, publishes, API calls) over the horizon."""
    monthly = dec(count) * month_factor(horizon_s)
    quantities = {"arrivals": monthly, "requests": monthly, "all_requests": monthly}
    quantities["months"] = Decimal(1)
    return rate_components(item.components, quantities, catalog, free_tier)


def rate_standard_workflow(
    item: FunctionItem, catalog: Catalog, transitions: float, horizon_s: float, free_tier: bool
) -> Lines:
    """Step Functions standard: per state transition (retries included)."""
    quantities = {"transitions": dec(transitions) * month_factor(horizon_s), "months": Decimal(1)}
    return rate_components(item.components, quantities, catalog, free_tier)


def billed_memory_mb(memory_mb: float, item: FunctionItem) -> float:
    """Memory as billed [MB]: rounded up to the item's step, at least its minimum."""
    step = item.billing.memory_step_mb
    return max(math.ceil(memory_mb / step - 1e-9) * step, item.billing.memory_min_mb)


def rate_express_workflow(
    item: FunctionItem,
    catalog: Catalog,
    durations: MsHistogram,
    memory_mb: float,
    horizon_s: float,
    free_tier: bool,
) -> Lines:
    """Step Functions express: per execution, plus duration rounded up to the item's granularity
    (100 ms) at memory billed in its steps (64 MB chunks)."""
    scale = month_factor(horizon_s)
    billed_ms = durations.billed_ms(int(item.billing.granularity_ms))
    gb = dec(billed_memory_mb(memory_mb, item)) / Decimal(1024)
    quantities = {
        "requests": Decimal(durations.count) * scale,
        "compute_gb_s": Decimal(billed_ms) / Decimal(1000) * gb * scale,
        "months": Decimal(1),
    }
    return rate_components(item.components, quantities, catalog, free_tier)
