"""CLI command ``costsim report DIR``: a decision record from a run or sweep folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from costsim.cli.common import safe
from costsim.errors import InputError

console = Console(width=120, emoji=False, highlight=False)


def report(
    folder: Annotated[Path, typer.Argument(help="The --out folder of a run or a sweep.")],
    status: Annotated[
        str, typer.Option("--status", help="MADR status: proposed, accepted, ...")
    ] = "proposed",
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Record date (YYYY-MM-DD) [default: SOURCE_DATE_EPOCH, else today (UTC)].",
        ),
    ] = None,
    html: Annotated[bool, typer.Option("--html/--no-html", help="Also write report.html.")] = True,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity/--no-sensitivity",
            help="Re-simulate a run under each doubted input (free tier, cold start, ...).",
        ),
    ] = True,
) -> None:
    """Write FOLDER/report.md (MADR 4 decision record) and report.html, with charts."""
    import datetime as dt

    from costsim.folders import MANIFEST, write_error
    from costsim.report.load import check_belongs_together

    if date is not None:
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            raise InputError(
                f"{date!r} is not a calendar date; write YYYY-MM-DD, e.g. 2026-10-01",
                field="--date",
            ) from None

    try:
        written = _write(folder, status, date, html, sensitivity)
    except OSError as exc:
        raise write_error(exc, folder) from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, ArithmeticError) as exc:
        if check_belongs_together(folder):
            raise  # costsim wrote these files itself: a failure is a bug, not bad input
        raise InputError(
            f"does not have the shape costsim writes ({type(exc).__name__}: {exc}); it has no "
            f"{MANIFEST}, so it was edited or made by hand: rerun the command that wrote it",
            file=str(folder / "summary.json"),
        ) from None
    console.print(f"Wrote {', '.join(safe(p) for p in written)}", soft_wrap=True)


def _write(
    folder: Path, status: str, date: str | None, html: bool, sensitivity: bool
) -> list[Path]:
    from typing import Any

    from costsim.report.adr import write_report
    from costsim.sweep.crossover_sensitivity import ensure_sweep_sensitivity
    from costsim.sweep.sensitivity import ensure_sensitivity

    def ensure(path: Path, summary: dict[str, Any]) -> list[Path]:
        if summary.get("kind") == "sweep":
            return ensure_sweep_sensitivity(path, summary)
        return ensure_sensitivity(path, summary)

    return write_report(
        folder, status=status, date=date, html=html, sensitivity=ensure if sensitivity else None
    )


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``costsim`` app."""
    app.command(name="report")(report)
