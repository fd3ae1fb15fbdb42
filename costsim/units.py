"""Human units: ``"250ms"``, ``"10min"``, ``"30d"``, ``"1.5GB"``, ``"5rps"``.

Internally time is seconds, memory/size is MB (1 GB = 1024 MB, as providers configure memory)
and rates are per second. Unit words may be written singular or plural (``10 minutes``,
``1 week``, ``30 req/s``). A bare number is taken in the internal unit by the ``parse_*``
functions; scenario files validate durations with :func:`duration_field`, which refuses a bare
number (``horizon: 7`` could mean 7 s or 7 days) and suggests the units that were likely meant.
"""

from __future__ import annotations

import math
import re
from typing import Any

_NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_PATTERN = re.compile(rf"^\s*{_NUMBER}\s*([A-Za-z/%µ]*)\s*$")

DURATION_S: dict[str, float] = {
    "": 1.0,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "msec": 1e-3,
    "millisecond": 1e-3,
    "milliseconds": 1e-3,
    "microsecond": 1e-6,
    "microseconds": 1e-6,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "m": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 7 * 86400.0,
    "wk": 7 * 86400.0,
    "week": 7 * 86400.0,
    "weeks": 7 * 86400.0,
}

SIZE_MB: dict[str, float] = {
    "": 1.0,
    "B": 1.0 / (1024 * 1024),
    "KB": 1.0 / 1024,
    "KiB": 1.0 / 1024,
    "MB": 1.0,
    "MiB": 1.0,
    "GB": 1024.0,
    "GiB": 1024.0,
    "TB": 1024.0 * 1024.0,
    "TiB": 1024.0 * 1024.0,
}

RATE_PER_S: dict[str, float] = {
    "": 1.0,
    "rps": 1.0,
    "/s": 1.0,
    "/sec": 1.0,
    "req/s": 1.0,
    "reqs/s": 1.0,
    "requests/s": 1.0,
    "rpm": 1.0 / 60.0,
    "/min": 1.0 / 60.0,
    "req/min": 1.0 / 60.0,
    "requests/min": 1.0 / 60.0,
    "rph": 1.0 / 3600.0,
    "/h": 1.0 / 3600.0,
    "req/h": 1.0 / 3600.0,
    "requests/h": 1.0 / 3600.0,
    "/d": 1.0 / 86400.0,
    "req/d": 1.0 / 86400.0,
    "requests/d": 1.0 / 86400.0,
    "req/day": 1.0 / 86400.0,
    "requests/day": 1.0 / 86400.0,
}

#: Tables whose units may also be written in any letter case (``10MIN``, ``5RPS``). Sizes are
#: not: ``Mb`` (megabit) and ``MB`` (megabyte) differ.
_CASE_FREE = ("duration", "rate")


def _parse(value: object, table: dict[str, float], what: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a {what}, got a boolean")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        match = _PATTERN.match(value)
        if not match:
            raise ValueError(f"cannot read {value!r} as a {what} (e.g. {_example(what)})")
        unit = match.group(2)
        if unit not in table and what in _CASE_FREE:
            unit = next((u for u in table if u.lower() == unit.lower()), unit)
        if unit not in table:
            known = ", ".join(_SHOWN_UNITS.get(what, [u for u in table if u]))
            raise ValueError(f"unknown {what} unit {unit!r} in {value!r}; use one of {known}")
        number = float(match.group(1)) * table[unit]
    else:
        raise ValueError(f"expected a {what} such as {_example(what)}, got {type(value).__name__}")
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return number


#: The units an error message lists (the full tables also hold every spelling).
_SHOWN_UNITS: dict[str, list[str]] = {
    "duration": ["us", "ms", "s", "min", "h", "d", "w (or words: 10 minutes, 24 hours, 1 week)"],
    "rate": ["rps (req/s)", "rpm (req/min)", "rph (req/h)", "req/d"],
}

#: Validation context key: when true, a duration written as a bare number is an error.
UNITS_REQUIRED = "units_required"

#: Fields whose values are usually minutes or days, so a bare number suggests those units.
_LONG_FIELDS = frozenset({"horizon", "warmup", "every", "offset", "start", "window"})
#: Fields whose values are usually latencies, so a bare number suggests milliseconds.
_SHORT_FIELDS = frozenset(
    {"p99", "value", "mean", "median", "billing_granularity", "queue_timeout", "ramp"}
)


#: Text that is only a number, with no unit.
_BARE_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def duration_field(value: object, info: object) -> float:
    """Validate a scenario-file duration [s]: like :func:`parse_duration_s`, but a bare non-zero
    number is refused when the validation context sets :data:`UNITS_REQUIRED`.

    Parameters
    ----------
    value : object
        What the file holds, e.g. ``"250ms"`` or ``7``.
    info : pydantic.ValidationInfo
        Carries the validation context and the field's name (for the suggested units).

    Returns
    -------
    float
        Duration [s].
    """
    context = getattr(info, "context", None) or {}
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if isinstance(value, str) and _BARE_NUMBER.match(value):
        number = float(value)  # "10" quoted is as bare as 10
    # zero needs no unit, and a non-finite number gets parse_duration_s's own message
    if number and math.isfinite(number) and context.get(UNITS_REQUIRED):
        # the Python name carries the unit (horizon_s); the file's name is the same without it
        field = str(getattr(info, "field_name", "") or "").removesuffix("_s")
        raise ValueError(bare_duration_message(float(number), field))
    return parse_duration_s(value)


def bare_duration_message(value: float, field: str = "") -> str:
    """The error for a duration written without a unit, suggesting the likely ones."""
    n = f"{value:g}"
    if field in _LONG_FIELDS:
        units = ["d", "h", "s"] if field == "horizon" else ["min", "h", "s"]
        hint = f"{n}{units[0]} or {n}{units[-1]}"
    elif field in _SHORT_FIELDS:
        hint = f"{n}ms or {n}s"
    else:
        hint = f"{n}s or {n}min"
    return f"{n} has no unit; write it with one, e.g. {hint}"


def _example(what: str) -> str:
    return {"duration": "'250ms' or '10min'", "size": "'128MB' or '1.5GB'"}.get(what, "'5rps'")


def parse_duration_s(value: object) -> float:
    """Parse a duration such as ``"250ms"`` or ``"30d"``.

    Returns
    -------
    float
        Duration [s].
    """
    return _parse(value, DURATION_S, "duration")


def parse_size_mb(value: object) -> float:
    """Parse a size such as ``"128MB"`` or ``"1.5GB"`` (1 GB = 1024 MB).

    Returns
    -------
    float
        Size [MB].
    """
    return _parse(value, SIZE_MB, "size")


def parse_rate_per_s(value: object) -> float:
    """Parse a rate such as ``"5rps"`` or ``"300rpm"``.

    Returns
    -------
    float
        Rate [1/s].
    """
    return _parse(value, RATE_PER_S, "rate")


def format_duration(seconds: float) -> str:
    """Format a duration [s] compactly for people (``"250ms"``, ``"7d"``)."""
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{seconds / 86400:g}d"
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g}min"
    if seconds >= 1:
        return f"{seconds:g}s"
    return f"{seconds * 1000:g}ms"


def short_number(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits, plainly: ``19,000``, ``3.06``, ``0.000123``."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    rounded = float(f"{x:.{digits}g}")
    if 1e-4 <= abs(rounded) < 1e15:
        text = f"{rounded:,f}".rstrip("0").rstrip(".")
        return text
    return f"{rounded:g}"


def short_value(value: Any) -> str:
    """A swept value for tables, to 3 significant digits with its unit as written
    (``3.06389rps`` -> ``3.06rps``, ``0.176894`` -> ``0.177``, ``20000`` -> ``20,000``); other
    text unchanged."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, (int, float)):
        return short_number(float(value))
    match = re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z/ ]*)", value)
    if match is None:
        return value
    return short_number(float(match.group(1))) + match.group(2)


def elapsed_words(seconds: float) -> str:
    """An elapsed time [s] as people say it: ``1 h 12 min``, ``38 min 5 s``, ``4.2 s``, ``250 ms``.

    Above a minute the parts are whole (rounded to the second, so ``59 min 59.6 s`` is ``1 h``).
    """
    if seconds < 1:
        return f"{seconds * 1000:.3g} ms"
    if seconds < 60:
        return f"{seconds:.3g} s"
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    shown = [f"{v} {u}" for v, u in parts if v]
    return " ".join(shown[:2])


_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


def clock_time_s(text: object) -> float:
    """Seconds after midnight of a 24-hour clock time ``"HH:MM"`` or ``"HH:MM:SS"``.

    The one reader of times of day: schedule traffic's ``at`` and provisioned-concurrency
    windows' ``at``/``until``.

    Parameters
    ----------
    text : object
        The value given in the scenario.

    Returns
    -------
    float
        Seconds since 00:00 [s].

    Raises
    ------
    ValueError
        If ``text`` is not such a clock time.
    """
    match = _CLOCK.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"a time of day is written HH:MM (00:00-23:59), got {text!r}")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def span_words(seconds: float) -> str:
    """A duration [s] in words for sentences: ``1 day``, ``7 days``, ``30 minutes``, ``250 ms``.

    Parameters
    ----------
    seconds : float
        The duration [s].

    Returns
    -------
    str
        The largest unit in which the value is at least 1, to three significant digits,
        singular for exactly 1.
    """
    for unit, size in (("day", 86400.0), ("hour", 3600.0), ("minute", 60.0), ("second", 1.0)):
        if abs(seconds) >= size:
            value = float(f"{seconds / size:.3g}")
            return f"{value:g} {unit}" + ("" if value == 1 else "s")
    return f"{seconds * 1000:.3g} ms"


#: Unit tables a swept value may use (see :func:`values_with_units`), with the internal unit
#: its numbers are shown in.
_UNIT_TABLES: dict[str, tuple[dict[str, float], str]] = {
    "rate": (RATE_PER_S, "req/s"),
    "duration": (DURATION_S, "s"),
    "size": (SIZE_MB, "MB"),
}


def values_with_units(values: tuple[Any, ...]) -> tuple[list[float], str] | None:
    """Values that all carry units of one kind (``0.5rps``, ``10min``, ``1GB``), as numbers in
    that kind's internal unit (req/s, s, MB) with its name; None when they do not."""
    texts = [v for v in values if isinstance(v, str)]
    if not texts or len(texts) != len(values):
        return None
    for table, unit in _UNIT_TABLES.values():
        out = []
        for text in texts:
            match = _PATTERN.match(text)
            if not match or not match.group(2):
                break
            factor = table.get(match.group(2)) or next(
                (f for u, f in table.items() if u and u.lower() == match.group(2).lower()), None
            )
            if factor is None:
                break
            out.append(float(match.group(1)) * factor)
        else:
            return out, unit
    return None
