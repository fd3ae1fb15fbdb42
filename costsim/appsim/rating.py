"""Rating an application option's stored usage: the one path for ``run`` and ``reprice``.

A run stores each application option's usage (``meters.json``, key ``application``) as plain
quantities: each function pool's meters, each gateway's requests, each queue item's billed
requests, the workflows' transitions and express durations, or a fleet's meters and how it is
priced. :func:`rate_usage` turns that into lines, each with its service, and each function's
own cost, with no event and no scenario in sight, so that a re-price gives the bytes a re-run
with the same catalogs gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from costsim.appsim.pricing import (
    Lines,
    PoolBilling,
    rate_addon,
    rate_express_workflow,
    rate_pools,
    rate_standard_workflow,
)
from costsim.appsim.static import SERVICE as STATIC_SERVICE
from costsim.appsim.static import StaticBill, rate_static
from costsim.errors import InputError
from costsim.kinds.app_hosting import Where, function_product, machine_item
from costsim.meters import Meters, MissingMeterError, MsHistogram
from costsim.pricing.bill import Bill
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem
from costsim.pricing.rate import breakdown, rate_machines, rate_servers
from costsim.pricing.registry import CatalogSet
from costsim.results import CostBreakdown

WORKFLOW_CATALOG = "aws-step-functions"


def nowhere(message: str, *_path: str | int) -> InputError:
    """An :class:`InputError` with no location (for a re-price)."""
    return InputError(message)


@dataclass
class AppBill(Bill):
    """An application option's bill: a :class:`~costsim.pricing.bill.Bill` (its lines and
    the catalogs priced from, the option's own product first) with each line's service and
    each function's own cost.

    Attributes
    ----------
    services : list of str
        The service of each line (``functions``, ``gateway``, ``queues``, ``workflows``,
        ``servers``, ``static site``).
    per_function : dict of str to CostBreakdown
        Each function's own cost, before the account's free allowance (serverless).
    static : StaticBill or None
        The static sites' bill (:mod:`costsim.appsim.static`), its lines among ``lines``.
    """

    services: list[str] = field(default_factory=list)
    per_function: dict[str, CostBreakdown] = field(default_factory=dict)
    static: StaticBill | None = None

    def add(self, lines: Lines, service: str) -> None:
        """Append ``lines`` of ``service``."""
        self.lines += lines
        self.services += [service] * len(lines)

    def cost(self) -> CostBreakdown:
        """The option's :class:`CostBreakdown`."""
        return breakdown(self.lines, self.versions)


def _catalog(cats: CatalogSet, name: str, where: Where, *path: str | int) -> Catalog:
    try:
        return cats.get(name)
    except InputError as exc:
        raise where(exc.message, *path) from None


def catalog_item(
    cats: CatalogSet,
    catalog: str,
    item: str,
    where: Where,
    *path: str | int,
    item_path: tuple[str | int, ...] | None = None,
) -> tuple[Catalog, AddonItem | FunctionItem]:
    """An add-on or function item (a queue, a topic, a workflow type) of ``catalog``; a missing
    catalog is located at ``path``, a missing item at ``item_path`` (default ``path``)."""
    cat = _catalog(cats, catalog, where, *path)
    found = cat.items.get(item)
    if not isinstance(found, AddonItem | FunctionItem):
        raise where(
            f"{catalog} has no item {item!r}; have {', '.join(cat.items)}", *(item_path or path)
        )
    return cat, found


def gateway_item(cats: CatalogSet, key: str, where: Where, route: int) -> tuple[Catalog, AddonItem]:
    """The add-on item a route's gateway bills from."""
    try:
        cat, name = cats.find_item(key, ("addon",))
    except InputError as exc:
        raise where(exc.message, "application", "routes", route, "gateway") from None
    item = cat.items[name]
    assert isinstance(item, AddonItem)
    return cat, item


def rate_usage(
    usage: dict[str, Any], cats: CatalogSet, horizon_s: float, where: Where = nowhere, idx: int = 0
) -> AppBill:
    """Rate an application option's stored usage (see the module docstring).

    Parameters
    ----------
    usage : dict
        The option's ``application`` entry of ``meters.json``.
    cats : CatalogSet
        The catalogs to price with.
    horizon_s : float
        Simulated period [s]; quantities are scaled from it to a 730-hour month.
    where : callable
        Locates an error (``scenario.error`` for a run).
    idx : int
        The option's position in ``options`` (for error locations).
    """
    if "pools" in usage:
        bill = _rate_pools(usage, cats, horizon_s, where, idx)
    else:
        bill = _rate_fleet(usage, cats, where, idx)
    if usage.get("static"):
        # the same sites, served by the CDN, next to every option
        bill.static = rate_static(usage["static"], cats, horizon_s, where)
        bill.catalogs += [c for c in bill.static.catalogs if c not in bill.catalogs]
        bill.add(bill.static.lines, STATIC_SERVICE)
    return bill


def _rate_pools(
    usage: dict[str, Any], cats: CatalogSet, horizon_s: float, where: Where, idx: int
) -> AppBill:
    bill = AppBill([])
    cat, item = function_product(cats, usage["product"], where, idx)
    bill.catalogs.append(cat)
    free_tier = bool(usage["free_tier"])
    prices = dict(usage.get("prices", {}))
    meters = {name: Meters.from_json(m) for name, m in usage["pools"].items()}
    billing = {name: PoolBilling(cat, item, free_tier, prices) for name in meters}
    try:
        lines, bill.per_function = rate_pools(meters, billing)
    except MissingMeterError as exc:
        raise where(
            f"{exc}; applications are priced for per-request function products (AWS Lambda "
            "and alike) for now",
            "options",
            idx,
            "provider",
        ) from None
    bill.add(lines, "functions")
    for g in usage.get("gateways", []):
        gcat, gitem = gateway_item(cats, g["key"], where, g["route"])
        bill.catalogs.append(gcat)
        bill.add(rate_addon(gitem, gcat, g["requests"], horizon_s, free_tier), "gateway")
    for q in usage.get("queues", []):
        path = ("application", "queues")
        qcat, qitem = catalog_item(cats, q["catalog"], q["item"], where, *path)
        bill.catalogs.append(qcat)
        bill.add(rate_addon(qitem, qcat, q["requests"], horizon_s, free_tier), "queues")
    path = ("application", "routes")
    transitions = float(usage.get("standard_transitions", 0))
    if transitions:
        wcat, witem = catalog_item(cats, WORKFLOW_CATALOG, "standard", where, *path)
        assert isinstance(witem, FunctionItem)
        bill.catalogs.append(wcat)
        lines = rate_standard_workflow(witem, wcat, transitions, horizon_s, free_tier)
        bill.add(lines, "workflows")
    for e in usage.get("express", []):
        wcat, witem = catalog_item(cats, WORKFLOW_CATALOG, "express", where, *path)
        assert isinstance(witem, FunctionItem)
        bill.catalogs.append(wcat)
        hist = MsHistogram.from_json(e["durations"])
        lines = rate_express_workflow(
            witem, wcat, hist, float(e["memory_mb"]), horizon_s, free_tier
        )
        bill.add(lines, "workflows")
    return bill


def _rate_fleet(usage: dict[str, Any], cats: CatalogSet, where: Where, idx: int) -> AppBill:
    bill = AppBill([])
    cat, item = machine_item(cats, usage["machine"], where, idx)
    bill.catalogs.append(cat)
    meters = Meters.from_json(usage["meters"])
    prices = dict(usage.get("prices", {}))
    if usage["rating"] == "machines":
        lines = rate_machines(meters, cat, item, prices, float(usage["savings_plan_discount"]))
    else:
        lines = rate_servers(
            meters,
            cat,
            item,
            prices,
            int(usage["commitment_months"]),
            float(usage["ops_usd_per_server_month"]),
        )
    bill.add(lines, "servers")
    return bill
