"""The model chain: Scenario -> engine per option -> Meters -> rating -> Result.

Each option is handled by its kind's adapter (:mod:`costsim.kinds`): this module names no kind.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from costsim._version import __version__
from costsim.engine import ENGINES
from costsim.engine.common import RESULTS_REVISION as RESULTS_REVISION  # for sweep resuming
from costsim.engine.common import EngineOutput, OptionDraws
from costsim.engine.metrics import TimeBins, default_bin_count
from costsim.errors import InputError
from costsim.fileio import display_path
from costsim.guards import check_resources
from costsim.kinds import OptionContext, OptionKind, Resolved, kind_of, option_context
from costsim.meters import Meters, MissingMeterError
from costsim.pricing.bill import PricingSpec
from costsim.pricing.models import month_factor
from costsim.pricing.rate import breakdown
from costsim.pricing.registry import CatalogSet
from costsim.result_format import timeseries_of
from costsim.results import CostBreakdown, LatencySummary, OptionResult, Result
from costsim.scenario import Scenario, batch_windows
from costsim.traffic import STREAM_OPTIONS, option_stream_key, request_chunks, stream
from costsim.traffic.chunk import Chunk

#: progress(option_name, requests_done, requests_expected)
ProgressFn = Callable[[str, int, float], None]


def catalog_files_for(
    scenario: Scenario, extra_files: list[str | Path] | None = None
) -> list[Path]:
    """The catalog files a scenario prices with: its own (``catalogs:`` entries naming a file,
    resolved against its folder), then ``extra_files``."""
    files: list[Path] = []
    for value in scenario.catalogs.values():
        if value.endswith((".yaml", ".yml")):
            path = Path(value)
            if not path.is_absolute() and scenario.base_dir is not None:
                path = scenario.base_dir / path
            files.append(path)
    return [*files, *(Path(p) for p in extra_files or [])]


def catalogs_for(scenario: Scenario, extra_files: list[str | Path] | None = None) -> CatalogSet:
    """The catalog set for a scenario: built-ins, pinned versions and user files.

    ``catalogs:`` in the scenario maps a catalog name to a version (``"2026-10"``) or to a file
    (resolved against the scenario's folder).
    """
    pins = {
        name: value
        for name, value in scenario.catalogs.items()
        if not value.endswith((".yaml", ".yml"))
    }
    files: list[str | Path] = list(catalog_files_for(scenario, extra_files))
    try:
        cats = CatalogSet.builtin().with_files(files).with_pins(pins)
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


def _prepared(
    scenario: Scenario, idx: int, cats: CatalogSet
) -> tuple[OptionKind[Any], OptionContext, Resolved, PricingSpec]:
    """Option ``idx``'s adapter, context, catalog items and what it is priced as, all checked.

    Raises
    ------
    InputError
        Located at the option's field (an unknown catalog key, an override its item does not
        bill, a value its product does not allow, ...).
    """
    opt = scenario.options[idx]
    kind = kind_of(opt)
    ctx = option_context(scenario, idx)
    resolved = kind.resolve(opt, ctx, cats)
    return kind, ctx, resolved, kind.priced_as(opt, resolved, ctx)


def price_meters(
    kind: OptionKind[Any], ctx: OptionContext, meters: Meters, cats: CatalogSet
) -> tuple[CostBreakdown, dict[str, str], dict[str, str]]:
    """Rate an option's meters (the one path to money); a missing meter is located bad input.

    Returns
    -------
    (CostBreakdown, {catalog: version}, {catalog: as_of})
    """
    try:
        bill = kind.price(meters, cats)
    except MissingMeterError as exc:
        hint = (
            "; give workload.cpu_time (CPU per request) or workload.cpu_bound"
            if "cpu_s" in str(exc)
            else ""
        )
        raise ctx.error(f"{exc}{hint}", kind.product_field) from None
    return breakdown(bill.lines, bill.versions), bill.versions, bill.dates


def _summarise(
    scenario: Scenario,
    opt: Any,
    kind: OptionKind[Any],
    out: EngineOutput,
    meters: Meters,
    cost: CostBreakdown,
    detail: dict[str, object],
) -> OptionResult:
    h = out.latency
    horizon = scenario.horizon_s
    inst_mean = out.alive_s / horizon
    busy_mean = out.busy_s / horizon
    horizon_cost = cost.total / month_factor(horizon)
    timeseries = timeseries_of(out.bins, kind.cost_driver(out.bins), horizon_cost)
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
        timed_out=c.timed_out,
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
        meters=meters,
        latency_cdf=h.cdf(),
        timeseries=timeseries,
        detail=detail,
        batches=out.batches.summary() if out.batches is not None else None,
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
        from costsim.appsim.run import simulate_application_option

        return simulate_application_option(scenario, idx, cats, engine)
    opt = scenario.options[idx]
    runners = ENGINES[engine]
    bins = TimeBins(scenario.horizon_s, default_bin_count(scenario.horizon_s))
    timing = (scenario.horizon_s, bins)
    draws = _option_draws(scenario, opt.name)
    chunks: Iterable[Chunk] = traffic if traffic is not None else request_chunks(scenario)
    done = 0
    expected = scenario.traffic.expected_count(0.0, scenario.horizon_s)

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(opt.name, done, expected)

    kind, ctx, resolved, spec = _prepared(scenario, idx, cats)
    platform = kind.platform(opt, resolved, ctx)
    runner = runners[kind.engine_model]
    requests = kind.requests(opt, chunks, ctx)
    out = _run_engine(runner, platform, requests, draws, *timing, tick, batch_windows(scenario))
    meters = out.meters
    meters.kind = kind.name
    meters.config.update({"pricing": spec.to_json()})
    meters.config.update(kind.meter_config(opt, resolved, platform, ctx))
    kind.add_workload_meters(meters, ctx)
    cost, versions, dates = price_meters(kind, ctx, meters, cats)
    detail = kind.detail(opt, resolved, platform, meters)
    result = _summarise(scenario, opt, kind, out, meters, cost, detail)
    return result, versions, dates


#: Up to this many requests (16 bytes each), the request stream is generated once and shared by
#: every option of a run; above it, each option regenerates it chunk by chunk, so memory stays
#: flat in the horizon. Either way every option sees the very same requests.
SHARED_TRAFFIC_MAX_REQUESTS = 4_000_000


def shared_traffic(scenario: Scenario) -> list[Chunk] | None:
    """The whole request stream, when it is small enough to hold once for all options."""
    if len(scenario.options) < 2:
        return None
    expected = scenario.traffic.expected_count(0.0, scenario.horizon_s)
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
    if scenario.application is not None:
        from costsim.appsim.run import application_engine

        # the compiled engine where it runs every feature used, else the reference (the
        # caller can tell the user why: application_engine's second value)
        engine = application_engine(scenario, engine)[0]
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
    bins = default_bin_count(scenario.horizon_s)
    slo = {k: v for k, v in scenario.slo.model_dump().items() if v is not None}
    return Result(
        scenario=scenario.name,
        seed=scenario.seed,
        horizon_s=scenario.horizon_s,
        engine=engine,
        catalogs=versions,
        options=options,
        bin_width_s=scenario.horizon_s / bins,
        description=scenario.description,
        traffic=scenario.traffic.describe(),
        costsim_version=__version__,
        slo=slo,
        catalog_dates=dates,
        scenario_file=display_path(scenario.source_file),
        # relative to the working folder when inside it, like scenario_file: portable results
        catalog_files=[display_path(str(p)) for p in catalog_files_for(scenario, catalog_files)],
    )


def check_scenario(scenario: Scenario, catalog_files: list[str | Path] | None = None) -> None:
    """Resolve every catalog key and limit a run would need, without simulating.

    Raises
    ------
    InputError
        Located at the offending field of the scenario file.
    """
    cats = catalogs_for(scenario, catalog_files)
    if scenario.application is not None:
        from costsim.appsim.run import check_application_catalogs

        check_application_catalogs(scenario, cats)
        return
    for idx in range(len(scenario.options)):
        _prepared(scenario, idx, cats)
