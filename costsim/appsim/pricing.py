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
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from costsim.engine.app.stats import AppOutput, FunctionStats, ms_histogram
from costsim.meters import COUNTS, HISTOGRAMS, Meters, MsHistogram
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


def pool_meters(stats: FunctionStats, horizon_s: float, config: Mapping[str, object]) -> Meters:
    """The catalog-independent meters of one function pool.

    ``config`` carries what a price depends on (``memory_mb``, ``init_billed``,
    ``provisioned_concurrency``, ...), as the serverless kind writes it for a single function.
    """
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
            "active_period_ms": ms_histogram(stats.active_period_ms),
            "provisioned_active_period_ms": ms_histogram(stats.provisioned_active_period_ms),
        },
        totals={
            "alive_instance_s": stats.alive_s,
            "busy_instance_s": stats.busy_s,
            "provisioned_instance_s": stats.provisioned_instance_s,
            "active_instance_s": stats.active_s,
            "bytes_out": 0.0,
        },
        config=dict(config),
    )


def merged_meters(meters: Mapping[str, Meters], kind: str, horizon_s: float) -> Meters:
    """One option's meters from its pools': counts and totals summed, histograms merged.

    It serves what reads an option's usage (``meters.json``, the sweeps' idle share); each
    pool's own meters, with its memory, are what the bill is rated from.
    """
    out = Meters(kind=kind, horizon_s=horizon_s, config={"application": True})
    for m in meters.values():
        for name in COUNTS:
            out.counts[name] = out.counts.get(name, 0) + int(m.counts.get(name, 0))
        for name in HISTOGRAMS:
            if name in m.histograms:
                out.histograms[name] = out.histograms.get(name, MsHistogram()).merged(
                    m.histograms[name]
                )
        for name, value in m.totals.items():
            out.totals[name] = out.totals.get(name, 0.0) + value
    return out


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


def workflow_histogram(out: AppOutput, memory_mb: float) -> MsHistogram:
    """Durations of every express execution at ``memory_mb``, across routes."""
    merged = MsHistogram()
    for w in out.workflows.values():
        if w.kind == "express" and w.memory_mb == memory_mb:
            merged = merged.merged(ms_histogram(w.duration_ms))
    return merged
