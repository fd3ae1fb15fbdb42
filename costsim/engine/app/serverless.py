"""An application on a serverless option: one pool per function, one account limit for all.

Each function is a pool with its own memory, keep-alive, reserved concurrency and provisioned
instances (the rules of :mod:`costsim.engine.simpy_serverless`: MRU reuse by default,
provisioned instances first, keep-alive expiry and the option's maximum instance lifetime
applied when the pool is next looked at; an instance busy when it reaches its lifetime finishes
its request and is retired). An
invocation needs a free concurrency slot: a function with ``reserved_concurrency`` has exactly
that many; the others share what the account limit leaves (``limit - sum(reserved)``), as AWS
Lambda does. Instances initialising count as in flight.

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
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import simpy
from simpy.core import URGENT

from costsim.application.schema import Application, Route, SendStep
from costsim.engine.app.flow import (
    DROPPED,
    OK,
    SUB_COLD,
    THROTTLED,
    Host,
    Proc,
    name_key,
    queue_names,
)
from costsim.engine.app.stats import AppOutput, FunctionStats, QueueStats
from costsim.engine.common import ColdDraws
from costsim.engine.metrics import TimeBins
from costsim.engine.simpy_serverless import schedule_at
from costsim.meters import ms_ceil
from costsim.platforms.rules import bucket_refill, choose_warm
from costsim.platforms.serverless_rules import (
    NO_PERIOD_S,
    continues_active_period,
    idle_expired,
    idle_retire_s,
)
from costsim.traffic.distributions import Distribution

#: Throttled asynchronous events are retried after 1 s, doubling, at most this far apart [s].
ASYNC_BACKOFF_MAX_S = 300.0
#: Waits before the retries of a failed asynchronous event [s] (AWS: 1 min, then 2 min).
ASYNC_ERROR_RETRY_S = (60.0, 120.0)


@dataclass(frozen=True)
class PoolParams:
    """One function's pool on a serverless option (no prices)."""

    memory_mb: float
    keep_alive_s: float
    cold_start: Distribution
    reserved: int | None = None
    provisioned: int = 0
    scale_burst: float = float("inf")
    scale_rate_per_s: float = float("inf")
    reuse_code: int = 0
    #: Age [s] at which an on-demand instance is recycled, busy or not (inf: never).
    max_lifetime_s: float = float("inf")


@dataclass(frozen=True)
class ServerlessPlan:
    """Every pool of an option, and the account's concurrency limit."""

    pools: dict[str, PoolParams]
    account_limit: int = 1000


class _Instance:
    __slots__ = (
        "active_since_s",
        "busy",
        "created_s",
        "id",
        "idle_since_s",
        "provisioned",
        "ready_s",
    )

    def __init__(self, iid: int, created_s: float, ready_s: float, provisioned: bool) -> None:
        self.id = iid
        self.created_s = created_s
        self.idle_since_s = created_s
        self.active_since_s = NO_PERIOD_S  # no activity period open yet
        self.ready_s = ready_s
        self.busy = False
        self.provisioned = provisioned


class _Pool:
    """The instances of one function."""

    def __init__(
        self, p: PoolParams, stats: FunctionStats, cold: ColdDraws, horizon_s: float, bins: TimeBins
    ) -> None:
        self.p = p
        self.stats = stats
        self.cold = cold
        self.horizon_s = horizon_s
        self.bins = bins
        self.alive: list[_Instance] = []
        self.next_id = 0
        self.in_flight = 0
        self.tokens = p.scale_burst
        self.tokens_at_s = 0.0
        for _ in range(p.provisioned):
            self._new(0.0, 0.0, provisioned=True)
        stats.provisioned_instance_s = p.provisioned * horizon_s

    def _new(self, t_s: float, ready_s: float, provisioned: bool) -> _Instance:
        inst = _Instance(self.next_id, t_s, ready_s, provisioned)
        self.next_id += 1
        self.alive.append(inst)
        self.stats.max_instances = max(self.stats.max_instances, len(self.alive))
        return inst

    def _close_period(self, inst: _Instance) -> None:
        """Record the instance's open activity period, which ended when it last went idle."""
        if inst.active_since_s == NO_PERIOD_S:
            return
        period_s = inst.idle_since_s - inst.active_since_s
        self.stats.active_s += period_s
        stats = self.stats
        which = stats.provisioned_active_period_ms if inst.provisioned else stats.active_period_ms
        which[ms_ceil(period_s)] += 1
        inst.active_since_s = NO_PERIOD_S

    def _occupy(self, inst: _Instance, now_s: float) -> None:
        """Mark ``inst`` busy from ``now_s`` [s]: a new activity period unless it continues
        the last one (see :func:`continues_active_period`)."""
        if not continues_active_period(inst.active_since_s, inst.idle_since_s, now_s):
            self._close_period(inst)
            inst.active_since_s = now_s
        inst.busy = True

    def _retire(self, inst: _Instance, end_s: float) -> None:
        if not inst.busy:
            self._close_period(inst)
        end_s = min(end_s, self.horizon_s)
        if end_s > inst.created_s:
            self.stats.alive_s += end_s - inst.created_s
            self.bins.add_interval(self.bins.alive_s, inst.created_s, end_s, 1.0)
            self.stats.lifetime_ms[ms_ceil(end_s - inst.created_s)] += 1

    def reclaim(self, now_s: float) -> None:
        ka = self.p.keep_alive_s
        life = self.p.max_lifetime_s
        keep = []
        for inst in self.alive:
            if (
                not inst.busy
                and not inst.provisioned
                and idle_expired(inst.created_s, inst.idle_since_s, now_s, ka, life)
            ):
                self._retire(inst, idle_retire_s(inst.created_s, inst.idle_since_s, ka, life))
            else:
                keep.append(inst)
        self.alive = keep

    def warm(self, now_s: float) -> _Instance | None:
        for want_provisioned in (True, False):
            cands = [
                i
                for i in self.alive
                if i.provisioned == want_provisioned and not i.busy and i.ready_s <= now_s
            ]
            if cands:
                k = choose_warm(
                    self.p.reuse_code,
                    np.array([i.idle_since_s for i in cands]),
                    np.array([i.created_s for i in cands]),
                    0.0,
                )
                return cands[k]
        return None

    def can_start(self, now_s: float) -> bool:
        """Whether the scale-rate bucket allows a new instance at ``now_s``."""
        self.tokens = bucket_refill(
            self.tokens, self.tokens_at_s, now_s, self.p.scale_burst, self.p.scale_rate_per_s
        )
        self.tokens_at_s = now_s
        return self.tokens >= 1.0

    def take(self, now_s: float) -> tuple[_Instance, float] | None:
        """A warm instance, or a new one with its init time [s]; None when none can start."""
        inst = self.warm(now_s)
        if inst is not None:
            self._occupy(inst, now_s)
            return inst, 0.0
        if not self.can_start(now_s):
            return None
        self.tokens -= 1.0
        init_s = self.cold.next()
        inst = self._new(now_s, now_s + init_s, provisioned=False)
        self._occupy(inst, now_s)
        self.stats.cold_starts += 1
        self.stats.init_ms[ms_ceil(init_s)] += 1
        self.bins.cold_starts[self.bins.index(now_s)] += 1
        return inst, init_s

    def release(self, inst: _Instance, start_s: float, end_s: float) -> None:
        inst.busy = False
        inst.idle_since_s = end_s
        if end_s > start_s:
            self.stats.busy_s += min(end_s, self.horizon_s) - min(start_s, self.horizon_s)
            self.bins.add_interval(self.bins.busy_s, start_s, end_s, 1.0)

    def close(self) -> None:
        ka, life = self.p.keep_alive_s, self.p.max_lifetime_s
        for inst in self.alive:
            end = (
                self.horizon_s
                if inst.provisioned
                else idle_retire_s(inst.created_s, inst.idle_since_s, ka, life)
            )
            self._retire(inst, end)
        self.alive = []


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
        self.pools = {
            name: _Pool(
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
    def _acquire(self, fn: str) -> tuple[_Instance, float] | None:
        pool = self.pools[fn]
        now = self.env.now
        pool.reclaim(now)
        reserved = pool.p.reserved
        if reserved is not None:
            if pool.in_flight >= reserved:
                return None
        elif self.unreserved_in_flight >= self.unreserved_limit:
            return None
        got = pool.take(now)
        if got is None:
            return None
        pool.in_flight += 1
        if reserved is None:
            self.unreserved_in_flight += 1
        return got

    def _execute(self, fn: str, got: tuple[_Instance, float], items: int = 1) -> Proc:
        """Run ``fn`` on the instance ``got`` (after its init, if cold); free it after."""
        inst, init_s = got
        pool = self.pools[fn]
        start = self.env.now
        if init_s > 0:
            yield self.wait_until(start + init_s)
        run_start = self.env.now
        outcome = yield from self.body(fn, items)
        end = self.env.now
        pool.release(inst, start, end)
        pool.in_flight -= 1
        if pool.p.reserved is None:
            self.unreserved_in_flight -= 1
        self.functions[fn].record_run(end - run_start, inst.provisioned)
        self._poll_queues()
        return outcome

    # -- what calls, tasks and sends mean here ----------------------------------------------
    def invoke(self, fn: str) -> Proc:
        stats = self.functions[fn]
        stats.arrived += 1
        got = self._acquire(fn)
        if got is None:
            stats.throttled += 1
            return THROTTLED
        outcome = yield from self._execute(fn, got)
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
        self.functions[queue.consumer].arrived += 1
        queue.waiting.append((self.env.now, 0))
        self._poll(queue)

    def _event(self, fn: str, sent_s: float) -> Generator[simpy.Event, Any, None]:
        spec = self.app.functions[fn]
        stats = self.functions[fn]
        stats.arrived += 1
        backoff_s = 1.0
        errors = 0
        while True:
            got = self._acquire(fn)
            if got is None:
                if self.env.now + backoff_s - sent_s > spec.max_event_age_s:
                    stats.dropped += 1
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
                stats.dropped += 1
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
        self, queue: _Queue, batch: list[tuple[float, int]], got: tuple[_Instance, float]
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
                    stats.dropped += 1
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
            pool.close()
        for queue in self.queues.values():
            # nothing is left to free a slot: these messages can never be consumed
            queue.stats.expired += len(queue.waiting)
            self.functions[queue.consumer].dropped += len(queue.waiting)
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
) -> AppOutput:
    """Simulate ``app`` on a serverless option; see the module docstring for the rules.

    Returns
    -------
    AppOutput
        ``max_instances`` is the sum of each pool's most instances (an upper bound of the most
        alive at once across pools).
    """
    host = ServerlessHost(plan, app, horizon_s, warmup_s, seed, option_key, bins, base_dir)
    return host.run()


__all__ = ["DROPPED", "PoolParams", "ServerlessPlan", "run_serverless_app"]
