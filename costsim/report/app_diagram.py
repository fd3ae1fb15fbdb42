"""The diagram of an application: routes, functions and queues, and the measured rates of the
edges between them (``app_diagram.png``).

Layout: routes in the first column, every other node one column right of the nearest route
that reaches it (breadth first), ordered within its column by where its callers sit (fewer
crossings). Edge labels go at the first point along their edge where they touch no other text
and no node, so that labels never overlap.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, cast

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

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


#: Bend of an edge drawn backwards (one that closes a cycle), as matplotlib's ``arc3``.
ARC_RAD = -0.4


def arc_point(
    ax: Any, a: tuple[float, float], b: tuple[float, float], rad: float, t: float
) -> tuple[float, float]:
    """The point at ``t`` along matplotlib's ``arc3`` curve from ``a`` to ``b`` (data
    coordinates): a quadratic Bezier whose control point is the chord's midpoint moved by
    ``rad`` times the chord, turned, in display coordinates."""
    (x1, y1), (x2, y2) = ax.transData.transform([a, b])
    cx = (x1 + x2) / 2 + rad * (y2 - y1)
    cy = (y1 + y2) / 2 - rad * (x2 - x1)
    x = (1 - t) ** 2 * x1 + 2 * (1 - t) * t * cx + t**2 * x2
    y = (1 - t) ** 2 * y1 + 2 * (1 - t) * t * cy + t**2 * y2
    px, py = ax.transData.inverted().transform((x, y))
    return float(px), float(py)


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
        half_w: dict[str, float] = {}
        to_data = ax.transData.inverted()
        for node, t in boxes.items():
            patch = t.get_bbox_patch()
            assert patch is not None
            extent = patch.get_window_extent(renderer)
            taken.append(extent)
            (x0, _), (x1, _) = to_data.transform([(extent.x0, 0), (extent.x1, 0)])
            half_w[node] = abs(x1 - x0) / 2
        for e in edges:
            a, b = e["from"], e["to"]
            style, colour, _ = EDGE_STYLES.get(e["kind"], ("-", "#000000", e["kind"]))
            (xa, ya), (xb, yb) = pos[a], pos[b]
            backward = xb <= xa
            # from the side of one box to the facing side of the other
            side = 1.0 if xb > xa else -1.0
            xa, xb = xa + side * half_w[a], xb - side * half_w[b]
            if backward:
                xa, xb = pos[a][0] - half_w[a], pos[b][0] - half_w[b]
            ax.annotate(
                "",
                xy=(xb, yb),
                xytext=(xa, ya),
                arrowprops={
                    "arrowstyle": "-|>,head_length=0.5,head_width=0.25",
                    "linestyle": style,
                    "color": colour,
                    "linewidth": 1.1,
                    "connectionstyle": f"arc3,rad={ARC_RAD}" if backward else "arc3,rad=0.0",
                    "shrinkA": 1,
                    "shrinkB": 1,
                },
                zorder=2,
            )
            text = rate_words(float(e["rate_per_s"]))
            label = ax.text(
                0,
                0,
                text,
                fontsize=7,
                color=colour,
                ha="center",
                va="center",
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
                zorder=4,
            )
            for spot in LABEL_SPOTS:
                x, y = xa + spot * (xb - xa), ya + spot * (yb - ya)
                if backward:
                    x, y = arc_point(ax, (xa, ya), (xb, yb), ARC_RAD, spot)
                label.set_position((x, y))
                box = label.get_window_extent(renderer).expanded(1.08, 1.2)
                if not any(box.overlaps(other) for other in taken):
                    break
            taken.append(label.get_window_extent(renderer).expanded(1.08, 1.2))
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
