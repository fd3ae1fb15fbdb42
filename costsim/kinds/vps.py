"""Rented virtual machines: a fixed count or an autoscaled group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, model_validator

from costsim.fields import MAX_INSTANCES, MAX_PHASE_S, DurationS, Strict
from costsim.kinds.app_fleet import FleetAppHost
from costsim.kinds.base import OptionContext, OptionKind, Resolved, SizeEstimate, finite
from costsim.kinds.fleet import FleetOption, fleet_estimate, fleet_platform, machine_item
from costsim.meters import Meters
from costsim.platforms.fleet import AutoscalePolicy, FleetPlatform
from costsim.pricing.bill import PricingSpec
from costsim.pricing.registry import CatalogSet


class Autoscale(Strict):
    """Target tracking on utilisation, with boot delay and cooldown."""

    min: int = Field(default=1, ge=0, le=MAX_INSTANCES)
    max: int = Field(default=10, ge=1, le=MAX_INSTANCES)
    target_utilization: float = Field(default=0.6, gt=0, le=1)
    boot_time_s: DurationS = Field(default=60.0, ge=0, le=MAX_PHASE_S, alias="boot_time")
    cooldown_s: DurationS = Field(default=300.0, ge=0, le=MAX_PHASE_S, alias="cooldown")
    evaluation_period_s: DurationS = Field(
        default=60.0, gt=0, le=MAX_PHASE_S, alias="evaluation_period"
    )

    @model_validator(mode="after")
    def _min_below_max(self) -> Autoscale:
        if self.min > self.max:
            raise ValueError(f"autoscale min ({self.min}) is above max ({self.max})")
        return self


class VpsOption(FleetOption):
    """Rented virtual machines: a fixed ``count`` or an ``autoscale`` group."""

    kind: Literal["vps"]
    instance: str = "hetzner-cx33"
    count: int | None = Field(default=None, ge=1, le=MAX_INSTANCES)
    autoscale: Autoscale | None = None
    savings_plan_discount: float = Field(default=0.0, ge=0, lt=1)

    @model_validator(mode="after")
    def _count_or_autoscale(self) -> VpsOption:
        if self.count is not None and self.autoscale is not None:
            raise ValueError("give either count or autoscale, not both")
        return self

    @property
    def fixed_count(self) -> int:
        """Instances in a fixed fleet (1 when neither count nor autoscale is given)."""
        return self.count if self.count is not None else 1


def autoscale_policy(opt: VpsOption) -> AutoscalePolicy | None:
    """The option's target tracking (None for a fixed fleet)."""
    a = opt.autoscale
    if a is None:
        return None
    return AutoscalePolicy(
        a.min, a.max, a.target_utilization, a.boot_time_s, a.cooldown_s, a.evaluation_period_s
    )


class VpsKind(OptionKind[VpsOption]):
    """Rented VMs, billed from launch to termination at the catalog's granularity."""

    name = "vps"
    model = VpsOption
    engine_model = "fleet"
    words = "rented VPS"
    ops_load = (
        "machines to patch, monitor and size (or an autoscaling policy to tune); capacity "
        "arrives in minutes"
    )
    pays_for_idle = True

    def resolve(self, opt: VpsOption, ctx: OptionContext, cats: CatalogSet) -> Resolved:
        """The VM type ``instance`` names, from a ``vm`` catalog."""
        return machine_item(opt.instance, "vm", "instance", ctx, cats)

    def application(self, opt: VpsOption, ctx: OptionContext, cats: CatalogSet) -> FleetAppHost:
        """The application as one service on the fleet (:mod:`costsim.kinds.app_fleet`): fixed,
        or a target-tracking group starting at its minimum."""
        machine = {"key": opt.instance, "kinds": ["vm"], "field": "instance"}
        pricing = {"rating": "machines", "savings_plan_discount": opt.savings_plan_discount}
        policy = autoscale_policy(opt)
        count = policy.minimum if policy is not None else opt.fixed_count
        return FleetAppHost(opt, ctx, cats, machine, count, pricing, policy)

    def platform(self, opt: VpsOption, resolved: Resolved, ctx: OptionContext) -> FleetPlatform:
        """A fixed fleet, or a target-tracking group starting at its minimum."""
        policy = autoscale_policy(opt)
        count = policy.minimum if policy is not None else opt.fixed_count
        return fleet_platform(opt, count, policy, ctx)

    def pricing_spec(self, opt: VpsOption, resolved: Resolved) -> PricingSpec:
        """The VM type, with overrides and a savings-plan discount."""
        cat = resolved.catalog
        return PricingSpec(
            "vm",
            cat.catalog,
            opt.instance.removeprefix(cat.key_prefix),
            prices=dict(opt.prices),
            savings_plan_discount=opt.savings_plan_discount,
        )

    def detail(
        self, opt: VpsOption, resolved: Resolved, platform: Any, meters: Meters
    ) -> dict[str, object]:
        """Instance type, workers, balancer, whether it autoscales and how many it launched."""
        return {
            "instance": opt.instance,
            "workers": opt.workers,
            "balancer": opt.balancer,
            "autoscale": opt.autoscale is not None,
            "instances_launched": int(meters.counts.get("instances_launched", 0)),
        }

    def estimate(self, opt: VpsOption, ctx: OptionContext, requests: float) -> SizeEstimate:
        """At most ``autoscale.max`` (or ``count``) servers; evaluations until the fleet drains."""
        instances = float(opt.autoscale.max if opt.autoscale is not None else opt.fixed_count)
        events = 0.0
        if opt.autoscale is not None:
            # evaluations run until the horizon and then until the fleet drains
            drain_s = finite(ctx.horizon_s + 20 * finite(ctx.mean_duration_s()))
            events = finite(drain_s / opt.autoscale.evaluation_period_s)
        return fleet_estimate(opt, instances, ctx, requests, events)

    def assumptions(
        self, name: str, option: Mapping[str, Any] | None, given: Mapping[str, Any]
    ) -> list[str]:
        """List prices or a savings plan, and no operations cost for the machines."""
        discount = given.get("savings_plan_discount", 0)
        return [
            f"**Pricing ({name}):** "
            + (
                f"a {100 * float(discount):g} % savings-plan discount"
                if discount
                else "on-demand list prices, no reservation or savings plan"
            )
            + "; no operations cost is added for the machines"
        ]

    def describe(self, option: Mapping[str, Any]) -> str:
        """``2 x hetzner-cx33 (8 workers each)``, or ``an autoscaled group hetzner-cx33 (...)``."""
        d = option.get("detail", {})
        scale = "an autoscaled group" if d.get("autoscale") else f"{option['instances']['max']} x"
        return f"{scale} {d.get('instance', '?')} ({d.get('workers', '?')} workers each)"
