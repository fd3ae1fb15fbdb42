"""CLI commands ``costsim calibrate`` (logs -> scenario) and ``costsim backtest`` (logs vs bill)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from costsim.cli.common import console, err_console
from costsim.errors import InputError

#: bad lines listed one by one before the rest are only counted
SHOW_BAD = 10

FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="Read every source as this format (default: recognised from the content); "
        "see 'costsim calibrate --list-formats'.",
    ),
]


def _report_bad(ev: object) -> None:
    bad = getattr(ev, "bad", [])
    if not bad:
        return
    err_console.print(f"skipped {len(bad)} unusable line(s):", markup=False, highlight=False)
    for b in bad[:SHOW_BAD]:
        err_console.print(f"  {b.one_line()}", markup=False, highlight=False, soft_wrap=True)
    if len(bad) > SHOW_BAD:
        err_console.print(f"  ... and {len(bad) - SHOW_BAD} more", markup=False)


def calibrate(
    sources: Annotated[
        list[str] | None, typer.Argument(help="Log, metric, Power Tuning or trace files.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Scenario file to write (YAML).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write a fit report (Markdown + charts).")
    ] = None,
    traffic: Annotated[
        str,
        typer.Option(
            "--traffic",
            help="auto: a fitted profile when it fits, else a replay; fit or replay to force.",
        ),
    ] = "auto",
    name: Annotated[str | None, typer.Option("--name", help="Scenario name.")] = None,
    function: Annotated[
        str | None,
        typer.Option(
            "--function", help="Public traces: calibrate this function only (its hash or id)."
        ),
    ] = None,
    app: Annotated[
        str | None, typer.Option("--app", help="Public traces: calibrate this app only.")
    ] = None,
    fmt: FormatOpt = None,
    list_formats: Annotated[
        bool, typer.Option("--list-formats", help="List the source formats and exit.")
    ] = False,
) -> None:
    """Fit a scenario to real logs: durations, cold starts, arrivals, memory and CPU share."""
    from costsim.calibrate import Selection, read_sources, readers, write_scenario
    from costsim.calibrate import calibrate as fit
    from costsim.calibrate.writer import TRAFFIC_MODES

    if list_formats:
        for reader in readers().values():
            console.print(f"{reader.name:22} {reader.description}", markup=False, highlight=False)
        return
    if not sources:
        raise InputError("name at least one log file", field="SOURCES")
    if out is None:
        raise InputError("name the scenario to write with --out FILE.yaml", field="--out")
    if traffic not in TRAFFIC_MODES:
        raise InputError(f"choose one of {', '.join(TRAFFIC_MODES)}", field="--traffic")
    selection = Selection(function, app) if function or app else None
    ev = read_sources(sources, fmt, selection)
    _report_bad(ev)
    cal = fit(ev)
    # a scenario name allows letters, digits, '_', '.' and '-'; file names allow more
    scenario_name = name or re.sub(r"[^A-Za-z0-9_.-]+", "-", out.stem).strip("-._") or "calibrated"
    written = write_scenario(cal, out, scenario_name, traffic)
    console.print(f"duration:   {cal.duration_note}", markup=False, soft_wrap=True)
    console.print(f"cold start: {cal.cold_note}", markup=False, soft_wrap=True)
    if cal.profile is not None:
        console.print(
            f"traffic:    {cal.profile.kind}: {cal.profile.reason}", markup=False, soft_wrap=True
        )
    if cal.cpu is not None:
        console.print(f"cpu_bound:  {cal.cpu.cpu_bound:.3f}", markup=False)
    for note in cal.notes:
        console.print(f"caveat:     {note}", markup=False, soft_wrap=True)
    if report is not None:
        from costsim.calibrate.report import write_report

        written += write_report(cal, report)
    console.print(f"Wrote {', '.join(str(p) for p in written)}", markup=False, soft_wrap=True)


def backtest(
    logs: Annotated[list[str], typer.Argument(help="Lambda REPORT logs, then the SCENARIO last.")],
    option: Annotated[
        str | None, typer.Option("--option", help="Serverless option to backtest (default: first).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the table as Markdown here.")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Replay the logged period through SCENARIO and compare counts, durations and the bill."""
    from costsim.calibrate import read_sources
    from costsim.calibrate.backtest import run_backtest

    if len(logs) < 2:
        raise InputError("usage: costsim backtest LOGS... SCENARIO", field="LOGS")
    *paths, scenario = logs
    ev = read_sources(paths, fmt)
    _report_bad(ev)
    result = run_backtest(ev, scenario, option)
    table = Table(title=f"backtest: {result.option} over {result.period_s / 3600:.2f} h")
    for col in ("quantity", "unit", "logged", "simulated", "difference"):
        table.add_column(col, justify="left" if col in ("quantity", "unit") else "right")
    for r in result.rows:
        diff = "n/a" if r.difference != r.difference else f"{100 * r.difference:+.2f}%"
        table.add_row(r.name, r.unit, f"{r.logged:.6g}", f"{r.simulated:.6g}", diff)
    console.print(table)
    for note in result.notes:
        console.print(f"- {note}", markup=False, soft_wrap=True)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.markdown(), encoding="utf-8")
        console.print(f"Wrote {out}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` and ``backtest`` to the ``costsim`` app."""
    app.command(name="calibrate")(calibrate)
    app.command(name="backtest")(backtest)
