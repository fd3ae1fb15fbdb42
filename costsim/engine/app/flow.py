"""What a request does, written once for every host: bodies, routes, authorizers, workflows.

A host (serverless pools, or a fleet of servers) says what a synchronous call, a workflow task
and a send mean on it (:meth:`Host.invoke`, :meth:`Host.task`, :meth:`Host.send`); this module
walks the application over them. Every wait is an event at an exact absolute time
(:func:`~costsim.engine.simpy_serverless.schedule_at`), URGENT, so that at equal times work in
progress moves before new arrivals.

Outcomes are ordered by severity (``OK < ERROR < THROTTLED < DROPPED``,
:mod:`~costsim.engine.app.outcomes`); a request's outcome is the worst on its path, and a
failed synchronous call ends its caller's remaining steps. Workflows are walked by
:class:`~costsim.engine.app.workflow.WorkflowRunner`.

Authorizer cache rule: a client's result is valid from the authorizer's response for
``cache_ttl`` (still valid at exactly ``response + cache_ttl``); requests that arrive while the
client's first check is still running miss too and each calls the authorizer (API Gateway does
not coalesce them).
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Generator, Iterable
from typing import Any

import numpy as np
import simpy
from simpy.core import URGENT

from costsim.application.schema import Application, Route, SendStep, Step
from costsim.engine.app.outcomes import DROPPED, ERROR, OK, THROTTLED, TIMED_OUT, Proc
from costsim.engine.app.stats import (
    AppOutput,
    FunctionBins,
    FunctionStats,
    RouteStats,
    WorkflowStats,
)
from costsim.engine.app.workflow import WorkflowRunner
from costsim.engine.batches import BatchWindows
from costsim.engine.common import ColdDraws
from costsim.engine.metrics import TimeBins
from costsim.engine.simpy_serverless import schedule_at
from costsim.traffic import STREAM_ARRIVALS, STREAM_DURATIONS, STREAM_OPTIONS, stream
from costsim.traffic.context import StreamContext

#: Priority of a timeout's timer: after everything else at the same time, so that work
#: finishing exactly at the timeout completes (as a single function's does).
DEADLINE = 2
#: Priority of route arrivals: after everything else at the same time (URGENT is 0).
ARRIVAL = 1
#: Sub-streams of an option's random streams (after the single-function engine's 0 and 1).
SUB_COLD, SUB_ERRORS, SUB_ROUTE, SUB_UNIFORM, SUB_ITEMS = 2, 3, 4, 5, 6


def name_key(name: str) -> int:
    """Stable stream id of a function or route name."""
    return zlib.crc32(name.encode("utf-8"))


def _uniforms(gen: np.random.Generator, n: int) -> np.ndarray:
    return gen.random(n)


class Host(WorkflowRunner):
    """The shared part of an application host: draws, stats, bodies, routes and workflows.

    Parameters
    ----------
    app : Application
        The application.
    horizon_s, warmup_s : float
        Simulated period, and the warm-up whose arrivals stay out of latency statistics [s].
    seed : int
        Scenario seed.
    option_key : int
        The option's stream id (see :func:`costsim.traffic.option_stream_key`).
    bins : TimeBins
        Per-bin counters of the option.
    base_dir : path or None
        Folder that the routes' trace paths are resolved against.
    batches : BatchWindows or None
        Filled with each batch's jobs (route requests) and their end-to-end completions.
    batch_route : str or None
        The route whose requests are the batches' jobs (None: every route's).
    """

    kind = "serverless"

    def __init__(
        self,
        app: Application,
        horizon_s: float,
        warmup_s: float,
        seed: int,
        option_key: int,
        bins: TimeBins,
        base_dir: Any = None,
        batches: BatchWindows | None = None,
        batch_route: str | None = None,
    ) -> None:
        self.env = simpy.Environment()
        self.batches = batches if batches is not None else BatchWindows.none()
        self.batches_given = batches
        self.batch_route = batch_route
        self.app = app
        self.horizon_s = horizon_s
        self.warmup_s = warmup_s
        self.seed = seed
        self.option_key = option_key
        self.bins = bins
        self.base_dir = base_dir
        self.functions = {
            name: FunctionStats(bins=FunctionBins(horizon_s, bins.n_bins)) for name in app.functions
        }
        self.routes = {r.name: RouteStats() for r in app.routes}
        self.workflows = {
            r.name: WorkflowStats(kind=r.workflow.type, memory_mb=r.workflow.memory_mb)
            for r in app.routes
            if r.workflow is not None
        }
        # Durations come from the scenario's stream of each function, shared by every option,
        # so that options see the same work (as far as their event orders allow).
        self.duration_draws = {
            name: ColdDraws(spec.duration.sample, stream(seed, STREAM_DURATIONS, name_key(name)))
            for name, spec in app.functions.items()
        }
        self.error_draws = {
            name: ColdDraws(_uniforms, self._stream(SUB_ERRORS, name_key(name)))
            for name in app.functions
        }
        self.route_draws = {
            r.name: ColdDraws(_uniforms, self._stream(SUB_ROUTE, name_key(r.name)))
            for r in app.routes
        }
        self.item_gens = {r.name: self._stream(SUB_ITEMS, name_key(r.name)) for r in app.routes}
        self.caches: dict[str, dict[int, float]] = {r.name: {} for r in app.routes}
        self.queue_consumers = queue_names(app)
        #: Calls, sends and tasks along each edge ``(from, to, kind)`` of the application's
        #: graph (node ids ``route:NAME``, ``fn:NAME``, ``queue:NAME``), counted when made.
        self.edges: Counter[tuple[str, str, str]] = Counter()

    def _stream(self, *key: int) -> np.random.Generator:
        return stream(self.seed, STREAM_OPTIONS, self.option_key, *key)

    # -- what a host defines -------------------------------------------------------------
    def invoke(self, fn: str) -> Proc:
        """A synchronous call of ``fn`` from within a request; returns its outcome."""
        raise NotImplementedError
        yield  # pragma: no cover

    def task(self, fn: str) -> Proc:
        """A workflow task running ``fn``; returns its outcome."""
        raise NotImplementedError
        yield  # pragma: no cover

    def send(self, step: SendStep) -> None:
        """An asynchronous send: the caller goes on at once."""
        raise NotImplementedError

    def handle(self, route: Route) -> Proc:
        """One request of ``route``, from arrival to answer; returns its outcome."""
        raise NotImplementedError
        yield  # pragma: no cover

    def finish(self) -> AppOutput:
        """Close the books after the run (instances' alive time, servers' billing)."""
        raise NotImplementedError

    # -- shared pieces -------------------------------------------------------------------
    def wait_until(self, t_s: float) -> simpy.Event:
        """An event at exactly ``t_s`` [s], ahead of arrivals at the same time."""
        return schedule_at(self.env, t_s, URGENT)

    def body(self, fn: str, items: int = 1, deadline_s: float = math.inf) -> Proc:
        """``fn``'s own work (``items`` messages of it), then the steps it makes, in order.

        Past ``deadline_s`` [s] (the start plus the function's timeout) the execution stops at
        the deadline and returns :data:`TIMED_OUT`: what it had not yet sent is never sent, and
        a call it waits on runs on, unawaited. Work ending exactly at the deadline completes.
        """
        spec = self.app.functions[fn]
        draws = self.duration_draws[fn]
        own_s = 0.0
        for _ in range(items):
            own_s += draws.next()
        if self.env.now + own_s > deadline_s:
            yield self.wait_until(deadline_s)
            return TIMED_OUT
        if own_s > 0:
            yield self.wait_until(self.env.now + own_s)
        failed = False
        for _ in range(items):
            failed |= spec.error_rate > 0 and self.error_draws[fn].next() < spec.error_rate
        if failed:
            return ERROR
        for _ in range(items):
            outcome = yield from self.steps(spec.steps, deadline_s, f"fn:{fn}")
            if outcome != OK:
                return outcome
        return OK

    def via_queue(self, step: SendStep) -> bool:
        """Whether a send goes through a queue (else it is an asynchronous event)."""
        return step.send in self.queue_consumers and (
            step.via == "queue" or step.send in self.app.queues
        )

    def steps(self, steps: Iterable[Step], deadline_s: float = math.inf, source: str = "") -> Proc:
        """Run calls and sends in order; a failed call ends the rest.

        With a finite ``deadline_s`` [s] a call races the deadline (see :meth:`body`).
        ``source`` is the caller's node id, for the edge counts.
        """
        for step in steps:
            if isinstance(step, SendStep):
                if self.via_queue(step):
                    self.edges[(source, f"queue:{step.send}", "send")] += 1
                else:
                    self.edges[(source, f"fn:{step.send}", "event")] += 1
                self.send(step)
                continue
            self.edges[(source, f"fn:{step.call}", "call")] += 1
            if math.isinf(deadline_s):
                outcome = yield from self.invoke(step.call)
            else:
                call = self.env.process(self.invoke(step.call))
                timer = schedule_at(self.env, deadline_s, DEADLINE)
                yield call | timer
                if not call.processed:
                    return TIMED_OUT
                outcome = int(call.value or OK)
            if outcome != OK:
                return outcome
        return OK

    def authorize(self, route: Route) -> Proc:
        """The route's authorizer check, through the per-client cache."""
        auth = route.authorizer
        if auth is None:
            return OK
        cache = self.caches[route.name]
        client = min(int(self.route_draws[route.name].next() * auth.clients), auth.clients - 1)
        valid_until = cache.get(client)
        if valid_until is not None and self.env.now <= valid_until:
            return OK
        self.edges[(f"route:{route.name}", f"fn:{auth.function}", "authorize")] += 1
        outcome = yield from self.invoke(auth.function)
        if outcome == OK and auth.cache_ttl_s > 0:
            cache[client] = self.env.now + auth.cache_ttl_s
        return outcome

    def route_steps(self, route: Route) -> Proc:
        """Authorizer, then the route's steps or its workflow."""
        outcome = yield from self.authorize(route)
        if outcome != OK:
            return outcome
        if route.workflow is not None:
            return (yield from self.workflow(route))
        assert route.steps is not None
        return (yield from self.steps(route.steps, source=f"route:{route.name}"))

    def request(self, route: Route, t0_s: float) -> Generator[simpy.Event, Any, None]:
        """One request of ``route`` arriving at ``t0_s`` [s], with its accounting."""
        stats = self.routes[route.name]
        outcome = yield from self.handle(route)
        now = self.env.now
        b = self.bins.index(now)
        if outcome == THROTTLED:
            stats.throttled += 1
            self.bins.throttled[b] += 1
            return
        if outcome == DROPPED:
            stats.dropped += 1
            self.bins.dropped[b] += 1
            return
        stats.served += 1
        stats.errors += outcome == ERROR
        self.bins.served[b] += 1
        if self._in_batches(route):
            self.batches.completion(t0_s, now)
        stats.time_in_system_s += now - t0_s
        if t0_s >= self.warmup_s:
            stats.latency.add(now - t0_s)

    def _in_batches(self, route: Route) -> bool:
        return self.batch_route is None or route.name == self.batch_route

    def arrivals(self, index: int, route: Route) -> Generator[simpy.Event, Any, None]:
        """Walk the route's arrivals, starting one request process each."""
        ctx = StreamContext(
            seed=self.seed,
            # keyed by the route's name alone: reordering or adding routes leaves it unchanged
            key=(STREAM_ARRIVALS, 1, name_key(route.name)),
            horizon_s=self.horizon_s,
            base_dir=self.base_dir,
        )
        stats = self.routes[route.name]
        for times, _given in route.traffic.requests(ctx):
            for t_s in times.tolist():
                if t_s > self.env.now:
                    yield schedule_at(self.env, t_s, ARRIVAL)
                stats.arrived += 1
                self.bins.arrivals[self.bins.index(t_s)] += 1
                if self._in_batches(route):
                    self.batches.arrival(t_s)
                self.env.process(self.request(route, t_s))

    def run(self) -> AppOutput:
        """Simulate every route until all work has drained."""
        for i, route in enumerate(self.app.routes):
            self.env.process(self.arrivals(i, route))
        self.env.run()
        out = self.finish()
        out.batches = self.batches_given
        edges = dict(self.edges)
        for name, consumer in self.queue_consumers.items():
            edges[(f"queue:{name}", f"fn:{consumer}", "consume")] = out.queues[name].messages
        out.edges = dict(sorted(edges.items()))
        return out


def queue_names(app: Application) -> dict[str, str]:
    """Every queue a send can reach, declared or implicit, with its consumer function."""
    out = {name: q.consumer for name, q in app.queues.items() if q.consumer is not None}

    def visit(steps: Iterable[Step]) -> None:
        for step in steps:
            if isinstance(step, SendStep) and step.via == "queue" and step.send not in out:
                out[step.send] = step.send

    for route in app.routes:
        visit(route.steps or [])
    for spec in app.functions.values():
        visit(spec.steps)
    return out


__all__ = [
    "ARRIVAL",
    "DEADLINE",
    "DROPPED",
    "ERROR",
    "OK",
    "SUB_COLD",
    "SUB_ERRORS",
    "SUB_ITEMS",
    "SUB_ROUTE",
    "SUB_UNIFORM",
    "THROTTLED",
    "TIMED_OUT",
    "Host",
    "Proc",
    "name_key",
    "queue_names",
]
