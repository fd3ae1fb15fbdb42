"""Serverless functions (AWS Lambda, Azure Functions, Cloud Run, ...): schema and adapter."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from costsim.application.schema import FunctionSettings
from costsim.errors import InputError
from costsim.fields import (
    MAX_INSTANCES,
    MAX_SPAN_S,
    DurationS,
    Name,
    OneOf,
    PriceOverrides,
    SizeMB,
    Strict,
)
from costsim.kinds.base import OptionContext, OptionKind, Resolved, SizeEstimate
from costsim.kinds.schedule import ScheduleWindow
from costsim.meters import Meters
from costsim.platforms.rules import REUSE_POLICIES
from costsim.platforms.schedule import provisioned_steps
from costsim.platforms.serverless import ServerlessPlatform, duration_factor
from costsim.pricing.bill import ExtraSpec as PricedExtra
from costsim.pricing.bill import PricingSpec
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem
from costsim.pricing.registry import CatalogSet
from costsim.stats.distributions import Distribution, Lognormal
from costsim.traffic.chunk import Chunk
from costsim.units import duration_field

if TYPE_CHECKING:
    from costsim.engine.metrics import TimeBins

#: Reuse policy of warm instances: a name of ``costsim.platforms.rules.REUSE_POLICIES``.
ReusePolicy = Annotated[
    str,
    BeforeValidator(OneOf(tuple(REUSE_POLICIES), "reuse policy")),
    WithJsonSchema({"type": "string", "enum": list(REUSE_POLICIES)}),
]


def lifetime_or_off(value: Any, info: Any) -> float:
    """A maximum instance lifetime as written: a duration [s], or ``off`` (never: ``inf``).

    YAML 1.1 reads a bare ``off`` as false, so false means off too.
    """
    if value is False or (isinstance(value, str) and value.strip().lower() == "off"):
        return math.inf
    return duration_field(value, info)


#: A maximum lifetime [s]: a duration with its unit, or ``off`` (held as ``inf``).
LifetimeS = Annotated[float, BeforeValidator(lifetime_or_off)]


class ScaleRate(Strict):
    """A token bucket on new instances: at most ``instances`` new ones per ``per`` seconds.

    AWS Lambda allows 1,000 new execution environments every 10 s per function.
    """

    instances: int = Field(ge=1, le=MAX_INSTANCES)
    per_s: DurationS = Field(gt=0, alias="per")


class Extra(Strict):
    """A priced add-on of a serverless option, billed alongside each invocation.

    Written as a plain add-on key (``api-gateway-http``) or as a mapping. ``key`` names an add-on
    catalog item; ``catalog`` + ``item`` name any catalog item, e.g. ``{catalog:
    aws-step-functions, item: standard}``. ``per_request`` multiplies every quantity the extra is
    rated on: 6 state transitions per execution, or 0.05 authorizer calls per API call when 95 %
    hit the authorizer cache. ``transitions`` is the option's requests (one workflow execution
    each) before the multiplier. ``free_tier`` overrides the option's setting for this extra.
    """

    key: str | None = None
    catalog: str | None = None
    item: str | None = None
    per_request: float = Field(default=1.0, ge=0, le=1000, allow_inf_nan=False)
    free_tier: bool | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Extra:
        if (self.key is None) == (self.catalog is None):
            raise ValueError("an extra needs either key or catalog (with item), not both")
        if self.catalog is not None and self.item is None:
            raise ValueError(f"extra from catalog {self.catalog!r} needs an item")
        return self

    @property
    def label(self) -> str:
        """How the extra is named in outputs: its key, or ``catalog/item``, with the factor."""
        name = self.key if self.key is not None else f"{self.catalog}/{self.item}"
        return name if self.per_request == 1.0 else f"{name} x{self.per_request:g}"


def _extra(value: Any) -> Any:
    return {"key": value} if isinstance(value, str) else value


ExtraSpec = Annotated[Extra, BeforeValidator(_extra)]


class ServerlessOption(Strict):
    """Functions billed per invocation (AWS Lambda, Azure Functions, Cloud Run, ...)."""

    name: Name
    kind: Literal["serverless"]
    provider: str = "aws-lambda"
    arch: Literal["x86_64", "arm64"] = "x86_64"
    #: The priced variant of the provider's catalog, for products that are not split by
    #: architecture (``consumption`` for azure-functions, ``request-based`` for gcp-cloud-run,
    #: ``standard`` for cloudflare-workers); ``arch`` chooses it otherwise.
    plan: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    memory_mb: SizeMB = Field(default=128.0, gt=0, alias="memory")
    cold_start: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", median=0.25, p99=0.9)
    )
    keep_alive_s: DurationS = Field(default=600.0, ge=0, le=MAX_SPAN_S, alias="keep_alive")
    concurrency_limit: int = Field(default=1000, ge=1, le=MAX_INSTANCES)
    #: New instances per period; unset, the product's published rate (Lambda: 1,000 per 10 s).
    scale_rate: ScaleRate | None = None
    #: Longest an invocation may run; unset, the product's limit (Lambda: 15 min). A longer one
    #: holds its instance that long, is billed that long and is counted ``timed_out``.
    timeout_s: DurationS | None = Field(default=None, gt=0, le=86400.0, alias="timeout")
    #: Age at which the platform recycles a busy instance (``off``: never); unset, the
    #: product's (Lambda: 2 h, off for products that publish none).
    max_lifetime_s: LifetimeS | None = Field(default=None, gt=0, alias="max_lifetime")
    reuse: ReusePolicy = "mru"
    provisioned_concurrency: int = Field(default=0, ge=0)
    #: Windows of provisioned concurrency over the run (dated, daily/weekly or cron), each with
    #: its count; outside every window, ``provisioned_concurrency``.
    provisioned_schedule: list[ScheduleWindow] = Field(default_factory=list, max_length=1000)
    instance_concurrency: int = Field(default=1, ge=1, le=1000)
    # products bill in steps of 1 ms to 1 min; an hour is a generous bound that keeps billed
    # durations (and their sums) finite
    billing_granularity_s: DurationS | None = Field(
        default=None, gt=0, le=3600, alias="billing_granularity"
    )
    init_billed: bool | None = None
    free_tier: bool = True
    ephemeral_storage_mb: SizeMB = Field(default=512.0, ge=0, alias="ephemeral_storage")
    extras: list[ExtraSpec] = Field(default_factory=list)
    prices: PriceOverrides = Field(default_factory=dict)
    #: Per-function settings for an application scenario: ``{ingest: {memory: 1GB}}``.
    functions: dict[str, FunctionSettings] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _provisioned_within_limit(self) -> ServerlessOption:
        if self.provisioned_concurrency > self.concurrency_limit:
            raise ValueError("provisioned_concurrency cannot exceed concurrency_limit")
        return self

    @property
    def most_provisioned(self) -> int:
        """The largest provisioned count the option ever asks for."""
        return max([self.provisioned_concurrency, *(w.count for w in self.provisioned_schedule)])


def function_item(
    opt: ServerlessOption, ctx: OptionContext, cats: CatalogSet
) -> tuple[Catalog, FunctionItem]:
    """The function product ``opt`` names (``provider`` and ``plan`` or ``arch``), checked.

    Raises
    ------
    InputError
        At ``provider``, ``plan``/``arch`` or ``memory`` of the option.
    """
    try:
        cat = cats.get(opt.provider)
    except InputError as exc:
        raise ctx.error(exc.message, "provider") from None
    if cat.kind != "function":
        raise ctx.error(
            f"catalog {opt.provider!r} is a {cat.kind} catalog, not a function product",
            "provider",
        )
    key, field = (opt.plan, "plan") if opt.plan is not None else (opt.arch, "arch")
    item = cat.items.get(key)
    if not isinstance(item, FunctionItem):
        have = ", ".join(cat.items)
        raise ctx.error(f"{opt.provider} has no {field} {key!r}; have {have}", field)
    lo, hi = item.billing.memory_min_mb, item.billing.memory_max_mb
    if not lo <= opt.memory_mb <= hi:
        raise ctx.error(
            f"{opt.provider} memory must be within {lo:g}-{hi:g} MB, got {opt.memory_mb:g} MB",
            "memory",
        )
    return cat, item


def extra_item(
    extra: Extra, j: int, ctx: OptionContext, cats: CatalogSet
) -> tuple[Catalog, AddonItem | FunctionItem]:
    """The catalog item behind extra ``j`` of a serverless option.

    Raises
    ------
    InputError
        At ``extras.J`` of the option.
    """
    try:
        if extra.key is not None:
            cat, name = cats.find_item(extra.key, ("addon",))
            item = cat.items[name]
        else:
            assert extra.catalog is not None and extra.item is not None
            cat = cats.get(extra.catalog)
            if extra.item not in cat.items:
                have = ", ".join(cat.items)
                raise InputError(f"{extra.catalog} has no item {extra.item!r}; have {have}")
            item = cat.items[extra.item]
    except InputError as exc:
        raise ctx.error(exc.message, "extras", j) from None
    assert isinstance(item, AddonItem | FunctionItem)
    return cat, item


def product_limits(
    opt: ServerlessOption, item: FunctionItem, ctx: OptionContext
) -> dict[str, float]:
    """The timeout [s], scale rate (burst, per second) and maximum instance lifetime [s] the pool
    runs with: the option's where it sets them, else the product's published limits (none:
    unlimited, never recycled).

    Raises
    ------
    InputError
        At ``timeout`` when it is above what the product allows.
    """
    lim = item.limits
    if opt.timeout_s is not None and lim.timeout_s is not None and opt.timeout_s > lim.timeout_s:
        raise ctx.error(
            f"{opt.provider} allows invocations of at most {lim.timeout_s:g} s, got "
            f"{opt.timeout_s:g} s",
            "timeout",
        )
    timeout_s = opt.timeout_s if opt.timeout_s is not None else lim.timeout_s
    out: dict[str, float] = {
        "timeout_s": math.inf if timeout_s is None else float(timeout_s),
        "max_lifetime_s": max_lifetime_s(opt, item),
    }
    if opt.scale_rate is not None:
        out["scale_burst"] = float(opt.scale_rate.instances)
        out["scale_rate_per_s"] = opt.scale_rate.instances / opt.scale_rate.per_s
    elif lim.scale_instances is not None and lim.scale_per_s is not None:
        out["scale_burst"] = float(lim.scale_instances)
        out["scale_rate_per_s"] = lim.scale_instances / lim.scale_per_s
    return out


def max_lifetime_s(opt: ServerlessOption, item: FunctionItem | None) -> float:
    """The maximum instance lifetime [s] of ``opt``: its own ``max_lifetime``, else the product's
    (``item``'s limits), else never (``inf``)."""
    if opt.max_lifetime_s is not None:
        return float(opt.max_lifetime_s)
    life_s = item.limits.max_lifetime_s if item is not None else None
    return math.inf if life_s is None else float(life_s)


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
                credit = -sum(
                    v
                    for k, v in option["cost_usd"]["components"].items()
                    if "free tier" in k and v < 0
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
