"""The interface every option kind implements, and what the simulation chain hands it.

An option kind (serverless, vps, bare_metal, ...) is one adapter: it holds the option's schema,
finds and checks the catalog items it is priced from, builds the platform model its engine runs,
estimates its size for the resource guard, says what rating prices its meters as (a thin call
into :mod:`costsim.pricing`), and gives the report its words. The chain, the guard, the sweep
and the report look the adapter up by the option's ``kind`` and never name a kind themselves.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import numpy as np

from costsim.errors import InputError
from costsim.fields import Strict
from costsim.meters import Meters
from costsim.pricing.bill import Bill, PricingSpec, rate
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem, MachineItem
from costsim.pricing.overrides import check_overrides
from costsim.pricing.registry import CatalogSet

if TYPE_CHECKING:
    from costsim.engine.metrics import TimeBins
    from costsim.kinds.app_hosting import AppHost
    from costsim.traffic.chunk import Chunk

#: The option model an adapter is written for.
OptionT = TypeVar("OptionT", bound=Strict)


@dataclass(frozen=True)
class OptionContext:
    """What an option kind may read of its scenario: these properties, nothing else.

    The scenario is read when a property is, so that a partial scenario (one built to check
    catalog keys only) serves the adapters that need no more of it.

    Attributes
    ----------
    index : int
        Position of the option in ``options`` (for error locations).
    scenario : Scenario
        The scenario the option belongs to (read through the properties below).
    """

    index: int
    scenario: Any

    @property
    def horizon_s(self) -> float:
        """Simulated time [s]."""
        return float(self.scenario.horizon_s)

    @property
    def warmup_s(self) -> float:
        """Requests arriving before this time [s] are left out of latency statistics."""
        return float(self.scenario.warmup_s)

    @property
    def traffic(self) -> Any:
        """The scenario's traffic profile (``expected_count``, ``peak_rps``)."""
        return self.scenario.traffic

    @property
    def workload(self) -> Any:
        """What one request does (``duration``, ``cpu_bound``, ``cpu_time``,
        ``reference_memory``, ``threads``, ``payload``)."""
        return self.scenario.workload

    def error(self, message: str, *field: str | int) -> InputError:
        """An :class:`InputError` at field ``field`` of this option in the scenario file."""
        located: InputError = self.scenario.error(message, "options", self.index, *field)
        return located

    def peak_rps(self) -> float:
        """Highest arrival rate of the traffic over the horizon [1/s]."""
        return float(self.traffic.peak_rps(self.horizon_s))

    def mean_duration_s(self) -> float:
        """Mean request duration on the reference machine [s]."""
        return float(self.workload.duration.mean_s)


def option_context(scenario: Any, index: int) -> OptionContext:
    """The :class:`OptionContext` of option ``index`` of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        The scenario (read for its horizon, warm-up, traffic, workload and error locations).
    index : int
        Position of the option in ``scenario.options``.
    """
    return OptionContext(index=index, scenario=scenario)


@dataclass(frozen=True)
class Resolved:
    """The catalog items an option is priced from, found and checked against the option.

    Attributes
    ----------
    catalog : Catalog
        The catalog of the option's own product.
    item : FunctionItem or MachineItem
        The product's item (a function variant, a VM type, a server).
    extras : tuple of (Extra, Catalog, AddonItem or FunctionItem)
        Priced add-ons billed alongside (serverless), each with its catalog and item.
    settings : mapping
        What the kind derived from option and item together (a billing granularity [ms], ...).
    """

    catalog: Catalog
    item: FunctionItem | MachineItem
    extras: tuple[tuple[Any, Catalog, AddonItem | FunctionItem], ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def catalogs(self) -> list[Catalog]:
        """Every catalog the option's cost comes from, its own first."""
        return [self.catalog, *(cat for _, cat, _ in self.extras)]


@dataclass(frozen=True)
class SizeEstimate:
    """What one option is expected to hold at once, for the resource guard.

    Attributes
    ----------
    instances : float
        Most instances alive at once.
    queued : float
        Most requests waiting at once.
    events : float
        Timer events the model adds over the horizon (autoscaling evaluations).
    fleet_size : float or None
        Servers a fixed fleet needs (sized by hand or for the peak); None for a pool the
        provider scales.
    """

    instances: float
    queued: float = 0.0
    events: float = 0.0
    fleet_size: float | None = None


def finite(x: float) -> float:
    """``x`` as a float, with NaN and overflow turned into infinity (to be refused)."""
    try:
        value = float(x)
    except (OverflowError, ValueError, TypeError):
        return math.inf
    return value if math.isfinite(value) else math.inf


class OptionKind(ABC, Generic[OptionT]):
    """One option kind: everything that differs between serverless, VPS, bare metal, ...

    Attributes
    ----------
    name : str
        The ``kind:`` tag in scenario files.
    model : type
        The option's pydantic schema.
    engine_model : str
        Which model of an engine runs it (a key of ``costsim.engine.ENGINES[engine]``).
    words : str
        What the kind is, for people (``rented VPS``).
    ops_load : str
        What running it asks of a team, for the decision record.
    pays_for_idle : bool
        Whether it bills capacity whether or not it works (a fleet), so idle capacity is a cost.
    product_field : str
        The option field a rating problem (a meter the product needs and the option lacks) is
        located at.
    """

    name: ClassVar[str]
    model: ClassVar[type[Strict]]
    engine_model: ClassVar[str]
    words: ClassVar[str]
    ops_load: ClassVar[str]
    pays_for_idle: ClassVar[bool]
    product_field: ClassVar[str] = "kind"

    @abstractmethod
    def resolve(self, opt: OptionT, ctx: OptionContext, cats: CatalogSet) -> Resolved:
        """Find and check the catalog items ``opt`` is priced from.

        Raises
        ------
        InputError
            Located at the option's field: an unknown key, a catalog of the wrong kind, a
            value the product does not allow (memory outside its range, ...).
        """

    @abstractmethod
    def platform(self, opt: OptionT, resolved: Resolved, ctx: OptionContext) -> Any:
        """The platform model (``costsim.platforms``) its engine runs."""

    def requests(
        self, opt: OptionT, chunks: Iterable[Chunk], ctx: OptionContext
    ) -> Iterable[Chunk]:
        """The request stream as this option sees it (by default, unchanged)."""
        return chunks

    @abstractmethod
    def pricing_spec(self, opt: OptionT, resolved: Resolved) -> PricingSpec:
        """What rating prices the option as: catalog, item, add-ons, overrides, discounts."""

    def priced_as(self, opt: OptionT, resolved: Resolved, ctx: OptionContext) -> PricingSpec:
        """:meth:`pricing_spec`, with its price overrides checked against what the items bill.

        Raises
        ------
        InputError
            At ``prices.KEY`` of the option for a key its items do not bill.
        """
        spec = self.pricing_spec(opt, resolved)
        cat = resolved.catalog
        key = f"{cat.key_prefix}{spec.item}" if cat.key_prefix else f"{cat.catalog} {spec.item}"
        items = [resolved.item, *(item for _, _, item in resolved.extras)]
        try:
            check_overrides(spec.prices, items, cat.kind, key)
        except InputError as exc:
            raise ctx.error(exc.message, "prices", exc.field or "") from None
        return spec

    def meter_config(
        self, opt: OptionT, resolved: Resolved, platform: Any, ctx: OptionContext
    ) -> dict[str, object]:
        """What a price depends on besides the meters (memory, servers, ...), for ``config``."""
        return {}

    def add_workload_meters(self, meters: Meters, ctx: OptionContext) -> None:
        """Meters no engine measures that the workload gives (response bytes, CPU time)."""

    def price(self, meters: Meters, cats: CatalogSet) -> Bill:
        """Rate the option's meters: a thin call into :func:`costsim.pricing.bill.rate`."""
        return rate(meters, cats)

    @abstractmethod
    def detail(
        self, opt: OptionT, resolved: Resolved, platform: Any, meters: Meters
    ) -> dict[str, object]:
        """What the option was, for ``summary.json``'s ``detail`` and the report's words."""

    @abstractmethod
    def estimate(self, opt: OptionT, ctx: OptionContext, requests: float) -> SizeEstimate:
        """What the option holds at most, from the scenario alone (for the resource guard).

        Parameters
        ----------
        opt : option model
            The option.
        ctx : OptionContext
            Its scenario.
        requests : float
            Expected arrivals over the horizon.
        """

    def cost_driver(self, bins: TimeBins) -> np.ndarray:
        """What the cost accrues with over time: instance-seconds per bin (a fleet's bill)."""
        return np.asarray(bins.alive_s, dtype=float)

    def paid_idle_fraction(self, option: Any) -> float:
        """Share of what the option pays for that sits idle: ``1 - utilization`` for a fleet.

        Parameters
        ----------
        option : OptionResult
            The option's result (its ``utilization``, and its ``meters`` for a pool).
        """
        return 1.0 - float(option.utilization)

    def assumptions(
        self, name: str, option: Mapping[str, Any] | None, given: Mapping[str, Any]
    ) -> list[str]:
        """What a decision record should say this option took for granted.

        Parameters
        ----------
        name : str
            The option's name.
        option : mapping or None
            Its entry in a run's ``summary.json`` (None for a sweep).
        given : mapping
            The option as written in the scenario file (to tell defaults from choices).
        """
        return []

    def application(self, opt: OptionT, ctx: OptionContext, cats: CatalogSet) -> AppHost:
        """How the option hosts the scenario's application: its engine plan (checked against
        the application), its run, its usage and its words (:mod:`costsim.kinds.app_hosting`).

        Raises
        ------
        InputError
            At the option's field for what the kind cannot host.
        """
        raise ctx.error(f"a {self.name} option does not run applications", "kind")

    @abstractmethod
    def describe(self, option: Mapping[str, Any]) -> str:
        """One line on what the option is, from its entry in ``summary.json``."""
