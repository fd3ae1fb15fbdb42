"""Serverless functions (AWS Lambda, Azure Functions, Cloud Run, ...): schema and adapter."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from costsim.kinds.app_hosting import function_product
from costsim.kinds.app_serverless import ServerlessAppHost, function_of
from costsim.kinds.base import OptionContext, OptionKind, Resolved, SizeEstimate
from costsim.kinds.serverless_catalog import (
    extra_item,
    function_item,
    max_lifetime_s,
    product_limits,
)
from costsim.kinds.serverless_option import (
    Extra,
    ExtraSpec,
    LifetimeS,
    ReusePolicy,
    ScaleRate,
    ServerlessOption,
    lifetime_or_off,
)
from costsim.meters import Meters
from costsim.platforms.schedule import provisioned_steps
from costsim.platforms.serverless import ServerlessPlatform, duration_factor
from costsim.pricing.bill import ExtraSpec as PricedExtra
from costsim.pricing.bill import PricingSpec
from costsim.pricing.catalog import FunctionItem
from costsim.pricing.registry import CatalogSet
from costsim.traffic.chunk import Chunk

if TYPE_CHECKING:
    from costsim.engine.metrics import TimeBins


__all__ = [
    "Extra",
    "ExtraSpec",
    "LifetimeS",
    "ReusePolicy",
    "ScaleRate",
    "ServerlessKind",
    "ServerlessOption",
    "extra_item",
    "function_item",
    "lifetime_or_off",
    "max_lifetime_s",
    "product_limits",
]


def serverless_platform(
    opt: ServerlessOption,
    warmup_s: float = 0.0,
    limits: Mapping[str, Any] | None = None,
    min_ready: int = 0,
    horizon_s: float = 0.0,
) -> ServerlessPlatform:
    """The pool model for a serverless option (no billing rule: rating reads its meters).

    ``limits`` are those of :func:`product_limits`; without them the option's own scale rate and
    lifetime (or none) and no timeout apply. ``min_ready`` always-ready instances are kept at
    all times (the product's minimum), whatever the option's provisioned concurrency. The
    ``provisioned_schedule`` is turned into change points over ``horizon_s`` [s].
    """
    steps = provisioned_steps(
        max(opt.provisioned_concurrency, min_ready),
        tuple(w.window() for w in opt.provisioned_schedule),
        horizon_s,
    )
    lim = dict(limits or {})
    lim.setdefault("max_lifetime_s", max_lifetime_s(opt, None))
    if opt.scale_rate is not None:
        lim.setdefault("scale_burst", float(opt.scale_rate.instances))
        lim.setdefault("scale_rate_per_s", opt.scale_rate.instances / opt.scale_rate.per_s)
    burst = float(lim.get("scale_burst", math.inf))
    rate = float(lim.get("scale_rate_per_s", math.inf))
    return ServerlessPlatform(
        memory_mb=opt.memory_mb,
        cold_start=opt.cold_start,
        keep_alive_s=opt.keep_alive_s,
        concurrency_limit=opt.concurrency_limit,
        scale_burst=burst,
        scale_rate_per_s=rate,
        reuse=opt.reuse,
        provisioned=steps[0][1],
        provisioned_changes=steps[1:],
        instance_concurrency=opt.instance_concurrency,
        latency_warmup_s=warmup_s,
        timeout_s=float(lim.get("timeout_s", math.inf)),
        max_lifetime_s=float(lim["max_lifetime_s"]),
    )


def whole_ms(duration_s: float) -> int | None:
    """``duration_s`` [s] as whole milliseconds, or None when it is not a whole number of them."""
    ms = round(duration_s * 1000.0)
    return ms if ms >= 1 and abs(ms - duration_s * 1000.0) < 1e-6 else None


def granularity_ms(opt: ServerlessOption, ctx: OptionContext) -> int | None:
    """The duration rounding the option asks for [ms] (None: the catalog item's).

    Raises
    ------
    InputError
        At ``billing_granularity`` when it is not a whole number of milliseconds.
    """
    if opt.billing_granularity_s is None:
        return None
    gran_ms = whole_ms(opt.billing_granularity_s)
    if gran_ms is None:
        raise ctx.error(
            f"{opt.billing_granularity_s * 1000:g} ms is not a whole number of milliseconds; "
            "give one such as 1ms or 100ms",
            "billing_granularity",
        )
    return gran_ms


def workload_cpu_s(workload: Any, meters: Meters) -> float | None:
    """CPU time of the served requests [s]: ``served x workload.cpu_time_s``, or the CPU-bound
    share of the measured durations; None when the workload says nothing about CPU."""
    if workload.cpu_time_s is not None:
        return float(meters.counts.get("served", 0)) * workload.cpu_time_s
    if workload.cpu_bound > 0:
        ms = sum(
            meters.histograms[h].total_ms
            for h in ("duration_ms", "provisioned_duration_ms")
            if h in meters.histograms
        )
        return float(workload.cpu_bound * ms / 1000.0)
    return None


class ServerlessKind(OptionKind[ServerlessOption]):
    """Functions billed per invocation: a pool the provider scales, with cold starts."""

    name = "serverless"
    model = ServerlessOption
    engine_model = "serverless"
    words = "serverless functions"
    ops_load = (
        "no servers to patch or size; the provider scales and bills per invocation, "
        "at the price of cold starts, account limits and lock-in to its runtime"
    )
    pays_for_idle = False
    product_field = "provider"

    def resolve(self, opt: ServerlessOption, ctx: OptionContext, cats: CatalogSet) -> Resolved:
        """The function item and every extra's item (see :func:`function_item`)."""
        cat, item = function_item(opt, ctx, cats)
        for j, w in enumerate(opt.provisioned_schedule):
            if w.count > opt.concurrency_limit:
                raise ctx.error(
                    f"a window's count ({w.count}) cannot exceed concurrency_limit "
                    f"({opt.concurrency_limit})",
                    "provisioned_schedule",
                    j,
                    "count",
                )
        extras = []
        for j, extra in enumerate(opt.extras):
            acat, aitem = extra_item(extra, j, ctx, cats)
            extras.append((extra, acat, aitem))
        settings = {"granularity_ms": granularity_ms(opt, ctx), **product_limits(opt, item, ctx)}
        return Resolved(cat, item, tuple(extras), settings)

    def application(
        self, opt: ServerlessOption, ctx: OptionContext, cats: CatalogSet
    ) -> ServerlessAppHost:
        """One pool per function under the account's limit (:mod:`costsim.kinds.app_serverless`),
        with the product's limits where the option sets none."""
        item = function_product(cats, function_of(opt), ctx.scenario.error, ctx.index)[1]
        return ServerlessAppHost(opt, ctx, item, product_limits(opt, item, ctx))

    def platform(
        self, opt: ServerlessOption, resolved: Resolved, ctx: OptionContext
    ) -> ServerlessPlatform:
        """The pool model (no billing rule: rating reads the meters its engine emits), with the
        product's limits where the option sets none.

        A product that always bills some instances (``min_instances``: Azure Premium keeps at
        least one) runs them as always-ready instances that serve, so that scale-out instances
        start only beyond them, as on the product.
        """
        item = resolved.item
        assert isinstance(item, FunctionItem)
        try:
            return serverless_platform(
                opt,
                ctx.warmup_s,
                resolved.settings,
                min_ready=item.billing.min_instances,
                horizon_s=ctx.horizon_s,
            )
        except ValueError as exc:  # a cron window firing too often over the horizon
            raise ctx.error(str(exc), "provisioned_schedule") from None

    def requests(
        self, opt: ServerlessOption, chunks: Iterable[Chunk], ctx: OptionContext
    ) -> Iterable[Chunk]:
        """Durations scaled by the CPU share the option's memory buys, and on arm64 by the
        workload's ``arm64_speedup``."""
        w = ctx.workload
        factor = duration_factor(opt.memory_mb, w.reference_memory_mb, w.cpu_bound, w.threads)
        if opt.arch == "arm64":
            # only where the workload says arm64 runs it faster (or slower)
            factor /= w.arm64_speedup
        if factor == 1.0:
            return chunks
        return (Chunk(c.arrival_s, c.duration_s * factor) for c in chunks)

    def pricing_spec(self, opt: ServerlessOption, resolved: Resolved) -> PricingSpec:
        """The function item (``plan`` or ``arch``) with its extras, free tier and overrides."""
        extras = []
        for extra, acat, aitem in resolved.extras:
            name = next(k for k, v in acat.items.items() if v is aitem)
            extras.append(PricedExtra(acat.catalog, name, extra.per_request, extra.free_tier))
        variant = opt.plan if opt.plan is not None else opt.arch
        return PricingSpec(
            "function",
            resolved.catalog.catalog,
            variant,
            opt.free_tier,
            dict(opt.prices),
            tuple(extras),
        )

    def _init_billed(self, opt: ServerlessOption, resolved: Resolved) -> bool:
        item = resolved.item
        assert isinstance(item, FunctionItem)
        return item.billing.init_billed if opt.init_billed is None else opt.init_billed

    def meter_config(
        self, opt: ServerlessOption, resolved: Resolved, platform: Any, ctx: OptionContext
    ) -> dict[str, object]:
        """Memory, architecture, storage, init billing, concurrency, response size, rounding."""
        config: dict[str, object] = {}
        if resolved.settings.get("granularity_ms") is not None:
            config["billing_granularity_ms"] = resolved.settings["granularity_ms"]
        config.update(
            memory_mb=opt.memory_mb,
            arch=opt.arch,
            ephemeral_storage_mb=opt.ephemeral_storage_mb,
            init_billed=self._init_billed(opt, resolved),
            provisioned_concurrency=opt.most_provisioned,
            instance_concurrency=opt.instance_concurrency,
            response_mb=ctx.workload.payload_mb,
        )
        return config

    def add_workload_meters(self, meters: Meters, ctx: OptionContext) -> None:
        """Response bytes (every served response carries the payload out) and CPU time."""
        served = meters.counts.get("served", 0)
        meters.totals.setdefault("bytes_out", served * ctx.workload.payload_mb * 1024.0**2)
        cpu_s = workload_cpu_s(ctx.workload, meters)
        if cpu_s is not None:
            meters.totals.setdefault("cpu_s", cpu_s)

    def detail(
        self, opt: ServerlessOption, resolved: Resolved, platform: Any, meters: Meters
    ) -> dict[str, object]:
        """Provider, memory, keep-alive, maximum lifetime, billing rounding and extras."""
        item = resolved.item
        assert isinstance(item, FunctionItem)
        gran_ms = resolved.settings.get("granularity_ms")
        if gran_ms is None:
            gran_ms = item.billing.granularity_ms
        return {
            "provider": opt.provider,
            "arch": opt.arch,
            "memory_mb": opt.memory_mb,
            "keep_alive_s": opt.keep_alive_s,
            # null: never recycled
            "max_lifetime_s": None
            if math.isinf(platform.max_lifetime_s)
            else platform.max_lifetime_s,
            "billing_granularity_ms": gran_ms
            if gran_ms is not None
            else item.billing.granularity_ms,
            "init_billed": self._init_billed(opt, resolved),
            "extras": [e.label for e in opt.extras],
        }

    def estimate(self, opt: ServerlessOption, ctx: OptionContext, requests: float) -> SizeEstimate:
        """At most the provisioned instances plus one per request, up to the account limit."""
        return SizeEstimate(instances=opt.most_provisioned + min(opt.concurrency_limit, requests))

    def cost_driver(self, bins: TimeBins) -> np.ndarray:
        """Served requests per bin: a function's bill follows its invocations."""
        return np.asarray(bins.served, dtype=float)

    def paid_idle_fraction(self, option: Any) -> float:
        """0 on demand (only billed duration is paid); provisioned instances pay while idle."""
        m = option.meters
        provisioned = m.totals.get("provisioned_instance_s", 0.0)
        if provisioned <= 0:
            return 0.0
        busy_s = m.histograms["provisioned_duration_ms"].total_ms / 1000.0
        compute_s = m.histograms["duration_ms"].total_ms / 1000.0
        idle = max(0.0, provisioned - busy_s)
        return float(idle / (provisioned + compute_s))

    def assumptions(
        self, name: str, option: Mapping[str, Any] | None, given: Mapping[str, Any]
    ) -> list[str]:
        """The free tier taken as this function's own, a default cold start, no idle cost."""
        out = []
        if given.get("free_tier", True) is not False:
            credit = 0.0
            if option is not None:
                # a static site's CDN allowance is the site's, the same next to every option
                site_lines = {
                    line
                    for site in option.get("static") or []
                    for line in site.get("cost_usd", {}).get("components", {})
                }
                credit = -sum(
                    v
                    for k, v in option["cost_usd"]["components"].items()
                    if "free tier" in k and v < 0 and k.removesuffix(" free tier") not in site_lines
                )
            worth = f" (worth ${credit:,.2f} a month here)" if credit else ""
            out.append(
                f"**Free tier ({name}):** the provider's monthly free allowance is taken as "
                f"available to this one function{worth}; in an account whose other functions "
                "already use it, set `free_tier: false`"
            )
        if "cold_start" not in given:
            out.append(
                f"**Cold starts ({name}):** the default distribution (lognormal, median 250 ms, "
                "p99 900 ms), not a measurement of this runtime and package; measure and set "
                "`cold_start`"
            )
        out.append(
            f"**Utilisation ({name}):** billed per request-millisecond, so no paid capacity sits "
            "idle; the warm instances the provider keeps between requests are its cost, not "
            "yours"
        )
        return out

    def describe(self, option: Mapping[str, Any]) -> str:
        """``aws-lambda functions, 128 MB, keep-alive 600 s, with api-gateway-http``."""
        d = option.get("detail", {})
        extras = ", ".join(d.get("extras", []))
        text = f"{d.get('provider', '?')} functions, {d.get('memory_mb', 0):g} MB"
        text += f", keep-alive {d.get('keep_alive_s', 0):g} s"
        return text + (f", with {extras}" if extras else "")
