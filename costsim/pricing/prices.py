"""Prices and priced components: the vocabulary every catalog is written in.

Every price sits in a field whose name carries its currency and unit (``usd_per_gb_s``,
``eur_per_hour``); a component prices one usage metric, flat or in tiers, less a monthly free
allowance. :mod:`costsim.pricing.catalog` builds items and catalogs from these.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Price units that may follow ``usd_per_`` / ``eur_per_``, and how many base units each is.
UNIT_SIZES: dict[str, tuple[str, Decimal]] = {
    "request": ("requests", Decimal(1)),
    "million_requests": ("requests", Decimal(1_000_000)),
    "gb_s": ("gb_s", Decimal(1)),
    "gib_s": ("gb_s", Decimal(1)),
    "vcpu_s": ("vcpu_s", Decimal(1)),
    "gb": ("gb", Decimal(1)),
    "transition": ("transitions", Decimal(1)),
    "thousand_transitions": ("transitions", Decimal(1000)),
    "hour": ("hours", Decimal(1)),
    "month": ("months", Decimal(1)),
    "gb_hour": ("gb_s", Decimal(3600)),
    "gib_hour": ("gb_s", Decimal(3600)),
    "vcpu_hour": ("vcpu_s", Decimal(3600)),
    "ghz_s": ("ghz_s", Decimal(1)),
    "million_cpu_ms": ("cpu_ms", Decimal(1_000_000)),
}

#: Usage metrics a component may price, with their base unit. ``requests`` are on-demand
#: invocations, ``provisioned_requests`` those served by provisioned (always-ready) instances,
#: ``all_requests`` both; ``arrivals`` counts every request that reached the front door;
#: ``instance_*`` are whole-instance lifetimes (instance-based billing); ``environment_gb`` is
#: memory of each new execution environment (SnapStart restores, tenant isolation),
#: ``snapshot_cache_gb_s`` memory cached while a version is active, ``streamed_gb`` response
#: bytes streamed beyond the first 6 MB of each response. Which billing model
#: provides which metric is in :mod:`costsim.pricing.models`.
METRICS: dict[str, str] = {
    "requests": "requests",
    "all_requests": "requests",
    "arrivals": "requests",
    "compute_gb_s": "gb_s",
    "init_gb_s": "gb_s",
    "ephemeral_gb_s": "gb_s",
    "provisioned_gb_s": "gb_s",
    "provisioned_requests": "requests",
    "provisioned_compute_gb_s": "gb_s",
    "compute_vcpu_s": "vcpu_s",
    "compute_ghz_s": "ghz_s",
    "provisioned_vcpu_s": "vcpu_s",
    "instance_gb_s": "gb_s",
    "instance_vcpu_s": "vcpu_s",
    "environment_gb": "gb",
    "snapshot_cache_gb_s": "gb_s",
    "streamed_gb": "gb",
    "cpu_ms": "cpu_ms",
    "months": "months",
    "egress_gb": "gb",
    "transitions": "transitions",
}

CURRENCIES = ("usd", "eur")


#: Largest price accepted per unit [currency]: far above any real price, and small enough that
#: costs stay finite when converted to floats for reports.
MAX_PRICE = Decimal("1e9")


def check_price(key: str, value: object) -> None:
    """Raise ValueError unless ``value`` is a number within 0 .. :data:`MAX_PRICE`.

    Parameters
    ----------
    key : str
        The price's field name (``usd_per_gb_s``), for the message.
    value : object
        What the catalog holds.

    Raises
    ------
    ValueError
        If it is no number, not finite, negative or above :data:`MAX_PRICE`.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{key} must be a number")
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(f"{key} must be a number, got {value!r}") from None
    if not number.is_finite() or not 0 <= number <= MAX_PRICE:
        raise ValueError(f"{key} must be a finite number within 0 .. 1e9, got {value!r}")


def price_keys(data: dict[str, Any]) -> list[str]:
    """The keys of ``data`` that name a price: ``CURRENCY_per_UNIT`` (``usd_per_gb_s``).

    Parameters
    ----------
    data : dict
        A mapping of a catalog file.

    Returns
    -------
    list of str
        Its price keys, in order.
    """
    return [k for k in data if k.split("_per_")[0] in CURRENCIES and "_per_" in k]


class Price(BaseModel):
    """One price with its unit in the field name, e.g. ``usd_per_gb_s: 0.0000166667``."""

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)

    up_to: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_price(self) -> Price:
        extra = dict(self.model_extra or {})
        keys = price_keys(extra)
        if len(keys) != 1 or len(extra) != 1:
            raise ValueError(
                "give exactly one price field named CURRENCY_per_UNIT, e.g. usd_per_gb_s; "
                f"units: {', '.join(UNIT_SIZES)}"
            )
        unit = keys[0].split("_per_", 1)[1]
        if unit not in UNIT_SIZES:
            raise ValueError(f"unknown price unit {unit!r}; use one of {', '.join(UNIT_SIZES)}")
        check_price(keys[0], extra[keys[0]])
        return self

    @property
    def key(self) -> str:
        """The price field name, e.g. ``usd_per_gb_s``."""
        return price_keys(dict(self.model_extra or {}))[0]

    @property
    def currency(self) -> str:
        """``usd`` or ``eur``."""
        return self.key.split("_per_")[0]

    @property
    def unit(self) -> str:
        """Price unit, e.g. ``gb_s`` or ``million_requests``."""
        return self.key.split("_per_", 1)[1]

    @property
    def per_base_unit(self) -> Decimal:
        """Price of one base unit of the metric (e.g. of one request)."""
        value = Decimal(str((self.model_extra or {})[self.key]))
        return value / UNIT_SIZES[self.unit][1]

    @property
    def value(self) -> Decimal:
        """The price as written."""
        return Decimal(str((self.model_extra or {})[self.key]))


class Component(BaseModel):
    """A billed quantity: ``metric`` priced flat or in tiers, less a monthly free allowance."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str
    metric: str
    tiers: list[Price] = Field(min_length=1)
    free_per_month: float = Field(default=0.0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _flat_price(cls, data: Any) -> Any:
        if isinstance(data, dict) and "tiers" not in data:
            keys = price_keys(data)
            if keys:
                data = dict(data)
                data["tiers"] = [{k: data.pop(k) for k in keys}]
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Component:
        if self.metric not in METRICS:
            raise ValueError(f"unknown metric {self.metric!r}; use one of {', '.join(METRICS)}")
        base = METRICS[self.metric]
        for tier in self.tiers:
            if UNIT_SIZES[tier.unit][0] != base:
                raise ValueError(f"{tier.key} does not price {self.metric} (measured in {base})")
        for tier in self.tiers[:-1]:
            if tier.up_to is None:
                raise ValueError("every tier but the last needs up_to")
        if self.tiers[-1].up_to is not None:
            raise ValueError("the last tier must be open (no up_to)")
        bounds = [t.up_to for t in self.tiers[:-1]]
        if any(b2 <= b1 for b1, b2 in itertools.pairwise(bounds) if b1 and b2):
            raise ValueError("tier bounds (up_to) must increase")
        return self
