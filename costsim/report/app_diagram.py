"""The diagram of an application: routes, functions and queues, and the measured rates of the
edges between them (``app_diagram.png``).

Layout: routes in the first column, every other node in the column of its longest path from a
route, ordered within its column by where its callers sit (fewer crossings). An edge runs
straight unless that would take it across a box it does not connect; then it goes round
(:mod:`costsim.report.diagram_routes`). Edge labels go at the first point along their edge
where they touch no other text and no node, so that labels never overlap. Each node's text
carries its node as ``gid`` (``fn:api``) and each edge's arrow ``FROM->TO``, in the SVG too.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, cast

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox

from costsim.report.diagram_routes import Box, Point, edge_path, point_along
from costsim.report.style import PALETTE, chart_style, save, source_line
from costsim.results import OptionResult, Result

#: Fill colour of each node type.
NODE_COLOURS = {"route": "#BFDDF2", "fn": "#F9DFAE", "queue": "#B8E4D5"}
NODE_WORDS = {"route": "route (entry point)", "fn": "function", "queue": "queue or topic"}
#: Line style and colour of each edge kind, and its word for the legend.
EDGE_STYLES = {
    "authorize": ("-.", PALETTE[3], "authorizer check (cache miss)"),
    "call": ("-", PALETTE[0], "synchronous call"),
    "task": ("-", PALETTE[2], "workflow task"),
    "event": ("--", PALETTE[5], "asynchronous event"),
    "send": ("--", PALETTE[1], "message sent"),
    "consume": (":", "#333333", "message consumed"),
}
#: Where along an edge its label may go, tried in order (fraction from source to target).
LABEL_SPOTS = (0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8, 0.45, 0.55, 0.12, 0.88)


def rate_words(rate_per_s: float) -> str:
    """A rate for a label: ``12.5/s``, ``40/h``, ``2/d``."""
    for value, unit in ((rate_per_s, "s"), (rate_per_s * 3600.0, "h")):
        if value >= 1.0:
            return f"{_number(value)}/{unit}"
    return f"{_number(rate_per_s * 86400.0)}/d"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def diagram_option(result: Result) -> OptionResult | None:
    """The option whose measured graph is drawn: the first serverless one with edges, else the
    first with edges (None: not an application)."""
    with_edges = [o for o in result.options if o.edges]
    if not with_edges:
        return None
    pools = [o for o in with_edges if o.functions and any("instances" in f for f in o.functions)]
    return (pools or with_edges)[0]


def longest_paths(nodes: list[str], succ: dict[str, list[str]]) -> dict[str, int]:
    """Each node's column: the longest path to it from a route, over the graph without the
    edges that close a cycle (found depth first from the routes), so that every other edge
    points right."""
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in (n for n in nodes if n.startswith("route:")):
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            node, todo = stack[-1]
            nxt = next(todo, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
    depth = {n: 0 for n in nodes if n.startswith("route:")}
    for _ in nodes:  # relax: a path has at most as many edges as there are nodes
        changed = False
        for a in list(depth):
            for b in succ[a]:
                if (
                    (a, b) not in back
                    and not b.startswith("route:")
                    and depth.get(b, -1) <= depth[a]
                ):
                    depth[b] = depth[a] + 1
                    changed = True
        if not changed:
            break
    return depth


def layout(edges: list[dict[str, Any]], routes: list[str]) -> dict[str, tuple[int, int]]:
    """Column and row of every node of ``edges`` (routes first, in the order given)."""
    succ: dict[str, list[str]] = defaultdict(list)
    nodes: list[str] = [f"route:{r}" for r in routes]
    for e in edges:
        succ[e["from"]].append(e["to"])
        for n in (e["from"], e["to"]):
            if n not in nodes:
                nodes.append(n)
    depth = longest_paths(nodes, succ)
    for n in nodes:
        depth.setdefault(n, 1)
    columns: dict[int, list[str]] = defaultdict(list)
    for n in nodes:
        columns[depth[n]].append(n)
    row: dict[str, float] = {}
    pred: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        pred[e["to"]].append(e["from"])
    for c in sorted(columns):
        if c > 0:

            def centre(n: str) -> float:
                ys = [row[p] for p in pred[n] if p in row]
                return sum(ys) / len(ys) if ys else 1e9

            columns[c].sort(key=centre)
        for i, n in enumerate(columns[c]):
            row[n] = float(i)
    return {n: (depth[n], int(row[n])) for n in nodes}


def _label(node: str, option: OptionResult) -> str:
    kind, name = node.split(":", 1)
    if kind == "fn":
        spec = next((f for f in option.functions or [] if f["name"] == name), None)
        if spec is not None and "memory_mb" in spec:
            return f"{name}\n{spec['memory_mb']:g} MB"
    return name


def _edge(
    ax: Any, renderer: Any, edge: dict[str, Any], corners: list[Point], taken: list[Bbox]
) -> None:
    """Draw one edge along ``corners`` (data coordinates) with its rate label at the first of
    :data:`LABEL_SPOTS` where the label touches nothing in ``taken``; the label joins
    ``taken``."""
    style, colour, _ = EDGE_STYLES.get(edge["kind"], ("-", "#000000", edge["kind"]))
    arrow = FancyArrowPatch(
        path=MplPath(corners),
        arrowstyle="-|>,head_length=0.5,head_width=0.25",
        mutation_scale=plt.rcParams["font.size"],
        linestyle=style,
        color=colour,
        linewidth=1.1,
        zorder=2,
    )
    arrow.set_gid(f"{edge['from']}->{edge['to']}")
    ax.add_patch(arrow)
    label = ax.text(
        0,
        0,
        rate_words(float(edge["rate_per_s"])),
        fontsize=7,
        color=colour,
        ha="center",
        va="center",
        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        zorder=4,
    )
    shown = [tuple(p) for p in ax.transData.transform(corners)]
    to_data = ax.transData.inverted()
    for spot in LABEL_SPOTS:
        label.set_position(to_data.transform(point_along(shown, spot)))
        box = label.get_window_extent(renderer).expanded(1.08, 1.2)
        if not any(box.overlaps(other) for other in taken):
            break
    taken.append(label.get_window_extent(renderer).expanded(1.08, 1.2))


def diagram_chart(result: Result, out: Path, source: str) -> list[Path]:
    """The application's graph with each edge's measured rate; ``source`` is the line under
    it (:func:`costsim.report.charts.source_text`)."""
    option = diagram_option(result)
    if option is None or option.edges is None:
        return []
    edges = option.edges
    routes = [r["name"] for r in option.routes or []]
    where = layout(edges, routes)
    n_cols = max(c for c, _ in where.values()) + 1
    col_rows: dict[int, int] = defaultdict(int)
    for c, _ in where.values():
        col_rows[c] += 1
    n_rows = max(col_rows.values())
    with chart_style():
        fig, ax = plt.subplots(figsize=(1.0 + 2.7 * n_cols, 1.6 + 0.95 * n_rows))
        ax.set_xlim(-0.6, n_cols - 0.4)
        ax.set_ylim(n_rows - 0.4, -0.6)
        ax.axis("off")
        pos = {}
        boxes = {}
        for node, (c, r) in where.items():
            # centre short columns against the tallest one
            y = r + (n_rows - col_rows[c]) / 2.0
            pos[node] = (float(c), y)
            kind = node.split(":", 1)[0]
            boxes[node] = ax.text(
                c,
                y,
                _label(node, option),
                ha="center",
                va="center",
                fontsize=8,
                bbox={
                    "boxstyle": "round,pad=0.4" if kind == "route" else "square,pad=0.4",
                    "facecolor": NODE_COLOURS[kind],
                    "edgecolor": "#444444",
                    "linewidth": 0.8,
                },
                zorder=3,
            )
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        taken: list[Bbox] = []
        shapes: dict[str, Box] = {}
        to_data = ax.transData.inverted()
        for node, t in boxes.items():
            t.set_gid(node)
            patch = t.get_bbox_patch()
            assert patch is not None
            extent = patch.get_window_extent(renderer)
            taken.append(extent)
            (x0, y0), (x1, y1) = to_data.transform([(extent.x0, extent.y0), (extent.x1, extent.y1)])
            shapes[node] = Box(*pos[node], abs(x1 - x0) / 2, abs(y1 - y0) / 2)
        for e in edges:
            _edge(ax, renderer, e, edge_path(e["from"], e["to"], shapes), taken)
        kinds_used = sorted({e["kind"] for e in edges}, key=list(EDGE_STYLES).index)
        handles: list[Any] = [
            Patch(facecolor=NODE_COLOURS[k], edgecolor="#444444", label=NODE_WORDS[k])
            for k in NODE_COLOURS
            if any(n.startswith(f"{k}:") for n in where)
        ]
        handles += [
            Line2D(
                [],
                [],
                linestyle=cast(Any, EDGE_STYLES[k][0]),
                color=EDGE_STYLES[k][1],
                label=EDGE_STYLES[k][2],
            )
            for k in kinds_used
        ]
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=3,
            fontsize=8,
        )
        counts = [
            (len(routes), "route"),
            (sum(1 for n in where if n.startswith("fn:")), "function"),
            (sum(1 for n in where if n.startswith("queue:")), "queue"),
        ]
        parts = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts if n)
        ax.set_title(
            f"The application: {parts}; edge labels are rates measured on {option.name}",
            fontsize=10,
        )
        source_line(fig, source)
        return save(fig, out, "app_diagram")
