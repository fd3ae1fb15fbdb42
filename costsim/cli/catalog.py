"""CLI commands about the price catalogs: ``costsim catalog list`` and ``costsim catalog show``."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem, MachineItem
from costsim.pricing.registry import CatalogSet

console = Console(width=120)

catalog_app = typer.Typer(no_args_is_help=True, help="List and show the price catalogs.")

#: ``--catalog FILE``: the commands that read catalogs take the user's own files too.
CatalogOpt = Annotated[
    list[Path] | None,
    typer.Option("--catalog", help="Your own catalog file; it wins over the built-ins."),
]


def catalog_set(files: list[Path] | None) -> CatalogSet:
    """The built-in catalogs with the user's ``--catalog`` files added (theirs win).

    Parameters
    ----------
    files : list of Path or None
        The ``--catalog`` files.

    Returns
    -------
    CatalogSet
        The catalogs to price from.
    """
    return CatalogSet.builtin().with_files(list(files or []))


@catalog_app.command("list")
def catalog_list(catalog: CatalogOpt = None) -> None:
    """List every catalog with its version, as_of date, source and item keys."""
    cats = catalog_set(catalog)
    for name in cats.names():
        cat = cats.get(name)
        console.print(
            f"[bold]{cat.ref}[/bold]  {cat.kind}  {cat.region}  as of {cat.as_of}  {cat.source}",
            soft_wrap=True,
        )
        console.print(f"    keys: {', '.join(cat.item_keys())}", soft_wrap=True)


@catalog_app.command("show")
def catalog_show(
    key: Annotated[str, typer.Argument(help="Catalog (NAME or NAME@VERSION) or item key.")],
    catalog: CatalogOpt = None,
) -> None:
    """Print a catalog's (or one item's) prices with their source and as_of date."""
    cats = catalog_set(catalog)
    if key.split("@")[0] in cats.names():
        cat = cats.get(key)
        items = list(cat.items)
    else:
        # every kind of catalog the schema knows, so no list here goes stale
        kinds = typing.get_args(Catalog.model_fields["kind"].annotation)
        cat, name = cats.find_item(key, kinds)
        items = [name]
    console.print(f"[bold]{cat.title}[/bold]  {cat.ref}  ({cat.kind}, {cat.region})")
    console.print(f"as of {cat.as_of}  source: {cat.source}")
    if cat.currency == "EUR":
        console.print(f"USD per EUR: {cat.usd_per_eur} ({cat.usd_per_eur_source})")
    if cat.billing is not None:
        console.print(f"billing: {cat.billing.model_dump()}")
    for name in items:
        _show_item(cat, name)
    if cat.notes:
        console.print(f"[dim]notes: {cat.notes}[/dim]")


def _show_item(cat: Catalog, name: str) -> None:
    item = cat.items[name]
    console.print(f"\n[bold]{cat.key_prefix}{name}[/bold]")
    if item.source:
        console.print(f"  source: {item.source}")
    if isinstance(item, MachineItem):
        for key, value in sorted((item.model_extra or {}).items()):
            console.print(f"  {key}: {value}")
        for attr in ("vcpu", "memory_gb", "power_kw", "rack_units", "amortization_years"):
            if getattr(item, attr) is not None:
                console.print(f"  {attr}: {getattr(item, attr):g}")
        if item.description:
            console.print(f"  {item.description}")
        return
    if isinstance(item, FunctionItem):
        billing = {k: v for k, v in item.billing.model_dump().items() if v not in ({}, None)}
        console.print(f"  billing: {billing}")
    assert isinstance(item, (FunctionItem, AddonItem))
    for comp in item.components:
        free = f", free {comp.free_per_month:,.0f}/month" if comp.free_per_month else ""
        console.print(f"  {comp.name} ({comp.metric}{free}):")
        for tier in comp.tiers:
            upto = f"up to {tier.up_to:,.0f}" if tier.up_to is not None else "beyond"
            upto = upto if len(comp.tiers) > 1 else "flat"
            console.print(f"    {upto}: {tier.key} = {tier.value}")


def register(app: typer.Typer) -> None:
    """Add ``costsim catalog`` to the ``costsim`` app."""
    app.add_typer(catalog_app, name="catalog")
