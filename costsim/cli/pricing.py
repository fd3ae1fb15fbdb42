"""CLI commands that price usage without simulating: ``costsim quote PRODUCT``, functions here.

Add-ons, VMs and servers are in :mod:`costsim.cli.quote_machines`; the catalogs themselves are
listed and shown by ``costsim catalog`` (:mod:`costsim.cli.catalog`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from costsim.cli.catalog import CatalogOpt, catalog_set
from costsim.cli.quote_common import FreeOpt, JsonOpt, PriceOpt, emit_quote, price_overrides
from costsim.cli.quote_machines import add_commands
from costsim.pricing.catalog import FunctionItem
from costsim.pricing.quote import (
    FunctionUsage,
    quote_function,
)

quote_app = typer.Typer(
    no_args_is_help=True,
    help="Price a month of usage from the catalogs, without simulating. One command per product.",
)


class Arch(StrEnum):
    """Lambda architectures."""

    x86_64 = "x86_64"
    arm64 = "arm64"


ExtraOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--extra",
        help="Add-on key (api-gateway-http) or CATALOG/ITEM (aws-lambda/snapstart); repeatable.",
    ),
]
Requests = Annotated[float, typer.Option("--requests", min=0, help="On-demand requests per month.")]
DurationMs = Annotated[
    float, typer.Option("--duration-ms", min=0, help="Mean on-demand duration \\[ms].")
]


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
        float, typer.Option("--provisioned-hours", min=0, help="Hours a month it is on \\[h].")
    ] = 0.0,
    provisioned_requests: Annotated[
        float,
        typer.Option("--provisioned-requests", min=0, help="Requests served while it is on."),
    ] = 0.0,
    provisioned_duration_ms: Annotated[
        float,
        typer.Option("--provisioned-duration-ms", min=0, help="Their mean duration \\[ms]."),
    ] = 0.0,
    legacy_100ms: Annotated[
        bool, typer.Option("--legacy-100ms", help="Pre-2020 billing: 100 ms rounding (x86).")
    ] = False,
    cold_starts: Annotated[
        float, typer.Option("--cold-starts", min=0, help="Requests that start an instance.")
    ] = 0.0,
    init_ms: Annotated[
        float, typer.Option("--init-ms", min=0, help="Their mean init duration \\[ms] (billed).")
    ] = 0.0,
    response_mb: Annotated[
        float, typer.Option("--response-mb", min=0, help="Response size [MB] (streaming).")
    ] = 0.0,
    snapstart_version_hours: Annotated[
        float | None,
        typer.Option(
            "--snapstart-version-hours",
            min=0,
            help="SnapStart version-hours cached this month \\[h] (default: one version, 730 h).",
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
        catalog_set(catalog),
        "aws-lambda",
        variant,
        use,
        free_tier=not no_free_tier,
        extras=list(extra or []),
        overrides=price_overrides(price),
    )
    emit_quote(result, as_json, f"AWS Lambda ({variant}) per month")


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
        float, typer.Option("--hours", min=0, max=730, help="Hours a month they run \\[h].")
    ] = 730.0,
    always_ready_requests: Annotated[
        float, typer.Option("--always-ready-requests", min=0, help="Requests they serve.")
    ] = 0.0,
    always_ready_duration_ms: Annotated[
        float, typer.Option("--always-ready-duration-ms", min=0, help="Their duration \\[ms].")
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
    cats = catalog_set(catalog)
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
        overrides=price_overrides(price),
    )  # fmt: skip
    emit_quote(result, as_json, f"Azure Functions ({plan.value}) per month")


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
        float, typer.Option("--hours", min=0, max=730, help="Hours each runs \\[h].")
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
        catalog_set(catalog), "gcp-cloud-run", billing.value, use, free_tier=not no_free_tier,
        overrides=price_overrides(price),
    )  # fmt: skip
    emit_quote(result, as_json, f"Cloud Run ({billing.value}) per month")


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
        catalog_set(catalog), "gcp-cloud-functions-gen1", "gen1", use,
        free_tier=not no_free_tier, overrides=price_overrides(price),
    )  # fmt: skip
    emit_quote(result, as_json, "Cloud Functions 1st gen per month")


@quote_app.command("cloudflare-workers")
def quote_cloudflare_workers(
    requests: Requests = 0.0,
    cpu_ms: Annotated[
        float, typer.Option("--cpu-ms", min=0, help="CPU time per request \\[ms].")
    ] = 0.0,
    no_free_tier: FreeOpt = False,
    price: PriceOpt = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cloudflare Workers Paid: base fee, requests and CPU time beyond the included amounts."""
    use = FunctionUsage(requests=requests, cpu_ms=cpu_ms, memory_mb=128.0)
    result = quote_function(
        catalog_set(catalog), "cloudflare-workers", "standard", use,
        free_tier=not no_free_tier, overrides=price_overrides(price),
    )  # fmt: skip
    emit_quote(result, as_json, "Cloudflare Workers per month")


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
        catalog_set(catalog), "aws-step-functions", workflow.value, use, free_tier=not no_free_tier
    )
    emit_quote(result, as_json, f"Step Functions ({workflow.value}) per month")


def register(app: typer.Typer) -> None:
    """Add ``costsim quote`` to the ``costsim`` app (the function products, then the rest)."""
    add_commands(quote_app)
    app.add_typer(quote_app, name="quote")
