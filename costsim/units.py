"""Human units: ``"250ms"``, ``"10min"``, ``"30d"``, ``"1.5GB"``, ``"5rps"``.

Internally time is seconds, memory/size is MB (1 GB = 1024 MB, as providers configure memory)
and rates are per second. A bare number is taken in the internal unit.
"""

from __future__ import annotations

import math
import re

_NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_PATTERN = re.compile(rf"^\s*{_NUMBER}\s*([A-Za-z/%µ]*)\s*$")

DURATION_S: dict[str, float] = {
    "": 1.0,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "m": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 7 * 86400.0,
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
    "rpm": 1.0 / 60.0,
    "/min": 1.0 / 60.0,
    "rph": 1.0 / 3600.0,
    "/h": 1.0 / 3600.0,
    "/d": 1.0 / 86400.0,
}


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
        if unit not in table:
            known = ", ".join(u for u in table if u)
            raise ValueError(f"unknown {what} unit {unit!r} in {value!r}; use one of {known}")
        number = float(match.group(1)) * table[unit]
    else:
        raise ValueError(f"expected a {what} such as {_example(what)}, got {type(value).__name__}")
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return number


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
