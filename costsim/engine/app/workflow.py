"""Workflows (Step Functions style) walked over a host's tasks: sequences, choices, parallel
branches and maps, with retries.

Each state entered is one transition (a map's items one each, a retry one more); a failed
state ends its branch. The host says what a task is (:meth:`WorkflowRunner.task`): an
invocation of a function's pool, or a job on a server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from costsim.application.schema import (
    CallState,
    ChoiceState,
    MapState,
    ParallelState,
    Retry,
    Route,
    State,
)
from costsim.engine.app.outcomes import ERROR, OK, Proc
from costsim.engine.app.stats import FunctionStats, WorkflowStats
from costsim.engine.common import ColdDraws
from costsim.meters import ms_ceil


class WorkflowRunner:
    """The workflow part of an application host (:class:`costsim.engine.app.flow.Host`)."""

    env: simpy.Environment
    workflows: dict[str, WorkflowStats]
    functions: dict[str, FunctionStats]
    route_draws: dict[str, ColdDraws]
    item_gens: dict[str, np.random.Generator]
    edges: Counter[tuple[str, str, str]]

    def task(self, fn: str) -> Proc:
        """A workflow task running ``fn``; returns its outcome."""
        raise NotImplementedError
        yield  # pragma: no cover

    def wait_until(self, t_s: float) -> simpy.Event:
        """An event at exactly ``t_s`` [s], ahead of arrivals at the same time."""
        raise NotImplementedError

    def workflow(self, route: Route) -> Proc:
        """One execution of the route's workflow."""
        wf = route.workflow
        assert wf is not None
        stats = self.workflows[route.name]
        stats.executions += 1
        start = self.env.now
        outcome = yield from self.states(route, wf.states, wf.retry)
        stats.duration_ms[ms_ceil(self.env.now - start)] += 1
        return outcome

    def states(self, route: Route, states: list[State], retry: Retry | None) -> Proc:
        """Run states in sequence; the first failure ends the branch."""
        for state in states:
            outcome = yield from self.state(route, state, retry)
            if outcome != OK:
                return outcome
        return OK

    def state(self, route: Route, state: State, retry: Retry | None) -> Proc:
        """One state (each state entered is one transition)."""
        stats = self.workflows[route.name]
        stats.transitions += 1
        if isinstance(state, CallState):
            return (yield from self.attempt(route, state.call, state.retry or retry))
        if isinstance(state, ParallelState):
            procs = [self.env.process(self.states(route, b, retry)) for b in state.parallel]
            yield simpy.AllOf(self.env, procs)
            return max(int(p.value or 0) for p in procs)
        if isinstance(state, MapState):
            return (yield from self.map(route, state, state.retry or retry))
        assert isinstance(state, ChoiceState)
        u = self.route_draws[route.name].next()
        acc = 0.0
        chosen = state.choice[-1]
        for option in state.choice:
            acc += option.p
            if u < acc:
                chosen = option
                break
        return (yield from self.states(route, chosen.states, retry))

    def map(self, route: Route, state: MapState, retry: Retry | None) -> Proc:
        """Run ``state.map`` once per item, at most ``max_concurrency`` at a time."""
        assert state.items is not None
        n = max(0, round(float(state.items.sample(self.item_gens[route.name], 1)[0])))
        self.workflows[route.name].transitions += n  # each item's task is a state entered
        if n == 0:
            return OK
        todo = iter(range(n))
        results: list[int] = []

        def lane() -> Generator[simpy.Event, Any, None]:
            for _ in todo:
                results.append((yield from self.attempt(route, state.map, retry)))

        width = min(n, state.max_concurrency or n)
        yield simpy.AllOf(self.env, [self.env.process(lane()) for _ in range(width)])
        return max(results)

    def attempt(self, route: Route, fn: str, retry: Retry | None) -> Proc:
        """A task with its retries; each retry waits ``interval * backoff**k``, one transition."""
        stats = self.workflows[route.name]
        attempt = 1
        while True:
            self.edges[(f"route:{route.name}", f"fn:{fn}", "task")] += 1
            outcome = yield from self.task(fn)
            rate = retry.error_rate if retry is not None else 0.0
            if outcome == OK and rate > 0 and self.route_draws[route.name].next() < rate:
                outcome = ERROR
            if outcome == OK or retry is None or attempt >= retry.max_attempts:
                return outcome
            wait_s = retry.interval_s * retry.backoff ** (attempt - 1)
            yield self.wait_until(self.env.now + wait_s)
            attempt += 1
            stats.transitions += 1
            stats.retried += 1
            self.functions[fn].retried += 1
