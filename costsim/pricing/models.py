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

from decimal import Decimal
from typing import TYPE_CHECKING

from costsim.errors import InputError
from costsim.meters import Meters
from costsim.pricing.meter_reads import MS_PER_S, Quantity, dec, meter_count, meter_total
from costsim.pricing.quantities import (
    active_s,
    init_s,
    instance_s,
    new_environments,
    on_demand_requests,
    on_demand_s,
    provisioned_active_s,
    provisioned_busy_s,
    provisioned_requests,
    provisioned_s,
    served,
    served_on_demand,
    snapshot_cache_s,
    streamed_gb,
)
from costsim.pricing.resources import extra_ephemeral_gb, ghz, memory_gb, vcpu, vcpu_for

if TYPE_CHECKING:  # the catalog validates items against BILLING_MODELS: it imports this module
    from costsim.pricing.catalog import FunctionItem

# Kept importable from here, where they were defined before meter_reads, resources and
# quantities were split off.
__all__ = [
    "BILLING_MODELS",
    "FLAT_METRICS",
    "MONTH_S",
    "Quantity",
    "dec",
    "month_factor",
    "monthly_quantities",
    "vcpu_for",
]

#: Seconds in the billing month used for every monthly figure (730 h, as AWS uses).
MONTH_S = Decimal(730 * 3600)


def month_factor(horizon_s: float) -> Decimal:
    """Months per simulated horizon: quantities over the horizon times this are monthly.

    Parameters
    ----------
    horizon_s : float
        The simulated horizon [s].

    Returns
    -------
    Decimal
        ``MONTH_S / horizon_s`` [months per horizon].

    Raises
    ------
    InputError
        If the horizon is not positive.
    """
    if not horizon_s > 0:
        raise InputError(f"meters need a positive horizon, got {horizon_s!r}")
    return MONTH_S / dec(float(horizon_s))


def _common() -> dict[str, Quantity]:
    """The quantities every billing model has: arrivals, egress, CPU time, transitions.

    Returns
    -------
    dict of str to Quantity
        Metric -> its quantity (arrivals [requests], egress [GB], CPU [ms], transitions).
    """
    return {
        "arrivals": lambda m, i: meter_count(m, "arrived", i),
        "egress_gb": lambda m, i: meter_total(m, "bytes_out", i) / Decimal(1024**3),
        "cpu_ms": lambda m, i: meter_total(m, "cpu_s", i) * MS_PER_S,
        # one state transition per execution unless the meters count them (a quote may)
        "transitions": lambda m, i: (
            Decimal(int(m.counts["transitions"])) if "transitions" in m.counts else served(m, i)
        ),
    }


PER_REQUEST: dict[str, Quantity] = {
    **_common(),
    "requests": on_demand_requests,
    "provisioned_requests": provisioned_requests,
    "all_requests": lambda m, i: on_demand_requests(m, i) + provisioned_requests(m, i),
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
    "requests": served_on_demand,
    "provisioned_requests": lambda m, i: meter_count(m, "provisioned_served", i),
    "all_requests": served,
    "compute_gb_s": lambda m, i: active_s(m, i) * memory_gb(m, i),
    "compute_vcpu_s": lambda m, i: active_s(m, i) * vcpu(m, i),
    "provisioned_gb_s": lambda m, i: meter_total(m, "provisioned_instance_s", i) * memory_gb(m, i),
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
