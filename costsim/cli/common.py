"""What every command shares: the consoles, exit codes, the progress bar and the --out check."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from costsim.errors import InputError, printable
from costsim.folders import check_out, write_error

# emoji substitution off: user text such as ``log:a:b:3`` must print as written
console = Console(emoji=False, highlight=False)
if not console.is_terminal:
    # piped or captured output: wide enough that the summary table never wraps
    console = Console(width=120, emoji=False, highlight=False)
err_console = Console(stderr=True, emoji=False, highlight=False)

EXIT_INPUT = 2
EXIT_INTERNAL = 1


def safe(text: object) -> str:
    """User text ready for a console line or table cell with markup: controls escaped, and
    ``[...]`` shown as written rather than read as rich markup."""
    return escape(printable(str(text)))


def progress_bar(label: TextColumn, count: str) -> Progress:
    """The progress bar of long commands: label, bar, count, elapsed time and ETA (on stderr,
    only on a terminal)."""
    return Progress(
        label,
        BarColumn(),
        TextColumn(count),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def check_writable(out: Path, kind: str | None = None) -> None:
    """Check, before any work, that a result can replace ``out``, or raise an InputError.

    The probe is a fresh folder beside ``out`` (created exclusively, so no link is followed and
    nothing in ``out`` is touched).
    """
    check_out(out, kind)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=f".{out.name}.costsim-probe-", dir=out.parent)
        os.rmdir(probe)
    except OSError as exc:
        if isinstance(exc, FileExistsError) or not out.parent.is_dir():
            raise InputError(
                "a part of the path is a file, not a folder; choose another --out",
                file=str(out),
                field="--out",
            ) from None
        raise InputError(
            f"cannot write to output folder: {exc.strerror}; choose another --out",
            file=str(out),
            field="--out",
        ) from None


__all__ = [
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "check_writable",
    "console",
    "err_console",
    "progress_bar",
    "safe",
    "write_error",
]
