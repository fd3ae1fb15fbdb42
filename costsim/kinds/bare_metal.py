"""Owned or dedicated servers: a fixed fleet, sized by hand or for the peak."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from costsim.fields import MAX_INSTANCES
from costsim.kinds.app_fleet import FleetAppHost
from costsim.kinds.base import OptionContext, OptionKind, Resolved, SizeEstimate, finite
from costsim.kinds.fleet import FleetOption, fleet_estimate, fleet_platform, machine_item
from costsim.meters import Meters
from costsim.platforms.bare_metal import servers_for_peak
from costsim.platforms.fleet import FleetPlatform
from costsim.pricing.bill import PricingSpec
from costsim.pricing.registry import CatalogSet


class BareMetalOption(FleetOption):
    """Owned or dedicated servers: a fixed fleet, sized by hand or for the peak."""

    kind: Literal["bare_metal"]
    server: str = "hetzner-ax42"
    count: int | None = Field(default=None, ge=1, le=MAX_INSTANCES)
    sizing_utilization: float = Field(default=0.6, gt=0, le=1)
    commitment_months: int = Field(default=12, ge=1, le=1200)
    ops_usd_per_server_month: float = Field(default=0.0, ge=0, le=1e9, allow_inf_nan=False)


class BareMetalKind(OptionKind[BareMetalOption]):
    """Servers billed monthly, with the setup fee spread over the commitment."""

    name = "bare_metal"
    model = BareMetalOption
    engine_model = "fleet"
    words = "bare metal"
    ops_load = (
        "hardware to order, patch and replace; capacity takes days to arrive, so the "
        "fleet must be sized for the peak up front"
    )
    pays_for_idle = True

    def resolve(self, opt: BareMetalOption, ctx: OptionContext, cats: CatalogSet) -> Resolved:
        """The server ``server`` names, from a ``server`` catalog."""
        return machine_item(opt.server, "server", "server", ctx, cats)

    def servers(self, opt: BareMetalOption, ctx: OptionContext) -> int:
        """``count``, or the servers that carry the peak at ``sizing_utilization``."""
        return opt.count or servers_for_peak(
            ctx.peak_rps(), ctx.mean_duration_s(), opt.workers, opt.sizing_utilization
        )

    def platform(
        self, opt: BareMetalOption, resolved: Resolved, ctx: OptionContext
    ) -> FleetPlatform:
        """A fixed fleet, billed for the whole horizon (lead time is days: it cannot follow)."""
        return fleet_platform(opt, self.servers(opt, ctx), None, ctx)

    def application(
        self, opt: BareMetalOption, ctx: OptionContext, cats: CatalogSet
    ) -> FleetAppHost:
        """The application as one service on the servers (:mod:`costsim.kinds.app_fleet`),
        ``count`` or as many as the peak needs at ``sizing_utilization``."""
        count = opt.count or servers_for_peak(
            ctx.peak_rps(),
            ctx.mean_duration_s(),
            opt.workers + (opt.background_workers or 0),
            opt.sizing_utilization,
        )
        machine = {"key": opt.server, "kinds": ["server"], "field": "server"}
        pricing = {
            "rating": "servers",
            "commitment_months": opt.commitment_months,
            "ops_usd_per_server_month": opt.ops_usd_per_server_month,
        }
        return FleetAppHost(opt, ctx, cats, machine, count, pricing)

    def pricing_spec(self, opt: BareMetalOption, resolved: Resolved) -> PricingSpec:
        """The server, with overrides, the commitment and an operations cost per server."""
        cat = resolved.catalog
        return PricingSpec(
            "server",
            cat.catalog,
            opt.server.removeprefix(cat.key_prefix),
            prices=dict(opt.prices),
            commitment_months=opt.commitment_months,
            ops_usd_per_server_month=opt.ops_usd_per_server_month,
        )

    def meter_config(
        self, opt: BareMetalOption, resolved: Resolved, platform: Any, ctx: OptionContext
    ) -> dict[str, object]:
        """The servers billed (a fixed fleet bills them all month)."""
        return {"servers": platform.count}

    def detail(
        self, opt: BareMetalOption, resolved: Resolved, platform: Any, meters: Meters
    ) -> dict[str, object]:
        """Server type and count, whether it was sized for the peak, workers."""
        return {
            "server": opt.server,
            "servers": platform.count,
            "sized_for_peak": opt.count is None,
            "workers": opt.workers,
        }

    def estimate(self, opt: BareMetalOption, ctx: OptionContext, requests: float) -> SizeEstimate:
        """``count`` servers, or those the peak needs (which may be beyond what is allowed)."""
        if opt.count is not None:
            instances = float(opt.count)
        else:
            load = finite(ctx.peak_rps() * ctx.mean_duration_s())
            need = finite(load / (opt.workers * opt.sizing_utilization))
            instances = max(1.0, need if math.isinf(need) else float(math.ceil(need)))
        return fleet_estimate(opt, instances, ctx, requests)

    def assumptions(
        self, name: str, option: Mapping[str, Any] | None, given: Mapping[str, Any]
    ) -> list[str]:
        """The operations cost counted (or not), and the commitment the setup fee is spread over."""
        ops = given.get("ops_usd_per_server_month", 0)
        months = given.get("commitment_months", 12)
        return [
            f"**Operations ({name}):** "
            + (
                f"${float(ops):,.2f} per server a month for operations"
                if ops
                else "no staff time for patching, monitoring or replacing hardware "
                "(set `ops_usd_per_server_month`)"
            )
            + f"; the setup fee is spread over a {months}-month commitment"
        ]

    def describe(self, option: Mapping[str, Any]) -> str:
        """``1 x hetzner-ax42 (32 workers each)``."""
        d = option.get("detail", {})
        servers, server = d.get("servers", "?"), d.get("server", "?")
        return f"{servers} x {server} ({d.get('workers', '?')} workers each)"
