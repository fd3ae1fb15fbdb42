"""CLI command ``costsim reprice DIR``: price a stored run again from its meters."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from costsim.errors import InputError

console = Console(width=120)

#: Files of a run that a re-price carries over unchanged (it rewrites the costs and charts).
KEPT = ("latency_cdf.csv",)


def _pins(values: list[str] | None) -> dict[str, str]:
    pins: dict[str, str] = {}
    for text in values or []:
        name, sep, version = text.partition("=")
        if not sep or not name.strip() or not version.strip():
            raise InputError(f"expected NAME=VERSION, got {text!r}", field="--pin")
        pins[name.strip()] = version.strip()
    return pins


def reprice(
    folder: Annotated[Path, typer.Argument(help="The --out folder of a run.")],
    catalog: Annotated[
        list[Path] | None,
        typer.Option("--catalog", help="A catalog file of your own; it wins over the built-ins."),
    ] = None,
    pin: Annotated[
        list[str] | None,
        typer.Option("--pin", help="Use a catalog version: NAME=VERSION (repeatable)."),
    ] = None,
    charts: Annotated[bool, typer.Option("--charts/--no-charts", help="Redraw the charts.")] = True,
) -> None:
    """Re-price a run (from meters.json) or a sweep (from its points) without simulating."""
    from costsim.appsim.reprice import reprice_application
    from costsim.output import replace_run_files
    from costsim.pricing.reprice import load_json, reprice_folder

    start = time.perf_counter()
    pins = _pins(pin)
    summary = load_json(folder / "summary.json") if folder.is_dir() else None
    if isinstance(summary, dict) and summary.get("kind") == "sweep":
        from costsim.sweep.reprice import reprice_sweep

        written = reprice_sweep(folder, list(catalog or []), pins, charts=charts)
        took = time.perf_counter() - start
        console.print(f"Re-priced sweep {folder}: {len(written)} files in {took:.2f} s")
        return
    out, names = reprice_folder(folder, list(catalog or []), pins, reprice_application)
    files: dict[str, str | bytes] = {
        "summary.json": out.summary_json,
        "meters.json": out.meters_json,
    }
    if out.timeseries_csv is not None:
        files["timeseries.csv"] = out.timeseries_csv
    redraw = None
    if charts and (folder / "cost.png").exists():
        # the run drew charts: they show the old bill until redrawn
        from costsim.report.charts import run_charts
        from costsim.report.load import load_output, result_from_output

        def redraw(stage: Path) -> list[Path]:
            return run_charts(result_from_output(load_output(stage)), stage)

    # the whole folder at once: a kill leaves the old result or the re-priced one, and its
    # manifest matches its files
    written = replace_run_files(folder, files, redraw)
    names = sorted({*names, *(p.name for p in written)})
    took = time.perf_counter() - start
    console.print(f"Re-priced {folder} ({', '.join(names)}) in {took:.2f} s", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``reprice`` to the ``costsim`` app."""
    app.command(name="reprice")(reprice)
