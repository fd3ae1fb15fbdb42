"""The parts of a scenario besides its options and traffic: the workload, the SLO and the
batch window, with the horizon's bounds. :mod:`costsim.scenario` re-exports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from costsim.engine.batches import BatchWindows
from costsim.fields import DurationS, Name, SizeMB
from costsim.fields import Strict as _Strict
from costsim.stats.distributions import Distribution

if TYPE_CHECKING:
    from costsim.scenario import Scenario

#: Longest simulated horizon [s]: ten years. Longer runs need more memory for the rate grid
#: and time bins than is reasonable, and no price list is valid that long.
MAX_HORIZON_S = 10 * 365 * 86400.0
#: Shortest horizon [s]: usage is scaled to a month, and shorter runs scale noise into nonsense.
MIN_HORIZON_S = 1.0


class Workload(_Strict):
    """What one request does.

    Attributes
    ----------
    duration : Distribution
        Service time on the reference machine [s].
    cpu_bound : float
        Share of the duration that is CPU work. On serverless it scales with the CPU share that
        memory buys (1,769 MB = 1 vCPU, at most 6); the rest (waiting on I/O) does not.
    reference_memory : float
        Function memory at which ``duration`` was measured [MB].
    threads : int
        Threads the code can keep busy; single-threaded code gains nothing above 1 vCPU.
    payload : float
        Response size per request [MB], for data-transfer cost.
    cpu_time : float or None
        CPU time per request [s], for products that bill CPU time (Cloudflare Workers); when
        not given, the ``cpu_bound`` share of each duration is taken as CPU time.
    arm64_speedup : float
        How many times faster a request runs on an arm64 (Graviton) function than on x86_64,
        where ``duration`` was measured [1]. 1.0 (the default) takes them as equal, so ``arch``
        changes only the price; measure your code on both before setting it.
    """

    duration: Distribution
    cpu_bound: float = Field(default=0.0, ge=0, le=1)
    reference_memory_mb: SizeMB = Field(default=1769.0, gt=0, alias="reference_memory")
    threads: int = Field(default=1, ge=1, le=64)
    payload_mb: SizeMB = Field(default=0.0, ge=0, le=1024.0**2, alias="payload")
    cpu_time_s: DurationS | None = Field(default=None, ge=0, le=3600.0, alias="cpu_time")
    arm64_speedup: float = Field(default=1.0, gt=0.1, le=10.0, allow_inf_nan=False)


class Slo(_Strict):
    """Service-level objectives an option must meet."""

    p99_s: DurationS | None = Field(default=None, gt=0, alias="p99")
    throttle_rate: float | None = Field(default=None, ge=0, le=1)
    drop_rate: float | None = Field(default=None, ge=0, le=1)


#: Most batches a run tallies (each is a row of five numbers and an entry of summary.json).
MAX_BATCHES = 10_000


class Batch(_Strict):
    """Jobs released in batches, each of which must be done within a window.

    Batch ``k`` is every request arriving in ``[offset + k * every, offset + (k + 1) * every)``;
    it must be served by ``offset + k * every + window``. ``every`` and ``offset`` default to a
    ``schedule`` traffic profile's; other traffic needs them. In an application scenario the
    jobs are the requests of ``route`` (every route's when unset), served when answered end to
    end; ``every`` and ``offset`` default to that route's schedule (or the one route's).
    """

    window_s: DurationS = Field(gt=0, le=MAX_HORIZON_S, alias="window")
    every_s: DurationS | None = Field(default=None, gt=0, le=MAX_HORIZON_S, alias="every")
    offset_s: DurationS | None = Field(default=None, ge=0, le=MAX_HORIZON_S, alias="offset")
    route: Name | None = None


def batch_windows(scenario: Scenario) -> BatchWindows | None:
    """The batches an engine tallies for a scenario with ``batch:``, else None.

    Raises
    ------
    InputError
        At ``batch`` when no release period is known, or too many batches fall in the horizon
        (a ``--horizon`` longer than the file's).
    """
    if scenario.batch is None:
        return None
    every_s, offset_s = scenario.batch_releases()
    if every_s is None:
        raise scenario.error("batch.every is required unless the traffic is a schedule", "batch")
    if scenario.horizon_s / every_s > MAX_BATCHES:
        raise scenario.error(f"more than {MAX_BATCHES:,} batches over the horizon", "batch")
    return BatchWindows(every_s, offset_s, scenario.batch.window_s, scenario.horizon_s)


def check_batch(scenario: Scenario) -> None:
    """A ``batch:`` needs a release period (and an application's route, when it names one),
    located at the field."""
    if scenario.batch is None:
        return
    route = scenario.batch.route
    if route is not None:
        if scenario.application is None:
            raise scenario.error(
                "batch.route names a route of an application; a single-function scenario's "
                "jobs are all its requests: remove route",
                "batch",
                "route",
            )
        names = [r.name for r in scenario.application.routes]
        if route not in names:
            raise scenario.error(
                f"no route named {route!r}; the application's routes are {', '.join(names)}",
                "batch",
                "route",
            )
    every_s, _ = scenario.batch_releases()
    if every_s is None:
        where = (
            " (in an application: unless batch.route names a route with a schedule, or the "
            "only route has one)"
            if scenario.application is not None
            else ""
        )
        raise scenario.error(
            f"batch.every is required unless the traffic is a schedule{where}: write when "
            "batches are released, e.g. batch: {window: 2h, every: 1d, offset: 2h}",
            "batch",
        )
    if scenario.horizon_s / every_s > MAX_BATCHES:
        raise scenario.error(
            f"{scenario.horizon_s / every_s:,.0f} batches over the horizon; at most "
            f"{MAX_BATCHES:,} are tallied: release them less often or simulate less",
            "batch",
        )
