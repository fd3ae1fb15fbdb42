"""CLI command ``costsim report DIR``: a decision record from a run or sweep folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(width=120)


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
    from costsim.report.adr import write_report

    written = write_report(folder, status=status, date=date, html=html, sensitivity=sensitivity)
    console.print(f"Wrote {', '.join(str(p) for p in written)}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``costsim`` app."""
    app.command(name="report")(report)
