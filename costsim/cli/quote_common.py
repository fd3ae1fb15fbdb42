"""What the ``costsim quote`` commands share: their common options and how a quote is printed."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from costsim.errors import InputError
from costsim.pricing.quote import Quote

console = Console(width=120)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
FreeOpt = Annotated[
    bool, typer.Option("--no-free-tier", help="Do not credit the monthly free allowances.")
]
PriceOpt = Annotated[
    list[str] | None,
    typer.Option("--price", help="Override a price: COMPONENT=VALUE in the catalog's unit."),
]


def price_overrides(prices: list[str] | None) -> dict[str, float]:
    """The ``--price COMPONENT=VALUE`` options as overrides.

    Parameters
    ----------
    prices : list of str or None
        The options as written.

    Returns
    -------
    dict of str to float
        Component -> price in the catalog's unit.

    Raises
    ------
    InputError
        If one is not ``NAME=NUMBER`` with a number >= 0.
    """
    out: dict[str, float] = {}
    for text in prices or []:
        name, sep, value = text.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or out.get(name.strip(), -1.0) < 0:
            raise InputError(f"expected COMPONENT=PRICE (>= 0), got {text!r}", field="--price")
    return out


def emit_quote(result: Quote, as_json: bool, title: str) -> None:
    """Print a quote: a table of components and total with the catalogs' dates, or JSON.

    Parameters
    ----------
    result : Quote
        The priced usage.
    as_json : bool
        Print ``result.to_json()`` instead of the table.
    title : str
        The table's title.
    """
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    table = Table(title=title, title_justify="left")
    table.add_column("component")
    table.add_column("USD/month", justify="right")
    for name, amount in result.components_cents().items():
        table.add_row(name, f"{amount:,.2f}")
    table.add_section()
    table.add_row("total", f"{result.total_cents():,.2f}")
    console.print(table)
    for cat in result.catalogs:
        console.print(f"[dim]{cat.ref}: as of {cat.as_of}, {cat.source}[/dim]")
