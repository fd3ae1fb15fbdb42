"""Billed time and counts of function products, each one small function of meters and item.

Every quantity is a :data:`~costsim.pricing.meter_reads.Quantity` over the simulated horizon,
in the metric's base unit: durations rounded to the billing increment, instance time,
provisioned time and request counts. The billing models (:mod:`costsim.pricing.models`)
multiply them by what an instance is billed as (:mod:`costsim.pricing.resources`).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from costsim.meters import Meters, MsHistogram
from costsim.pricing.meter_reads import (
    MB_PER_GB,
    MS_PER_S,
    dec,
    meter_count,
    meter_histogram,
    meter_total,
    model_of,
)

if TYPE_CHECKING:
    from costsim.pricing.catalog import FunctionItem


def granularity_ms(meters: Meters, item: FunctionItem) -> int:
    """Billing increment [ms]: the option's ``billing_granularity_ms`` if set, else the
    catalog's (a scenario may state ``billing_granularity`` to compare rules).

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    int
        Billing increment, at least 1 [ms].
    """
    value = meters.config.get("billing_granularity_ms")
    g_ms = item.billing.granularity_ms if value is None else float(value)
    return max(1, round(g_ms))


def _granular_s(
    h: MsHistogram, meters: Meters, item: FunctionItem, minimum: bool = True
) -> Decimal:
    """Billed seconds of a histogram under the billing increment (and the minimum).

    Parameters
    ----------
    h : MsHistogram
        Durations, lifetimes or periods [ms].
    meters, item : Meters, FunctionItem
        The option's meters (for its billing granularity) and the priced variant.
    minimum : bool
        Apply the item's minimum billed duration to each entry.

    Returns
    -------
    Decimal
        Billed seconds [s].
    """
    minimum_ms = round(item.billing.minimum_ms) if minimum else 0
    return Decimal(h.billed_ms(granularity_ms(meters, item), minimum_ms)) / MS_PER_S


def _init_separate(item: FunctionItem) -> bool:
    """Whether the item prices init time on a line of its own (``init_gb_s``).

    Parameters
    ----------
    item : FunctionItem
        The priced variant.

    Returns
    -------
    bool
        True when a component bills ``init_gb_s``.
    """
    return any(c.metric == "init_gb_s" for c in item.components)


def init_billed(meters: Meters, item: FunctionItem) -> bool:
    """Whether init time is billed: the option's setting, else the catalog's.

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    bool
        True when init time is billed.
    """
    value = meters.config.get("init_billed")
    return item.billing.init_billed if value is None else bool(value)


def on_demand_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed on-demand duration [s], each request rounded; init added where it is billed.

    Lambda (since 2025-08-01) bills INIT as part of the invocation's duration, at the same
    rate, inside the same free tier and tiers; so unless the catalog prices init on a line of
    its own, billed init time joins the duration here.

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        Billed seconds [s].
    """
    billed = _granular_s(meter_histogram(meters, "duration_ms", item), meters, item)
    if init_billed(meters, item) and not _init_separate(item):
        billed += _granular_s(meter_histogram(meters, "init_ms", item), meters, item, minimum=False)
    return billed


def init_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed init time [s], for catalogs that price it on its own line.

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        Billed seconds [s]; 0 when init is not billed.
    """
    if not init_billed(meters, item):
        return Decimal(0)
    return _granular_s(meter_histogram(meters, "init_ms", item), meters, item, minimum=False)


def provisioned_busy_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed duration of requests served by provisioned instances [s].

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        Billed seconds [s].
    """
    return _granular_s(meter_histogram(meters, "provisioned_duration_ms", item), meters, item)


def provisioned_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Provisioned (always-ready) instance time [s], each enabled period rounded up.

    Lambda meters provisioned concurrency "from the time you enable it on your function until
    you disable it, rounded up to the nearest 5 minutes" (``provisioned_granularity_s``): each
    provisioned instance's enabled period (``provisioned_period_ms``, one per window of a
    schedule) is rounded on its own. Meters stored before that meter existed hold only the
    total, which is shared evenly by the configured instances (``provisioned_concurrency``).

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        Billed instance-seconds [s].
    """
    if "provisioned_period_ms" in meters.histograms:
        period_ms = max(1, round(item.billing.provisioned_granularity_s * 1000))
        billed = meters.histograms["provisioned_period_ms"].billed_ms(period_ms)
        return Decimal(billed) / MS_PER_S
    total_s = meter_total(meters, "provisioned_instance_s", item)
    if total_s <= 0:
        return Decimal(0)
    n = max(int(meters.config.get("provisioned_concurrency") or 1), 1)
    period_s = dec(item.billing.provisioned_granularity_s)
    per_s = total_s / n
    units = (per_s / period_s).to_integral_value(rounding=ROUND_CEILING)
    # float noise (0.1 s over a 300 s period) must not bill a whole extra period
    if (units - 1) * period_s >= per_s - Decimal("1e-6"):
        units -= 1
    return units * period_s * n


def active_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed instance activity [s]: each active period rounded, with the period minimum.

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        Billed seconds [s].
    """
    return _granular_s(meter_histogram(meters, "active_period_ms", item), meters, item)


def provisioned_active_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed activity of provisioned (always-ready) instances [s], each period rounded.

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        Billed seconds [s].
    """
    return _granular_s(meter_histogram(meters, "provisioned_active_period_ms", item), meters, item)


def instance_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed instance lifetime [s]: every instance's lifetime, each rounded, plus the
    instances the product bills whatever the traffic (``min_instances``: Azure Premium keeps
    one) beyond those the run kept provisioned (Cloud Run instance-based, Azure Premium).

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        Billed instance-seconds [s].
    """
    horizon_s = dec(float(meters.horizon_s))
    lifetimes_s = _granular_s(meter_histogram(meters, "instance_lifetime_ms", item), meters, item)
    ready_s = meter_total(meters, "provisioned_instance_s", item)
    floor_s = Decimal(item.billing.min_instances) * horizon_s - ready_s
    return lifetimes_s + max(floor_s, Decimal(0))


def served(meters: Meters, item: FunctionItem) -> Decimal:
    """Requests served (on-demand and provisioned).

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        The count [requests].
    """
    return meter_count(meters, "served", item)


def on_demand_requests(meters: Meters, item: FunctionItem) -> Decimal:
    """Requests served by on-demand instances (each one a ``duration_ms`` entry).

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        The count [requests].
    """
    return Decimal(meter_histogram(meters, "duration_ms", item).count)


def provisioned_requests(meters: Meters, item: FunctionItem) -> Decimal:
    """Requests served by provisioned instances (each one a ``provisioned_duration_ms`` entry).

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        The count [requests].
    """
    return Decimal(meter_histogram(meters, "provisioned_duration_ms", item).count)


def served_on_demand(meters: Meters, item: FunctionItem) -> Decimal:
    """Requests served, less those served by provisioned instances.

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        The count [requests].
    """
    return served(meters, item) - meter_count(meters, "provisioned_served", item)


#: Response bytes per request included before streaming is billed [MB] (Lambda pricing page).
STREAM_INCLUDED_MB = Decimal(6)


def new_environments(meters: Meters, item: FunctionItem) -> Decimal:
    """New execution environments: on-demand cold starts (each one an ``init_ms`` entry).

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        The count [environments].
    """
    return Decimal(meter_histogram(meters, "init_ms", item).count)


def snapshot_cache_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Time SnapStart snapshots are cached over the horizon [s]: the version-seconds stated in
    the config (``snapstart_version_s``: a quote of several versions, or of a 31-day month),
    else the whole horizon (one version stays published; scaled to a month that is 730 h, far
    above the page's 3-hour minimum).

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        The cached version-seconds [s].
    """
    stated = meters.config.get("snapstart_version_s")
    if stated is not None:
        return dec(float(stated))
    return dec(float(meters.horizon_s))


def streamed_gb(meters: Meters, item: FunctionItem) -> Decimal:
    """Response data streamed beyond the first 6 MB of each response [GB]
    (``response_mb`` per request in the config).

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        Streamed data [GB].
    """
    response_mb = dec(float(meters.require("response_mb", model_of(item))))
    extra_mb = max(response_mb - STREAM_INCLUDED_MB, Decimal(0))
    return served(meters, item) * extra_mb / MB_PER_GB
