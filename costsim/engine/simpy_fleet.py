"""SimPy reference engine for fleets of servers (VPS and bare metal).

Each server has ``workers`` slots. Requests wait in FIFO order, either in one shared queue or in
the queue of the server the balancer chose.

Order of events at equal times (every event is scheduled at its exact absolute time):
completions, then boots, then the autoscaling evaluation, then arrivals. So a worker freed or a
server booted at ``t`` serves a request arriving at ``t``, and the evaluation at ``t`` measures
the window ending at ``t`` before the arrivals of the next one.

Scale-in: the cooldown runs from the last scaling action that changed the fleet (a launch, or a
scale-in that retired at least one server); an evaluation that wants fewer servers but finds none
idle is no action. ``least_connections`` counts only requests still waiting: requests past
``queue_timeout`` are dropped from every queue before the balancer compares servers.

The horizon ends the autoscaling: no evaluation runs after it and a boot that would complete
after it never happens (a server still booting then never serves). Requests in service or in a
serving server's queue are still served after the horizon (the run drains); what waits with no
server to run it is dropped at the horizon. So a run ends even when a boot never completes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Iterable
from functools import partial
from typing import Any

import numpy as np
import simpy
from simpy.core import URGENT

from costsim.engine.batches import BatchWindows
from costsim.engine.common import (
    Chunk,
    Counters,
    EngineOutput,
    LifetimeTally,
    OptionDraws,
    Progress,
    fleet_meters,
)
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.engine.simpy_serverless import schedule_at
from costsim.meters import ms_ceil
from costsim.platforms import fleet_rules as fr
from costsim.platforms.fleet import FleetPlatform
from costsim.platforms.rules import (
    busy_within_horizon_s,
    choose_server,
    clip_to_horizon_s,
    counts_in_latency,
    desired_capacity,
)

SHARED = 0
ROUND_ROBIN = 1
LEAST_CONNECTIONS = 3

# Priorities of events at equal times (lower first); completions are URGENT (0).
BOOT = 1
EVALUATION = 2
ARRIVAL = 3


class _Server:
    __slots__ = ("active", "id", "launched_s", "queue", "retired", "serving")

    def __init__(self, sid: int, launched_s: float, serving: bool) -> None:
        self.id = sid
        self.launched_s = launched_s
        self.serving = serving
        self.active = 0
        self.queue: deque[tuple[float, float]] = deque()
        self.retired = False


class _Fleet:
    def __init__(
        self, env: simpy.Environment, p: FleetPlatform, horizon_s: float, bins: TimeBins
    ) -> None:
        self.env = env
        self.p = p
        self.horizon_s = horizon_s
        self.bins = bins
        self.counters = Counters()
        self.latency = LatencyHistogram()
        self.servers: list[_Server] = []  # alive, in id order
        self.shared: deque[tuple[float, float]] = deque()  # shared queue, or holding queue
        self.next_id = 0
        self.rr = 0
        self.lifetimes = LifetimeTally()
        self.alive_s = 0.0
        self.busy_s = 0.0
        self.max_instances = 0
        self.in_system = 0  # queued + in service
        # autoscaling measurements
        self.window_busy: dict[int, float] = {}
        self.serving_count = 0
        self.serving_integral = 0.0
        self.serving_at_s = 0.0
        self.last_action_s = -np.inf
        self.batches = BatchWindows.none()
        first = p.autoscale.minimum if p.autoscale is not None else p.count
        for _ in range(first):
            self._launch(0.0, serving=True)

    # -- fleet changes -------------------------------------------------------------------
    def _serving_changed(self, now_s: float, delta: int) -> None:
        self.serving_integral += self.serving_count * (now_s - self.serving_at_s)
        self.serving_at_s = now_s
        self.serving_count += delta

    def _launch(self, now_s: float, serving: bool) -> _Server:
        srv = _Server(self.next_id, now_s, serving)
        self.next_id += 1
        self.servers.append(srv)
        self.max_instances = max(self.max_instances, len(self.servers))
        if serving:
            self._serving_changed(now_s, +1)
        return srv

    def _booted(self, srv: _Server, _event: object = None) -> None:
        if srv.retired:
            return
        now_s = self.env.now
        srv.serving = True
        self._serving_changed(now_s, +1)
        while srv.active < self.p.workers and self._next_from(self.shared, now_s) is not None:
            a, d = self.shared.popleft()
            self._start(srv, a, now_s, d)

    def _retire(self, srv: _Server, end_s: float) -> None:
        srv.retired = True
        if srv.serving:
            self._serving_changed(end_s, -1)
        life = fr.lifetime_s(srv.launched_s, end_s, self.horizon_s)
        self.alive_s += life
        end = clip_to_horizon_s(end_s, self.horizon_s)
        self.bins.add_interval(self.bins.alive_s, srv.launched_s, end, 1.0)
        if fr.metered_instance(srv.launched_s, self.horizon_s):
            self.lifetimes.add(ms_ceil(life))

    # -- requests ------------------------------------------------------------------------
    def _drop(self, t_s: float) -> None:
        self.counters.dropped += 1
        self.bins.dropped[self.bins.index(t_s)] += 1
        self.in_system -= 1

    def _next_from(
        self, queue: deque[tuple[float, float]], now_s: float
    ) -> tuple[float, float] | None:
        """Head of ``queue`` after dropping requests that waited past the timeout."""
        timeout = self.p.queue_timeout_s
        while queue:
            a, d = queue[0]
            if timeout is not None and fr.wait_expired(a, now_s, timeout):
                queue.popleft()
                self._drop(a + timeout)
                continue
            return a, d
        return None

    def _enqueue(self, queue: deque[tuple[float, float]], t_s: float, d_s: float) -> None:
        self._next_from(queue, t_s)
        limit = self.p.queue_limit
        if limit is not None and fr.queue_full(len(queue), limit):
            self._drop(t_s)
            return
        queue.append((t_s, d_s))

    def _start(self, srv: _Server, arrival_s: float, now_s: float, dur_s: float) -> None:
        srv.active += 1
        latency_s = (now_s - arrival_s) + dur_s
        if counts_in_latency(arrival_s, self.p.latency_warmup_s):
            self.latency.add(latency_s)
        end_s = now_s + dur_s
        self.batches.completion(arrival_s, end_s)
        weight = 1.0 / self.p.workers
        if end_s > now_s:
            self.busy_s += busy_within_horizon_s(now_s, end_s, self.horizon_s, weight)
            self.bins.add_interval(self.bins.busy_s, now_s, end_s, weight)
            if self.p.autoscale is not None:
                self._add_window_busy(now_s, clip_to_horizon_s(end_s, self.horizon_s))
        schedule_at(self.env, end_s, URGENT, partial(self._finish, srv, end_s))

    def _add_window_busy(self, t0_s: float, t1_s: float) -> None:
        assert self.p.autoscale is not None
        period = self.p.autoscale.evaluation_period_s
        k = int(t0_s // period)
        while t0_s < t1_s:
            edge = (k + 1) * period
            seg = min(t1_s, edge) - t0_s
            self.window_busy[k] = self.window_busy.get(k, 0.0) + seg
            t0_s = edge
            k += 1

    def arrive(self, t_s: float, dur_s: float, u: float) -> None:
        p = self.p
        self.counters.arrived += 1
        self.bins.arrivals[self.bins.index(t_s)] += 1
        self.batches.arrival(t_s)
        self.in_system += 1
        serving = [s for s in self.servers if s.serving]
        if not serving:
            self._enqueue(self.shared, t_s, dur_s)
            return
        code = p.balancer_code
        if code == SHARED:
            free = [s for s in serving if s.active < p.workers]
            if free and self._next_from(self.shared, t_s) is None:
                k = choose_server(SHARED, np.array([s.active for s in free]), np.zeros(0), 0, u)
                self._start(free[k], t_s, t_s, dur_s)
            else:
                self._enqueue(self.shared, t_s, dur_s)
            return
        if code == LEAST_CONNECTIONS and p.queue_timeout_s is not None:
            for s in serving:
                self._next_from(s.queue, t_s)
        k = choose_server(
            code,
            np.array([s.active for s in serving]),
            np.array([len(s.queue) for s in serving]),
            self.rr,
            u,
        )
        if code == ROUND_ROBIN:
            self.rr += 1
        srv = serving[k]
        if srv.active < p.workers and self._next_from(srv.queue, t_s) is None:
            self._start(srv, t_s, t_s, dur_s)
        else:
            self._enqueue(srv.queue, t_s, dur_s)

    def _finish(self, srv: _Server, end_s: float, _event: object = None) -> None:
        srv.active -= 1
        self.in_system -= 1
        self.counters.served += 1
        self.bins.served[self.bins.index(end_s)] += 1
        for queue in (srv.queue, self.shared):
            head = self._next_from(queue, end_s)
            if head is not None:
                queue.popleft()
                self._start(srv, head[0], end_s, head[1])
                return

    # -- autoscaling ---------------------------------------------------------------------
    def autoscaler(self) -> Generator[simpy.Event, Any, None]:
        policy = self.p.autoscale
        assert policy is not None
        period = policy.evaluation_period_s
        k = 0
        while True:
            k += 1
            now_s = k * period
            if not fr.within_horizon(now_s, self.horizon_s):
                return
            yield schedule_at(self.env, now_s, EVALUATION)
            self._serving_changed(now_s, 0)
            capacity_s = self.serving_integral * self.p.workers
            self.serving_integral = 0.0
            busy = self.window_busy.pop(k - 1, 0.0)
            util = busy / capacity_s if capacity_s > 0 else 0.0
            desired = desired_capacity(
                self.serving_count,
                min(util, 1.0),
                policy.target_utilization,
                policy.minimum,
                policy.maximum,
            )
            desired = fr.scale_from_zero(desired, self.serving_count, self.in_system)
            total = len(self.servers)
            if desired > total:
                boot_s = now_s + policy.boot_time_s
                for _ in range(desired - total):
                    srv = self._launch(now_s, serving=False)
                    if fr.within_horizon(boot_s, self.horizon_s):
                        schedule_at(self.env, boot_s, BOOT, partial(self._booted, srv))
                self.last_action_s = now_s
            elif desired < total and fr.cooldown_over(now_s, self.last_action_s, policy.cooldown_s):
                idle = [
                    s for s in reversed(self.servers) if s.serving and s.active == 0 and not s.queue
                ]
                for srv in idle[: total - desired]:
                    self._retire(srv, now_s)
                if idle:
                    self.servers = [s for s in self.servers if not s.retired]
                    self.last_action_s = now_s

    def close(self) -> None:
        for srv in self.servers:
            self._retire(srv, self.horizon_s)
        self.servers = []


def run_fleet(
    platform: FleetPlatform,
    chunks: Iterable[Chunk],
    draws: OptionDraws,
    horizon_s: float,
    bins: TimeBins,
    progress: Progress | None = None,
    batches: BatchWindows | None = None,
) -> EngineOutput:
    """Simulate a fleet of servers over the arrivals in ``chunks``.

    ``batches``, when given, is filled with each batch's arrivals and completions.

    Requests still waiting when the horizon ends are served (the run drains), so every arrival
    ends served or dropped. Each instance's lifetime within the horizon is metered (never
    rounded: rating applies the catalog's billing granularity).
    """
    env = simpy.Environment()
    fleet = _Fleet(env, platform, horizon_s, bins)
    if batches is not None:
        fleet.batches = batches

    def walk() -> Generator[simpy.Event, Any, None]:
        for chunk in chunks:
            n = len(chunk)
            un = draws.uniform.random(n).tolist()
            arr = chunk.arrival_s.tolist()
            dur = chunk.duration_s.tolist()
            for i in range(n):
                if arr[i] > env.now:
                    yield schedule_at(env, arr[i], ARRIVAL)
                fleet.arrive(arr[i], dur[i], un[i])
            if progress is not None:
                progress(n)

    env.process(walk())
    if platform.autoscale is not None:
        env.process(fleet.autoscaler())
    env.run()
    # anything still queued had no server left to run on
    for queue in [fleet.shared, *(s.queue for s in fleet.servers)]:
        while queue:
            a, _ = queue.popleft()
            fleet._drop(fr.dropped_at_close_s(a, horizon_s))
    fleet.close()
    fixed = None if platform.autoscale is not None else platform.count
    meters = fleet_meters(
        horizon_s,
        fleet.counters,
        fleet.next_id,
        fleet.lifetimes.histogram(),
        fleet.alive_s,
        fleet.busy_s,
        platform.workers,
        fixed,
    )
    return EngineOutput(
        counters=fleet.counters,
        latency=fleet.latency,
        bins=bins,
        meters=meters,
        alive_s=fleet.alive_s,
        busy_s=fleet.busy_s,
        max_instances=fleet.max_instances,
        capacity_per_instance=platform.workers,
        batches=batches,
    )
