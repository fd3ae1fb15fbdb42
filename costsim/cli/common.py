"""What every command shares: the consoles, exit codes, the progress bar and the --out check."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from costsim.errors import InputError

console = Console()
if not console.is_terminal:
    # piped or captured output: wide enough that the summary table never wraps
    console = Console(width=120)
err_console = Console(stderr=True)

EXIT_INPUT = 2
EXIT_INTERNAL = 1


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


def check_writable(out: Path) -> None:
    """Make ``out`` and check that it can be written, or raise an InputError naming --out."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".costsim-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"cannot write to output folder: {exc.strerror}; choose another --out",
            file=str(out),
            field="--out",
        ) from None
