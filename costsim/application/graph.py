"""The graph of an application's functions: who calls or sends to whom, and its cycles.

A function makes every one of its steps on every invocation, so any cycle through its steps,
synchronous calls and asynchronous sends alike, is work without end: a call cycle never
answers, and a send cycle makes each message cause another forever (the simulation would never
drain). Workflows and routes only start chains; they are never part of a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from costsim.application.schema import Application, SendStep


@dataclass(frozen=True)
class Edge:
    """One step of a function as an edge of the graph.

    Attributes
    ----------
    source : str
        The function whose step it is.
    step : int
        Index of the step in the function's ``steps``.
    target : str
        The function the step reaches (a queue's consumer for a send through that queue).
    how : str
        ``call``, ``send`` (an asynchronous invocation) or ``queue NAME``.
    """

    source: str
    step: int
    target: str
    how: str


def edges_from(app: Application, name: str) -> list[Edge]:
    """The edges of function ``name``'s steps, in step order (unknown targets left out)."""
    out: list[Edge] = []
    for j, step in enumerate(app.functions[name].steps):
        if not isinstance(step, SendStep):
            target, how = step.call, "call"
        elif step.send in app.queues:
            target, how = app.queues[step.send].consumer or "", f"queue {step.send}"
        else:
            target, how = step.send, "send" if step.via == "async" else f"queue {step.send}"
        if target in app.functions:
            out.append(Edge(name, j, target, how))
    return out


def find_cycle(app: Application) -> list[Edge] | None:
    """A cycle of the function graph as its edges in order, or None.

    Functions are visited in file order and steps in step order, so the cycle named is always
    the same one; its last edge is the step that closes it.
    """
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[Edge] = []

    def visit(name: str) -> list[Edge] | None:
        state[name] = 1
        for edge in edges_from(app, name):
            if state.get(edge.target) == 1:
                start = next((k for k, e in enumerate(path) if e.source == edge.target), len(path))
                return [*path[start:], edge]
            if edge.target not in state:
                path.append(edge)
                found = visit(edge.target)
                if found is not None:
                    return found
                path.pop()
        state[name] = 2
        return None

    for name in app.functions:
        if name not in state:
            found = visit(name)
            if found is not None:
                return found
    return None


def cycle_words(cycle: list[Edge]) -> str:
    """``a -call-> b -queue jobs-> a``: a cycle as the user reads it."""
    text = cycle[0].source
    for edge in cycle:
        text += f" -{edge.how}-> {edge.target}" if edge.how != "call" else f" -> {edge.target}"
    return text
