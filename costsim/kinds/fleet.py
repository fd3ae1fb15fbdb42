"""What VPS and bare-metal options share: a fleet of servers with workers and a balancer."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, WithJsonSchema

from costsim.errors import InputError
from costsim.fields import MAX_SPAN_S, DurationS, Name, OneOf, PriceOverrides, Strict
from costsim.kinds.base import OptionContext, Resolved, SizeEstimate, finite
from costsim.platforms.fleet import AutoscalePolicy, FleetPlatform
from costsim.platforms.rules import BALANCERS
from costsim.pricing.catalog import MachineItem
from costsim.pricing.registry import CatalogSet

#: Balancer of a fleet: a name of ``costsim.platforms.rules.BALANCERS``.
Balancer = Annotated[
    str,
    BeforeValidator(OneOf(tuple(BALANCERS), "balancer")),
    WithJsonSchema({"type": "string", "enum": list(BALANCERS)}),
]


class FleetOption(Strict):
    """Fields every fleet option has: workers per server, the balancer and queue limits."""

    name: Name
    workers: int = Field(default=1, ge=1, le=100_000)
    balancer: Balancer = "shared_queue"
    queue_limit: int | None = Field(default=None, ge=0, le=10**9)
    queue_timeout_s: DurationS | None = Field(
        default=None, ge=0, le=MAX_SPAN_S, alias="queue_timeout"
    )
    prices: PriceOverrides = Field(default_factory=dict)
    #: For an application scenario: slots per server kept for asynchronous jobs (queued sends);
    #: without them, jobs share the ``workers`` with requests.
    background_workers: int | None = Field(default=None, ge=1, le=100_000)


def machine_item(
    key: str, catalog_kind: str, field: str, ctx: OptionContext, cats: CatalogSet
) -> Resolved:
    """The machine item ``key`` from a catalog of ``catalog_kind`` (``vm``, ``server``).

    Raises
    ------
    InputError
        At the option's ``field`` (``instance``, ``server``) when no such item exists.
    """
    try:
        cat, name = cats.find_item(key, (catalog_kind,))
    except InputError as exc:
        raise ctx.error(exc.message, field) from None
    item = cat.items[name]
    assert isinstance(item, MachineItem)
    return Resolved(cat, item)


def fleet_platform(
    opt: FleetOption, count: int, autoscale: AutoscalePolicy | None, ctx: OptionContext
) -> FleetPlatform:
    """The queueing model of a fleet of ``count`` servers (the minimum when autoscaling)."""
    return FleetPlatform(
        count=count,
        workers=opt.workers,
        balancer=opt.balancer,
        queue_limit=opt.queue_limit,
        queue_timeout_s=opt.queue_timeout_s,
        autoscale=autoscale,
        latency_warmup_s=ctx.warmup_s,
    )


def fleet_estimate(
    opt: FleetOption, instances: float, ctx: OptionContext, requests: float, events: float = 0.0
) -> SizeEstimate:
    """A fleet's size for the guard: its servers, and the backlog an overload leaves queued.

    An overloaded fleet without a queue limit holds the excess of work over its slots in its
    queues: ``requests * (1 - slots * horizon / work)``, at most ``queue_limit`` per server.
    """
    mean_s = finite(ctx.mean_duration_s())
    slots = instances * opt.workers
    work_s = requests * mean_s
    backlog = requests * max(0.0, 1.0 - slots * ctx.horizon_s / work_s) if work_s > 0 else 0.0
    if opt.queue_limit is not None:
        backlog = min(backlog, float(opt.queue_limit) * instances)
    return SizeEstimate(
        instances=instances, queued=finite(backlog), events=events, fleet_size=instances
    )
