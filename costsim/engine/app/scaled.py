"""The servers of a fleet hosting an application, fixed or autoscaled: slots, queues, target
tracking.

The servers, balancer and autoscaler of the single-function fleet
(:mod:`costsim.engine.simpy_fleet`), written for work whose length is not known when it starts
(a request holds its worker through its calls): the same rules
(:func:`~costsim.platforms.rules.choose_server`,
:func:`~costsim.platforms.rules.desired_capacity` and :mod:`costsim.platforms.fleet_rules`)
and the same order of events at equal times: completions, then boots, then the evaluation,
then arrivals.

- Each server has ``workers`` front slots and ``background_workers`` job slots (lanes); a
  request waits for a slot of its lane in FIFO order, in the shared queue or in the queue of the
  server the balancer chose; while no server serves, it waits in the shared queue for the first
  boot. ``queue_limit`` refuses and ``queue_timeout`` drops (a wait of exactly the timeout is
  still served), both counted as drops by the host.
- With an ``autoscale`` policy, every ``evaluation_period`` the utilisation of the window just
  ended (busy slot-seconds over serving server-seconds times slots per server, work in progress
  included up to now) sets the desired count; a launch serves after ``boot_time``; scale-in
  retires idle servers with empty queues, newest first, once the cooldown since the last action
  is over. The horizon ends the autoscaling, as for a single function.
- A server is alive, and billed, from launch to retirement (or the horizon).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from functools import partial
from typing import Any

import numpy as np
import simpy

from costsim.engine.common import LifetimeTally
from costsim.engine.metrics import TimeBins
from costsim.engine.simpy_serverless import schedule_at
from costsim.meters import ms_ceil
from costsim.platforms import fleet_rules as fr
from costsim.platforms.fleet import AutoscalePolicy
from costsim.platforms.rules import (
    busy_within_horizon_s,
    choose_server,
    clip_to_horizon_s,
    desired_capacity,
)

SHARED = 0
ROUND_ROBIN = 1
#: Priorities at equal times between completions (URGENT, 0) and route arrivals
#: (:data:`costsim.engine.app.flow.ARRIVAL`, 1), in this order: boots, then the evaluation and
#: queue timeouts (fractions, so that the application's other events keep their order).
BOOT = 0.25
EVALUATION = 0.5
EXPIRY = 0.5
#: Lanes of slots on a server: requests (front) and asynchronous jobs (background).
FRONT, BACK = 0, 1


class _Server:
    __slots__ = ("active", "id", "launched_s", "queues", "retired", "serving")

    def __init__(self, sid: int, launched_s: float, serving: bool) -> None:
        self.id = sid
        self.launched_s = launched_s
        self.serving = serving
        self.retired = False
        self.active = [0, 0]
        self.queues: tuple[deque[Waiter], deque[Waiter]] = (deque(), deque())

    def idle(self) -> bool:
        return not any(self.active) and not any(self.queues)


class Waiter:
    """A request waiting for a slot; its event fires with the :class:`Held` slot or None."""

    __slots__ = ("arrival_s", "done", "event", "lane")

    def __init__(self, env: simpy.Environment, arrival_s: float, lane: int) -> None:
        self.arrival_s = arrival_s
        self.lane = lane
        self.event = simpy.Event(env)
        self.done = False


class Held:
    """A slot in use: its server and lane, and the start of its not yet measured busy time."""

    __slots__ = ("counted_s", "lane", "srv", "start_s")

    def __init__(self, srv: _Server, lane: int, now_s: float) -> None:
        self.srv = srv
        self.lane = lane
        self.start_s = now_s
        self.counted_s = now_s


class ScaledFleet:
    """Servers with their lanes of slots, the balancer and the autoscaler.

    Parameters
    ----------
    env : simpy.Environment
        The host's environment.
    slots : tuple of int
        Slots per server in each lane: ``(workers, background_workers or 0)``.
    balancer_code : int
        Index into :data:`~costsim.platforms.rules.BALANCERS`.
    queue_limit, queue_timeout_s : int or None, float or None
        Most waiting requests per queue; longest wait [s].
    start : int
        Servers at time 0 (the minimum when autoscaling).
    policy : AutoscalePolicy or None
        Target tracking, or None for a fixed fleet.
    horizon_s : float
        End of the simulated time [s].
    bins : TimeBins
        The option's time bins (alive and busy instance time).
    """

    def __init__(
        self,
        env: simpy.Environment,
        slots: tuple[int, int],
        balancer_code: int,
        queue_limit: int | None,
        queue_timeout_s: float | None,
        start: int,
        policy: AutoscalePolicy | None,
        horizon_s: float,
        bins: TimeBins,
    ) -> None:
        self.env = env
        self.slots = slots
        self.per_server = sum(slots)
        self.balancer_code = balancer_code
        self.queue_limit = queue_limit
        self.queue_timeout_s = queue_timeout_s
        self.policy = policy
        self.horizon_s = horizon_s
        self.bins = bins
        self.servers: list[_Server] = []  # alive, in id order
        self.shared: tuple[deque[Waiter], deque[Waiter]] = (deque(), deque())
        self.held: dict[int, Held] = {}
        self.next_id = 0
        self.rr = [0, 0]
        self.lifetimes = LifetimeTally()
        self.alive_s = 0.0
        self.busy_s = 0.0
        self.max_instances = 0
        self.in_system = 0  # waiting + holding a slot
        self.window_busy_s = 0.0
        self.serving_count = 0
        self.serving_integral = 0.0
        self.serving_at_s = 0.0
        self.last_action_s = -np.inf
        for _ in range(start):
            self._launch(0.0, serving=True)
        if policy is not None:
            env.process(self._autoscaler(policy))

    # -- servers -------------------------------------------------------------------------
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
        for lane in (FRONT, BACK):
            while srv.active[lane] < self.slots[lane] and self.shared[lane]:
                self._grant(srv, self.shared[lane].popleft(), now_s)

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

    # -- slots ---------------------------------------------------------------------------
    def acquire(self, lane: int, u: float) -> Held | Waiter | None:
        """A slot of ``lane`` now, a :class:`Waiter` to wait on, or None when refused."""
        now_s = self.env.now
        self.in_system += 1
        serving = [s for s in self.servers if s.serving]
        cap = self.slots[lane]
        if not serving:
            return self._enqueue(self.shared[lane], lane, now_s)
        code = self.balancer_code
        if code == SHARED:
            free = [s for s in serving if s.active[lane] < cap]
            if free and not self.shared[lane]:
                active = np.array([s.active[lane] for s in free])
                return self._start(free[choose_server(SHARED, active, np.zeros(0), 0, u)], lane)
            return self._enqueue(self.shared[lane], lane, now_s)
        k = choose_server(
            code,
            np.array([s.active[lane] for s in serving]),
            np.array([len(s.queues[lane]) for s in serving]),
            self.rr[lane],
            u,
        )
        if code == ROUND_ROBIN:
            self.rr[lane] += 1
        srv = serving[k]
        if srv.active[lane] < cap and not srv.queues[lane]:
            return self._start(srv, lane)
        return self._enqueue(srv.queues[lane], lane, now_s)

    def _enqueue(self, queue: deque[Waiter], lane: int, now_s: float) -> Waiter | None:
        if self.queue_limit is not None and fr.queue_full(len(queue), self.queue_limit):
            self.in_system -= 1
            return None
        w = Waiter(self.env, now_s, lane)
        queue.append(w)
        if self.queue_timeout_s is not None:
            due_s = now_s + self.queue_timeout_s
            schedule_at(self.env, due_s, EXPIRY, partial(self._expire, w, queue))
        return w

    def _expire(self, w: Waiter, queue: deque[Waiter], _event: object = None) -> None:
        if w.done:
            return
        # still waiting at exactly the timeout, after completions and boots then: dropped
        queue.remove(w)
        w.done = True
        self.in_system -= 1
        w.event.succeed(None)

    def _start(self, srv: _Server, lane: int) -> Held:
        srv.active[lane] += 1
        held = Held(srv, lane, self.env.now)
        self.held[id(held)] = held
        return held

    def _grant(self, srv: _Server, w: Waiter, now_s: float) -> None:
        w.done = True
        w.event.succeed(self._start(srv, w.lane))

    def release(self, held: Held) -> None:
        """Free ``held`` now; the next waiter of its server's queue, then of the shared one,
        takes it."""
        now_s = self.env.now
        srv, lane = held.srv, held.lane
        del self.held[id(held)]
        srv.active[lane] -= 1
        self.in_system -= 1
        end = clip_to_horizon_s(now_s, self.horizon_s)
        if end > held.counted_s:
            self.window_busy_s += end - held.counted_s
        weight = 1.0 / self.per_server
        if now_s > held.start_s:
            self.busy_s += busy_within_horizon_s(held.start_s, now_s, self.horizon_s, weight)
            self.bins.add_interval(self.bins.busy_s, held.start_s, now_s, weight)
        for queue in (srv.queues[lane], self.shared[lane]):
            if queue:
                self._grant(srv, queue.popleft(), now_s)
                return

    # -- autoscaling ---------------------------------------------------------------------
    def _autoscaler(self, policy: AutoscalePolicy) -> Generator[simpy.Event, Any, None]:
        period = policy.evaluation_period_s
        k = 0
        while True:
            k += 1
            now_s = k * period
            if not fr.within_horizon(now_s, self.horizon_s):
                return
            yield schedule_at(self.env, now_s, EVALUATION)
            self._evaluate(policy, now_s)

    def _evaluate(self, policy: AutoscalePolicy, now_s: float) -> None:
        self._serving_changed(now_s, 0)
        for held in self.held.values():  # work in progress, up to now
            self.window_busy_s += now_s - held.counted_s
            held.counted_s = now_s
        capacity_s = self.serving_integral * self.per_server
        self.serving_integral = 0.0
        busy_s, self.window_busy_s = self.window_busy_s, 0.0
        util = busy_s / capacity_s if capacity_s > 0 else 0.0
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
            idle = [s for s in reversed(self.servers) if s.serving and s.idle()]
            for srv in idle[: total - desired]:
                self._retire(srv, now_s)
            if idle:
                self.servers = [s for s in self.servers if not s.retired]
                self.last_action_s = now_s

    def stranded(self) -> list[Waiter]:
        """Take out every waiter left once the run has drained: no server will serve them."""
        out = [w for q in (*self.shared, *(q for s in self.servers for q in s.queues)) for w in q]
        for q in (*self.shared, *(q for s in self.servers for q in s.queues)):
            q.clear()
        return out

    def close(self) -> None:
        """Retire every server at the horizon."""
        for srv in self.servers:
            self._retire(srv, self.horizon_s)
        self.servers = []
