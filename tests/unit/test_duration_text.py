"""One core for showing durations (:func:`costsim.units.duration_text`) and the four named
styles that wrap it: ``format_duration`` (compact), ``elapsed_words``, ``span_words`` and the
charts' ``human_duration`` ticks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from costsim.report.style import human_duration
from costsim.units import (
    duration_text,
    elapsed_words,
    format_duration,
    parse_duration_s,
    span_words,
)

STYLES = (format_duration, elapsed_words, span_words, human_duration)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        # compact, elapsed, words, tick
        (0.0, ("0ms", "0 ms", "0 ms", "0")),
        (0.0004, ("0.4ms", "0.4 ms", "0.4 ms", "0.4 ms")),
        (0.25, ("250ms", "250 ms", "250 ms", "250 ms")),
        (1.0, ("1s", "1 s", "1 second", "1 s")),
        (59.5, ("59.5s", "59.5 s", "59.5 seconds", "59.5 s")),
        (90.0, ("90s", "1 min 30 s", "1.5 minutes", "1.5 min")),
        (3600.0, ("1h", "1 h", "1 hour", "1 h")),
        (5400.0, ("90min", "1 h 30 min", "1.5 hours", "1.5 h")),
        (86400.0, ("1d", "1 d", "1 day", "1 d")),
        (93600.0, ("26h", "1 d 2 h", "1.08 days", "1.08 d")),
        (30 * 86400.0, ("30d", "30 d", "30 days", "30 d")),
        # a billion seconds: compact stays exact (and parseable), the others plain numbers
        (1e9, ("1e+09s", "11574 d 1 h", "11600 days", "11600 d")),
    ],
)
def test_each_style_at_the_edges(seconds: float, shown: tuple[str, ...]) -> None:
    assert tuple(f(seconds) for f in STYLES) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        # three significant digits never read as 60 of a unit: the next unit up
        (59.96, ("59.96s", "1 min", "1 minute", "1 min")),
        (3599.6, ("3599.6s", "1 h", "1 hour", "1 h")),
        (86399.0, ("86399s", "23 h 59 min", "1 day", "1 d")),
        (0.9996, ("999.6ms", "1 s", "1 second", "1 s")),  # not "1e+03 ms"
    ],
)
def test_rounding_does_not_spill_into_sixty_of_a_unit(
    seconds: float, shown: tuple[str, ...]
) -> None:
    assert tuple(f(seconds) for f in STYLES) == shown


def test_negative_durations_are_the_magnitude_after_a_minus_sign() -> None:
    """A negative duration (a tick left of zero on a linear axis) keeps its sign; -0 is 0."""
    assert [f(-120.0) for f in STYLES] == ["-2min", "-2 min", "-2 minutes", "-2 min"]
    assert [f(-0.0) for f in STYLES] == [f(0.0) for f in STYLES]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_durations_are_refused(value: float) -> None:
    for f in STYLES:
        with pytest.raises(ValueError, match="must be finite"):
            f(value)


def test_an_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="no duration style 'long'"):
        duration_text(60.0, "long")  # type: ignore[arg-type]


@given(st.floats(min_value=0.0, max_value=1e9, allow_nan=False).map(lambda x: round(x, 3)))
def test_compact_reads_back_to_the_same_duration(seconds: float) -> None:
    """``format_duration`` writes the ``--horizon`` of a record's reproduce command."""
    assert parse_duration_s(format_duration(seconds)) == pytest.approx(seconds, rel=1e-5)


@given(st.floats(min_value=60.0, max_value=1e8, allow_nan=False))
def test_elapsed_shows_at_most_two_whole_parts(seconds: float) -> None:
    parts = elapsed_words(seconds).split()
    assert 2 <= len(parts) <= 4 and all(p.isdigit() for p in parts[::2])
