"""Opening source files and the registry of readers, chosen by name or by sniffing the file."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from costsim.calibrate.evidence import Evidence
from costsim.errors import InputError

#: how much of a file the sniffers look at [characters]
HEAD_CHARS = 8192


def read_text(path: str) -> str:
    """The whole file as text; a missing or unreadable file is an :class:`InputError`."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found; check the path", file=path) from None
    except IsADirectoryError:
        raise InputError("is a folder; name the log files inside it", file=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason}); decompress it first", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=path) from None


def epoch_s(text: str) -> float:
    """An ISO 8601 time (a space or ``T``; ``Z`` or an offset; UTC when none) as epoch seconds."""
    stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.timestamp()


def clf_epoch_s(text: str) -> float:
    """A Common Log Format time, ``10/Oct/2000:13:55:36 -0700``, as epoch seconds."""
    return dt.datetime.strptime(text.strip(), "%d/%b/%Y:%H:%M:%S %z").timestamp()


def finite(value: float) -> float:
    """``value`` if finite, else a ValueError (the readers turn it into a bad line)."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    return value


@dataclass(frozen=True)
class Selection:
    """Which part of a public trace to calibrate: one function and/or one app (None: all)."""

    function: str | None = None
    app: str | None = None


@dataclass(frozen=True)
class Reader:
    """A source format: its name, how to recognise a file, and how to read one.

    ``read_selected`` is set by the formats that hold many functions (public traces); the
    others are one function's logs and take no selection.
    """

    name: str
    description: str
    sniff: Callable[[str, str], bool]
    read: Callable[[str], Evidence]
    read_selected: Callable[[str, Selection], Evidence] | None = None
