"""Resource guards: estimate what a run needs before it starts, and refuse what cannot fit.

:func:`estimate` predicts, from the scenario alone (and the size of any replayed trace), how many
requests the traffic produces, how many timer events the models add (autoscaling evaluations,
scheduled batches, MMPP switches), the most instances one option keeps, and the memory the run
needs. :func:`check_resources` refuses a run past the soft limits unless ``force`` is given, and
past the hard limits always.

Limits (per run):

- requests: :data:`MAX_REQUESTS` (``--force`` lifts it), never more than
  :data:`HARD_MAX_REQUESTS`;
- timer events: :data:`MAX_EVENTS` (``--force`` lifts it), never more than
  :data:`HARD_MAX_EVENTS`;
- memory: half the physical memory (``--force`` lifts it), never more than
  :data:`HARD_MAX_MEMORY_BYTES` or twice the physical memory, whichever is larger.

A zero-traffic scenario is fine: it needs no requests at all.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from costsim.kinds import kind_of, option_context
from costsim.kinds.base import finite as _finite

#: Requests (arrivals over the horizon, all traffic components) refused without ``--force``.
MAX_REQUESTS = 1e9
#: Requests refused even with ``--force``.
HARD_MAX_REQUESTS = 1e11
#: Timer events (autoscaling evaluations, scheduled batches, MMPP switches) refused without
#: ``--force``.
MAX_EVENTS = 1e8
#: Timer events refused even with ``--force``.
HARD_MAX_EVENTS = 1e11
#: Memory refused even with ``--force`` [bytes], unless the machine has more than half of it.
HARD_MAX_MEMORY_BYTES = float(2**40)

#: Bytes per grid point of the integrated-rate inverse (time and cumulative, float64).
_GRID_BYTES = 16.0
#: Grid step of the integrated-rate inverse [s] (see ``costsim.traffic.arrivals``).
_GRID_STEP_S = 60.0
#: Buffers of one request chunk (arrivals, durations, draws, copies) [bytes].
_CHUNK_BYTES = (1 << 18) * 8.0 * 12
#: A replayed trace is held in memory: parsed rows plus arrays [bytes per row].
_TRACE_ROW_BYTES = 100.0
#: A replayed request after scaling (arrival and duration arrays, a sort copy) [bytes].
_REPLAY_REQUEST_BYTES = 32.0
#: One simulated instance (server or function environment) with its bookkeeping [bytes].
_INSTANCE_BYTES = 2048.0
#: One request waiting in a fleet queue [bytes].
_QUEUED_BYTES = 200.0
#: Largest fleet the models accept (the same bound as ``count``).
MAX_FLEET = 100_000


@dataclass(frozen=True)
class Estimate:
    """What a run is expected to need.

    Attributes
    ----------
    requests : float
        Expected arrivals over the horizon (the stream every option replays).
    events : float
        Timer events besides arrivals (autoscaling evaluations, batches, MMPP switches).
    instances : float
        Most instances one option is expected to keep at once.
    memory_bytes : float
        Peak memory of the run's data [bytes] (options run one after another).
    oversized : (int, float) or None
        The first bare-metal option whose fleet, sized for the peak, would exceed
        :data:`MAX_FLEET` servers, and that size.
    invocations : float or None
        For an application, the function invocations those requests cause (calls, sends,
        authorizer checks, map items): the work the engine does, which the request limits
        apply to.
    """

    requests: float
    events: float
    instances: float
    memory_bytes: float
    oversized: tuple[int, float] | None = None
    invocations: float | None = None

    @property
    def work(self) -> float:
        """What the request limits apply to: invocations of an application, else requests."""
        return self.requests if self.invocations is None else self.invocations

    def work_words(self) -> str:
        """``N requests`` or, for an application, ``N function invocations``."""
        unit = "requests" if self.invocations is None else "function invocations"
        return f"{_count(self.work)} {unit}"

    def describe(self) -> str:
        """One line for people, e.g. ``~1.2e+09 requests, ~0 timer events, 3.4 GB``."""
        return (
            f"{_count(self.requests)} requests, {_count(self.events)} timer events, "
            f"{_gb(self.memory_bytes)}"
        )


def _gb(n_bytes: float) -> str:
    if not math.isfinite(n_bytes):
        return "unbounded"
    return f"{n_bytes / 2**30:.3g} GB"


def physical_memory_bytes() -> float:
    """Physical memory of this machine [bytes] (16 GB when the OS does not say)."""
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return float(16 * 2**30)


def memory_limit_bytes() -> float:
    """Memory a run may plan to use without ``--force``: half the physical memory [bytes]."""
    return physical_memory_bytes() / 2


@dataclass
class _Tally:
    requests: float = 0.0
    events: float = 0.0
    memory: float = 0.0


def _trace_rows(path: str) -> float:
    """Data rows of a CSV (line count minus the header) or Parquet file."""
    from costsim.fileio import MAX_TRACE_BYTES, check_regular

    # before any byte is read: a device would be counted forever, a named pipe blocks
    check_regular(path, MAX_TRACE_BYTES, "trace file")
    if path.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq

            return float(pq.ParquetFile(path).metadata.num_rows)
        except Exception:
            return 0.0  # the reader reports the problem with its own message
    try:
        with Path(path).open("rb") as fh:
            lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    except OSError:
        return 0.0
    return float(max(lines, 1))


def _replay(profile: Any, scale: float, ctx: Any, tally: _Tally) -> None:
    from costsim.traffic import trace_io

    files = profile.files(ctx)
    rows = sum(_trace_rows(f) for f in files)
    tally.memory += rows * _TRACE_ROW_BYTES
    if profile.format == "counts":
        # each count is spread into that many arrivals, all held in memory
        n = sum(float(trace_io.read_counts(f).sum()) for f in files) * scale
    elif profile.format == "azure-2019":
        counts, _ = trace_io.read_azure_2019(files, profile.function, profile.app, profile.top)
        n = float(counts.sum()) * scale
    else:
        n = rows * max(scale, 1.0)
    n = _finite(n)
    tally.requests += n
    tally.memory += n * _REPLAY_REQUEST_BYTES


def _profile(profile: Any, horizon_s: float, ctx: Any, tally: _Tally) -> None:
    from costsim.traffic.compose import Sum
    from costsim.traffic.mmpp import Mmpp
    from costsim.traffic.profiles import Schedule
    from costsim.traffic.replay import Replay

    if isinstance(profile, Sum):
        for i, part in enumerate(profile._parts()):
            _profile(part, horizon_s, ctx.child(i), tally)
        return
    if isinstance(profile, Replay):
        _replay(profile, profile.scale, ctx, tally)
        return
    tally.requests += _finite(profile.expected_count(0.0, horizon_s))
    if isinstance(profile, Schedule):
        tally.events += _finite(horizon_s / profile.every_s)
        return
    # Poisson profiles invert the integrated rate on a grid over the horizon
    tally.memory += _finite(horizon_s / _GRID_STEP_S + 2) * _GRID_BYTES
    if isinstance(profile, Mmpp):
        share = profile.time_share()
        switch_rate = sum(
            float(p) / s.mean_sojourn_s for p, s in zip(share, profile.states, strict=True)
        )
        switches = _finite(horizon_s * switch_rate)
        tally.events += switches
        tally.memory += switches * (_GRID_BYTES + 8)


def estimate(scenario: Any) -> Estimate:
    """Estimate what simulating ``scenario`` needs (see the module docs).

    Raises
    ------
    InputError
        When a replayed trace cannot be read.
    """
    with np.errstate(all="ignore"):  # overflow becomes infinity, which is refused
        return _estimate(scenario)


def _estimate(scenario: Any) -> Estimate:
    from costsim.traffic import STREAM_ARRIVALS
    from costsim.traffic.context import StreamContext

    horizon_s = scenario.horizon_s
    ctx = StreamContext(
        seed=scenario.seed, key=(STREAM_ARRIVALS,), horizon_s=horizon_s, base_dir=scenario.base_dir
    )
    tally = _Tally(memory=_CHUNK_BYTES)
    _profile(scenario.traffic, horizon_s, ctx, tally)
    requests = tally.requests
    option_memory = 0.0
    most_instances = 0.0
    oversized: tuple[int, float] | None = None
    events = tally.events
    for idx, opt in enumerate(scenario.options):
        size = kind_of(opt).estimate(opt, option_context(scenario, idx), requests)
        if size.fleet_size is not None and size.fleet_size > MAX_FLEET and oversized is None:
            oversized = (idx, size.fleet_size)
        events += size.events
        most_instances = max(most_instances, size.instances)
        option_memory = max(
            option_memory, size.instances * _INSTANCE_BYTES + size.queued * _QUEUED_BYTES
        )
    return Estimate(
        requests=requests,
        events=events,
        instances=most_instances,
        memory_bytes=_finite(tally.memory + option_memory),
        oversized=oversized,
        invocations=_invocations(scenario),
    )


def _invocations(scenario: Any) -> float | None:
    """Function invocations an application's routes are expected to cause (None otherwise)."""
    app = getattr(scenario, "application", None)
    if app is None:
        return None
    from costsim.application.checks import mean_invocations

    per_request = mean_invocations(app)
    return _finite(
        sum(
            _finite(r.traffic.expected_count(0.0, scenario.horizon_s)) * per_request[r.name]
            for r in app.routes
        )
    )


def check_resources(scenario: Any, *, force: bool = False) -> Estimate:
    """Refuse a run that cannot fit; return the estimate of one that can.

    Parameters
    ----------
    scenario : Scenario
        The scenario about to be simulated.
    force : bool
        Lift the soft limits (``--force``); the hard limits still apply.

    Raises
    ------
    InputError
        Naming the estimate and the limit; located at the scenario's ``traffic`` (or
        ``horizon``) field.
    """
    est = estimate(scenario)
    hard_memory = max(HARD_MAX_MEMORY_BYTES, 2 * physical_memory_bytes())
    soft_memory = memory_limit_bytes()
    # (refused, message, whether --force lifts it), in the order they are reported
    checks: list[tuple[bool, str, bool]] = [
        (
            est.work > HARD_MAX_REQUESTS,
            f"{est.work_words()} is beyond what costsim can simulate "
            f"(at most {HARD_MAX_REQUESTS:.0e}); shorten the horizon or lower the rate",
            False,
        ),
        (
            est.events > HARD_MAX_EVENTS,
            f"{_count(est.events)} timer events (autoscaling evaluations, batches, MMPP "
            f"switches) is beyond what costsim can simulate (at most {HARD_MAX_EVENTS:.0e})",
            False,
        ),
        (
            est.work > MAX_REQUESTS,
            f"{est.work_words()} would take very long to simulate (limit {MAX_REQUESTS:.0e})",
            True,
        ),
        (
            est.events > MAX_EVENTS,
            f"{_count(est.events)} timer events (autoscaling evaluations, batches, MMPP "
            f"switches) would take very long to simulate (limit {MAX_EVENTS:.0e})",
            True,
        ),
    ]
    _refuse(scenario, est, checks, force)
    if est.oversized is not None:
        idx, servers = est.oversized
        raise scenario.error(
            f"sized for the peak, this option needs {_count(servers)} servers, more than "
            f"{MAX_FLEET:,}; set count explicitly, or check the traffic and workload durations",
            "options",
            idx,
            "count",
        )
    memory = [
        (
            est.memory_bytes > hard_memory,
            f"the run would need {_gb(est.memory_bytes)} of memory, beyond what costsim "
            f"attempts (at most {_gb(hard_memory)})",
            False,
        ),
        (
            est.memory_bytes > soft_memory,
            f"the run would need {_gb(est.memory_bytes)} of memory, more than half of this "
            f"machine's ({_gb(soft_memory)})",
            True,
        ),
    ]
    _refuse(scenario, est, memory, force)
    return est


def _refuse(
    scenario: Any, est: Estimate, checks: list[tuple[bool, str, bool]], force: bool
) -> None:
    for refused, message, soft in checks:
        if refused and not (soft and force):
            tail = "; --force runs it anyway" if soft else ""
            raise scenario.error(f"{message} [estimate: {est.describe()}]{tail}", *_where(scenario))


def _where(scenario: Any) -> tuple[str | int, ...]:
    """Where a run too big is located: the traffic, or an application's busiest route."""
    app = getattr(scenario, "application", None)
    if app is None:
        return ("traffic",)
    from costsim.application.checks import mean_invocations

    per_request = mean_invocations(app)
    work = [
        _finite(r.traffic.expected_count(0.0, scenario.horizon_s)) * per_request[r.name]
        for r in app.routes
    ]
    return ("application", "routes", max(range(len(work)), key=work.__getitem__))


def _count(x: float) -> str:
    return f"~{x:.3g}" if math.isfinite(x) else "an overflowing number of"
