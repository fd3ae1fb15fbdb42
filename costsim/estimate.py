"""Fast first answers: how long a run will take, and whether its horizon is long enough.

:func:`runtime_s` predicts the wall time of a run from the expected request count (the same
estimate the resource guard makes) and the engines' measured throughput. :func:`horizon_warning`
says when the simulated horizon is shorter than the traffic's own period, so that scaling its
usage to a 730-hour month over- or understates the bill (a 1-day run of traffic with quiet
weekends prices every day as a weekday). :func:`quick_horizon_s` is the shortest horizon that
covers one period, which ``--quick`` uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from costsim.units import format_duration

DAY_S = 86400.0
WEEK_S = 7 * DAY_S

#: Simulated requests per second of wall time, per option, by engine. Measured with
#: ``benchmarks/engine_throughput.py`` on the 2-core development machine (docs/PERFORMANCE.md:
#: 4.5 to 11.7 million req/s for the fast engine, 33,000 to 67,000 for SimPy); the lower ends are
#: used, as traffic generation and rating add to the engine's own time.
THROUGHPUT_REQ_PER_S: dict[str, float] = {"fast": 4.0e6, "simpy": 3.0e4}
#: Fixed cost of one run [s]: imports, loading the compiled kernels, rating and outputs.
RUN_OVERHEAD_S = 1.5
#: Shortest horizon ``--quick`` uses [s]: short runs scale noise into the monthly cost.
MIN_QUICK_HORIZON_S = 3600.0


def _diurnal(p: Any) -> float:
    # quiet weekends repeat weekly; otherwise the cycle is a day
    return WEEK_S if p.weekend_factor != 1.0 else DAY_S


def _schedule(p: Any) -> float:
    return float(p.every_s)


def _spike(p: Any) -> float:
    # the whole flash crowd, until the decay is down to under 1 % (5 time constants)
    return float(p.start_s + p.ramp_s + 5 * p.decay_s)


def _mmpp(p: Any) -> float:
    # enough sojourns in every state (10 cycles) for the time shares to settle
    return 10.0 * float(sum(s.mean_sojourn_s for s in p.states))


def _sum(p: Any) -> float:
    return max((traffic_period_s(part) for part in p.sum), default=0.0)


#: The period of each traffic profile [s], by profile name (``sum`` for a superposition);
#: profiles without one (``constant``, ``replay`` of a whole trace) are missing.
PERIODS: dict[str, Callable[[Any], float]] = {
    "diurnal": _diurnal,
    "schedule": _schedule,
    "spike": _spike,
    "mmpp": _mmpp,
}


def traffic_period_s(profile: Any) -> float:
    """The traffic's period [s]: the shortest span that repeats (0 when it is stationary)."""
    if hasattr(profile, "sum"):
        return _sum(profile)
    rule = PERIODS.get(str(getattr(profile, "profile", "")))
    return rule(profile) if rule is not None else 0.0


def horizon_warning(scenario: Any) -> str | None:
    """A warning when the horizon is shorter than the traffic's period, with the bias in
    requests per hour that scaling to a month carries; None when the horizon covers it."""
    period = traffic_period_s(scenario.traffic)
    horizon = float(scenario.horizon_s)
    if period <= 0 or horizon >= period * 0.999:
        return None
    try:
        in_horizon = scenario.traffic.expected_count(0.0, horizon) / horizon
        in_period = scenario.traffic.expected_count(0.0, period) / period
    except Exception:  # a trace that cannot be read here: say what is known
        in_horizon = in_period = 0.0
    bias = ""
    if in_period > 0:
        share = in_horizon / in_period - 1.0
        if 0.005 <= abs(share) < 10:  # beyond 10x the figure says nothing useful
            word = "overstates" if share > 0 else "understates"
            bias = (
                f": its traffic per hour is {abs(100 * share):.0f} % "
                f"{'above' if share > 0 else 'below'} the period's average, so the monthly "
                f"usage it scales to {word} a month's"
            )
    return (
        f"the horizon ({format_duration(horizon)}) is shorter than the traffic's period "
        f"({format_duration(period)}){bias}; use --horizon {format_duration(period)} "
        "or longer"
    )


def quick_horizon_s(scenario: Any) -> float:
    """The horizon ``--quick`` runs [s]: one traffic period (at least an hour), never longer
    than the scenario's own horizon."""
    period = traffic_period_s(scenario.traffic)
    return float(min(scenario.horizon_s, max(period, MIN_QUICK_HORIZON_S)))


def expected_requests(scenario: Any) -> float:
    """Requests the traffic is expected to bring over the horizon (0 when unknown)."""
    try:
        return float(scenario.traffic.expected_count(0.0, scenario.horizon_s))
    except Exception:  # an unreadable trace: the guard reports it with its location
        return 0.0


def runtime_s(scenario: Any, engine: str = "fast", runs: int = 1, workers: int = 1) -> float:
    """Predicted wall time [s] of ``runs`` runs of ``scenario`` on ``workers`` processes."""
    rate = THROUGHPUT_REQ_PER_S.get(engine, THROUGHPUT_REQ_PER_S["fast"])
    per_run = RUN_OVERHEAD_S + expected_requests(scenario) * len(scenario.options) / rate
    return per_run * runs / max(min(workers, runs), 1)


def sweep_runtime_s(
    scenarios: list[Any],
    engine: str = "fast",
    replications: int | list[int] = 1,
    workers: int = 1,
) -> float:
    """Predicted wall time [s] of a sweep over ``scenarios`` (one per grid point).

    ``replications`` is the runs per point, or a list with each point's runs still to do
    (a resumed sweep estimates only those).
    """
    rate = THROUGHPUT_REQ_PER_S.get(engine, THROUGHPUT_REQ_PER_S["fast"])
    runs = replications if isinstance(replications, list) else [replications] * len(scenarios)
    work = [
        RUN_OVERHEAD_S + expected_requests(s) * len(s.options) / rate
        for s, n in zip(scenarios, runs, strict=True)
        for _ in range(n)
    ]
    if not work:
        return 0.0
    # the largest task bounds the wall time however many workers there are
    return float(max(sum(work) / max(workers, 1), max(work)))


def task_weights(scenarios: list[Any], replications: int) -> list[float]:
    """Each sweep task's share of the work (point-major, replication-minor, like the tasks)."""
    weights = [
        max(expected_requests(s) * len(s.options), 1.0)
        for s in scenarios
        for _ in range(replications)
    ]
    return list(np.asarray(weights, dtype=float))


def contention() -> float:
    """How much slower than unloaded this machine runs now: the 1-minute load average per core
    (at least 1). Other processes share the cores, and the throughput figures are unloaded."""
    import os

    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):  # not available on every platform
        return 1.0
    return max(1.0, load / (os.cpu_count() or 1))


def say_duration(seconds: float) -> str:
    """A wall time for people: ``about 30 s``, ``about 4 min``, ``about 2 h``."""
    if seconds < 90:
        return f"about {max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"about {seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"about {seconds / 3600:.1f} h"
    return "more than two days"


def with_horizon(scenario: Any, text: str | None, quick: bool = False) -> Any:
    """``scenario`` with the horizon of ``--horizon TEXT`` (or ``--quick``'s), validated.

    Raises
    ------
    InputError
        Naming ``--horizon`` for a bad value or one the warm-up does not fit in.
    """
    from costsim.errors import InputError
    from costsim.scenario import MAX_HORIZON_S, MIN_HORIZON_S
    from costsim.units import parse_duration_s

    if text is None and not quick:
        return scenario
    if text is not None:
        try:
            horizon = parse_duration_s(text)
        except ValueError as exc:
            raise InputError(f"{exc}; e.g. --horizon 1d", field="--horizon") from None
        if isinstance(text, str) and text.strip().replace(".", "", 1).isdigit():
            raise InputError(f"give a unit, e.g. --horizon {text}d or {text}h", field="--horizon")
    else:
        horizon = quick_horizon_s(scenario)
    if not MIN_HORIZON_S <= horizon <= MAX_HORIZON_S:
        raise InputError("must be between 1s and 3650d", field="--horizon")
    if scenario.warmup_s >= horizon:
        raise InputError(
            f"must be longer than the scenario's warmup ({format_duration(scenario.warmup_s)})",
            field="--horizon",
        )
    return scenario.model_copy(update={"horizon_s": horizon})
