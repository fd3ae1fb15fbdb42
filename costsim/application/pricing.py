"""Rating an application's usage: function pools, gateways, queues and workflows.

Quantities in, Decimal USD out; nothing here sees an event. Each function pool gets its own
:class:`~costsim.meters.Meters`, so the meter-reading rating path can price it too. The
account is rated once on the sum of its pools' quantities: free allowances (the Lambda free
tier) are per account, not per function. Each function's own cost is stated without the free
allowance, which then shows as the account's credit lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from costsim.engine.app.stats import AppOutput, FunctionStats, ms_histogram
from costsim.meters import Meters, MsHistogram
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem
from costsim.pricing.rate import (
    MONTH_S,
    billed_memory_mb,
    breakdown,
    function_metrics,
    rate_components,
)
from costsim.results import CostBreakdown, Usage

Lines = list[tuple[str, Decimal]]


@dataclass(frozen=True)
class PoolBilling:
    """What prices one function pool: its catalog item and the option's billing settings."""

    catalog: Catalog
    item: FunctionItem
    memory_mb: float
    init_billed: bool
    granularity_ms: int
    ephemeral_mb: float
    free_tier: bool
    overrides: dict[str, float]


def pool_meters(stats: FunctionStats, horizon_s: float, config: Mapping[str, object]) -> Meters:
    """The catalog-independent meters of one function pool."""
    return Meters(
        kind="serverless",
        horizon_s=horizon_s,
        counts={
            "arrived": stats.arrived,
            "served": stats.served,
            "cold_starts": stats.cold_starts,
            "throttled": stats.throttled,
            "dropped": stats.dropped,
            "timed_out": 0,
            "retried": stats.retried,
            "provisioned_served": stats.provisioned_served,
            "instances_launched": stats.cold_starts,
        },
        histograms={
            "duration_ms": ms_histogram(stats.duration_ms),
            "provisioned_duration_ms": ms_histogram(stats.provisioned_duration_ms),
            "init_ms": ms_histogram(stats.init_ms),
            "instance_lifetime_ms": ms_histogram(stats.lifetime_ms),
        },
        totals={
            "alive_instance_s": stats.alive_s,
            "busy_instance_s": stats.busy_s,
            "provisioned_instance_s": stats.provisioned_instance_s,
            "active_instance_s": stats.busy_s,
        },
        config=dict(config),
    )


def pool_usage(meters: Meters, billing: PoolBilling) -> Usage:
    """The :class:`Usage` quantities the function rating reads, from a pool's meters."""
    gran = billing.granularity_ms
    minimum = int(billing.item.billing.minimum_ms)
    dur: MsHistogram = meters.require("duration_ms", "function")
    prov: MsHistogram = meters.require("provisioned_duration_ms", "function")
    init: MsHistogram = meters.require("init_ms", "function")
    quantities = {
        "requests": float(dur.count),
        "compute_s": dur.billed_ms(gran, minimum) / 1000.0,
        "init_s": init.billed_ms(gran) / 1000.0,
        "provisioned_requests": float(prov.count),
        "provisioned_compute_s": prov.billed_ms(gran, minimum) / 1000.0,
        "provisioned_instance_s": float(meters.require("provisioned_instance_s", "function")),
        "arrivals": float(meters.require("arrived", "function")),
    }
    return Usage("serverless", meters.horizon_s, quantities, billing.memory_mb, billing.init_billed)


def rate_pools(
    meters: dict[str, Meters], billing: dict[str, PoolBilling]
) -> tuple[Lines, dict[str, CostBreakdown]]:
    """The account's lines (one rating of all pools), and each function's cost without free tier.

    Pools priced by different catalog items (an arm64 function beside x86_64 ones) are rated
    per item.
    """
    by_item: dict[int, list[str]] = defaultdict(list)
    for name in meters:
        by_item[id(billing[name].item)].append(name)
    lines: Lines = []
    per_function: dict[str, CostBreakdown] = {}
    for names in by_item.values():
        first = billing[names[0]]
        summed: dict[str, float] = defaultdict(float)
        for name in names:
            b = billing[name]
            metrics = function_metrics(pool_usage(meters[name], b), b.item, b.ephemeral_mb)
            own = rate_components(b.item.components, metrics, b.catalog, False, b.overrides)
            per_function[name] = breakdown(own, {b.catalog.catalog: b.catalog.version})
            for key, value in metrics.items():
                summed[key] += value
        summed["months"] = 1.0
        lines += rate_components(
            first.item.components, dict(summed), first.catalog, first.free_tier, first.overrides
        )
    return lines, per_function


def queue_requests(out: AppOutput, service_of: dict[str, str]) -> dict[str, float]:
    """Billed API requests of each queue over the horizon.

    A queue (``aws-sqs``) bills one send per message and one receive and one delete per consumer
    batch; a topic or bus (``aws-sns``, ``aws-eventbridge``) one publish per message.
    """
    out_q: dict[str, float] = {}
    for name, stats in out.queues.items():
        if service_of.get(name, "aws-sqs") == "aws-sqs":
            out_q[name] = float(stats.messages + 2 * stats.receives)
        else:
            out_q[name] = float(stats.messages)
    return out_q


def rate_addon(
    item: AddonItem | FunctionItem,
    catalog: Catalog,
    count: float,
    horizon_s: float,
    free_tier: bool,
) -> Lines:
    """Lines for ``count`` requests (arrivals, publishes, API calls) over the horizon."""
    monthly = count * MONTH_S / horizon_s
    metrics = {"arrivals": monthly, "requests": monthly, "all_requests": monthly, "months": 1.0}
    return rate_components(item.components, metrics, catalog, free_tier)


def rate_standard_workflow(
    item: FunctionItem, catalog: Catalog, transitions: float, horizon_s: float, free_tier: bool
) -> Lines:
    """Step Functions standard: per state transition (retries included)."""
    metrics = {"transitions": transitions * MONTH_S / horizon_s, "months": 1.0}
    return rate_components(item.components, metrics, catalog, free_tier)


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
    billing = item.billing
    scale = MONTH_S / horizon_s
    mem_mb = max(billed_memory_mb(memory_mb, billing), billing.memory_min_mb)
    billed_s = durations.billed_ms(int(billing.granularity_ms)) / 1000.0
    metrics = {
        "requests": durations.count * scale,
        "compute_gb_s": billed_s * mem_mb / 1024.0 * scale,
        "months": 1.0,
    }
    return rate_components(item.components, metrics, catalog, free_tier)
