"""Where the edges of the application diagram run: never across a box they do not connect.

Pure geometry in data coordinates (x: column, y: row, growing downwards as drawn). An edge whose
straight line keeps :data:`CLEARANCE` from every other box is drawn straight. Any other edge
(one that would pass under a box, or one drawn backwards, against the columns) is routed: it
leaves its box sideways, crosses every column in between at a height free of that column's
boxes, and the corners that are not needed are then pulled out (a straight cut is taken to the
farthest corner it can reach in the clear). No edge runs through the inside of its own two
boxes either: a backward edge comes round its target to enter it from the left.

Columns are one unit apart and every box is narrower than a column, so the space between two
columns holds no box: a path that crosses each column at a free height, horizontally, clears
every box.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

#: How far, in data units, a routed or straight edge keeps from a box it does not connect.
CLEARANCE = 0.05

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """A node's box in data coordinates.

    Attributes
    ----------
    x, y : float
        Centre (column, row).
    half_w, half_h : float
        Half its width and half its height [data units].
    """

    x: float
    y: float
    half_w: float
    half_h: float

    def hit_by(self, p: Point, q: Point, margin: float) -> bool:
        """Whether the segment ``p``-``q`` enters this box grown by ``margin`` on every side
        (Liang-Barsky clipping)."""
        x0, x1 = self.x - self.half_w - margin, self.x + self.half_w + margin
        y0, y1 = self.y - self.half_h - margin, self.y + self.half_h + margin
        dx, dy = q[0] - p[0], q[1] - p[1]
        lo, hi = 0.0, 1.0
        for step, room in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
            if step == 0.0:
                if room < 0.0:
                    return False
                continue
            t = room / step
            if step < 0.0:
                lo = max(lo, t)
            else:
                hi = min(hi, t)
            if lo > hi:
                return False
        return True


def clear(p: Point, q: Point, others: list[Box], own: tuple[Box, ...] = ()) -> bool:
    """Whether the segment ``p``-``q`` keeps :data:`CLEARANCE` from every box of ``others``
    and stays out of the inside of the edge's ``own`` boxes (it may start or end on a side)."""
    return not any(b.hit_by(p, q, CLEARANCE) for b in others) and not any(
        b.hit_by(p, q, -1e-9) for b in own
    )


def free_height(boxes: list[Box], wanted_y: float) -> float:
    """The height nearest ``wanted_y`` at which a horizontal line crosses a column of
    ``boxes`` in the clear: ``wanted_y`` itself, else the middle of a gap between two boxes,
    else a little above the top box or below the bottom one."""
    blocked = sorted(
        (b.y - b.half_h - 2 * CLEARANCE, b.y + b.half_h + 2 * CLEARANCE) for b in boxes
    )
    if all(not lo < wanted_y < hi for lo, hi in blocked):
        return wanted_y
    candidates = [blocked[0][0] - 0.2, blocked[-1][1] + 0.2]
    candidates += [(hi + lo2) / 2 for (_, hi), (lo2, _) in pairwise(blocked) if lo2 > hi]
    return min(candidates, key=lambda y: (abs(y - wanted_y), y))


def edge_path(source: str, target: str, boxes: dict[str, Box]) -> list[Point]:
    """The corners of the edge from the box ``source`` to the box ``target``, first to last.

    A forward edge (target in a column to the right) leaves the right side of its source and
    enters the left side of its target; any other edge leaves the left side of its source
    and comes round to enter the left side of its target.
    """
    a, b = boxes[source], boxes[target]
    others = [box for name, box in boxes.items() if name not in (source, target)]
    forward = b.x > a.x
    start = (a.x + a.half_w, a.y) if forward else (a.x - a.half_w, a.y)
    end = (b.x - b.half_w, b.y)
    if forward and clear(start, end, others, (a, b)):
        return [start, end]
    columns: dict[float, list[Box]] = defaultdict(list)
    for box in boxes.values():
        columns[box.x].append(box)
    # a column's lane: wider than its widest box by the clearance and room for an arrow head
    reach = {x: max(box.half_w for box in col) + 2 * CLEARANCE for x, col in columns.items()}
    corners = [start, (a.x + reach[a.x], a.y) if forward else (a.x - reach[a.x], a.y)]
    if forward:
        crossed = [x for x in sorted(columns) if a.x < x < b.x]
    else:
        crossed = [x for x in sorted(columns, reverse=True) if b.x <= x < a.x]
    for x in crossed:
        wanted = a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x) if b.x != a.x else b.y
        y = free_height(columns[x], wanted)
        ends = (x - reach[x], x + reach[x]) if forward else (x + reach[x], x - reach[x])
        corners += [(ends[0], y), (ends[1], y)]
    corners += [(b.x - reach[b.x], b.y), end]
    return pull_tight(corners, others, (a, b))


def pull_tight(corners: list[Point], others: list[Box], own: tuple[Box, ...]) -> list[Point]:
    """``corners`` without the ones a straight cut in the clear (see :func:`clear`) can skip,
    keeping the first, the last and the last but one (so the arrow head keeps its
    direction)."""
    out = [corners[0]]
    i = 0
    last = len(corners) - 2
    while i < last:
        j = next(
            j
            for j in range(last, i, -1)
            if j == i + 1 or clear(corners[i], corners[j], others, own)
        )
        out.append(corners[j])
        i = j
    out.append(corners[-1])
    return [p for k, p in enumerate(out) if k == 0 or p != out[k - 1]]


def point_along(points: list[Point], fraction: float) -> Point:
    """The point ``fraction`` of the way along the polyline ``points`` (by length)."""
    lengths = [((q[0] - p[0]) ** 2 + (q[1] - p[1]) ** 2) ** 0.5 for p, q in pairwise(points)]
    goal = fraction * sum(lengths)
    for (p, q), length in zip(pairwise(points), lengths, strict=True):
        if goal <= length and length > 0.0:
            t = goal / length
            return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
        goal -= length
    return points[-1]
