"""Price catalogs: dated, sourced price lists stored as YAML data.

A catalog file describes one provider product (``aws-lambda``, ``hetzner-cloud``, ...). Every
price sits in a field whose name carries its currency and unit (``usd_per_gb_s``,
``eur_per_hour``). Tiers, free allowances, billing granularity and minimums are data too.
Catalogs are versioned: ``aws-lambda@2026-10``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from costsim.errors import InputError
from costsim.pricing.prices import (
    CURRENCIES,
    MAX_PRICE,
    METRICS,
    UNIT_SIZES,
    Component,
    Price,
    check_price,
)
from costsim.yamlio import load_yaml, load_yaml_text

# Kept importable from here, where they were defined before pricing.prices.
__all__ = [
    "CURRENCIES",
    "MACHINE_PRICES",
    "MAX_PRICE",
    "METRICS",
    "UNIT_SIZES",
    "AddonItem",
    "Catalog",
    "Component",
    "FunctionBilling",
    "FunctionItem",
    "FunctionLimits",
    "MachineItem",
    "Price",
    "VmBilling",
    "builtin_catalog_files",
    "load_builtin_catalogs",
    "load_catalog_file",
    "parse_catalog",
]


class FunctionBilling(BaseModel):
    """Billing rules of a function product.

    Attributes
    ----------
    granularity_ms, minimum_ms : float
        Billed duration is rounded up to ``granularity_ms`` and is at least ``minimum_ms`` [ms].
    provisioned_granularity_s : float
        Provisioned (always-ready) time is rounded up to this period [s].
    memory_min_mb, memory_max_mb, memory_step_mb : float
        Allowed memory, and the step billed memory is rounded up to [MB].
    included_ephemeral_mb : float
        Ephemeral storage included in the price [MB].
    model : str
        The billing model (a key of :data:`costsim.pricing.models.BILLING_MODELS`):
        ``per_request`` (each request's duration rounded: Lambda, Cloud Functions 1st gen, Azure
        Consumption), ``per_active_period`` (instance activity periods rounded, with the
        minimum per period: Cloud Run request-based, Azure Flex), ``per_instance`` (instance
        lifetimes, at least ``min_instances``: Cloud Run instance-based, Azure Premium) or
        ``cpu_time`` (Cloudflare Workers).
    min_instances : int
        Instances billed at all times whatever the traffic (Azure Premium: 1).
    vcpu : float or None
        vCPUs of every instance, for fixed sizes (Azure Premium EP1: 1).
    vcpu_per_gb : float or None
        Default vCPUs per GB of memory, for products priced per vCPU-second.
    mb_per_vcpu, max_vcpu : float or None
        Memory that buys one vCPU [MB] and the most vCPUs (Lambda: 1,769 MB, 6 vCPU).
    ghz_by_memory_mb : dict
        CPU clock bundled with each memory size [GHz], for products priced per GHz-second.
    snapshot_cache_minimum_s : float
        Least time a published SnapStart snapshot of this function is billed as cached [s]
        (Lambda: 3 h; the ``snapshot_cache_gb_s`` quantity reads it).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    granularity_ms: float = Field(gt=0)
    minimum_ms: float = Field(default=0.0, ge=0)
    init_billed: bool = False
    provisioned_granularity_s: float = Field(default=300.0, gt=0)
    memory_min_mb: float = Field(default=128.0, gt=0)
    memory_max_mb: float = Field(default=10240.0, gt=0)
    memory_step_mb: float = Field(default=1.0, gt=0)
    included_ephemeral_mb: float = Field(default=512.0, ge=0)
    model: Literal["per_request", "per_active_period", "per_instance", "cpu_time"] = "per_request"
    min_instances: int = Field(default=0, ge=0)
    vcpu: float | None = Field(default=None, gt=0)
    vcpu_per_gb: float | None = Field(default=None, gt=0)
    mb_per_vcpu: float | None = Field(default=None, gt=0)
    max_vcpu: float | None = Field(default=None, gt=0)
    ghz_by_memory_mb: dict[int, float] = Field(default_factory=dict)
    snapshot_cache_minimum_s: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _memory_range(self) -> FunctionBilling:
        if self.memory_min_mb > self.memory_max_mb:
            raise ValueError("memory_min_mb is above memory_max_mb")
        return self


class FunctionLimits(BaseModel):
    """The platform limits a function product applies by default (a scenario may override
    them within the product's bounds).

    Attributes
    ----------
    timeout_s : float or None
        Longest an invocation may run [s]; a longer one is cut there and fails (Lambda: 900).
    scale_instances, scale_per_s : int and float, or None
        New execution environments a function may start per period: at most
        ``scale_instances`` every ``scale_per_s`` seconds (Lambda: 1,000 every 10 s).
    max_lifetime_s : float or None
        Age [s] at which the platform recycles an execution environment even when it is busy
        (Lambda: "every few hours", measured at about 2 h); None for a product that does not.
    max_lifetime_source : str or None
        Where the maximum lifetime is published or measured.
    min_unreserved : int or None
        Concurrent executions the account keeps unreserved: the functions' reserved concurrency
        may sum to at most the account limit minus this (Lambda: 100).
    source : str or None
        Where the limits are published.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    timeout_s: float | None = Field(default=None, gt=0, le=86400.0)
    scale_instances: int | None = Field(default=None, ge=1, le=10**6)
    scale_per_s: float | None = Field(default=None, gt=0, le=86400.0)
    max_lifetime_s: float | None = Field(default=None, gt=0, le=365 * 86400.0)
    max_lifetime_source: str | None = None
    min_unreserved: int | None = Field(default=None, ge=0, le=10**6)
    source: str | None = None

    @model_validator(mode="after")
    def _lifetime_sourced(self) -> FunctionLimits:
        if self.max_lifetime_s is not None and not self.max_lifetime_source:
            raise ValueError("max_lifetime_s needs its max_lifetime_source")
        return self

    @model_validator(mode="after")
    def _scale_pair(self) -> FunctionLimits:
        if (self.scale_instances is None) != (self.scale_per_s is None):
            raise ValueError("give scale_instances and scale_per_s together")
        return self


class FunctionItem(BaseModel):
    """One priced variant of a function product (e.g. the x86_64 architecture)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    item_kind: Literal["function"] = Field(default="function", exclude=True)
    billing: FunctionBilling
    limits: FunctionLimits = Field(default_factory=FunctionLimits)
    components: list[Component] = Field(min_length=1)
    source: str | None = None

    @model_validator(mode="after")
    def _billable(self) -> FunctionItem:
        # imported here: the billing models read catalog items, so they import this module
        from costsim.pricing.models import BILLING_MODELS, FLAT_METRICS

        billable = set(BILLING_MODELS[self.billing.model]) | FLAT_METRICS
        for comp in self.components:
            if comp.metric not in billable:
                raise ValueError(
                    f"component {comp.name!r}: billing model {self.billing.model!r} does not "
                    f"bill {comp.metric!r}; it bills {', '.join(sorted(billable))}"
                )
        return self


class AddonItem(BaseModel):
    """A per-request product sold beside functions (API Gateway, data transfer, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    item_kind: Literal["addon"] = Field(default="addon", exclude=True)
    components: list[Component] = Field(min_length=1)
    source: str | None = None


class VmBilling(BaseModel):
    """How a VM's lifetime is billed."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    granularity_s: float = Field(gt=0)
    minimum_s: float = Field(default=0.0, ge=0)
    monthly_cap: bool = False


#: Price fields a machine may carry after its currency prefix (``usd_per_hour``, ...).
MACHINE_PRICES = (
    "per_hour",
    "per_month",
    "setup",
    "capex",
    "per_kw_month",
    "per_rack_unit_month",
    "ops_per_month",
)


class MachineItem(BaseModel):
    """A VM type or a server, with its hourly and/or monthly price.

    A colocated server carries its TCO inputs instead: ``CURRENCY_capex`` amortised over
    ``amortization_years``, ``power_kw`` at ``CURRENCY_per_kw_month``, ``rack_units`` at
    ``CURRENCY_per_rack_unit_month`` and ``CURRENCY_ops_per_month``.
    """

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)

    item_kind: Literal["vm", "server"] = Field(default="vm", exclude=True)
    vcpu: float | None = Field(default=None, gt=0)
    memory_gb: float | None = Field(default=None, gt=0)
    power_kw: float | None = Field(default=None, ge=0)
    rack_units: float | None = Field(default=None, ge=0)
    amortization_years: float | None = Field(default=None, gt=0)
    description: str = ""
    source: str | None = None

    @model_validator(mode="after")
    def _prices(self) -> MachineItem:
        for key, value in (self.model_extra or {}).items():
            cur, _, rest = key.partition("_")
            if cur not in CURRENCIES or rest not in MACHINE_PRICES:
                raise ValueError(
                    f"unknown field {key!r}; prices are CURRENCY_ followed by one of "
                    + ", ".join(MACHINE_PRICES)
                )
            if isinstance(value, str):
                raise ValueError(f"{key} must be a number >= 0")
            check_price(key, value)
        return self

    def price(self, what: str) -> tuple[Decimal, str] | None:
        """The price ``what`` (one of :data:`MACHINE_PRICES`) and its currency, if given."""
        for key, value in (self.model_extra or {}).items():
            cur, _, rest = key.partition("_")
            if rest == what:
                return Decimal(str(value)), cur
        return None


CatalogItem = Annotated[FunctionItem | AddonItem | MachineItem, Field(discriminator="item_kind")]


class Catalog(BaseModel):
    """A whole catalog file."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    catalog: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str = Field(pattern=r"^\d{4}-\d{2}$")
    title: str
    kind: Literal["function", "addon", "vm", "server"]
    provider: str
    region: str
    currency: Literal["USD", "EUR"]
    as_of: dt.date
    source: str
    usd_per_eur: float | None = Field(default=None, gt=0)
    usd_per_eur_source: str | None = None
    key_prefix: str = ""
    notes: str = ""
    billing: VmBilling | None = None
    items: dict[
        str, Annotated[FunctionItem | AddonItem | MachineItem, Field(discriminator="item_kind")]
    ]

    @model_validator(mode="before")
    @classmethod
    def _typed_items(cls, data: Any) -> Any:
        # Tell each item which kind of catalog it belongs to, so the tagged union picks the
        # right item model and errors keep their items.KEY.field location.
        if isinstance(data, dict) and isinstance(data.get("items"), dict):
            kind = data.get("kind")
            data = dict(data)
            data["items"] = {
                k: {**v, "item_kind": kind} if isinstance(v, dict) else v
                for k, v in data["items"].items()
            }
        return data

    @model_validator(mode="after")
    def _checks(self) -> Catalog:
        if self.currency == "EUR" and self.usd_per_eur is None:
            raise ValueError("an EUR catalog must state usd_per_eur (the exchange rate used)")
        if self.kind == "vm" and self.billing is None:
            raise ValueError("a vm catalog needs billing: {granularity_s, minimum_s, monthly_cap}")
        if not self.items:
            raise ValueError("a catalog needs at least one item")
        return self

    @property
    def ref(self) -> str:
        """Versioned reference, e.g. ``aws-lambda@2026-10``."""
        return f"{self.catalog}@{self.version}"

    def to_usd(self, amount: Decimal, currency: str) -> Decimal:
        """Convert an amount in ``currency`` (usd/eur) to USD at the catalog's stated rate."""
        if currency.lower() == "usd":
            return amount
        if self.usd_per_eur is None:
            raise InputError(f"catalog {self.ref} has EUR prices but no usd_per_eur rate")
        return amount * Decimal(str(self.usd_per_eur))

    def item_keys(self) -> list[str]:
        """Keys that scenarios use for the items (with ``key_prefix``)."""
        return [self.key_prefix + k for k in self.items]


def parse_catalog(data: Any, file: str, line_map: Any = None) -> Catalog:
    """Validate catalog data, raising :class:`InputError` with file and line."""
    try:
        return Catalog.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        if len(loc) > 2 and loc[0] == "items" and loc[2] in ("function", "addon", "vm", "server"):
            loc = loc[:2] + loc[3:]  # the item-kind tag is ours, not a key of the file
        line, path = line_map.line_of(loc, data) if line_map else (None, "")
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown field {err['loc'][-1]!r}"
        elif err["type"] == "missing":
            msg = "required field is missing"
        raise InputError(msg, file=file, line=line or 1, field=path or None) from None


def load_catalog_file(path: str | Path) -> Catalog:
    """Load one catalog file."""
    data, line_map = load_yaml(path)
    return parse_catalog(data, str(path), line_map)


def builtin_catalog_files() -> list[Path]:
    """The catalog files shipped with costsim."""
    root = resources.files("costsim") / "catalogs"
    return sorted(Path(str(p)) for p in root.iterdir() if str(p).endswith(".yaml"))


class _BuiltinLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's loader (where installed) for the shipped catalogs, dates kept as text as
    :mod:`costsim.yamlio` keeps them: ten times faster than the line-tracking loader."""


_BuiltinLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_builtin_catalogs() -> list[Catalog]:
    """Load every catalog shipped with costsim.

    The shipped files are read with the fast loader; should one fail to validate, it is read
    again with the line-tracking loader, so that the error names its file and line.
    """
    out = []
    for path in builtin_catalog_files():
        text = path.read_text(encoding="utf-8")
        try:
            out.append(Catalog.model_validate(yaml.load(text, Loader=_BuiltinLoader)))
        except (yaml.YAMLError, ValidationError):
            data, line_map = load_yaml_text(text, str(path))
            out.append(parse_catalog(data, str(path), line_map))
    return out
