"""Quotes: the price calculator without a simulation.

A quote turns monthly usage the user states (requests, durations, instance-hours) into the same
metric quantities that rating uses for a simulation, then rates them against the catalogs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from costsim.errors import InputError
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem, MachineItem
from costsim.pricing.rate import (
    MONTH_S,
    billed_memory_mb,
    check_amounts,
    ghz_for,
    provisioned_billed_s,
    rate_components,
    rate_machines,
    rate_servers,
)
from costsim.pricing.registry import CatalogSet
from costsim.results import Usage

CENT = Decimal("0.01")


@dataclass(frozen=True)
class FunctionUsage:
    """Monthly usage of a function, as a user states it for a quote.

    Attributes
    ----------
    requests : float
        On-demand invocations per month.
    duration_ms : float
        Mean duration of an on-demand invocation [ms], before billing rounding.
    memory_mb : float
        Configured memory [MB].
    ephemeral_storage_mb : float or None
        Configured ephemeral storage [MB]; None means the included amount.
    provisioned_concurrency : float
        Provisioned (always-ready, minimum) instances while they are on.
    provisioned_hours : float
        Hours per month the provisioned instances are on [h].
    provisioned_requests : float
        Invocations per month served by the provisioned instances.
    provisioned_duration_ms : float
        Mean duration of those invocations [ms].
    vcpu : float or None
        vCPUs per instance, for products priced per vCPU-second (None: the catalog default).
    concurrency : float
        Requests an instance serves at once; billed instance time is request time divided by it.
    cpu_ms : float
        CPU time per request [ms], for products priced on CPU time.
    transitions : float
        State transitions per month (workflow products).
    egress_gb : float
        Data transfer out per month [GB].
    """

    requests: float = 0.0
    duration_ms: float = 0.0
    memory_mb: float = 128.0
    ephemeral_storage_mb: float | None = None
    provisioned_concurrency: float = 0.0
    provisioned_hours: float = 0.0
    provisioned_requests: float = 0.0
    provisioned_duration_ms: float = 0.0
    vcpu: float | None = None
    concurrency: float = 1.0
    cpu_ms: float = 0.0
    transitions: float = 0.0
    egress_gb: float = 0.0


def billed_duration_s(duration_ms: float, item: FunctionItem) -> float:
    """One invocation's billed duration [s]: rounded up to the granularity, at least the minimum."""
    billing = item.billing
    if duration_ms <= 0:
        return 0.0
    if billing.round_per_request:
        gran = billing.granularity_ms
        duration_ms = math.ceil(duration_ms / gran - 1e-9) * gran
        duration_ms = max(duration_ms, billing.minimum_ms)
    return duration_ms / 1000.0


def quote_metrics(use: FunctionUsage, item: FunctionItem) -> dict[str, float]:
    """Monthly metric quantities (see :data:`costsim.pricing.catalog.METRICS`) of ``use``."""
    billing = item.billing
    lo, hi = billing.memory_min_mb, billing.memory_max_mb
    if not lo <= use.memory_mb <= hi:
        raise InputError(
            f"memory must be within {lo:g}-{hi:g} MB, got {use.memory_mb:g} MB",
            field="--memory-mb",
        )
    gb = billed_memory_mb(use.memory_mb, billing) / 1024.0
    vcpu = use.vcpu if use.vcpu is not None else (billing.vcpu_per_gb or 0.0) * gb
    share = 1.0 / max(use.concurrency, 1.0)
    busy_s = use.requests * billed_duration_s(use.duration_ms, item) * share
    pc_busy_s = use.provisioned_requests * billed_duration_s(use.provisioned_duration_ms, item)
    pc_s = provisioned_billed_s(use.provisioned_hours * 3600.0, billing)
    pc_s *= use.provisioned_concurrency
    ephemeral = use.ephemeral_storage_mb
    extra_gb = max(0.0, (ephemeral or 0.0) - billing.included_ephemeral_mb) / 1024.0
    return {
        "requests": use.requests,
        "all_requests": use.requests + use.provisioned_requests,
        "arrivals": use.requests + use.provisioned_requests,
        "compute_gb_s": busy_s * gb,
        "compute_vcpu_s": busy_s * vcpu,
        "compute_ghz_s": busy_s * ghz_for(use.memory_mb, billing),
        "ephemeral_gb_s": (busy_s + pc_busy_s) * extra_gb,
        "provisioned_requests": use.provisioned_requests,
        "provisioned_compute_gb_s": pc_busy_s * gb,
        "provisioned_gb_s": pc_s * gb,
        "provisioned_vcpu_s": pc_s * vcpu,
        "cpu_ms": use.requests * use.cpu_ms,
        "transitions": use.transitions,
        "egress_gb": use.egress_gb,
        "months": 1.0,
    }


@dataclass
class Quote:
    """A priced monthly bill.

    Attributes
    ----------
    lines : list of (str, Decimal)
        Cost lines [USD/month], exact; credits are negative.
    catalogs : list of Catalog
        Catalogs the prices came from, the main one first.
    """

    lines: list[tuple[str, Decimal]]
    catalogs: list[Catalog] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_amounts(self.lines)

    @property
    def components(self) -> dict[str, Decimal]:
        """Lines merged by name [USD/month], exact."""
        out: dict[str, Decimal] = {}
        for name, amount in self.lines:
            out[name] = out.get(name, Decimal(0)) + amount
        return out

    @property
    def total(self) -> Decimal:
        """Exact monthly total [USD/month]."""
        return sum((a for _, a in self.lines), Decimal(0))

    def total_cents(self) -> Decimal:
        """The total rounded half-up to the cent [USD/month]."""
        return self.total.quantize(CENT, rounding=ROUND_HALF_UP)

    def components_cents(self) -> dict[str, Decimal]:
        """Components rounded to cents so that they add up exactly to :meth:`total_cents`."""
        return allocate_cents(self.components, self.total_cents())

    def to_json(self) -> dict[str, object]:
        """``{"total_usd", "components", "catalog", "catalogs", "as_of"}``."""
        main = self.catalogs[0] if self.catalogs else None
        return {
            "total_usd": float(self.total_cents()),
            "components": {k: float(v) for k, v in self.components_cents().items()},
            "catalog": main.ref if main else None,
            "catalogs": [c.ref for c in self.catalogs],
            "as_of": {c.ref: c.as_of.isoformat() for c in self.catalogs},
        }


def allocate_cents(amounts: dict[str, Decimal], total: Decimal) -> dict[str, Decimal]:
    """Round ``amounts`` to cents so that they sum exactly to ``total`` (largest remainder).

    Parameters
    ----------
    amounts : dict of str to Decimal
        Exact amounts [USD].
    total : Decimal
        The rounded total they must add up to [USD], a whole number of cents.
    """
    floors = {k: v.quantize(CENT, rounding=ROUND_FLOOR) for k, v in amounts.items()}
    short = int(((total - sum(floors.values(), Decimal(0))) / CENT).to_integral_value())
    by_remainder = sorted(amounts, key=lambda k: amounts[k] - floors[k], reverse=True)
    for key in by_remainder[: max(short, 0)]:
        floors[key] += CENT
    return floors


def quote_function(
    cats: CatalogSet,
    catalog_name: str,
    variant: str,
    use: FunctionUsage,
    *,
    free_tier: bool = True,
    extras: list[str] | None = None,
    overrides: dict[str, float] | None = None,
) -> Quote:
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
        Add-on item keys (``api-gateway-http``, ``internet-egress``, ...).
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
    metrics = quote_metrics(use, item)
    lines = rate_components(item.components, metrics, cat, free_tier, overrides)
    used = [cat]
    for key in extras or []:
        acat, name = cats.find_item(key, ("addon",))
        addon = acat.items[name]
        assert isinstance(addon, AddonItem)
        lines += rate_components(addon.components, metrics, acat, free_tier, overrides)
        if acat not in used:
            used.append(acat)
    return Quote(lines, used)


def quote_addon(cats: CatalogSet, key: str, use: FunctionUsage, *, free_tier: bool = True) -> Quote:
    """Price one add-on item (API Gateway, data transfer) on its own."""
    cat, name = cats.find_item(key, ("addon",))
    item = cat.items[name]
    assert isinstance(item, AddonItem)
    metrics = {
        "requests": use.requests,
        "all_requests": use.requests,
        "arrivals": use.requests,
        "egress_gb": use.egress_gb,
        "transitions": use.transitions,
        "months": 1.0,
    }
    return Quote(rate_components(item.components, metrics, cat, free_tier), [cat])


def billed_instance_s(hours: float, catalog: Catalog) -> float:
    """One instance's billed lifetime [s] under the catalog's granularity and minimum."""
    seconds = hours * 3600.0
    if seconds <= 0:
        return 0.0
    billing = catalog.billing
    if billing is None:
        return seconds
    billed = math.ceil(seconds / billing.granularity_s - 1e-9) * billing.granularity_s
    return max(billed, billing.minimum_s)


def quote_vm(
    cats: CatalogSet,
    key: str,
    *,
    hours: float = MONTH_S / 3600.0,
    count: int = 1,
    discount: float = 0.0,
    overrides: dict[str, float] | None = None,
) -> Quote:
    """Price ``count`` VMs of type ``key`` running ``hours`` each in a month."""
    cat, name = cats.find_item(key, ("vm",))
    item = cat.items[name]
    assert isinstance(item, MachineItem)
    if hours > MONTH_S / 3600.0 + 1e-9:
        raise InputError(f"--hours is per month, at most {MONTH_S / 3600:g}", field="--hours")
    billed = [billed_instance_s(hours, cat)] * count
    usage = Usage("vps", MONTH_S, {}, instance_billed_s=billed)
    return Quote(rate_machines(usage, cat, item, overrides or {}, discount), [cat])


def quote_server(
    cats: CatalogSet,
    key: str,
    *,
    count: int = 1,
    commitment_months: int = 12,
    ops_usd_per_server_month: float = 0.0,
    overrides: dict[str, float] | None = None,
) -> Quote:
    """Price ``count`` dedicated or colocated servers of type ``key`` for a month."""
    cat, name = cats.find_item(key, ("server",))
    item = cat.items[name]
    assert isinstance(item, MachineItem)
    usage = Usage("bare_metal", MONTH_S, {}, servers=count)
    lines = rate_servers(
        usage, cat, item, overrides or {}, commitment_months, ops_usd_per_server_month
    )
    return Quote(lines, [cat])
