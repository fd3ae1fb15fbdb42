"""CLI commands about prices: ``costsim quote`` and ``costsim catalog list|show``."""

from __future__ import annotations

import json
import typing
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from costsim.errors import InputError
from costsim.pricing.catalog import AddonItem, Catalog, FunctionItem, MachineItem
from costsim.pricing.quote import (
    FunctionUsage,
    Quote,
    quote_addon,
    quote_function,
    quote_server,
    quote_vm,
)
from costsim.pricing.registry import CatalogSet

console = Console(width=120)

quote_app = typer.Typer(
    no_args_is_help=True,
    help="Price a month of usage from the catalogs, without simulating. One command per product.",
)
catalog_app = typer.Typer(no_args_is_help=True, help="List and show the price catalogs.")


class Arch(StrEnum):
    """Lambda architectures."""

    x86_64 = "x86_64"
    arm64 = "arm64"


CatalogOpt = Annotated[
    list[Path] | None,
    typer.Option("--catalog", help="Your own catalog file; it wins over the built-ins."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
FreeOpt = Annotated[
    bool, typer.Option("--no-free-tier", help="Do not credit the monthly free allowances.")
]
PriceOpt = Annotated[
    list[str] | None,
    typer.Option("--price", help="Override a price: COMPONENT=VALUE in the catalog's unit."),
]
ExtraOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--extra",
        help="Add-on key (api-gateway-http) or CATALOG/ITEM (aws-lambda/snapstart); repeatable.",
    ),
]
Requests = Annotated[float, typer.Option("--requests", min=0, help="On-demand requests per month.")]
DurationMs = Annotated[
    float, typer.Option("--duration-ms", min=0, help="Mean on-demand duration [ms].")
]


def _catalogs(files: list[Path] | None) -> CatalogSet:
    return CatalogSet.builtin().with_files(list(files or []))


def _overrides(prices: list[str] | None) -> dict[str, float]:
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


def _emit(result: Quote, as_json: bool, title: str) -> None:
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


@quote_app.command("aws-lambda")
def quote_aws_lambda(
    requests: Requests = 0.0,
    duration_ms: DurationMs = 0.0,
    memory_mb: Annotated[float, typer.Option("--memory-mb", help="Memory [MB].")] = 128.0,
    arch: Annotated[Arch, typer.Option("--arch", help="Architecture.")] = Arch.x86_64,
    no_free_tier: FreeOpt = False,
    ephemeral_storage_mb: Annotated[
        float, typer.Option("--ephemeral-storage-mb", min=0, help="Ephemeral storage [MB].")
    ] = 512.0,
    provisioned_concurrency: Annotated[
        int, typer.Option("--provisioned-concurrency", min=0, help="Provisioned concurrency.")
    ] = 0,
    provisioned_hours: Annotated[
        float, typer.Option("--provisioned-hours", min=0, help="Hours a month it is on [h].")
    ] = 0.0,
    provisioned_requests: Annotated[
        float,
        typer.Option("--provisioned-requests", min=0, help="Requests served while it is on."),
    ] = 0.0,
    provisioned_duration_ms: Annotated[
        float,
        typer.Option("--provisioned-duration-ms", min=0, help="Their mean duration [ms]."),
    ] = 0.0,
    legacy_100ms: Annotated[
        bool, typer.Option("--legacy-100ms", help="Pre-2020 billing: 100 ms rounding (x86).")
    ] = False,
    cold_starts: Annotated[
        float, typer.Option("--cold-starts", min=0, help="Requests that start an instance.")
    ] = 0.0,
    init_ms: Annotated[
        float, typer.Option("--init-ms", min=0, help="Their mean init duration [ms] (billed).")
    ] = 0.0,
    response_mb: Annotated[
        float, typer.Option("--response-mb", min=0, help="Response size [MB] (streaming).")
    ] = 0.0,
    snapstart_version_hours: Annotated[
        float | None,
        typer.Option(
            "--snapstart-version-hours",
            min=0,
            help="SnapStart version-hours cached this month [h] (default: one version, 730 h).",
        ),
    ] = None,
    extra: ExtraOpt = None,
    price: PriceOpt = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """AWS Lambda: requests, duration tiers, free tier, ephemeral storage, provisioned."""
    variant = "x86_64-legacy-100ms" if legacy_100ms else arch.value
    use = FunctionUsage(
        requests=requests,
        duration_ms=duration_ms,
        memory_mb=memory_mb,
        ephemeral_storage_mb=ephemeral_storage_mb,
        provisioned_concurrency=provisioned_concurrency,
        provisioned_hours=provisioned_hours,
        provisioned_requests=provisioned_requests,
        provisioned_duration_ms=provisioned_duration_ms,
        cold_starts=cold_starts,
        init_ms=init_ms,
        response_mb=response_mb,
        snapstart_version_hours=snapstart_version_hours,
    )
    result = quote_function(
        _catalogs(catalog),
        "aws-lambda",
        variant,
        use,
        free_tier=not no_free_tier,
        extras=list(extra or []),
        overrides=_overrides(price),
    )
    _emit(result, as_json, f"AWS Lambda ({variant}) per month")


class AzurePlan(StrEnum):
    """Azure Functions hosting plans."""

    consumption = "consumption"
    flex_consumption = "flex-consumption"
    premium_ep1 = "premium-ep1"
    premium_ep2 = "premium-ep2"
    premium_ep3 = "premium-ep3"


@quote_app.command("azure-functions")
def quote_azure_functions(
    plan: Annotated[AzurePlan, typer.Option("--plan", help="Hosting plan.")] = (
        AzurePlan.flex_consumption
    ),
    requests: Requests = 0.0,
    duration_ms: DurationMs = 0.0,
    memory_mb: Annotated[
        float, typer.Option("--memory-mb", help="Instance or observed memory [MB].")
    ] = 2048.0,
    concurrency: Annotated[
        float, typer.Option("--concurrency", min=1, help="Requests per instance at once (Flex).")
    ] = 1.0,
    always_ready: Annotated[
        int, typer.Option("--always-ready", min=0, help="Always-ready (Premium: billed) instances.")
    ] = 0,
    hours: Annotated[
        float, typer.Option("--hours", min=0, max=730, help="Hours a month they run [h].")
    ] = 730.0,
    always_ready_requests: Annotated[
        float, typer.Option("--always-ready-requests", min=0, help="Requests they serve.")
    ] = 0.0,
    always_ready_duration_ms: Annotated[
        float, typer.Option("--always-ready-duration-ms", min=0, help="Their duration [ms].")
    ] = 0.0,
    traffic_hours: Annotated[
        float,
        typer.Option("--traffic-hours", min=0.001, help="Hours of the month requests arrive in."),
    ] = 730.0,
    no_free_tier: FreeOpt = False,
    price: PriceOpt = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Azure Functions: Consumption, Flex Consumption (on demand, always ready) and Premium."""
    premium = plan.value.startswith("premium")
    cats = _catalogs(catalog)
    if premium:
        item = cats.get("azure-functions").items.get(plan.value)
        memory_mb = item.billing.memory_min_mb if isinstance(item, FunctionItem) else memory_mb
    use = FunctionUsage(
        requests=requests,
        duration_ms=duration_ms,
        memory_mb=memory_mb,
        concurrency=concurrency,
        provisioned_concurrency=always_ready,
        provisioned_hours=hours if always_ready else 0.0,
        provisioned_requests=always_ready_requests,
        provisioned_duration_ms=always_ready_duration_ms,
        traffic_hours=traffic_hours,
    )
    result = quote_function(
        cats, "azure-functions", plan.value, use, free_tier=not no_free_tier,
        overrides=_overrides(price),
    )  # fmt: skip
    _emit(result, as_json, f"Azure Functions ({plan.value}) per month")


class RunBilling(StrEnum):
    """Cloud Run billing settings."""

    request = "request-based"
    instance = "instance-based"


@quote_app.command("cloud-run")
def quote_cloud_run(
    billing: Annotated[RunBilling, typer.Option("--billing", help="Billing setting.")] = (
        RunBilling.request
    ),
    requests: Requests = 0.0,
    duration_ms: DurationMs = 0.0,
    memory_mb: Annotated[float, typer.Option("--memory-mb", help="Memory [MiB].")] = 512.0,
    vcpu: Annotated[
        float, typer.Option("--vcpu", min=0.08, max=1000, help="vCPUs per instance.")
    ] = 1.0,
    concurrency: Annotated[
        float, typer.Option("--concurrency", min=1, help="Requests per instance at once.")
    ] = 1.0,
    instances: Annotated[
        int, typer.Option("--instances", min=0, max=10**6, help="Instances alive.")
    ] = 1,
    hours: Annotated[
        float, typer.Option("--hours", min=0, max=730, help="Hours each runs [h].")
    ] = 730.0,
    traffic_hours: Annotated[
        float,
        typer.Option(
            "--traffic-hours", min=0.001, max=730, help="Hours of the month requests arrive in."
        ),
    ] = 730.0,
    no_free_tier: FreeOpt = False,
    price: PriceOpt = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Google Cloud Run: request-based or instance-based billing, 100 ms rounding."""
    instance_based = billing is RunBilling.instance
    use = FunctionUsage(
        requests=requests,
        duration_ms=duration_ms,
        memory_mb=memory_mb,
        vcpu=vcpu,
        concurrency=concurrency,
        provisioned_concurrency=instances if instance_based else 0,
        provisioned_hours=hours if instance_based else 0.0,
        traffic_hours=traffic_hours,
    )
    result = quote_function(
        _catalogs(catalog), "gcp-cloud-run", billing.value, use, free_tier=not no_free_tier,
        overrides=_overrides(price),
    )  # fmt: skip
    _emit(result, as_json, f"Cloud Run ({billing.value}) per month")


@quote_app.command("cloud-functions")
def quote_cloud_functions(
    requests: Requests = 0.0,
    duration_ms: DurationMs = 0.0,
    memory_mb: Annotated[float, typer.Option("--memory-mb", help="Memory [MB].")] = 256.0,
    no_free_tier: FreeOpt = False,
    price: PriceOpt = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Google Cloud Functions 1st gen: invocations, GB-s and GHz-s, 100 ms rounding."""
    use = FunctionUsage(requests=requests, duration_ms=duration_ms, memory_mb=memory_mb)
    result = quote_function(
        _catalogs(catalog), "gcp-cloud-functions-gen1", "gen1", use,
        free_tier=not no_free_tier, overrides=_overrides(price),
    )  # fmt: skip
    _emit(result, as_json, "Cloud Functions 1st gen per month")


@quote_app.command("cloudflare-workers")
def quote_cloudflare_workers(
    requests: Requests = 0.0,
    cpu_ms: Annotated[
        float, typer.Option("--cpu-ms", min=0, help="CPU time per request [ms].")
    ] = 0.0,
    no_free_tier: FreeOpt = False,
    price: PriceOpt = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cloudflare Workers Paid: base fee, requests and CPU time beyond the included amounts."""
    use = FunctionUsage(requests=requests, cpu_ms=cpu_ms, memory_mb=128.0)
    result = quote_function(
        _catalogs(catalog), "cloudflare-workers", "standard", use,
        free_tier=not no_free_tier, overrides=_overrides(price),
    )  # fmt: skip
    _emit(result, as_json, "Cloudflare Workers per month")


class Workflow(StrEnum):
    """Step Functions workflow types."""

    standard = "standard"
    express = "express"


@quote_app.command("step-functions")
def quote_step_functions(
    workflow: Annotated[Workflow, typer.Option("--type", help="Workflow type.")] = (
        Workflow.standard
    ),
    transitions: Annotated[
        float, typer.Option("--transitions", min=0, help="State transitions a month (standard).")
    ] = 0.0,
    requests: Annotated[
        float, typer.Option("--requests", min=0, help="Executions a month (express).")
    ] = 0.0,
    duration_ms: DurationMs = 0.0,
    memory_mb: Annotated[float, typer.Option("--memory-mb", help="Memory [MB].")] = 64.0,
    no_free_tier: FreeOpt = False,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """AWS Step Functions: standard (per state transition) or express (requests and GB-s)."""
    use = FunctionUsage(
        requests=requests, duration_ms=duration_ms, memory_mb=memory_mb, transitions=transitions
    )
    result = quote_function(
        _catalogs(catalog), "aws-step-functions", workflow.value, use, free_tier=not no_free_tier
    )
    _emit(result, as_json, f"Step Functions ({workflow.value}) per month")


@quote_app.command("addon")
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
    result = quote_addon(_catalogs(catalog), key, use, free_tier=not no_free_tier)
    _emit(result, as_json, f"{key} per month")


@quote_app.command("vm")
def quote_vm_cmd(
    instance: Annotated[str, typer.Argument(help="Instance key: m7g.large, hetzner-cx33, ...")],
    hours: Annotated[
        float, typer.Option("--hours", min=0, help="Hours each instance runs a month [h].")
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
        _catalogs(catalog),
        instance,
        hours=hours,
        count=count,
        discount=savings_plan_discount,
        overrides=_overrides(price),
    )
    _emit(result, as_json, f"{count} x {instance} per month")


@quote_app.command("server")
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
        _catalogs(catalog),
        server,
        count=count,
        commitment_months=commitment_months,
        ops_usd_per_server_month=ops_usd_per_server_month,
        overrides=_overrides(price),
    )
    _emit(result, as_json, f"{count} x {server} per month")


@catalog_app.command("list")
def catalog_list(catalog: CatalogOpt = None) -> None:
    """List every catalog with its version, as_of date, source and item keys."""
    cats = _catalogs(catalog)
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
    cats = _catalogs(catalog)
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
    """Add the pricing commands to the ``costsim`` app."""
    app.add_typer(quote_app, name="quote")
    app.add_typer(catalog_app, name="catalog")
