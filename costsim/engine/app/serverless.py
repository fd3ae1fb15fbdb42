"""An application on a serverless option: one pool per function, one account limit for all.

Each function is a pool (:class:`~costsim.engine.app.pool.AppPool`) with its own memory,
keep-alive, reserved concurrency, provisioned instances or provisioned schedule and instance
concurrency, run by the single-function SimPy pool's own procedures
(:mod:`costsim.engine.simpy_serverless`: MRU reuse by default, provisioned instances first,
schedule changes at their exact times, keep-alive expiry applied when the pool is next looked
at, the scale-rate bucket, cold starts, lifetimes). An execution longer than the pool's timeout
(the product's limit, Lambda 15 min) ends at the timeout, billed to it, counted ``timed_out``,
and fails as an error would.

Concurrency slots: a function with ``reserved_concurrency`` has exactly that many; the others
share what the account limit leaves (``limit - sum(reserved)``), as AWS Lambda does. A slot is
an instance in use (running or initialising), so with one execution per instance (Lambda) it is
one execution; with ``instance_concurrency`` c > 1 (Cloud Run, Azure Flex) an execution that
joins a busy instance with a free seat takes no new slot, and the limits cap instances, as
those products' maximum instance counts do. An execution takes a warm seat when the pool has
one (reuse policy over the instances with fewer than c executions), else a new instance.

- A synchronous call beyond its slots is throttled; the caller's instance stays busy while a
  call it made runs, so the caller is billed for the wait.
- An asynchronous send (``via: async``) is an event: throttled, it is retried after
  1, 2, 4 ... s (at most 5 min apart) until it is older than ``max_event_age``, then
  dead-lettered; a failed run is retried ``async_retries`` times, 1 min then 2 min later.
- A queue (``via: queue``) holds messages until the consumer can take them (within its slots and
  the queue's ``max_concurrency``), in batches of up to ``batch_size``, held up to
  ``batching_window`` after the oldest waiting message was sent unless the batch fills first
  (a message back from a failure goes at once); a failed batch returns after
  ``visibility_timeout`` and a message received ``max_receives`` times is dead-lettered.
  The queue is polled again whenever any instance finishes (a freed account slot may be the one
  it waits for). Messages still waiting once everything else has drained can never be taken
  (a consumer with reserved concurrency 0): they are counted expired and dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from functools import partial
from typing import Any

import simpy
from simpy.core import URGENT

from costsim.application.schema import Application, Route, SendStep
from costsim.engine.app.flow import (
    DROPPED,
    ERROR,
    OK,
    SUB_COLD,
    THROTTLED,
    TIMED_OUT,
    Host,
    Proc,
    name_key,
    queue_names,
)
from costsim.engine.app.pool import AppPool, PoolParams, ServerlessPlan, pool_platform
from costsim.engine.app.stats import AppOutput, QueueStats
from costsim.engine.batches import BatchWindows
from costsim.engine.common import ColdDraws
from costsim.engine.metrics import TimeBins
from costsim.engine.simpy_serverless import schedule_at

#: Throttled asynchronous events are retried after 1 s, doubling, at most this far apart [s].
ASYNC_BACKOFF_MAX_S = 300.0
#: Waits before the retries of a failed asynchronous event [s] (AWS: 1 min, then 2 min).
ASYNC_ERROR_RETRY_S = (60.0, 120.0)


class _Queue:
    def __init__(self, name: str, consumer: str, app: Application, stats: QueueStats) -> None:
        spec = app.queues.get(name)
        self.name = name
        self.consumer = consumer
        self.batch_size = spec.batch_size if spec else 1
        self.max_concurrency = spec.max_concurrency if spec else None
        self.visibility_timeout_s = spec.visibility_timeout_s if spec else 30.0
        self.max_receives = spec.max_receives if spec else 3
        self.batching_window_s = spec.batching_window_s if spec else 0.0
        self.timer_at_s: float | None = None
        self.waiting: deque[tuple[float, int]] = deque()  # (sent at [s], receives so far)
        self.in_flight = 0
        self.stats = stats


class ServerlessHost(Host):
    """Pools, the account and queues; see the module docstring for the rules."""

    kind = "serverless"

    def __init__(self, plan: ServerlessPlan, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        if plan.workflow_type is not None:
            for wf in self.workflows.values():
                wf.kind = plan.workflow_type
        self.pools = {
            name: AppPool(
                self.env,
                p,
                self.functions[name],
                ColdDraws(p.cold_start.sample, self._stream(SUB_COLD, name_key(name))),
                self.horizon_s,
                self.bins,
            )
            for name, p in plan.pools.items()
        }
        reserved = sum(p.reserved for p in plan.pools.values() if p.reserved is not None)
        self.unreserved_limit = plan.account_limit - reserved
        self.unreserved_in_flight = 0
        self.queue_stats = {name: QueueStats() for name in queue_names(self.app)}
        self.queues = {
            name: _Queue(name, consumer, self.app, self.queue_stats[name])
            for name, consumer in queue_names(self.app).items()
        }

    # -- slots -------------------------------------------------------------------------------
    def _acquire(self, fn: str) -> tuple[Any, float] | None:
        pool = self.pools[fn]
        now = self.env.now
        pool._reclaim(now)
        inst = pool.warm(now)
        # a slot per instance in use: an execution joining a busy instance takes none
        new_slot = inst is None or inst.active == 0
        reserved = pool.params.reserved
        if new_slot and (
            pool.in_flight >= reserved
            if reserved is not None
            else self.unreserved_in_flight >= self.unreserved_limit
        ):
            # every slot is held: only a free seat on an instance in use can take it
            inst = pool.warm(now, busy_only=True)
            if inst is None:
                return None
            new_slot = False
        got = pool.take(now, inst)
        if got is None:
            return None
        if new_slot:
            pool.in_flight += 1
            if reserved is None:
                self.unreserved_in_flight += 1
        return got

    def _execute(self, fn: str, got: tuple[Any, float], items: int = 1) -> Proc:
        """Run ``fn`` on the instance ``got`` (after its init, if cold); free it after.

        An execution past the pool's timeout ends at the timeout, billed to it, counted
        ``timed_out`` (not served) and answered with an error.
        """
        inst, init_s = got
        pool = self.pools[fn]
        start = self.env.now
        # metered where it started, as for a single function (a fall may turn it on demand)
        on_provisioned = inst.provisioned
        if init_s > 0:
            yield self.wait_until(start + init_s)
        run_start = self.env.now
        outcome = yield from self.body(fn, items, run_start + pool.params.timeout_s)
        end = self.env.now
        if pool.release(inst, start, end):
            pool.in_flight -= 1
            if pool.params.reserved is None:
                self.unreserved_in_flight -= 1
        self.functions[fn].record_run(end - run_start, on_provisioned, end)
        if outcome == TIMED_OUT:
            self.functions[fn].time_out(end)
        self._poll_queues()
        return outcome

    # -- what calls, tasks and sends mean here ----------------------------------------------
    def invoke(self, fn: str) -> Proc:
        stats = self.functions[fn]
        stats.arrive(self.env.now)
        got = self._acquire(fn)
        if got is None:
            stats.throttle(self.env.now)
            return THROTTLED
        outcome = yield from self._execute(fn, got)
        outcome = ERROR if outcome == TIMED_OUT else outcome
        stats.served += 1
        stats.errors += outcome != OK
        return outcome

    def task(self, fn: str) -> Proc:
        return (yield from self.invoke(fn))

    def handle(self, route: Route) -> Proc:
        return (yield from self.route_steps(route))

    def send(self, step: SendStep) -> None:
        queue = (
            self.queues.get(step.send)
            if step.via == "queue" or step.send in self.app.queues
            else None
        )
        if queue is None:
            self.env.process(self._event(step.send, self.env.now))
            return
        queue.stats.messages += 1
        self.functions[queue.consumer].arrive(self.env.now)
        queue.waiting.append((self.env.now, 0))
        self._poll(queue)

    def _event(self, fn: str, sent_s: float) -> Generator[simpy.Event, Any, None]:
        spec = self.app.functions[fn]
        stats = self.functions[fn]
        stats.arrive(self.env.now)
        backoff_s = 1.0
        errors = 0
        while True:
            got = self._acquire(fn)
            if got is None:
                if self.env.now + backoff_s - sent_s > spec.max_event_age_s:
                    stats.drop(self.env.now)
                    return
                yield self.wait_until(self.env.now + backoff_s)
                backoff_s = min(2 * backoff_s, ASYNC_BACKOFF_MAX_S)
                stats.retried += 1
                continue
            outcome = yield from self._execute(fn, got)
            if outcome == OK:
                stats.served += 1
                return
            stats.errors += 1
            if errors >= spec.async_retries:
                stats.drop(self.env.now)
                return
            yield self.wait_until(self.env.now + ASYNC_ERROR_RETRY_S[errors])
            errors += 1
            stats.retried += 1

    def _poll_queues(self) -> None:
        for queue in self.queues.values():
            if queue.waiting:
                self._poll(queue)

    def _poll(self, queue: _Queue) -> None:
        while queue.waiting and (
            queue.max_concurrency is None or queue.in_flight < queue.max_concurrency
        ):
            if queue.batching_window_s > 0 and len(queue.waiting) < queue.batch_size:
                due_s = queue.waiting[0][0] + queue.batching_window_s
                if self.env.now < due_s:
                    if queue.timer_at_s != due_s:
                        queue.timer_at_s = due_s
                        schedule_at(self.env, due_s, URGENT, partial(self._window_due, queue))
                    return
            got = self._acquire(queue.consumer)
            if got is None:
                return
            batch = [
                queue.waiting.popleft() for _ in range(min(queue.batch_size, len(queue.waiting)))
            ]
            queue.in_flight += 1
            queue.stats.receives += 1
            for sent_s, _ in batch:
                queue.stats.wait.add(self.env.now - sent_s)
            self.env.process(self._consume(queue, batch, got))

    def _window_due(self, queue: _Queue, _event: object = None) -> None:
        queue.timer_at_s = None
        self._poll(queue)

    def _consume(
        self, queue: _Queue, batch: list[tuple[float, int]], got: tuple[Any, float]
    ) -> Generator[simpy.Event, Any, None]:
        stats = self.functions[queue.consumer]
        outcome = yield from self._execute(queue.consumer, got, len(batch))
        queue.in_flight -= 1
        if outcome == OK:
            stats.served += len(batch)
        else:
            stats.errors += 1
            back = []
            for sent_s, receives in batch:
                if receives + 1 >= queue.max_receives:
                    stats.drop(self.env.now)
                    queue.stats.dead_lettered += 1
                else:
                    back.append((sent_s, receives + 1))
                    stats.retried += 1
            if back:
                self.env.process(self._reappear(queue, back))
        self._poll(queue)

    def _reappear(
        self, queue: _Queue, batch: list[tuple[float, int]]
    ) -> Generator[simpy.Event, Any, None]:
        yield self.wait_until(self.env.now + queue.visibility_timeout_s)
        queue.waiting.extend(batch)
        self._poll(queue)

    def finish(self) -> AppOutput:
        for pool in self.pools.values():
            pool.finish()
        for queue in self.queues.values():
            # nothing is left to free a slot: these messages can never be consumed
            queue.stats.expired += len(queue.waiting)
            self.functions[queue.consumer].drop(self.env.now, len(queue.waiting))
            queue.waiting.clear()
        out = AppOutput(
            kind="serverless",
            horizon_s=self.horizon_s,
            routes=self.routes,
            functions=self.functions,
            queues=self.queue_stats,
            workflows=self.workflows,
            bins=self.bins,
        )
        out.alive_s = sum(f.alive_s for f in self.functions.values())
        out.busy_s = sum(f.busy_s for f in self.functions.values())
        out.max_instances = sum(f.max_instances for f in self.functions.values())
        return out


def run_serverless_app(
    app: Application,
    plan: ServerlessPlan,
    horizon_s: float,
    bins: TimeBins,
    seed: int,
    option_key: int,
    warmup_s: float = 0.0,
    base_dir: Any = None,
    batches: BatchWindows | None = None,
    batch_route: str | None = None,
) -> AppOutput:
    """Simulate ``app`` on a serverless option; see the module docstring for the rules.

    Returns
    -------
    AppOutput
        ``max_instances`` is the sum of each pool's most instances (an upper bound of the most
        alive at once across pools).
    """
    host = ServerlessHost(
        plan, app, horizon_s, warmup_s, seed, option_key, bins, base_dir, batches, batch_route
    )
    return host.run()


__all__ = [
    "DROPPED",
    "AppPool",
    "PoolParams",
    "ServerlessPlan",
    "pool_platform",
    "run_serverless_app",
]
