"""Checks of an application that need the whole graph, each located at the offending field.

Pydantic checks each block on its own; these checks look across blocks: every name a step,
state, authorizer or queue gives must exist; calls and sends must not form a cycle (see
:mod:`costsim.application.graph`); a map needs its item count; a parallel branch needs a state;
a choice's probabilities sum to 1; a declared queue needs a consumer and a name no other
function has.
Each failure is one :class:`~costsim.errors.InputError` at the line of the offending key.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterator

from costsim.application.graph import cycle_words, find_cycle
from costsim.application.schema import (
    Application,
    CallState,
    ChoiceState,
    MapState,
    ParallelState,
    SendStep,
    State,
    Step,
)
from costsim.application.static import check_static
from costsim.errors import InputError

#: Largest deviation of a choice's probabilities from 1 accepted (float noise in 0.1 + 0.2 ...).
CHOICE_SUM_TOLERANCE = 1e-9

Path = tuple[str | int, ...]
#: error(message, *path) -> InputError located at ``path`` of the scenario file.
ErrorAt = Callable[..., InputError]


def did_you_mean(name: str, known: list[str]) -> str:
    """The tail of an "unknown name" message: the closest known name, or all of them.

    Parameters
    ----------
    name : str
        The unknown name as written.
    known : list of str
        The names that would be accepted.

    Returns
    -------
    str
        ``"; did you mean 'x'?"``, or ``"; have a, b, c"`` when nothing is close.
    """
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; have {', '.join(sorted(known))}"


def walk_states(states: list[State], path: Path) -> Iterator[tuple[State, Path]]:
    """Every state of a workflow, nested ones included, with its field path."""
    for i, state in enumerate(states):
        here = (*path, i)
        yield state, here
        if isinstance(state, ParallelState):
            for k, branch in enumerate(state.parallel):
                yield from walk_states(branch, (*here, "parallel", k))
        elif isinstance(state, ChoiceState):
            for k, option in enumerate(state.choice):
                yield from walk_states(option.states, (*here, "choice", k, "states"))


def check_application(app: Application, error: ErrorAt, root: Path = ("application",)) -> None:
    """Raise the first problem of ``app`` as an :class:`InputError` located by ``error``.

    Parameters
    ----------
    app : Application
        The validated application block.
    error : callable
        ``error(message, *path)``, usually :meth:`costsim.scenario.Scenario.error`.
    root : tuple
        Field path of the application block in the file.
    """
    functions = list(app.functions)

    def need_function(name: str, *path: str | int) -> None:
        if name not in app.functions:
            raise error(f"unknown function {name!r}" + did_you_mean(name, functions), *path)

    def check_steps(steps: list[Step], path: Path) -> None:
        for j, step in enumerate(steps):
            if isinstance(step, SendStep):
                _check_send(app, step, error, (*path, j, "send"))
            else:
                need_function(step.call, *path, j, "call")

    seen_routes: set[str] = set()
    for i, route in enumerate(app.routes):
        here = (*root, "routes", i)
        if route.name in seen_routes:
            raise error(f"two routes are named {route.name!r}; names must be unique", *here, "name")
        seen_routes.add(route.name)
        if route.steps is None and route.workflow is None and "steps" in route.model_fields_set:
            raise error(
                "a route needs at least one step, e.g. steps: [{call: FUNCTION}]", *here, "steps"
            )
        if (route.steps is None) == (route.workflow is None):
            raise error("a route needs either steps or a workflow (not both)", *here)
        if route.authorizer is not None:
            need_function(route.authorizer.function, *here, "authorizer", "function")
        if route.steps is not None:
            if not route.steps:
                raise error("a route needs at least one step", *here, "steps")
            check_steps(route.steps, (*here, "steps"))
        if route.workflow is not None:
            _check_states(
                route.workflow.states, (*here, "workflow", "states"), need_function, error
            )
    for name, spec in app.functions.items():
        check_steps(spec.steps, (*root, "functions", name, "steps"))
    for name, queue in app.queues.items():
        if queue.consumer is None:
            written = ("consumer",) if "consumer" in queue.model_fields_set else ()
            raise error(
                f"queue {name!r} has no consumer; set consumer: FUNCTION",
                *root,
                "queues",
                name,
                *written,
            )
        if name in app.functions and queue.consumer != name:
            raise error(
                f"queue {name!r} has the name of a function but another consumer "
                f"({queue.consumer!r}), so a send to {name!r} would be ambiguous; rename the "
                "queue",
                *root,
                "queues",
                name,
            )
        need_function(queue.consumer, *root, "queues", name, "consumer")
    check_static(app.static, [r.name for r in app.routes], error, root)
    _check_cycles(app, error, root)


def _check_cycles(app: Application, error: ErrorAt, root: Path) -> None:
    """Refuse a cycle of calls or sends, located at the step that closes it."""
    cycle = find_cycle(app)
    if cycle is None:
        return
    last = cycle[-1]
    where = (*root, "functions", last.source, "steps", last.step)
    if all(edge.how == "call" for edge in cycle):
        raise error(
            "a cycle of synchronous calls: "
            + " -> ".join([cycle[0].source, *(e.target for e in cycle)])
            + "; a call chain must end: remove one of these calls",
            *where,
            "call",
        )
    raise error(
        f"a cycle of calls and sends: {cycle_words(cycle)}; every invocation would cause another "
        "without end: remove one of these steps",
        *where,
        "call" if last.how == "call" else "send",
    )


def _check_send(app: Application, step: SendStep, error: ErrorAt, path: Path) -> None:
    target = step.send
    if target in app.queues:
        if step.via == "async":
            raise error(f"{target!r} is a queue: send to it with via: queue", *path)
        return
    if target not in app.functions:
        known = [*app.functions, *app.queues]
        raise error(f"unknown function or queue {target!r}" + did_you_mean(target, known), *path)


def _check_states(
    states: list[State],
    path: Path,
    need_function: Callable[..., None],
    error: ErrorAt,
) -> None:
    for state, here in walk_states(states, path):
        if isinstance(state, CallState):
            need_function(state.call, *here, "call")
        elif isinstance(state, MapState):
            need_function(state.map, *here, "map")
            if state.items is None:
                written = "items" if "items" in state.model_fields_set else "map"
                raise error(
                    "a map needs items: the number of items per execution, as a distribution "
                    "(e.g. {dist: fixed, value: 25})",
                    *here,
                    written,
                )
        elif isinstance(state, ParallelState):
            for k, branch in enumerate(state.parallel):
                if not branch:
                    raise error(
                        "a parallel branch needs at least one state, e.g. {call: FUNCTION}",
                        *here,
                        "parallel",
                        k,
                    )
        elif isinstance(state, ChoiceState):
            total = math.fsum(option.p for option in state.choice)
            if abs(total - 1.0) > CHOICE_SUM_TOLERANCE:
                raise error(
                    f"the probabilities of a choice must sum to 1, got {total:g}",
                    *here,
                    "choice",
                )


def mean_demand_s(app: Application, max_depth: int = 64) -> dict[str, float]:
    """Mean work one request of each route causes [s], across every function it reaches.

    The authorizer is counted on every request (an upper bound: the cache only lowers it). Used
    for resource estimates and fleet sizing, never by the engine.
    """
    return _per_route(app, lambda name: app.functions[name].duration.mean_s, max_depth)


def mean_invocations(app: Application, max_depth: int = 64) -> dict[str, float]:
    """Mean function invocations one request of each route causes (retries not counted).

    The authorizer is counted on every request, as in :func:`mean_demand_s`; a map counts its
    mean item count. Used by the resource guard: a route fanning out to thousands of map items
    costs thousands of invocations per request.
    """
    return _per_route(app, lambda name: 1.0, max_depth)


def _per_route(app: Application, own: Callable[[str], float], max_depth: int) -> dict[str, float]:
    """``own(function)`` summed over every function one request of each route reaches."""

    def function_s(name: str, depth: int) -> float:
        spec = app.functions.get(name)
        if spec is None or depth > max_depth:
            return 0.0
        return own(name) + steps_s(spec.steps, depth + 1)

    def steps_s(steps: list[Step], depth: int) -> float:
        total = 0.0
        for step in steps:
            if isinstance(step, SendStep):
                queue = app.queues.get(step.send)
                total += function_s(
                    queue.consumer if queue and queue.consumer else step.send, depth
                )
            else:
                total += function_s(step.call, depth)
        return total

    def states_s(states: list[State], depth: int) -> float:
        total = 0.0
        for state in states:
            if isinstance(state, CallState):
                total += function_s(state.call, depth)
            elif isinstance(state, MapState):
                items = state.items.mean_s if state.items is not None else 0.0
                total += items * function_s(state.map, depth)
            elif isinstance(state, ParallelState):
                total += sum(states_s(b, depth) for b in state.parallel)
            elif isinstance(state, ChoiceState):
                total += sum(o.p * states_s(o.states, depth) for o in state.choice)
        return total

    out: dict[str, float] = {}
    for route in app.routes:
        demand = 0.0
        if route.authorizer is not None:
            demand += function_s(route.authorizer.function, 0)
        if route.steps is not None:
            demand += steps_s(route.steps, 0)
        if route.workflow is not None:
            demand += states_s(route.workflow.states, 0)
        out[route.name] = demand
    return out
