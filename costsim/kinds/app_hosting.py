"""How an option kind hosts an application: the interface its adapter returns, and the catalog
look-ups that a run and a re-price share.

:meth:`costsim.kinds.base.OptionKind.application` gives an :class:`AppHost` for one option:
it plans the engine's pools or service (checking the option against the application), runs
the application engine, turns what it measured into the usage that
:mod:`costsim.appsim.rating` prices, and words the option's ``detail``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from costsim.errors import InputError
from costsim.meters import Meters
from costsim.pricing.catalog import Catalog, FunctionItem, MachineItem
from costsim.pricing.registry import CatalogSet

#: ``where(message, *path)``: an :class:`InputError` at ``path`` of the scenario (a run), or a
#: plain one (a re-price, which has no scenario file to point into).
Where = Callable[..., InputError]


@dataclass
class AppUsage:
    """What an application option used, ready to rate and to report.

    Attributes
    ----------
    usage : dict
        JSON-ready quantities (``meters.json``'s ``application`` entry; see
        :mod:`costsim.appsim.rating`).
    meters : Meters
        The option's meters (an application's pools merged, or the fleet's).
    pool_meters : dict of str to Meters
        Each function pool's meters (serverless).
    queue_requests : dict of str to float
        Billed API requests of each queue (serverless).
    memory_mb : dict of str to float
        Each function's memory [MB] (serverless).
    """

    usage: dict[str, Any]
    meters: Meters
    pool_meters: dict[str, Meters] = field(default_factory=dict)
    queue_requests: dict[str, float] = field(default_factory=dict)
    memory_mb: dict[str, float] = field(default_factory=dict)


class AppHost(ABC):
    """One option hosting an application (built, and so checked, by its kind's adapter)."""

    #: Whether each function is a pool of its own instances (else one service runs them all).
    pools: bool = False

    @abstractmethod
    def run(self, *args: Any, engine: str = "simpy") -> Any:
        """Run the application engine, ``simpy`` (the reference) or ``fast`` (compiled: the
        caller checked :func:`costsim.kinds.app_compiled.compiled_gap`); the arguments are
        those of :class:`costsim.engine.app.flow.Host` after the plan. Returns an
        ``AppOutput``."""

    @abstractmethod
    def measure(self, out: Any) -> AppUsage:
        """The usage of a finished run ``out`` (an ``AppOutput``)."""

    @abstractmethod
    def detail(self, out: Any, catalogs: list[Catalog]) -> dict[str, Any]:
        """What the option was, for ``summary.json``'s ``detail`` (``catalogs``: those priced
        from, its own product first)."""


def function_product(
    cats: CatalogSet, product: dict[str, Any], where: Where, idx: int
) -> tuple[Catalog, FunctionItem]:
    """The function catalog and item ``{catalog, item, field}`` a serverless option's pools are
    priced from."""
    try:
        cat = cats.get(product["catalog"])
    except InputError as exc:
        raise where(exc.message, "options", idx, "provider") from None
    item = cat.items.get(product["item"])
    if cat.kind != "function" or not isinstance(item, FunctionItem):
        raise where(
            f"{product['catalog']} has no function item {product['item']!r}",
            "options",
            idx,
            product["field"],
        )
    return cat, item


def machine_item(
    cats: CatalogSet, machine: dict[str, Any], where: Where, idx: int
) -> tuple[Catalog, MachineItem]:
    """The catalog and item ``{key, kinds, field}`` a fleet's servers are priced from."""
    try:
        cat, name = cats.find_item(machine["key"], tuple(machine["kinds"]))
    except InputError as exc:
        raise where(exc.message, "options", idx, machine["field"]) from None
    item = cat.items[name]
    assert isinstance(item, MachineItem)
    return cat, item
