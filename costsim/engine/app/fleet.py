"""An application on a fleet of servers (VPS or bare metal), run as one service.

The fleet has ``servers`` servers with ``workers`` slots each; requests wait for a slot in FIFO
order, in one shared queue or in the queue of the server the balancer chose (the rules of
:mod:`costsim.engine.simpy_fleet`: :func:`~costsim.platforms.rules.choose_server`, ``queue_limit``
and ``queue_timeout`` drop and count). On a slot:

- a route request runs its authorizer check (its duration, on a cache miss), then its steps in
  process: a synchronous call is the callee's duration on the same worker, with no cold start
  and no gateway;
- a send is a job on a local queue, served by the same workers in FIFO order with the
  requests, or by ``background_workers`` slots per server when the option sets them, one job per
  message (a local queue has no batches); a failed job is retried (1 min, then 2 min later) up
  to the function's ``async_retries``;
- a workflow is a job runner: the coordinator holds no slot, and each task is a job.

The servers and their slots are a :class:`~costsim.engine.app.scaled.ScaledFleet`: fixed, or
autoscaled as a single function's fleet is (target tracking on the utilisation of every slot,
boot time, cooldown, evaluation period), each server billed from launch to retirement.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

from costsim.application.schema import Route, SendStep
from costsim.engine.app.fixed import FixedSlots
from costsim.engine.app.flow import DROPPED, OK, SUB_UNIFORM, Host, Proc, queue_names
from costsim.engine.app.scaled import BACK, FRONT, Held, ScaledFleet, Waiter
from costsim.engine.app.stats import AppOutput, QueueStats
from costsim.engine.common import ColdDraws
from costsim.platforms.fleet import AutoscalePolicy

ASYNC_ERROR_RETRY_S = (60.0, 120.0)


@dataclass(frozen=True)
class FleetPlan:
    """A fleet (no prices): fixed, or autoscaled from ``servers`` (the minimum).

    Attributes
    ----------
    billing_granularity_s, billing_minimum_s : float
        How a server's lifetime rounds, for the billed-lifetime list [s].
    autoscale : AutoscalePolicy or None
        Target tracking over every slot of the servers; None for a fixed fleet.
    """

    servers: int
    workers: int
    background_workers: int | None = None
    balancer_code: int = 0
    queue_limit: int | None = None
    queue_timeout_s: float | None = None
    billing_granularity_s: float = 1.0
    billing_minimum_s: float = 0.0
    autoscale: AutoscalePolicy | None = None


class FleetHost(Host):
    """One service on a fleet; see the module docstring for the rules."""

    kind = "fleet"

    def __init__(self, plan: FleetPlan, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.slots_per_server = plan.workers + (plan.background_workers or 0)
        self.uniform = ColdDraws(lambda g, n: g.random(n), self._stream(SUB_UNIFORM))
        self.queue_stats = {name: QueueStats() for name in queue_names(self.app)}
        self.consumers = queue_names(self.app)
        # a fixed fleet keeps SimPy's Resource order (what the compiled engine reproduces);
        # only an autoscaled group needs the scaled fleet
        self.slots: FixedSlots | ScaledFleet = (
            FixedSlots(self.env, plan, self.horizon_s, self.bins, self.wait_until)
            if plan.autoscale is None
            else ScaledFleet(
                self.env,
                (plan.workers, plan.background_workers or 0),
                plan.balancer_code,
                plan.queue_limit,
                plan.queue_timeout_s,
                plan.servers,
                plan.autoscale,
                self.horizon_s,
                self.bins,
            )
        )

    def _slot(self, background: bool = False) -> Generator[simpy.Event, Any, Held | None]:
        """Wait for a slot (a background one for a job when the servers keep them); returns
        it, or None when the queue refused or timed it out."""
        if isinstance(self.slots, FixedSlots):
            fixed: Held | None = yield from self.slots.slot(background, self.uniform.next())
            return fixed
        lane = BACK if background and self.plan.background_workers else FRONT
        got = self.slots.acquire(lane, self.uniform.next())
        if isinstance(got, Waiter):
            held: Held | None = yield got.event
            return held
        return got

    def _free(self, held: Held) -> None:
        if isinstance(self.slots, FixedSlots):
            self.slots.free(held)
            return
        self.slots.release(held)

    def _inline(self, fn: str, items: int = 1) -> Proc:
        """``fn`` run in process on the worker already held."""
        stats = self.functions[fn]
        start = self.env.now
        outcome = yield from self.body(fn, items)
        stats.record_run(self.env.now - start, provisioned=False, end_s=self.env.now)
        return outcome

    def invoke(self, fn: str) -> Proc:
        stats = self.functions[fn]
        stats.arrive(self.env.now)
        outcome = yield from self._inline(fn)
        stats.served += 1
        stats.errors += outcome != OK
        return outcome

    def task(self, fn: str) -> Proc:
        stats = self.functions[fn]
        held = yield from self._slot()
        if held is None:
            stats.arrive(self.env.now)
            stats.drop(self.env.now)
            return DROPPED
        outcome = yield from self.invoke(fn)
        self._free(held)
        return outcome

    def handle(self, route: Route) -> Proc:
        if route.workflow is not None and route.authorizer is None:
            return (yield from self.workflow(route))
        held = yield from self._slot()
        if held is None:
            return DROPPED
        outcome = yield from self.authorize(route)
        if outcome == OK and route.steps is not None:
            outcome = yield from self.steps(route.steps, source=f"route:{route.name}")
        self._free(held)
        if outcome == OK and route.workflow is not None:
            outcome = yield from self.workflow(route)
        return outcome

    def send(self, step: SendStep) -> None:
        name = step.send
        queue = self.queue_stats.get(name) if name in self.consumers else None
        if queue is not None and (step.via == "queue" or name in self.app.queues):
            queue.messages += 1
            fn = self.consumers[name]
        else:
            queue, fn = None, name
        self.env.process(self._job(fn, queue, self.env.now, name))

    def _job(
        self, fn: str, queue: QueueStats | None, sent_s: float, name: str = ""
    ) -> Generator[simpy.Event, Any, None]:
        """A sent message or event as a local job. A failed queue message is received again
        after the queue's visibility timeout and dead-lettered at its ``max_receives``-th
        failed receive, as on the serverless option; a failed event is retried after 60 s and
        120 s, up to the function's ``async_retries``."""
        spec = self.app.functions[fn]
        qspec = self.app.queues.get(name) if queue is not None else None
        visibility_s = qspec.visibility_timeout_s if qspec else 30.0
        max_receives = qspec.max_receives if qspec else 3
        stats = self.functions[fn]
        stats.arrive(self.env.now)
        errors = 0
        while True:
            held = yield from self._slot(background=True)
            if held is None:
                stats.drop(self.env.now)
                return
            if queue is not None:
                queue.receives += 1
                queue.wait.add(self.env.now - sent_s)
            outcome = yield from self._inline(fn)
            self._free(held)
            if outcome == OK:
                stats.served += 1
                return
            stats.errors += 1
            last = errors + 1 >= max_receives if queue is not None else errors >= spec.async_retries
            if last:
                stats.drop(self.env.now)
                if queue is not None:
                    queue.dead_lettered += 1
                return
            wait_s = visibility_s if queue is not None else ASYNC_ERROR_RETRY_S[errors]
            yield self.wait_until(self.env.now + wait_s)
            errors += 1
            stats.retried += 1

    def finish(self) -> AppOutput:
        fleet = self.slots
        if isinstance(fleet, FixedSlots):
            return self._finish_fixed(fleet)
        # what still waits once everything has drained has no server to run on: dropped
        while stranded := fleet.stranded():
            for w in stranded:
                w.done = True
                fleet.in_system -= 1
                w.event.succeed(None)
            self.env.run()
        fleet.close()
        return AppOutput(
            kind="fleet",
            horizon_s=self.horizon_s,
            routes=self.routes,
            functions=self.functions,
            queues=self.queue_stats,
            workflows=self.workflows,
            bins=self.bins,
            alive_s=fleet.alive_s,
            busy_s=fleet.busy_s,
            max_instances=fleet.max_instances,
            capacity_per_instance=self.slots_per_server,
            servers=fleet.next_id,
            lifetime_ms=fleet.lifetimes.histogram(),
        )

    def _finish_fixed(self, fixed: FixedSlots) -> AppOutput:
        """The output of a fixed fleet: every server alive the whole horizon."""
        n = self.plan.servers
        for _ in range(n):
            self.bins.add_interval(self.bins.alive_s, 0.0, self.horizon_s, 1.0)
        return AppOutput(
            kind="fleet",
            horizon_s=self.horizon_s,
            routes=self.routes,
            functions=self.functions,
            queues=self.queue_stats,
            workflows=self.workflows,
            bins=self.bins,
            alive_s=n * self.horizon_s,
            busy_s=fixed.busy_s,
            max_instances=n,
            capacity_per_instance=self.slots_per_server,
            servers=n,
        )


def run_fleet_app(plan: FleetPlan, *args: Any, **kwargs: Any) -> AppOutput:
    """Simulate an application on a fleet of servers.

    The arguments after ``plan`` are those of :class:`~costsim.engine.app.flow.Host`.
    """
    return FleetHost(plan, *args, **kwargs).run()
