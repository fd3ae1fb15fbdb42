"""Golden tests per provider: a stated month of usage in, the hand-computed bill out.

These are our own hand calculations from the catalog rates (not published examples).
"""

from decimal import Decimal

import pytest

from costsim.pricing.quote import (
    FunctionUsage,
    Quote,
    quote_addon,
    quote_function,
    quote_server,
    quote_vm,
)
from costsim.pricing.registry import CatalogSet


@pytest.fixture(scope="module")
def cats() -> CatalogSet:
    return CatalogSet.builtin()


def bill(q: Quote) -> dict[str, str]:
    return {k: f"{v:.2f}" for k, v in q.components_cents().items()} | {
        "total": f"{q.total_cents():.2f}"
    }


def test_lambda_arm64(cats: CatalogSet) -> None:
    """3M x 120 ms x 1536 MB on arm64: 540,000 GB-s at $0.0000133334 less 400,000 free."""
    use = FunctionUsage(requests=3e6, duration_ms=120, memory_mb=1536)
    assert bill(quote_function(cats, "aws-lambda", "arm64", use)) == {
        "requests": "0.60",
        "requests free tier": "-0.20",
        "compute": "7.20",
        "compute free tier": "-5.33",
        "total": "2.27",
    }


def test_lambda_duration_tiers_split_per_architecture(cats: CatalogSet) -> None:
    """7e9 GB-s on x86: 6e9 at tier 1, 1e9 at tier 2; each tier is its own line."""
    use = FunctionUsage(requests=7e9, duration_ms=1000, memory_mb=1024)
    c = quote_function(cats, "aws-lambda", "x86_64", use, free_tier=False).components
    assert f"{c['compute']:.2f}" == "100000.20"
    assert f"{c['compute tier 2']:.2f}" == "15000.00"
    assert "compute tier 3" not in c


def test_lambda_legacy_100ms_rounds_up(cats: CatalogSet) -> None:
    """A 101 ms invocation bills 200 ms under the legacy rule, 101 ms under 1 ms billing."""
    use = FunctionUsage(requests=1e6, duration_ms=101, memory_mb=1024)
    legacy = quote_function(cats, "aws-lambda", "x86_64-legacy-100ms", use, free_tier=False)
    modern = quote_function(cats, "aws-lambda", "x86_64", use, free_tier=False)
    assert legacy.components["compute"] == Decimal(200_000) * Decimal("0.0000166667")
    assert modern.components["compute"] == Decimal(101_000) * Decimal("0.0000166667")


def test_lambda_with_api_gateway_http(cats: CatalogSet) -> None:
    """Extras add their own lines: 2M requests through an HTTP API at $1.00 per million."""
    use = FunctionUsage(requests=2e6, duration_ms=10, memory_mb=128)
    q = quote_function(
        cats, "aws-lambda", "x86_64", use, free_tier=False, extras=["api-gateway-http"]
    )
    assert bill(q)["api gateway (HTTP)"] == "2.00"
    assert [c.ref for c in q.catalogs] == ["aws-lambda@2026-10", "aws-api-gateway@2026-10"]


def test_price_override_wins(cats: CatalogSet) -> None:
    use = FunctionUsage(requests=5e6, duration_ms=1, memory_mb=128)
    q = quote_function(
        cats, "aws-lambda", "x86_64", use, free_tier=False, overrides={"requests": 1.0}
    )
    assert bill(q)["requests"] == "5.00"


def test_azure_consumption_rounds_memory_to_128mb(cats: CatalogSet) -> None:
    """3M x 1 s at 500 MB observed (billed 512 MB): 1.5M GB-s x $0.000016 less 400,000 free."""
    use = FunctionUsage(requests=3e6, duration_ms=1000, memory_mb=500)
    assert bill(quote_function(cats, "azure-functions", "consumption", use))["total"] == "18.00"


def test_azure_flex_always_ready_baseline(cats: CatalogSet) -> None:
    """One always-ready 2,048 MB instance for 730 h: 5,256,000 GB-s x $0.000004."""
    use = FunctionUsage(memory_mb=2048, provisioned_concurrency=1, provisioned_hours=730)
    q = quote_function(cats, "azure-functions", "flex-consumption", use)
    assert bill(q) == {"always-ready baseline": "21.02", "total": "21.02"}


def test_azure_premium_ep1(cats: CatalogSet) -> None:
    """EP1 (1 vCPU, 3.5 GB) for 730 h: $0.173/vCPU-h + $0.0123/GB-h = $157.72."""
    use = FunctionUsage(memory_mb=3584, provisioned_concurrency=1, provisioned_hours=730)
    assert bill(quote_function(cats, "azure-functions", "premium-ep1", use))["total"] == "157.72"


def test_cloud_run_request_based(cats: CatalogSet) -> None:
    """10M x 200 ms in 100 hours (5.56 requests in flight), 1 vCPU, 512 MiB, concurrency 1,
    free tier applied: 2,000,000 s of instance activity; CPU (2e6 - 180k) x $0.000024 = $43.68,
    memory (1e6 - 360k) GiB-s x $0.0000025 = $1.60, requests 8M x $0.40/M = $3.20."""
    use = FunctionUsage(requests=1e7, duration_ms=200, memory_mb=512, vcpu=1, traffic_hours=100)
    c = bill(quote_function(cats, "gcp-cloud-run", "request-based", use))
    assert c["total"] == "48.48"
    assert c["cpu"] == "48.00" and c["cpu free tier"] == "-4.32"


def test_cloud_run_instance_based(cats: CatalogSet) -> None:
    """One instance, 1 vCPU, 512 MiB for 730 h at instance-based rates, free tier applied."""
    use = FunctionUsage(memory_mb=512, vcpu=1, provisioned_concurrency=1, provisioned_hours=730)
    assert bill(quote_function(cats, "gcp-cloud-run", "instance-based", use))["total"] == "44.71"


def test_cloud_functions_gen1_rounds_to_100ms(cats: CatalogSet) -> None:
    """20M x 260 ms (billed 300 ms) at 256 MB / 400 MHz, free tier applied."""
    use = FunctionUsage(requests=2e7, duration_ms=260, memory_mb=256)
    assert bill(quote_function(cats, "gcp-cloud-functions-gen1", "gen1", use)) == {
        "invocations": "8.00",
        "invocations free tier": "-0.80",
        "memory": "3.75",
        "memory free tier": "-1.00",
        "cpu": "24.00",
        "cpu free tier": "-2.00",
        "total": "31.95",
    }


def test_cloudflare_workers(cats: CatalogSet) -> None:
    """20M requests x 5 ms CPU: $5 + (20M - 10M) x $0.30/M + (100M - 30M) CPU-ms x $0.02/M."""
    use = FunctionUsage(requests=2e7, cpu_ms=5, memory_mb=128)
    assert bill(quote_function(cats, "cloudflare-workers", "standard", use))["total"] == "9.40"


def test_step_functions_standard(cats: CatalogSet) -> None:
    use = FunctionUsage(transitions=1e6, memory_mb=64)
    assert bill(quote_function(cats, "aws-step-functions", "standard", use))["total"] == "24.90"


def test_api_gateway_http_tiers(cats: CatalogSet) -> None:
    """400M HTTP API requests: 300M at $1.00/M then 100M at $0.90/M."""
    q = quote_addon(cats, "api-gateway-http", FunctionUsage(requests=4e8))
    assert bill(q) == {
        "api gateway (HTTP)": "300.00",
        "api gateway (HTTP) tier 2": "90.00",
        "total": "390.00",
    }


def test_data_transfer_first_100gb_free(cats: CatalogSet) -> None:
    q = quote_addon(cats, "internet-egress", FunctionUsage(egress_gb=1000))
    assert bill(q)["total"] == "81.00"


def test_ec2_month_with_savings_plan(cats: CatalogSet) -> None:
    """m7g.large for 730 h = $59.57; a 30 % savings plan takes $17.87 off."""
    assert bill(quote_vm(cats, "m7g.large"))["total"] == "59.57"
    q = quote_vm(cats, "m7g.large", discount=0.3)
    assert bill(q)["savings plan discount"] == "-17.87"
    assert bill(q)["total"] == "41.70"


def test_ec2_per_second_with_60s_minimum(cats: CatalogSet) -> None:
    """EC2 Linux bills per second with a 60 s minimum: 10 s bills 60 s, 90.5 s bills 91 s."""
    hour = Decimal("0.0416")  # t3.medium
    ten = quote_vm(cats, "t3.medium", hours=10 / 3600).components["instances"]
    assert ten == Decimal(60) / 3600 * hour
    ninety = quote_vm(cats, "t3.medium", hours=90.5 / 3600).components["instances"]
    assert ninety == Decimal(91) / 3600 * hour


def test_hetzner_cloud_hourly_capped_in_eur(cats: CatalogSet) -> None:
    """CX33 for 730 h would be EUR 7.59 hourly; the EUR 6.49 cap applies, at 1.08 USD/EUR."""
    assert bill(quote_vm(cats, "hetzner-cx33"))["total"] == "7.01"
    # 6 minutes bill a whole hour (hourly, partial hours rounded up)
    six_min = quote_vm(cats, "hetzner-cx33", hours=0.1).components["instances"]
    assert six_min == Decimal("0.0104") * Decimal("1.08")


def test_digitalocean_and_linode(cats: CatalogSet) -> None:
    assert bill(quote_vm(cats, "do-s-1vcpu-1gb"))["total"] == "6.00"
    assert bill(quote_vm(cats, "linode-g6-nanode-1", hours=100))["total"] == "0.75"


def test_hetzner_dedicated_setup_fee_spread(cats: CatalogSet) -> None:
    """AX102: EUR 109/month plus EUR 269 setup over 12 months, at 1.08 USD/EUR."""
    assert bill(quote_server(cats, "hetzner-ax102")) == {
        "servers": "117.72",
        "setup fee (spread)": "24.21",
        "total": "141.93",
    }


def test_ec2_metal_runs_the_month(cats: CatalogSet) -> None:
    assert bill(quote_server(cats, "m7g.metal"))["total"] == "1906.18"


def test_colocation_tco(cats: CatalogSet) -> None:
    """$9,000 over 5 years + 0.35 kW x $150 + 1 U x $25 + $100 operations."""
    assert bill(quote_server(cats, "colo-1u-16core", count=2)) == {
        "capex (amortised)": "300.00",
        "power": "105.00",
        "rack space": "50.00",
        "operations (colocation)": "200.00",
        "total": "655.00",
    }


def test_total_is_sum_of_lines_to_the_cent(cats: CatalogSet) -> None:
    """Rounded lines always add up to the rounded total."""
    for requests in (1.234567e6, 9.87e6, 3.3333e7):
        use = FunctionUsage(requests=requests, duration_ms=77.7, memory_mb=333)
        q = quote_function(cats, "aws-lambda", "arm64", use)
        assert sum(q.components_cents().values()) == q.total_cents()
