"""Billing models: how a product turns meters into the quantities its prices apply to.

A catalog item names its billing model (``billing.model``). Each model is a registry of the
quantities it can bill (``requests``, ``compute_gb_s``, ``instance_vcpu_s``, ...); each quantity
is one small function of the option's :class:`~costsim.meters.Meters` and the item. A quantity
reads its meters with :meth:`Meters.require`, so a meter the run did not measure is an error,
never a zero, and only the quantities an item actually prices are computed.

Quantities come out over the simulated horizon; :func:`monthly_quantities` scales them to a
730-hour month, the one place where that happens, so monthly tiers, free allowances and caps
apply as on a monthly bill.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from costsim.errors import InputError
from costsim.meters import Meters, MsHistogram

if TYPE_CHECKING:  # the catalog validates items against BILLING_MODELS: it imports this module
    from costsim.pricing.catalog import FunctionBilling, FunctionItem

#: Seconds in the billing month used for every monthly figure (730 h, as AWS uses).
MONTH_S = Decimal(730 * 3600)
_MS = Decimal(1000)
_MB_PER_GB = Decimal(1024)

#: ``quantity(meters, item) -> Decimal`` over the horizon, in the metric's base unit.
Quantity = Callable[[Meters, "FunctionItem"], Decimal]


def dec(x: float | int) -> Decimal:
    """A float as the Decimal of its shortest repr (exact for what was written)."""
    return Decimal(repr(float(x))) if isinstance(x, float) else Decimal(int(x))


def month_factor(horizon_s: float) -> Decimal:
    """Months per simulated horizon: quantities over the horizon times this are monthly."""
    if not horizon_s > 0:
        raise InputError(f"meters need a positive horizon, got {horizon_s!r}")
    return MONTH_S / dec(float(horizon_s))


def _model(item: FunctionItem) -> str:
    return item.billing.model


def _hist(meters: Meters, name: str, item: FunctionItem) -> MsHistogram:
    value = meters.require(name, _model(item))
    if not isinstance(value, MsHistogram):
        raise InputError(f"meter {name!r} must be a histogram")
    return value


def _total(meters: Meters, name: str, item: FunctionItem) -> Decimal:
    return dec(float(meters.require(name, _model(item))))


def _count(meters: Meters, name: str, item: FunctionItem) -> Decimal:
    return Decimal(int(meters.require(name, _model(item))))


def memory_mb(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed memory [MB]: the configured memory rounded up to the product's step."""
    mem = float(meters.require("memory_mb", _model(item)))
    step = item.billing.memory_step_mb
    return dec(math.ceil(mem / step - 1e-9) * step)


def memory_gb(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed memory [GB] (1 GB = 1024 MB, as providers bill it)."""
    return memory_mb(meters, item) / _MB_PER_GB


def vcpu_for(memory: float, billing: FunctionBilling) -> float:
    """vCPUs that ``memory`` [MB] buys on a product that ties CPU to memory.

    A fixed size (``vcpu``: Azure Premium EP1 1 vCPU) wins; Lambda: 1 vCPU per 1,769 MB, at
    most 6 (at 10,240 MB); products priced per vCPU-second with a default ratio use
    ``vcpu_per_gb``.
    """
    if billing.vcpu is not None:
        return billing.vcpu
    if billing.mb_per_vcpu is not None:
        return min(memory / billing.mb_per_vcpu, billing.max_vcpu or math.inf)
    return (billing.vcpu_per_gb or 0.0) * memory / 1024.0


def vcpu(meters: Meters, item: FunctionItem) -> Decimal:
    """vCPUs per instance: configured (``vcpu`` in the meters' config) or from memory."""
    configured = meters.config.get("vcpu")
    if configured is not None:
        return dec(float(configured))
    return dec(vcpu_for(float(meters.require("memory_mb", _model(item))), item.billing))


def ghz(meters: Meters, item: FunctionItem) -> Decimal:
    """CPU clock bundled with the memory [GHz]: that of the smallest size that fits it."""
    mem = float(meters.require("memory_mb", _model(item)))
    table = item.billing.ghz_by_memory_mb
    for size in sorted(table):
        if mem <= size + 1e-9:
            return dec(table[size])
    return dec(table[max(table)]) if table else Decimal(0)


def granularity_ms(meters: Meters, item: FunctionItem) -> int:
    """Billing increment [ms]: the option's ``billing_granularity_ms`` if set, else the
    catalog's (a scenario may state ``billing_granularity`` to compare rules)."""
    value = meters.config.get("billing_granularity_ms")
    g = item.billing.granularity_ms if value is None else float(value)
    return max(1, round(g))


def _granular_s(
    h: MsHistogram, meters: Meters, item: FunctionItem, minimum: bool = True
) -> Decimal:
    """Billed seconds of a histogram under the billing increment (and the minimum)."""
    m = round(item.billing.minimum_ms) if minimum else 0
    return Decimal(h.billed_ms(granularity_ms(meters, item), m)) / _MS


def _init_separate(item: FunctionItem) -> bool:
    return any(c.metric == "init_gb_s" for c in item.components)


def init_billed(meters: Meters, item: FunctionItem) -> bool:
    """Whether init time is billed: the option's setting, else the catalog's."""
    value = meters.config.get("init_billed")
    return item.billing.init_billed if value is None else bool(value)


def on_demand_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed on-demand duration [s], each request rounded; init added where it is billed.

    Lambda (since 2025-08-01) bills INIT as part of the invocation's duration, at the same
    rate, inside the same free tier and tiers; so unless the catalog prices init on a line of
    its own, billed init time joins the duration here.
    """
    billed = _granular_s(_hist(meters, "duration_ms", item), meters, item)
    if init_billed(meters, item) and not _init_separate(item):
        billed += _granular_s(_hist(meters, "init_ms", item), meters, item, minimum=False)
    return billed


def init_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed init time [s], for catalogs that price it on its own line."""
    if not init_billed(meters, item):
        return Decimal(0)
    return _granular_s(_hist(meters, "init_ms", item), meters, item, minimum=False)


def provisioned_busy_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed duration of requests served by provisioned instances [s]."""
    return _granular_s(_hist(meters, "provisioned_duration_ms", item), meters, item)


def provisioned_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Provisioned (always-ready) instance time [s], each enabled period rounded up.

    Lambda meters provisioned concurrency "from the time you enable it on your function until
    you disable it, rounded up to the nearest 5 minutes" (``provisioned_granularity_s``): each
    provisioned instance's enabled period (``provisioned_period_ms``, one per window of a
    schedule) is rounded on its own. Meters stored before that meter existed hold only the
    total, which is shared evenly by the configured instances (``provisioned_concurrency``).
    """
    if "provisioned_period_ms" in meters.histograms:
        period_ms = max(1, round(item.billing.provisioned_granularity_s * 1000))
        billed = meters.histograms["provisioned_period_ms"].billed_ms(period_ms)
        return Decimal(billed) / _MS
    total = _total(meters, "provisioned_instance_s", item)
    if total <= 0:
        return Decimal(0)
    n = max(int(meters.config.get("provisioned_concurrency") or 1), 1)
    period = dec(item.billing.provisioned_granularity_s)
    per = total / n
    units = (per / period).to_integral_value(rounding=ROUND_CEILING)
    # float noise (0.1 s over a 300 s period) must not bill a whole extra period
    if (units - 1) * period >= per - Decimal("1e-6"):
        units -= 1
    return units * period * n


def extra_ephemeral_gb(meters: Meters, item: FunctionItem) -> Decimal:
    """Ephemeral storage above what the price includes [GB]."""
    configured = meters.config.get("ephemeral_storage_mb")
    if configured is None:
        return Decimal(0)
    extra = dec(float(configured)) - dec(item.billing.included_ephemeral_mb)
    return max(extra, Decimal(0)) / _MB_PER_GB


def active_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed instance activity [s]: each active period rounded, with the period minimum."""
    return _granular_s(_hist(meters, "active_period_ms", item), meters, item)


def provisioned_active_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed activity of provisioned (always-ready) instances [s], each period rounded."""
    return _granular_s(_hist(meters, "provisioned_active_period_ms", item), meters, item)


def instance_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed instance lifetime [s]: every instance's lifetime, each rounded, plus the
    instances the product bills whatever the traffic (``min_instances``: Azure Premium keeps
    one) beyond those the run kept provisioned (Cloud Run instance-based, Azure Premium)."""
    horizon = dec(float(meters.horizon_s))
    lifetimes = _granular_s(_hist(meters, "instance_lifetime_ms", item), meters, item)
    ready = _total(meters, "provisioned_instance_s", item)
    floor = Decimal(item.billing.min_instances) * horizon - ready
    return lifetimes + max(floor, Decimal(0))


def served(meters: Meters, item: FunctionItem) -> Decimal:
    """Requests served (on-demand and provisioned)."""
    return _count(meters, "served", item)


def _on_demand_requests(meters: Meters, item: FunctionItem) -> Decimal:
    return Decimal(_hist(meters, "duration_ms", item).count)


def _provisioned_requests(meters: Meters, item: FunctionItem) -> Decimal:
    return Decimal(_hist(meters, "provisioned_duration_ms", item).count)


def _served_on_demand(meters: Meters, item: FunctionItem) -> Decimal:
    return served(meters, item) - _count(meters, "provisioned_served", item)


#: Response bytes per request included before streaming is billed [MB] (Lambda pricing page).
STREAM_INCLUDED_MB = Decimal(6)


def new_environments(meters: Meters, item: FunctionItem) -> Decimal:
    """New execution environments: on-demand cold starts (each one an ``init_ms`` entry)."""
    return Decimal(_hist(meters, "init_ms", item).count)


def snapshot_cache_s(meters: Meters, item: FunctionItem) -> Decimal:
    """Time a SnapStart snapshot is cached [s]: the whole horizon (the version stays
    published). Scaled to a month that is 730 h, far above the page's 3-hour minimum."""
    return dec(float(meters.horizon_s))


def streamed_gb(meters: Meters, item: FunctionItem) -> Decimal:
    """Response data streamed beyond the first 6 MB of each response [GB]
    (``response_mb`` per request in the config)."""
    response = dec(float(meters.require("response_mb", _model(item))))
    extra_mb = max(response - STREAM_INCLUDED_MB, Decimal(0))
    return served(meters, item) * extra_mb / _MB_PER_GB


def _common() -> dict[str, Quantity]:
    return {
        "arrivals": lambda m, i: _count(m, "arrived", i),
        "egress_gb": lambda m, i: _total(m, "bytes_out", i) / Decimal(1024**3),
        "cpu_ms": lambda m, i: _total(m, "cpu_s", i) * _MS,
        # one state transition per execution unless the meters count them (a quote may)
        "transitions": lambda m, i: (
            Decimal(int(m.counts["transitions"])) if "transitions" in m.counts else served(m, i)
        ),
    }


PER_REQUEST: dict[str, Quantity] = {
    **_common(),
    "requests": _on_demand_requests,
    "provisioned_requests": _provisioned_requests,
    "all_requests": lambda m, i: _on_demand_requests(m, i) + _provisioned_requests(m, i),
    "compute_gb_s": lambda m, i: on_demand_s(m, i) * memory_gb(m, i),
    "compute_vcpu_s": lambda m, i: on_demand_s(m, i) * vcpu(m, i),
    "compute_ghz_s": lambda m, i: on_demand_s(m, i) * ghz(m, i),
    "init_gb_s": lambda m, i: init_s(m, i) * memory_gb(m, i),
    "ephemeral_gb_s": lambda m, i: (
        (on_demand_s(m, i) + provisioned_busy_s(m, i)) * extra_ephemeral_gb(m, i)
    ),
    "provisioned_compute_gb_s": lambda m, i: provisioned_busy_s(m, i) * memory_gb(m, i),
    "provisioned_gb_s": lambda m, i: provisioned_s(m, i) * memory_gb(m, i),
    "provisioned_vcpu_s": lambda m, i: provisioned_s(m, i) * vcpu(m, i),
    "environment_gb": lambda m, i: new_environments(m, i) * memory_gb(m, i),
    "snapshot_cache_gb_s": lambda m, i: snapshot_cache_s(m, i) * memory_gb(m, i),
    "streamed_gb": streamed_gb,
}

PER_ACTIVE_PERIOD: dict[str, Quantity] = {
    **_common(),
    "requests": _served_on_demand,
    "provisioned_requests": lambda m, i: _count(m, "provisioned_served", i),
    "all_requests": served,
    "compute_gb_s": lambda m, i: active_s(m, i) * memory_gb(m, i),
    "compute_vcpu_s": lambda m, i: active_s(m, i) * vcpu(m, i),
    "provisioned_gb_s": lambda m, i: _total(m, "provisioned_instance_s", i) * memory_gb(m, i),
    "provisioned_compute_gb_s": lambda m, i: provisioned_active_s(m, i) * memory_gb(m, i),
}

PER_INSTANCE: dict[str, Quantity] = {
    **_common(),
    "requests": served,
    "all_requests": served,
    "instance_gb_s": lambda m, i: instance_s(m, i) * memory_gb(m, i),
    "instance_vcpu_s": lambda m, i: instance_s(m, i) * vcpu(m, i),
}

CPU_TIME: dict[str, Quantity] = {
    **_common(),
    "requests": served,
    "all_requests": served,
}

#: The billing models of function products, by the name catalogs give in ``billing.model``.
BILLING_MODELS: dict[str, dict[str, Quantity]] = {
    "per_request": PER_REQUEST,
    "per_active_period": PER_ACTIVE_PERIOD,
    "per_instance": PER_INSTANCE,
    "cpu_time": CPU_TIME,
}

#: Metrics that are a flat monthly fee: never scaled by the horizon.
FLAT_METRICS = frozenset({"months"})


def monthly_quantities(meters: Meters, item: FunctionItem, metrics: set[str]) -> dict[str, Decimal]:
    """The monthly quantities of ``metrics`` under the item's billing model.

    Parameters
    ----------
    meters : Meters
        What the option used over its horizon.
    item : FunctionItem
        The priced variant; ``item.billing.model`` picks the model.
    metrics : set of str
        The metrics to compute (those the item and its add-ons price).

    Returns
    -------
    dict of str to Decimal
        Metric to monthly quantity in its base unit (requests, GB-s, vCPU-s, CPU-ms, ...).
    """
    model = BILLING_MODELS[item.billing.model]
    scale = month_factor(meters.horizon_s)
    out: dict[str, Decimal] = {}
    for metric in sorted(metrics):
        if metric in FLAT_METRICS:
            out[metric] = Decimal(1)
            continue
        if metric not in model:
            raise InputError(
                f"billing model {item.billing.model!r} does not bill {metric!r}; it bills "
                + ", ".join(sorted(model))
            )
        out[metric] = model[metric](meters, item) * scale
    return out
