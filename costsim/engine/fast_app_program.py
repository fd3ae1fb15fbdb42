"""An application as the compiled loop reads it: flat integer and float tables, no objects.

:func:`compile_program` walks an :class:`~costsim.application.schema.Application` the way the
SimPy application engine (:mod:`costsim.engine.app.flow`) does and writes every list of steps
and of workflow states as rows of one op table. Everything the reference decides from the
application alone (which queue a send reaches, the retry policy a task inherits, the waits of
its retries, a choice's cumulative probabilities) is decided here once, with the reference's
own expressions, so the loop only follows indices.

:func:`segment_bound` bounds what one event can consume (draws, frames, heap entries) before
the loop next yields, so that the driver can keep that much room ahead of the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from costsim.application.schema import (
    Application,
    CallState,
    ChoiceState,
    MapState,
    ParallelState,
    Retry,
    SendStep,
    State,
    Step,
)
from costsim.engine.app.flow import queue_names

# Op kinds (rows of ``op_i``: kind, a, b, c).
OP_CALL, OP_SEND_EVENT, OP_SEND_QUEUE = 0, 1, 2
ST_CALL, ST_PARALLEL, ST_MAP, ST_CHOICE = 3, 4, 5, 6
#: A segment bound above which the compiled engine declines (the buffers would not be small).
MAX_SEGMENT_BOUND = 1_000_000


@dataclass
class Program:
    """The flat tables of one application (see the module docstring).

    ``op_i[k]`` is (kind, a, b, c, edge): ``OP_CALL`` (function), ``OP_SEND_EVENT`` (function),
    ``OP_SEND_QUEUE`` (queue), ``ST_CALL`` (function, retry), ``ST_PARALLEL`` (first branch
    list, branch count), ``ST_MAP`` (function, retry, max concurrency or 0), ``ST_CHOICE``
    (first branch list, branch count, first row of ``choice_acc``). A list is a run of ops
    (``list_start``, ``list_len``). ``edge`` is a step's edge of the application's graph
    (``edges``: ``(from, to, kind)`` -> id, the reference's ``Host.edges`` keys); ``task_edge``
    and ``auth_edge`` are the edges of a route's workflow tasks and of its authorizer.
    """

    functions: list[str]
    routes: list[str]
    queues: list[str]
    op_i: list[list[int]] = field(default_factory=list)
    list_start: list[int] = field(default_factory=list)
    list_len: list[int] = field(default_factory=list)
    choice_acc: list[float] = field(default_factory=list)
    #: Per retry policy: error rate, max attempts, first row of ``retry_wait_s``.
    retry_rate: list[float] = field(default_factory=list)
    retry_max: list[int] = field(default_factory=list)
    retry_off: list[int] = field(default_factory=list)
    retry_wait_s: list[float] = field(default_factory=list)
    fn_steps: list[int] = field(default_factory=list)
    route_steps: list[int] = field(default_factory=list)
    route_wf: list[int] = field(default_factory=list)
    queue_consumer: list[int] = field(default_factory=list)
    map_states: int = 0
    edges: dict[tuple[str, str, str], int] = field(default_factory=dict)
    #: Per route and function (``r * n_fn + f``): the edge of a workflow task, or -1.
    task_edge: list[int] = field(default_factory=list)
    auth_edge: list[int] = field(default_factory=list)

    def edge(self, key: tuple[str, str, str]) -> int:
        """The id of edge ``key`` (a new one the first time)."""
        return self.edges.setdefault(key, len(self.edges))

    def arrays(self) -> dict[str, np.ndarray]:
        """The tables as contiguous numpy arrays."""
        ops = np.array(self.op_i or [[0, 0, 0, 0, 0]], dtype=np.int64).reshape(-1, 5)
        f = lambda v: np.array(v or [0.0], dtype=np.float64)  # noqa: E731
        i = lambda v: np.array(v or [0], dtype=np.int64)  # noqa: E731
        return {
            "op_i": np.ascontiguousarray(ops.T),
            "list_start": i(self.list_start),
            "list_len": i(self.list_len),
            "choice_acc": f(self.choice_acc),
            "retry_rate": f(self.retry_rate),
            "retry_max": i(self.retry_max),
            "retry_off": i(self.retry_off),
            "retry_wait_s": f(self.retry_wait_s),
            "task_edge": np.array(self.task_edge, dtype=np.int64).reshape(
                len(self.routes), len(self.functions)
            ),
            "edge_n": np.zeros(max(1, len(self.edges)), dtype=np.int64),
        }


def _retry(prog: Program, retry: Retry | None) -> int:
    if retry is None:
        return -1
    prog.retry_rate.append(retry.error_rate)
    prog.retry_max.append(retry.max_attempts)
    prog.retry_off.append(len(prog.retry_wait_s))
    # the reference's expression, attempt by attempt
    prog.retry_wait_s.extend(
        retry.interval_s * retry.backoff ** (attempt - 1)
        for attempt in range(1, retry.max_attempts)
    )
    return len(prog.retry_rate) - 1


def _new_list(prog: Program, n: int) -> int:
    prog.list_start.append(-1)
    prog.list_len.append(n)
    return len(prog.list_start) - 1


def _fill(prog: Program, lid: int, rows: list[list[int]]) -> None:
    prog.list_start[lid] = len(prog.op_i)
    prog.op_i.extend(rows)


def _steps(prog: Program, app: Application, steps: list[Step], source: str) -> int:
    consumers = queue_names(app)
    fn = {name: k for k, name in enumerate(prog.functions)}
    rows = []
    for step in steps:
        if isinstance(step, SendStep):
            # the reference's rule (ServerlessHost.send, Host.via_queue): a queue when one is
            # reached
            to_queue = step.via == "queue" or step.send in app.queues
            if to_queue and step.send in consumers:
                e = prog.edge((source, f"queue:{step.send}", "send"))
                rows.append([OP_SEND_QUEUE, prog.queues.index(step.send), 0, 0, e])
            else:
                e = prog.edge((source, f"fn:{step.send}", "event"))
                rows.append([OP_SEND_EVENT, fn[step.send], 0, 0, e])
        else:
            e = prog.edge((source, f"fn:{step.call}", "call"))
            rows.append([OP_CALL, fn[step.call], 0, 0, e])
    lid = _new_list(prog, len(rows))
    _fill(prog, lid, rows)
    return lid


def _states(prog: Program, states: list[State], inherited: Retry | None) -> int:
    fn = {name: k for k, name in enumerate(prog.functions)}
    lid = _new_list(prog, len(states))
    rows = []
    for state in states:
        if isinstance(state, CallState):
            rows.append([ST_CALL, fn[state.call], _retry(prog, state.retry or inherited), 0, 0])
        elif isinstance(state, ParallelState):
            ids = [_new_list(prog, len(b)) for b in state.parallel]
            for b, bid in zip(state.parallel, ids, strict=True):
                _fill_states(prog, bid, b, inherited)
            rows.append([ST_PARALLEL, ids[0], len(ids), 0, 0])
        elif isinstance(state, MapState):
            prog.map_states += 1
            retry = _retry(prog, state.retry or inherited)
            rows.append([ST_MAP, fn[state.map], retry, state.max_concurrency or 0, 0])
        else:
            assert isinstance(state, ChoiceState)
            ids = [_new_list(prog, len(c.states)) for c in state.choice]
            for c, cid in zip(state.choice, ids, strict=True):
                _fill_states(prog, cid, c.states, inherited)
            acc_row = len(prog.choice_acc)
            acc = 0.0
            for c in state.choice:
                acc += c.p  # the reference accumulates the same way
                prog.choice_acc.append(acc)
            rows.append([ST_CHOICE, ids[0], len(ids), acc_row, 0])
    _fill(prog, lid, rows)
    return lid


def _fill_states(prog: Program, lid: int, states: list[State], inherited: Retry | None) -> None:
    inner = _states(prog, states, inherited)
    # move the inner list's rows under ``lid`` (the branch ids were reserved contiguously)
    prog.list_start[lid] = prog.list_start[inner]
    prog.list_len[lid] = prog.list_len[inner]


def compile_program(app: Application) -> Program:
    """The flat tables of ``app`` (see :class:`Program`)."""
    consumers = queue_names(app)
    prog = Program(list(app.functions), [r.name for r in app.routes], list(consumers))
    fn = {name: k for k, name in enumerate(prog.functions)}
    prog.queue_consumer = [fn[c] for c in consumers.values()]
    prog.fn_steps = [
        _steps(prog, app, spec.steps, f"fn:{name}") for name, spec in app.functions.items()
    ]
    for route in app.routes:
        src = f"route:{route.name}"
        auth = route.authorizer
        prog.auth_edge.append(prog.edge((src, f"fn:{auth.function}", "authorize")) if auth else 0)
        tasks = set()
        if route.workflow is not None:
            prog.route_wf.append(_states(prog, route.workflow.states, route.workflow.retry))
            prog.route_steps.append(-1)
            tasks = {
                s.call if isinstance(s, CallState) else s.map
                for s in all_states(route.workflow.states)
                if isinstance(s, CallState | MapState)
            }
        else:
            prog.route_wf.append(-1)
            prog.route_steps.append(_steps(prog, app, route.steps or [], src))
        prog.task_edge.extend(
            prog.edge((src, f"fn:{name}", "task")) if name in tasks else -1
            for name in prog.functions
        )
    return prog


def segment_bound(app: Application) -> int:
    """An upper bound of what one synchronous segment of the reference consumes.

    A segment (what runs between two waits) takes at most this many draws of any one stream,
    frames, joins, heap entries and messages, apart from queue consumers started by a poll
    (one per waiting message) and map lanes (one per item), which the driver adds.
    """
    memo: dict[str, int] = {}

    def steps_cost(steps: list[Step]) -> int:
        return sum(4 if isinstance(s, SendStep) else fn_cost(s.call) for s in steps)

    def fn_cost(name: str) -> int:
        if name not in memo:
            memo[name] = 8 + steps_cost(app.functions[name].steps)
        return memo[name]

    def states_cost(states: list[State]) -> int:
        total = 0
        for s in states:
            if isinstance(s, CallState):
                total += 4 + fn_cost(s.call)
            elif isinstance(s, ParallelState):
                total += 4 * len(s.parallel) + 4
            elif isinstance(s, MapState):
                total += 8 + fn_cost(s.map)
            else:
                assert isinstance(s, ChoiceState)
                total += 4 + max(states_cost(c.states) for c in s.choice)
        return total

    worst = 0
    for route in app.routes:
        cost = 8 + (fn_cost(route.authorizer.function) if route.authorizer else 0)
        if route.workflow is not None:
            cost += states_cost(route.workflow.states)
            for s in all_states(route.workflow.states):
                if isinstance(s, ParallelState):
                    worst = max(worst, max(states_cost(b) for b in s.parallel))
                elif isinstance(s, MapState):
                    worst = max(worst, 8 + fn_cost(s.map))
        else:
            cost += steps_cost(route.steps or [])
        worst = max(worst, cost)
    for name in app.functions:
        worst = max(worst, 8 + fn_cost(name))
    for name, consumer in queue_names(app).items():
        spec = app.queues.get(name)
        worst = max(worst, (spec.batch_size if spec else 1) * fn_cost(consumer) + 8)
    return worst


def all_states(states: list[State]) -> list[State]:
    """Every state of ``states``, those inside parallel branches and choices included."""
    out: list[State] = []
    for s in states:
        out.append(s)
        if isinstance(s, ParallelState):
            for b in s.parallel:
                out.extend(all_states(b))
        elif isinstance(s, ChoiceState):
            for c in s.choice:
                out.extend(all_states(c.states))
    return out
