"""CLI command ``costsim reprice DIR``: price a stored run again from its meters."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from costsim.errors import InputError

console = Console(width=120)


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
) -> None:
    """Re-price FOLDER from its meters.json: rewrites summary.json and timeseries.csv costs."""
    from costsim.output import write_atomic
    from costsim.pricing.reprice import reprice_folder

    start = time.perf_counter()
    out, names = reprice_folder(folder, list(catalog or []), _pins(pin))
    write_atomic(folder / "summary.json", out.summary_json)
    if out.timeseries_csv is not None:
        write_atomic(folder / "timeseries.csv", out.timeseries_csv)
    took = time.perf_counter() - start
    console.print(f"Re-priced {folder} ({', '.join(names)}) in {took:.2f} s", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``reprice`` to the ``costsim`` app."""
    app.command(name="reprice")(reprice)
