"""The model chain: Scenario -> engine per option -> Usage -> rating -> Result."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

import numpy as np

from costsim import __version__
from costsim.engine import ENGINES
from costsim.engine.common import EngineOutput, OptionDraws
from costsim.engine.metrics import TimeBins, default_bin_count
from costsim.errors import InputError
from costsim.guards import check_resources
from costsim.platforms.bare_metal import servers_for_peak
from costsim.platforms.fleet import AutoscalePolicy, FleetPlatform
from costsim.platforms.serverless import ServerlessPlatform, duration_factor
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem, MachineItem
from costsim.pricing.rate import (
    MONTH_S,
    breakdown,
    function_metrics,
    rate_components,
    rate_machines,
    rate_servers,
)
from costsim.pricing.registry import CatalogSet
from costsim.results import CostBreakdown, LatencySummary, OptionResult, Result, Usage
from costsim.scenario import BareMetalOption, Scenario, ServerlessOption, VpsOption
from costsim.traffic import STREAM_OPTIONS, option_stream_key, request_chunks, stream
from costsim.traffic.chunk import Chunk

#: progress(option_name, requests_done, requests_expected)
ProgressFn = Callable[[str, int, float], None]


def catalogs_for(scenario: Scenario, extra_files: list[str | Path] | None = None) -> CatalogSet:
    """The catalog set for a scenario: built-ins, pinned versions and user files.

    ``catalogs:`` in the scenario maps a catalog name to a version (``"2026-10"``) or to a file
    (resolved against the scenario's folder).
    """
    cats = CatalogSet.builtin()
    files: list[str | Path] = []
    pins: dict[str, str] = {}
    for name, value in scenario.catalogs.items():
        if value.endswith((".yaml", ".yml")):
            path = Path(value)
            if not path.is_absolute() and scenario.base_dir is not None:
                path = scenario.base_dir / path
            files.append(path)
        else:
            pins[name] = value
    try:
        cats = cats.with_files([*files, *(extra_files or [])]).with_pins(pins)
    except InputError as exc:
        if exc.file is None:
            raise scenario.error(exc.message, "catalogs") from None
        raise
    return cats


def _option_draws(scenario: Scenario, name: str) -> OptionDraws:
    key = option_stream_key(name)
    return OptionDraws(
        cold=stream(scenario.seed, STREAM_OPTIONS, key, 0),
        uniform=stream(scenario.seed, STREAM_OPTIONS, key, 1),
    )


def _function_item(
    scenario: Scenario, idx: int, opt: ServerlessOption, cats: CatalogSet
) -> tuple[Catalog, FunctionItem]:
    try:
        cat = cats.get(opt.provider)
    except InputError as exc:
        raise scenario.error(exc.message, "options", idx, "provider") from None
    if cat.kind != "function":
        raise scenario.error(
            f"catalog {opt.provider!r} is a {cat.kind} catalog, not a function product",
            "options",
            idx,
            "provider",
        )
    key, field = (opt.plan, "plan") if opt.plan is not None else (opt.arch, "arch")
    item = cat.items.get(key)
    if not isinstance(item, FunctionItem):
        have = ", ".join(cat.items)
        raise scenario.error(
            f"{opt.provider} has no {field} {key!r}; have {have}", "options", idx, field
        )
    lo, hi = item.billing.memory_min_mb, item.billing.memory_max_mb
    if not lo <= opt.memory <= hi:
        raise scenario.error(
            f"{opt.provider} memory must be within {lo:g}-{hi:g} MB, got {opt.memory:g} MB",
            "options",
            idx,
            "memory",
        )
    return cat, item


def extra_item(
    scenario: Scenario, idx: int, j: int, cats: CatalogSet
) -> tuple[Catalog, AddonItem | FunctionItem]:
    """The catalog item behind extra ``j`` of serverless option ``idx``."""
    opt = scenario.options[idx]
    assert isinstance(opt, ServerlessOption)
    extra = opt.extras[j]
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
        raise scenario.error(exc.message, "options", idx, "extras", j) from None
    assert isinstance(item, AddonItem | FunctionItem)
    return cat, item


def extra_metrics(metrics: dict[str, float], per_request: float) -> dict[str, float]:
    """Monthly quantities an extra is rated on: the option's, times ``per_request``.

    ``transitions`` (workflow state transitions) are one per request before the multiplier;
    the flat ``months`` fee is not multiplied.
    """
    scaled = {k: v * per_request for k, v in metrics.items()}
    scaled["transitions"] = metrics["all_requests"] * per_request
    scaled["months"] = metrics.get("months", 1.0)
    return scaled


def serverless_platform(
    opt: ServerlessOption, item: FunctionItem, warmup_s: float = 0.0
) -> ServerlessPlatform:
    """The pool model for a serverless option, with billing rules from its catalog item."""
    gran_s = opt.billing_granularity or item.billing.granularity_ms / 1000.0
    burst = float(opt.scale_rate.instances) if opt.scale_rate else math.inf
    rate = opt.scale_rate.instances / opt.scale_rate.per if opt.scale_rate else math.inf
    return ServerlessPlatform(
        memory_mb=opt.memory,
        cold_start=opt.cold_start,
        keep_alive_s=opt.keep_alive,
        concurrency_limit=opt.concurrency_limit,
        scale_burst=burst,
        scale_rate_per_s=rate,
        reuse=opt.reuse,
        provisioned=opt.provisioned_concurrency,
        instance_concurrency=opt.instance_concurrency,
        billing_granularity_s=gran_s,
        billing_minimum_s=item.billing.minimum_ms / 1000.0,
        latency_warmup_s=warmup_s,
    )


def _machine(
    scenario: Scenario, idx: int, key: str, kinds: tuple[str, ...], field: str, cats: CatalogSet
) -> tuple[Catalog, MachineItem]:
    try:
        cat, name = cats.find_item(key, kinds)
    except InputError as exc:
        raise scenario.error(exc.message, "options", idx, field) from None
    item = cat.items[name]
    assert isinstance(item, MachineItem)
    return cat, item


def fleet_platform(
    scenario: Scenario, opt: VpsOption | BareMetalOption, catalog: Catalog
) -> FleetPlatform:
    """The queueing model for a VPS or bare-metal option."""
    autoscale = None
    if isinstance(opt, VpsOption):
        count = opt.fixed_count
        if opt.autoscale is not None:
            a = opt.autoscale
            autoscale = AutoscalePolicy(
                a.min, a.max, a.target_utilization, a.boot_time, a.cooldown, a.evaluation_period
            )
            count = a.min
        billing = catalog.billing
        gran = billing.granularity_s if billing else 1.0
        minimum = billing.minimum_s if billing else 0.0
    else:
        count = opt.count or servers_for_peak(
            scenario.traffic.peak_rps(scenario.horizon),
            scenario.workload.duration.mean_s,
            opt.workers,
            opt.sizing_utilization,
        )
        gran, minimum = scenario.horizon, 0.0
    return FleetPlatform(
        count=count,
        workers=opt.workers,
        balancer=opt.balancer,
        queue_limit=opt.queue_limit,
        queue_timeout_s=opt.queue_timeout,
        autoscale=autoscale,
        billing_granularity_s=gran,
        billing_minimum_s=minimum,
        latency_warmup_s=scenario.warmup,
    )


def _summarise(
    scenario: Scenario,
    opt: ServerlessOption | VpsOption | BareMetalOption,
    out: EngineOutput,
    usage: Usage,
    cost: CostBreakdown,
    detail: dict[str, object],
) -> OptionResult:
    h = out.latency
    horizon = scenario.horizon
    inst_mean = out.alive_s / horizon
    busy_mean = out.busy_s / horizon
    bins = out.bins
    horizon_cost = cost.total * Decimal(repr(horizon / MONTH_S))
    driver = bins.served.astype(float) if opt.kind == "serverless" else bins.alive_s
    share = np.cumsum(driver) / driver.sum() if driver.sum() > 0 else np.zeros(len(driver))
    timeseries = {
        "t_start_s": np.arange(bins.n_bins) * bins.width_s,
        "arrivals": bins.arrivals,
        "served": bins.served,
        "cold_starts": bins.cold_starts,
        "throttled": bins.throttled,
        "dropped": bins.dropped,
        "instances": bins.alive_s / bins.width_s,
        "busy": bins.busy_s / bins.width_s,
        "cost_usd_cumulative": share * float(horizon_cost),
    }
    c = out.counters
    return OptionResult(
        name=opt.name,
        kind=opt.kind,
        cost=cost,
        arrived=c.arrived,
        served=c.served,
        cold_starts=c.cold_starts,
        throttled=c.throttled,
        dropped=c.dropped,
        latency_ms=LatencySummary(
            mean=h.mean_s() * 1000,
            p50=h.quantile_s(0.50) * 1000,
            p95=h.quantile_s(0.95) * 1000,
            p99=h.quantile_s(0.99) * 1000,
            p999=h.quantile_s(0.999) * 1000,
        ),
        instances_mean=inst_mean,
        instances_max=out.max_instances,
        busy_mean=busy_mean,
        utilization=busy_mean / inst_mean if inst_mean > 0 else 0.0,
        usage=usage,
        latency_cdf=h.cdf(),
        timeseries=timeseries,
        detail=detail,
    )


def _run_engine(run: Callable[..., EngineOutput], *args: object) -> EngineOutput:
    """Call an engine; an :class:`InputError` from a lazily read trace keeps its location.

    SimPy re-raises a process's exception as a new one built from its message alone; the
    original, with file, line and field, is its ``__cause__``.
    """
    try:
        return run(*args)
    except InputError as exc:
        cause = exc.__cause__
        raise (cause if isinstance(cause, InputError) else exc) from None


def simulate_option(
    scenario: Scenario,
    idx: int,
    cats: CatalogSet,
    engine: str = "simpy",
    progress: ProgressFn | None = None,
    traffic: list[Chunk] | None = None,
) -> tuple[OptionResult, dict[str, str], dict[str, str]]:
    """Simulate and price option ``idx``.

    ``traffic`` is the scenario's request stream when the caller already holds it (see
    :func:`shared_traffic`); otherwise it is generated here, chunk by chunk.

    Returns
    -------
    (OptionResult, {catalog: version}, {catalog: as_of})
    """
    if scenario.application is not None:
        from costsim.application.run import simulate_application_option

        return simulate_application_option(scenario, idx, cats, engine)
    opt = scenario.options[idx]
    runners = ENGINES[engine]
    bins = TimeBins(scenario.horizon, default_bin_count(scenario.horizon))
    draws = _option_draws(scenario, opt.name)
    chunks: Iterable[Chunk] = traffic if traffic is not None else request_chunks(scenario)
    done = 0
    expected = scenario.traffic.expected_count(0.0, scenario.horizon)

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(opt.name, done, expected)

    used: list[Catalog] = []
    detail: dict[str, object] = {}
    if isinstance(opt, ServerlessOption):
        cat, item = _function_item(scenario, idx, opt, cats)
        used.append(cat)
        addons = []
        for j, extra in enumerate(opt.extras):
            acat, aitem = extra_item(scenario, idx, j, cats)
            used.append(acat)
            addons.append((extra, acat, aitem))
        platform = serverless_platform(opt, item, scenario.warmup)
        w = scenario.workload
        factor = duration_factor(opt.memory, w.reference_memory, w.cpu_bound, w.threads)
        if factor != 1.0:
            chunks = (Chunk(c.arrival_s, c.duration_s * factor) for c in chunks)
        out = _run_engine(
            runners["serverless"], platform, chunks, draws, scenario.horizon, bins, tick
        )
        init_billed = item.billing.init_billed if opt.init_billed is None else opt.init_billed
        quantities = dict(out.quantities)
        quantities["arrivals"] = float(out.counters.arrived)
        # every served response carries the workload's payload out to the internet
        quantities["egress_gb"] = out.counters.served * w.payload / 1024.0
        usage = Usage("serverless", scenario.horizon, quantities, opt.memory, init_billed)
        metrics = function_metrics(usage, item, ephemeral_mb=opt.ephemeral_storage)
        lines = rate_components(item.components, metrics, cat, opt.free_tier, opt.prices)
        for extra, acat, aitem in addons:
            free = opt.free_tier if extra.free_tier is None else extra.free_tier
            scaled = extra_metrics(metrics, extra.per_request)
            lines += rate_components(aitem.components, scaled, acat, free, opt.prices)
        detail = {
            "provider": opt.provider,
            "arch": opt.arch,
            "memory_mb": opt.memory,
            "keep_alive_s": opt.keep_alive,
            "billing_granularity_ms": platform.billing_granularity_s * 1000,
            "init_billed": init_billed,
            "extras": [e.label for e in opt.extras],
        }
    elif isinstance(opt, VpsOption):
        cat, mitem = _machine(scenario, idx, opt.instance, ("vm",), "instance", cats)
        used.append(cat)
        platform_f = fleet_platform(scenario, opt, cat)
        out = _run_engine(runners["fleet"], platform_f, chunks, draws, scenario.horizon, bins, tick)
        usage = Usage(
            "vps", scenario.horizon, dict(out.quantities), instance_billed_s=out.instance_billed_s
        )
        lines = rate_machines(usage, cat, mitem, opt.prices, opt.savings_plan_discount)
        detail = {
            "instance": opt.instance,
            "workers": opt.workers,
            "balancer": opt.balancer,
            "autoscale": opt.autoscale is not None,
            "instances_launched": int(out.quantities.get("instances_launched", 0)),
        }
    else:
        assert isinstance(opt, BareMetalOption)
        cat, mitem = _machine(scenario, idx, opt.server, ("server",), "server", cats)
        used.append(cat)
        platform_f = fleet_platform(scenario, opt, cat)
        out = _run_engine(runners["fleet"], platform_f, chunks, draws, scenario.horizon, bins, tick)
        usage = Usage(
            "bare_metal", scenario.horizon, dict(out.quantities), servers=platform_f.count
        )
        lines = rate_servers(
            usage, cat, mitem, opt.prices, opt.commitment_months, opt.ops_usd_per_server_month
        )
        detail = {
            "server": opt.server,
            "servers": platform_f.count,
            "sized_for_peak": opt.count is None,
            "workers": opt.workers,
        }
    versions = {c.catalog: c.version for c in used}
    dates = {c.catalog: c.as_of.isoformat() for c in used}
    cost = breakdown(lines, versions)
    return _summarise(scenario, opt, out, usage, cost, detail), versions, dates


#: Up to this many requests (16 bytes each), the request stream is generated once and shared by
#: every option of a run; above it, each option regenerates it chunk by chunk, so memory stays
#: flat in the horizon. Either way every option sees the very same requests.
SHARED_TRAFFIC_MAX_REQUESTS = 4_000_000


def shared_traffic(scenario: Scenario) -> list[Chunk] | None:
    """The whole request stream, when it is small enough to hold once for all options."""
    if len(scenario.options) < 2:
        return None
    expected = scenario.traffic.expected_count(0.0, scenario.horizon)
    if not math.isfinite(expected) or expected > SHARED_TRAFFIC_MAX_REQUESTS * 0.8:
        return None
    chunks = []
    held = 0
    for chunk in request_chunks(scenario):
        held += len(chunk)
        if held > SHARED_TRAFFIC_MAX_REQUESTS:
            return None  # a rare draw far above the expectation: stream instead
        chunks.append(chunk)
    return chunks


def simulate(
    scenario: Scenario,
    *,
    engine: str = "fast",
    catalog_files: list[str | Path] | None = None,
    progress: ProgressFn | None = None,
    force: bool = False,
) -> Result:
    """Simulate every option of a scenario and price what each used.

    Parameters
    ----------
    scenario : Scenario
        The scenario (see :func:`costsim.load_scenario`).
    engine : str
        Engine name, a key of :data:`costsim.engine.ENGINES`.
    catalog_files : list of path, optional
        Extra catalog files; they take precedence over the built-in catalogs.
    progress : callable, optional
        Called as ``progress(option, requests_done, requests_expected)``.
    force : bool
        Run even past the soft resource limits of :mod:`costsim.guards`.

    Returns
    -------
    Result

    Raises
    ------
    InputError
        For bad input, and for a run estimated not to fit (see :mod:`costsim.guards`).
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if scenario.application is not None and engine != "simpy":
        from costsim.application.run import application_engine_error

        raise application_engine_error(scenario)
    check_resources(scenario, force=force)
    cats = catalogs_for(scenario, catalog_files)
    options: list[OptionResult] = []
    versions: dict[str, str] = {}
    dates: dict[str, str] = {}
    traffic = shared_traffic(scenario) if scenario.application is None else None
    for idx in range(len(scenario.options)):
        result, v, d = simulate_option(scenario, idx, cats, engine, progress, traffic)
        options.append(result)
        versions.update(v)
        dates.update(d)
    bins = default_bin_count(scenario.horizon)
    slo = {k: v for k, v in scenario.slo.model_dump().items() if v is not None}
    return Result(
        scenario=scenario.name,
        seed=scenario.seed,
        horizon_s=scenario.horizon,
        engine=engine,
        catalogs=versions,
        options=options,
        bin_width_s=scenario.horizon / bins,
        description=scenario.description,
        traffic=scenario.traffic.describe(),
        costsim_version=__version__,
        slo=slo,
        catalog_dates=dates,
        scenario_file=display_path(scenario.source_file),
    )


def display_path(path: str | None) -> str:
    """``path`` relative to the working folder when it lies inside it (portable), else as is."""
    if not path:
        return ""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def check_scenario(scenario: Scenario, catalog_files: list[str | Path] | None = None) -> None:
    """Resolve every catalog key and limit a run would need, without simulating.

    Raises
    ------
    InputError
        Located at the offending field of the scenario file.
    """
    cats = catalogs_for(scenario, catalog_files)
    if scenario.application is not None:
        from costsim.application.run import check_application_catalogs

        check_application_catalogs(scenario, cats)
        return
    for idx, opt in enumerate(scenario.options):
        if isinstance(opt, ServerlessOption):
            _function_item(scenario, idx, opt, cats)
            for j in range(len(opt.extras)):
                extra_item(scenario, idx, j, cats)
        elif isinstance(opt, VpsOption):
            _machine(scenario, idx, opt.instance, ("vm",), "instance", cats)
        else:
            _machine(scenario, idx, opt.server, ("server",), "server", cats)
