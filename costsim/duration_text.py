"""Durations shown to people, in four styles from one core (:func:`duration_text`):
``compact`` for command lines and files (``7d``), ``elapsed`` for measured times
(``1 h 12 min``), ``words`` for sentences (``7 days``) and ``tick`` for chart axes (``7 d``).
:mod:`costsim.units` reads durations; this module writes them.
"""

from __future__ import annotations

import math
from typing import Literal


def format_duration(seconds: float) -> str:
    """A duration [s] exactly, for command lines and scenario files: ``7d``, ``90min``,
    ``59.5s``, ``250ms`` (:func:`duration_text`, style ``compact``)."""
    return duration_text(seconds, "compact")


def elapsed_words(seconds: float) -> str:
    """An elapsed time [s] as people say it: ``1 h 12 min``, ``38 min 5 s``, ``4.2 s``,
    ``250 ms`` (:func:`duration_text`, style ``elapsed``)."""
    return duration_text(seconds, "elapsed")


def span_words(seconds: float) -> str:
    """A duration [s] in words for sentences: ``1 day``, ``7 days``, ``30 minutes``, ``250 ms``
    (:func:`duration_text`, style ``words``)."""
    return duration_text(seconds, "words")


#: The units a duration is shown in, largest first: size [s], symbol, word.
DURATION_UNITS: tuple[tuple[float, str, str], ...] = (
    (86400.0, "d", "day"),
    (3600.0, "h", "hour"),
    (60.0, "min", "minute"),
    (1.0, "s", "second"),
    (0.001, "ms", "ms"),
)

DurationStyle = Literal["compact", "elapsed", "words", "tick"]


def duration_text(seconds: float, style: DurationStyle) -> str:
    """A duration [s] for people, in one of four styles: the one place that picks its unit.

    Parameters
    ----------
    seconds : float
        The duration [s]. A negative one is its magnitude after a minus sign.
    style : {"compact", "elapsed", "words", "tick"}
        - ``compact``: exact, and read back by :func:`parse_duration_s` (command lines,
          scenario files): the largest unit that divides it, ``7d``, ``90min``, ``59.5s``,
          ``250ms``.
        - ``elapsed``: a measured time as people say it: below a minute ``4.2 s`` or
          ``250 ms``, above it the two largest whole parts, rounded to the second: ``1 h 12 min``,
          ``30 min 2 s``, ``1 d 2 h``.
        - ``words``: for sentences: three significant digits in the largest unit the value
          reaches, the unit in words, singular for exactly one: ``1 day``, ``7 days``,
          ``1.5 hours``, ``250 ms``.
        - ``tick``: axis tick labels: as ``words`` with unit symbols (``10 min``, ``7 d``,
          ``250 ms``), and ``0`` for zero.

    Returns
    -------
    str
        The text. Three significant digits never spill into the next unit: 59.96 s is
        ``1 min`` and 3599.6 s ``1 h``, not ``60 s`` or ``60 min``.

    Raises
    ------
    ValueError
        If ``seconds`` is not finite, or ``style`` is not one of the four.
    """
    if not math.isfinite(seconds):
        raise ValueError(f"a duration to show must be finite, got {seconds!r}")
    if seconds < 0:
        return "-" + duration_text(-seconds, style)
    seconds += 0.0  # -0.0 reads as 0
    if style == "compact":
        for size, symbol, _ in DURATION_UNITS[:4]:
            if seconds >= size and (size == 1.0 or seconds % size == 0):
                return f"{seconds / size:g}{symbol}"
        return f"{seconds * 1000:g}ms"
    if style == "elapsed":
        value, (size, symbol, _) = _in_largest_unit(seconds)
        if value * size < 60.0:
            return f"{value:g} {symbol}"
        rest = round(seconds)
        parts = []
        for unit_s, unit, _ in DURATION_UNITS[:4]:
            whole, rest = divmod(rest, int(unit_s))
            parts += [f"{whole} {unit}"] if whole else []
        return " ".join(parts[:2])
    if style not in ("words", "tick"):
        raise ValueError(f"no duration style {style!r}; use compact, elapsed, words or tick")
    if style == "tick" and seconds == 0.0:
        return "0"
    value, (_, symbol, word) = _in_largest_unit(seconds)
    if style == "tick" or word == "ms":
        return f"{value:g} {symbol}"
    return f"{value:g} {word}" + ("" if value == 1 else "s")


def _sig3(x: float) -> float:
    """``x`` to three significant digits."""
    return float(f"{x:.3g}")


def _in_largest_unit(seconds: float) -> tuple[float, tuple[float, str, str]]:
    """A duration [s] to three significant digits in the largest of :data:`DURATION_UNITS` it
    reaches once rounded (59.96 s rounds to 60 s, so it is 1 min), and that unit."""
    natural = next((u for u in DURATION_UNITS if seconds >= u[0]), DURATION_UNITS[-1])
    rounded_s = _sig3(seconds / natural[0]) * natural[0]
    unit = next((u for u in DURATION_UNITS if rounded_s >= u[0] * (1 - 1e-12)), natural)
    return _sig3(rounded_s / unit[0]), unit
