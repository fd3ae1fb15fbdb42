"""One path from meters to money, for ``run``, ``sweep``, ``quote`` and ``reprice``.

What to price is stored with the meters (``meters.config["pricing"]``, a :class:`PricingSpec`):
the catalog and item, add-ons, free tier and overrides. So a stored run can be priced again
against other catalogs (:func:`rate`) without simulating it again, and a quote, whose meters
are built from its flags, goes through the very same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from costsim.errors import InputError
from costsim.meters import Meters
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem, MachineItem
from costsim.pricing.models import FLAT_METRICS, month_factor
from costsim.pricing.overrides import check_overrides
from costsim.pricing.rate import (
    check_amounts,
    rate_components,
    rate_function,
    rate_machines,
    rate_servers,
)
from costsim.pricing.registry import CatalogSet

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ExtraSpec:
    """An add-on priced with an option: a catalog item, a multiplier and its free-tier choice."""

    catalog: str
    item: str
    per_request: float = 1.0
    free_tier: bool | None = None


@dataclass(frozen=True)
class PricingSpec:
    """What an option is priced as (catalog references, not prices).

    Attributes
    ----------
    kind : str
        The catalog kind: ``function``, ``vm`` or ``server``.
    catalog, item : str
        The catalog name (no version: the catalog set picks it) and the item in it, without
        the catalog's key prefix.
    free_tier : bool
        Whether monthly free allowances are credited.
    prices : dict
        Overrides, checked against what the item bills.
    extras : tuple of ExtraSpec
        Add-ons (function products only).
    savings_plan_discount : float
        Fraction off the VM hourly charge.
    commitment_months : int
        Months a server's setup fee is spread over.
    ops_usd_per_server_month : float
        Operations cost per server [USD/month].
    """

    kind: str
    catalog: str
    item: str
    free_tier: bool = True
    prices: dict[str, float] = field(default_factory=dict)
    extras: tuple[ExtraSpec, ...] = ()
    savings_plan_discount: float = 0.0
    commitment_months: int = 12
    ops_usd_per_server_month: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (stored in ``meters.json``)."""
        return {
            "kind": self.kind,
            "catalog": self.catalog,
            "item": self.item,
            "free_tier": self.free_tier,
            "prices": dict(sorted(self.prices.items())),
            "extras": [e.__dict__ for e in self.extras],
            "savings_plan_discount": self.savings_plan_discount,
            "commitment_months": self.commitment_months,
            "ops_usd_per_server_month": self.ops_usd_per_server_month,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PricingSpec:
        """Inverse of :meth:`to_json`."""
        try:
            return cls(
                kind=str(data["kind"]),
                catalog=str(data["catalog"]),
                item=str(data["item"]),
                free_tier=bool(data.get("free_tier", True)),
                prices={str(k): float(v) for k, v in dict(data.get("prices", {})).items()},
                extras=tuple(ExtraSpec(**e) for e in data.get("extras", [])),
                savings_plan_discount=float(data.get("savings_plan_discount", 0.0)),
                commitment_months=int(data.get("commitment_months", 12)),
                ops_usd_per_server_month=float(data.get("ops_usd_per_server_month", 0.0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"bad pricing entry in meters: {exc}", field="pricing") from None


@dataclass
class Bill:
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

    @property
    def versions(self) -> dict[str, str]:
        """``{catalog: version}`` of the catalogs used."""
        return {c.catalog: c.version for c in self.catalogs}

    @property
    def dates(self) -> dict[str, str]:
        """``{catalog: as_of}`` of the catalogs used."""
        return {c.catalog: c.as_of.isoformat() for c in self.catalogs}

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


def resolve_item(
    cats: CatalogSet, catalog: str, item: str
) -> tuple[Catalog, FunctionItem | AddonItem | MachineItem]:
    """The catalog and item a spec names, or an error listing the catalog's items."""
    cat = cats.get(catalog)
    found = cat.items.get(item)
    if found is None:
        raise InputError(f"{cat.catalog} has no item {item!r}; have {', '.join(cat.items)}")
    return cat, found


def check_spec(spec: PricingSpec, cats: CatalogSet) -> None:
    """Resolve every catalog and item of ``spec`` and check its overrides (no meters needed)."""
    _resolved(spec, cats)


def _resolved(
    spec: PricingSpec, cats: CatalogSet
) -> tuple[Catalog, Any, list[tuple[Catalog, AddonItem | FunctionItem, float, bool]]]:
    cat, item = resolve_item(cats, spec.catalog, spec.item)
    if cat.kind != spec.kind:
        raise InputError(f"catalog {cat.catalog!r} is a {cat.kind} catalog, not a {spec.kind}")
    extras: list[tuple[Catalog, AddonItem | FunctionItem, float, bool]] = []
    for e in spec.extras:
        acat, aitem = resolve_item(cats, e.catalog, e.item)
        if not isinstance(aitem, AddonItem | FunctionItem):
            raise InputError(f"{acat.catalog} item {e.item!r} cannot be an add-on")
        free = spec.free_tier if e.free_tier is None else e.free_tier
        extras.append((acat, aitem, e.per_request, free))
    what = f"{cat.key_prefix}{spec.item}" if cat.key_prefix else f"{cat.catalog} {spec.item}"
    check_overrides(spec.prices, [item, *(x[1] for x in extras)], cat.kind, what)
    return cat, item, extras


def rate(meters: Meters, cats: CatalogSet, spec: PricingSpec | None = None) -> Bill:
    """Price one option's meters: the single path to money.

    Parameters
    ----------
    meters : Meters
        What the option used; ``meters.config["pricing"]`` says what to price it as unless
        ``spec`` is given.
    cats : CatalogSet
        The catalogs (and pinned versions) to price with.
    spec : PricingSpec, optional
        What to price the meters as.

    Returns
    -------
    Bill
    """
    if spec is None:
        spec = PricingSpec.from_json(meters.require("pricing", "any"))
    cat, item, extras = _resolved(spec, cats)
    if isinstance(item, FunctionItem):
        lines = rate_function(
            meters, cat, item, free_tier=spec.free_tier, overrides=spec.prices, extras=extras
        )
    elif isinstance(item, MachineItem) and cat.kind == "vm":
        lines = rate_machines(meters, cat, item, spec.prices, spec.savings_plan_discount)
    elif isinstance(item, MachineItem):
        lines = rate_servers(
            meters,
            cat,
            item,
            spec.prices,
            spec.commitment_months,
            spec.ops_usd_per_server_month,
        )
    else:
        lines = rate_function_addon(meters, cat, item, spec.free_tier)
    used = [cat]
    for acat, _, _, _ in extras:
        if acat not in used:
            used.append(acat)
    return Bill(lines, used)


def rate_function_addon(
    meters: Meters, cat: Catalog, item: AddonItem, free_tier: bool
) -> list[tuple[str, Decimal]]:
    """An add-on priced on its own (``quote addon``): rated on plain request and byte meters."""
    scale = month_factor(meters.horizon_s)
    quantities: dict[str, Decimal] = {}
    for comp in item.components:
        if comp.metric in FLAT_METRICS:
            quantities[comp.metric] = Decimal(1)
        elif comp.metric in ("requests", "all_requests", "arrivals", "transitions"):
            quantities[comp.metric] = Decimal(int(meters.require("arrived", "addon"))) * scale
        elif comp.metric == "egress_gb":
            gb = Decimal(repr(float(meters.require("bytes_out", "addon")))) / Decimal(1024**3)
            quantities[comp.metric] = gb * scale
        else:
            raise InputError(f"add-on component {comp.name!r} cannot be priced on its own")
    return rate_components(item.components, quantities, cat, free_tier)
