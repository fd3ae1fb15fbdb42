"""Edge routing of the application diagram (:mod:`costsim.report.diagram_routes`): an edge
never runs across a box it does not connect, and stays straight when nothing is in its way."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from costsim.report.diagram_routes import CLEARANCE, Box, edge_path, free_height, point_along


def crossings(path: list[tuple[float, float]], boxes: dict[str, Box], a: str, b: str) -> list:
    """The (segment, box) pairs where ``path`` enters a box other than ``a`` and ``b``, or the
    inside of ``a`` or ``b`` (it starts and ends on their sides)."""
    return [
        (p, q, name)
        for p, q in pairwise(path)
        for name, box in boxes.items()
        if box.hit_by(p, q, -1e-6 if name in (a, b) else 0.0)
    ]


def test_a_clear_edge_is_straight() -> None:
    boxes = {"a": Box(0, 0, 0.2, 0.2), "b": Box(1, 1, 0.2, 0.2), "c": Box(1, 0, 0.2, 0.2)}
    assert edge_path("a", "b", boxes) == [(0.2, 0), (0.8, 1)]


def test_an_edge_under_a_box_goes_round_it() -> None:
    """The planet9-platform shape: a -> d spans two columns whose middle one has a box c on
    the straight line; the route crosses the middle column between its boxes."""
    boxes = {
        "a": Box(0, 3, 0.2, 0.2),
        "c0": Box(1, 2, 0.25, 0.25),
        "c": Box(1, 3, 0.3, 0.25),
        "d": Box(2, 2.8, 0.2, 0.2),
    }
    path = edge_path("a", "d", boxes)
    assert len(path) > 2 and path[0] == (0.2, 3) and path[-1] == (1.8, 2.8)
    assert crossings(path, boxes, "a", "d") == []
    # it passes the middle column in the gap between c0 and c
    middle = [y for x, y in path if abs(x - 1) < 0.5]
    assert middle and all(2.25 + CLEARANCE < y < 2.75 - CLEARANCE for y in middle)
    # and enters d's left side horizontally, so the arrow head points at the box
    assert path[-2][1] == path[-1][1] and path[-2][0] < path[-1][0]


def test_a_backward_edge_comes_round_to_the_left_side() -> None:
    """An edge that closes a cycle (target left of its source) leaves and enters left sides."""
    boxes = {"a": Box(0, 0, 0.2, 0.2), "b": Box(1, 0, 0.2, 0.2), "c": Box(2, 0, 0.2, 0.2)}
    path = edge_path("c", "a", boxes)
    assert path[0] == (1.8, 0) and path[-1] == (-0.2, 0)
    assert crossings(path, boxes, "c", "a") == []
    # it comes round a (above or below), not through it, to enter its left side
    assert path[-2][0] < -0.2 and any(abs(y) > 0.2 for _, y in path)
    same_column = {"a": Box(0, 0, 0.2, 0.2), "b": Box(0, 1, 0.2, 0.2), "m": Box(0, 2, 0.3, 0.2)}
    path = edge_path("m", "a", same_column)
    assert path[0] == (-0.3, 2) and path[-1] == (-0.2, 0)
    assert crossings(path, same_column, "m", "a") == []


def test_free_height_prefers_the_wanted_height_then_the_nearest_gap() -> None:
    column = [Box(1, 0, 0.2, 0.2), Box(1, 1, 0.2, 0.2)]
    assert free_height(column, 0.5) == 0.5
    assert free_height(column, 0.9) == 0.5
    assert free_height(column, 1.1) > 1.2 + 2 * CLEARANCE
    assert free_height(column, -0.1) < -0.2 - 2 * CLEARANCE


def test_point_along_measures_by_length() -> None:
    corners = [(0.0, 0.0), (3.0, 0.0), (3.0, 1.0)]
    assert point_along(corners, 0.0) == (0.0, 0.0)
    assert point_along(corners, 0.5) == (2.0, 0.0)
    assert point_along(corners, 0.875) == (3.0, 0.5)
    assert point_along(corners, 1.0) == (3.0, 1.0)


@st.composite
def layouts(draw: st.DrawFn) -> dict[str, Box]:
    """Up to six columns of up to five boxes, one row apart, of any width a label gives."""
    boxes = {}
    for c in range(draw(st.integers(2, 6))):
        n = draw(st.integers(1, 5))
        for r in range(n):
            half_w = draw(st.floats(0.05, 0.3))
            half_h = draw(st.sampled_from([0.13, 0.25]))
            boxes[f"{c}.{r}"] = Box(float(c), r + (5 - n) / 2.0, half_w, half_h)
    return boxes


@settings(max_examples=60, deadline=None)
@given(layouts(), st.data())
def test_no_edge_crosses_a_box_it_does_not_connect(boxes: dict[str, Box], data) -> None:
    names = sorted(boxes)
    a = data.draw(st.sampled_from(names))
    b = data.draw(st.sampled_from([n for n in names if n != a]))
    path = edge_path(a, b, boxes)
    assert crossings(path, boxes, a, b) == []
    assert path[-1] == (boxes[b].x - boxes[b].half_w, boxes[b].y)
