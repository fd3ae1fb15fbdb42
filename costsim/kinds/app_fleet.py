"""A fleet option (VPS or bare metal) hosting an application as one service.

What the fleet kinds' :meth:`~costsim.kinds.base.OptionKind.application` returns: a fixed
fleet, or (VPS) a target-tracking group, run on :func:`costsim.engine.app.run_fleet_app`, its
meters, and how its servers are priced (``rating``: ``machines`` per lifetime, ``servers`` per
month).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from costsim.engine.app import FleetPlan, run_fleet_app
from costsim.kinds.app_hosting import AppHost, AppUsage, machine_item
from costsim.kinds.base import OptionContext
from costsim.meters import Meters, MsHistogram
from costsim.platforms.fleet import AutoscalePolicy
from costsim.platforms.rules import BALANCERS
from costsim.pricing.catalog import Catalog
from costsim.pricing.registry import CatalogSet

if TYPE_CHECKING:
    from costsim.engine.app import AppOutput
    from costsim.kinds.fleet import FleetOption


def fleet_meters(out: AppOutput, plan: FleetPlan) -> Meters:
    """A fleet's meters: each server's lifetime (the horizon on a fixed fleet, launch to
    retirement on an autoscaled one), the servers launched, their busy time."""
    totals = out.totals()
    lifetime = (
        out.lifetime_ms
        if out.lifetime_ms is not None
        else MsHistogram.from_seconds(np.full(plan.servers, out.horizon_s))
    )
    launched = out.servers
    return Meters(
        kind="fleet",
        horizon_s=out.horizon_s,
        counts={
            "arrived": totals["arrived"],
            "served": totals["served"],
            "cold_starts": 0,
            "throttled": totals["throttled"],
            "dropped": totals["dropped"],
            "instances_launched": launched,
        },
        histograms={"instance_lifetime_ms": lifetime},
        totals={"alive_instance_s": out.alive_s, "busy_instance_s": out.busy_s},
        config={
            "servers": plan.servers,
            "workers": plan.workers,
            "application": True,
            **({"autoscale": True} if plan.autoscale is not None else {}),
        },
    )


class FleetAppHost(AppHost):
    """An application on a fixed fleet (see the module docstring).

    Parameters
    ----------
    opt : FleetOption
        The option.
    ctx : OptionContext
        Its scenario.
    cats : CatalogSet
        The catalogs (its machine item is looked up here).
    machine : dict
        ``{key, kinds, field}`` of its machine item.
    count : int
        Servers (the minimum when autoscaling).
    pricing : dict
        How rating prices its servers (``rating`` and that rating's settings).
    autoscale : AutoscalePolicy or None
        Target tracking, or None for a fixed fleet.
    """

    def __init__(
        self,
        opt: FleetOption,
        ctx: OptionContext,
        cats: CatalogSet,
        machine: dict[str, Any],
        count: int,
        pricing: dict[str, Any],
        autoscale: AutoscalePolicy | None = None,
    ) -> None:
        self.opt = opt
        self.ctx = ctx
        self.machine = machine
        self.pricing = pricing
        cat = machine_item(cats, machine, ctx.scenario.error, ctx.index)[0]
        billing = cat.billing
        if pricing["rating"] == "machines":
            gran, minimum = (billing.granularity_s, billing.minimum_s) if billing else (1.0, 0.0)
        else:
            gran, minimum = ctx.horizon_s, 0.0
        self.plan = FleetPlan(
            servers=count,
            workers=opt.workers,
            background_workers=opt.background_workers,
            balancer_code=BALANCERS.index(opt.balancer),
            queue_limit=opt.queue_limit,
            queue_timeout_s=opt.queue_timeout_s,
            billing_granularity_s=gran,
            billing_minimum_s=minimum,
            autoscale=autoscale,
        )

    def run(self, *args: Any, engine: str = "simpy") -> AppOutput:
        """Run the service on ``engine``; ``args`` are the host's (app, horizon, warm-up, seed,
        key, bins, base folder, batches, batch route); the compiled engine takes no batches
        (scenarios with them run on SimPy, :mod:`costsim.kinds.app_compiled`)."""
        if engine == "fast":
            from costsim.engine.fast_app import run_fleet_app_fast

            return run_fleet_app_fast(self.plan, *args[:7])
        return run_fleet_app(self.plan, *args)

    def measure(self, out: AppOutput) -> AppUsage:
        """The fleet's meters and how its servers are priced."""
        meters = fleet_meters(out, self.plan)
        usage = {
            "machine": self.machine,
            "meters": meters.to_json(),
            "prices": dict(self.opt.prices),
            **self.pricing,
        }
        return AppUsage(usage=usage, meters=meters)

    def detail(self, out: AppOutput, catalogs: list[Catalog]) -> dict[str, Any]:
        """The machine, whether it autoscales, its servers (launched) and workers."""
        return {
            self.machine["field"]: self.machine["key"],
            "autoscale": self.plan.autoscale is not None,
            "servers": out.servers,
            "workers": self.plan.workers,
            "background_workers": self.plan.background_workers,
        }
