"""``costsim quote addon|vm|server``: add-ons, virtual machines and servers, priced for a month.

The function products' commands are in :mod:`costsim.cli.pricing`, which adds these after its
own (:func:`add_commands`), so ``costsim quote --help`` lists them in that order.
"""

from __future__ import annotations

from typing import Annotated

import typer

from costsim.cli.catalog import CatalogOpt, catalog_set
from costsim.cli.quote_common import FreeOpt, JsonOpt, PriceOpt, emit_quote, price_overrides
from costsim.pricing.quote import FunctionUsage, quote_addon, quote_server, quote_vm


def quote_addon_cmd(
    key: Annotated[str, typer.Argument(help="Add-on key: api-gateway-http, internet-egress, ...")],
    requests: Annotated[float, typer.Option("--requests", min=0, help="Requests a month.")] = 0.0,
    egress_gb: Annotated[
        float, typer.Option("--egress-gb", min=0, help="Data out a month [GB].")
    ] = 0.0,
    no_free_tier: FreeOpt = False,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """An add-on on its own: API Gateway (REST, HTTP), function URLs, data transfer out."""
    use = FunctionUsage(requests=requests, egress_gb=egress_gb)
    result = quote_addon(catalog_set(catalog), key, use, free_tier=not no_free_tier)
    emit_quote(result, as_json, f"{key} per month")


def quote_vm_cmd(
    instance: Annotated[str, typer.Argument(help="Instance key: m7g.large, hetzner-cx33, ...")],
    hours: Annotated[
        float, typer.Option("--hours", min=0, help="Hours each instance runs a month \\[h].")
    ] = 730.0,
    count: Annotated[int, typer.Option("--count", min=1, max=10**6, help="Instances.")] = 1,
    savings_plan_discount: Annotated[
        float,
        typer.Option("--savings-plan-discount", min=0, max=0.99, help="Discount fraction."),
    ] = 0.0,
    price: PriceOpt = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """VMs (EC2, DigitalOcean, Hetzner Cloud, Linode), billed at the catalog's granularity."""
    result = quote_vm(
        catalog_set(catalog),
        instance,
        hours=hours,
        count=count,
        discount=savings_plan_discount,
        overrides=price_overrides(price),
    )
    emit_quote(result, as_json, f"{count} x {instance} per month")


def quote_server_cmd(
    server: Annotated[str, typer.Argument(help="Server key: hetzner-ax42, colo-1u-16core, ...")],
    count: Annotated[int, typer.Option("--count", min=1, max=10**6, help="Servers.")] = 1,
    commitment_months: Annotated[
        int, typer.Option("--commitment-months", min=1, help="Months to spread setup over.")
    ] = 12,
    ops_usd_per_server_month: Annotated[
        float, typer.Option("--ops-usd-per-server-month", min=0, help="Your ops cost [USD].")
    ] = 0.0,
    price: PriceOpt = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Bare metal: dedicated servers (monthly plus setup), EC2 metal, colocation TCO."""
    result = quote_server(
        catalog_set(catalog),
        server,
        count=count,
        commitment_months=commitment_months,
        ops_usd_per_server_month=ops_usd_per_server_month,
        overrides=price_overrides(price),
    )
    emit_quote(result, as_json, f"{count} x {server} per month")


def add_commands(quote_app: typer.Typer) -> None:
    """Add ``addon``, ``vm`` and ``server`` to ``costsim quote``.

    Parameters
    ----------
    quote_app : typer.Typer
        The ``costsim quote`` group.
    """
    quote_app.command("addon")(quote_addon_cmd)
    quote_app.command("vm")(quote_vm_cmd)
    quote_app.command("server")(quote_server_cmd)
