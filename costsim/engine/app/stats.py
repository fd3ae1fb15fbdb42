"""What the application engine measures: per route, function, queue and workflow.

Accounting, per route and per function: ``arrived = served + throttled + dropped``.

- A route request is *served* when it gets an answer (an error answer included, counted again
  in ``errors``), *throttled* when a synchronous call on its path was refused for concurrency,
  and *dropped* when a server queue refused or timed it out.
- A function invocation request (a synchronous call, an asynchronous event, a queue message) is
  *served* when it ran to an answer (errors included for synchronous calls), *throttled* when a
  synchronous call was refused, and *dropped* when an asynchronous event or a message was
  dead-lettered: too old after throttles, or failed on every attempt.
- An execution cut at its function's timeout is counted in ``timed_out`` (billed to the
  timeout) and is a failed run: a synchronous caller gets an error answer (served, counted in
  ``errors``), an asynchronous event or a message is retried as after any failure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from costsim.engine.batches import BatchWindows
from costsim.engine.metrics import LatencyHistogram, TimeBins, add_interval, bin_index
from costsim.meters import MsHistogram, ms_ceil


def ms_histogram(counter: Counter[int]) -> MsHistogram:
    """An exact :class:`MsHistogram` from a ``Counter`` of whole milliseconds."""
    if not counter:
        return MsHistogram()
    values = np.array(sorted(counter), dtype=np.int64)
    counts = np.array([counter[v] for v in values.tolist()], dtype=np.int64)
    return MsHistogram(values, counts)


@dataclass
class RouteStats:
    """One route: its requests and their end-to-end latency (cold starts on the path included)."""

    arrived: int = 0
    served: int = 0
    throttled: int = 0
    dropped: int = 0
    errors: int = 0
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    #: Sum of time in system over every finished request [s] (Little's law: L = lambda W).
    time_in_system_s: float = 0.0


@dataclass
class FunctionBins:
    """One function's time series over ``[0, horizon_s]`` in ``n_bins`` equal bins.

    Counts are binned by the time they happen (an execution by its end); ``alive_s`` and
    ``busy_s`` are instance-seconds alive and busy in each bin (serverless pools; on a fleet
    ``busy_s`` is worker-slot seconds spent running the function in process).
    """

    horizon_s: float
    n_bins: int

    def __post_init__(self) -> None:
        self.width_s = self.horizon_s / self.n_bins
        self.arrivals = np.zeros(self.n_bins, dtype=np.int64)
        self.invocations = np.zeros(self.n_bins, dtype=np.int64)
        self.cold_starts = np.zeros(self.n_bins, dtype=np.int64)
        self.throttled = np.zeros(self.n_bins, dtype=np.int64)
        self.dropped = np.zeros(self.n_bins, dtype=np.int64)
        self.timed_out = np.zeros(self.n_bins, dtype=np.int64)
        self.alive_s = np.zeros(self.n_bins)
        self.busy_s = np.zeros(self.n_bins)

    def count(self, target: np.ndarray, t_s: float, n: int = 1) -> None:
        """Add ``n`` to ``target`` in the bin of ``t_s`` [s]."""
        target[bin_index(t_s, self.width_s, self.n_bins)] += n

    def interval(self, target: np.ndarray, t0_s: float, t1_s: float, weight: float = 1.0) -> None:
        """Add ``weight`` times the overlap of ``[t0_s, t1_s]`` [s] with each bin."""
        add_interval(target, t0_s, t1_s, weight, self.horizon_s, self.width_s, self.n_bins)


@dataclass
class FunctionStats:
    """One function: its invocation requests, and on serverless its pool of instances.

    ``duration_ms`` counts each execution's billed wall time (its own work plus the time it
    waited on synchronous calls) in whole milliseconds, ``init_ms`` each cold start's init.
    """

    arrived: int = 0
    served: int = 0
    throttled: int = 0
    dropped: int = 0
    errors: int = 0
    retried: int = 0
    invocations: int = 0
    cold_starts: int = 0
    provisioned_served: int = 0
    duration_ms: Counter[int] = field(default_factory=Counter)
    provisioned_duration_ms: Counter[int] = field(default_factory=Counter)
    init_ms: Counter[int] = field(default_factory=Counter)
    lifetime_ms: Counter[int] = field(default_factory=Counter)
    #: Each activity period of an on-demand / provisioned instance [ms] (one request at a time
    #: here: from the request that found it idle to the last one of an unbroken run).
    active_period_ms: Counter[int] = field(default_factory=Counter)
    provisioned_active_period_ms: Counter[int] = field(default_factory=Counter)
    alive_s: float = 0.0
    #: Instance time within activity periods [s].
    active_s: float = 0.0
    busy_s: float = 0.0
    max_instances: int = 0
    provisioned_instance_s: float = 0.0
    #: Executions cut at the function's timeout: billed to the timeout, answered with an error.
    timed_out: int = 0
    #: The function's time series (None: not kept).
    bins: FunctionBins | None = None

    def record_run(self, duration_s: float, provisioned: bool, end_s: float | None = None) -> None:
        """Count one execution of ``duration_s`` [s] that ended at ``end_s`` [s]."""
        self.invocations += 1
        target = self.provisioned_duration_ms if provisioned else self.duration_ms
        target[ms_ceil(duration_s)] += 1
        if provisioned:
            self.provisioned_served += 1
        if self.bins is not None and end_s is not None:
            self.bins.count(self.bins.invocations, end_s)

    def arrive(self, t_s: float) -> None:
        """Count one invocation request at ``t_s`` [s]."""
        self.arrived += 1
        if self.bins is not None:
            self.bins.count(self.bins.arrivals, t_s)

    def throttle(self, t_s: float) -> None:
        """Count one invocation request refused for concurrency at ``t_s`` [s]."""
        self.throttled += 1
        if self.bins is not None:
            self.bins.count(self.bins.throttled, t_s)

    def drop(self, t_s: float, n: int = 1) -> None:
        """Count ``n`` invocation requests dropped (dead-lettered, expired) at ``t_s`` [s]."""
        self.dropped += n
        if self.bins is not None:
            self.bins.count(self.bins.dropped, t_s, n)

    def time_out(self, t_s: float) -> None:
        """Count one execution cut at the timeout, at ``t_s`` [s]."""
        self.timed_out += 1
        if self.bins is not None:
            self.bins.count(self.bins.timed_out, t_s)


@dataclass
class QueueStats:
    """One message queue: messages in, receives (consumer batches), dead letters, waits.

    ``expired`` counts messages still waiting when everything else had drained: no consumer can
    ever take them (a consumer with reserved concurrency 0), so they leave by the queue's
    retention period, unprocessed.
    """

    messages: int = 0
    receives: int = 0
    dead_lettered: int = 0
    expired: int = 0
    wait: LatencyHistogram = field(default_factory=LatencyHistogram)


@dataclass
class WorkflowStats:
    """The workflow of one route: executions, state transitions (retries included), durations."""

    kind: str = "standard"
    memory_mb: float = 64.0
    executions: int = 0
    transitions: int = 0
    retried: int = 0
    duration_ms: Counter[int] = field(default_factory=Counter)


@dataclass
class AppOutput:
    """Everything the application engine measured for one option over the horizon.

    Attributes
    ----------
    alive_s, busy_s : float
        Integrals over the horizon of instances (servers) alive and of busy
        instance-equivalents [s].
    capacity_per_instance : int
        Slots per instance (1 on serverless; workers + background workers on a server).
    """

    kind: str
    horizon_s: float
    routes: dict[str, RouteStats]
    functions: dict[str, FunctionStats]
    queues: dict[str, QueueStats]
    workflows: dict[str, WorkflowStats]
    bins: TimeBins
    alive_s: float = 0.0
    busy_s: float = 0.0
    max_instances: int = 0
    capacity_per_instance: int = 1
    #: Servers launched (a fleet; an autoscaled one counts every launch).
    servers: int = 0
    #: Each server's lifetime, launch to retirement within the horizon [ms] (an autoscaled
    #: fleet; None: every server lived the whole horizon).
    lifetime_ms: MsHistogram | None = None
    #: Each batch's jobs and completions (a scenario with ``batch:``; None otherwise).
    batches: BatchWindows | None = None
    #: Calls, sends and tasks made along each edge ``(from, to, kind)`` of the application's
    #: graph (node ids ``route:NAME``, ``fn:NAME``, ``queue:NAME``; kinds ``authorize``,
    #: ``call``, ``event``, ``send``, ``consume``, ``task``); a queue's ``consume`` edge counts
    #: the messages sent to it.
    edges: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def latency(self) -> LatencyHistogram:
        """All routes' end-to-end latencies in one histogram."""
        total = LatencyHistogram()
        for stats in self.routes.values():
            total.counts += stats.latency.counts
            total.total_s += stats.latency.total_s
        return total

    def totals(self) -> dict[str, int]:
        """Route-level request counts summed over routes, plus cold starts over functions."""
        keys = ("arrived", "served", "throttled", "dropped", "errors")
        out = {k: sum(getattr(r, k) for r in self.routes.values()) for k in keys}
        out["cold_starts"] = sum(f.cold_starts for f in self.functions.values())
        return out
