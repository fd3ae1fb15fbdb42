"""The providers' own published pricing examples, reproduced to the cent.

Sources (checked against copies of the pages captured in 2026):

- AWS Lambda pricing page, https://aws.amazon.com/lambda/pricing/ , sections "Lambda Ephemeral
  Storage Pricing" (Examples 1-3) and "Provisioned Concurrency Pricing" (Examples 1-2).
- Microsoft Learn, "Estimating consumption-based costs" (Flex Consumption plan example),
  https://learn.microsoft.com/azure/azure-functions/functions-consumption-costs , linked from the
  Azure Functions pricing page, whose own amounts are rendered client-side.

No worked example was found on the copies of the Cloud Run pricing page we retrieved, so Cloud
Run has golden tests only (tests/unit/test_pricing_golden.py).
"""

from decimal import Decimal

import pytest

from costsim.pricing.quote import FunctionUsage, quote_function
from costsim.pricing.registry import CatalogSet


@pytest.fixture(scope="module")
def cats() -> CatalogSet:
    return CatalogSet.builtin()


def cents(x: float | str) -> Decimal:
    return Decimal(str(x))


def test_lambda_ephemeral_example_1_mobile_backend(cats: CatalogSet) -> None:
    """AWS Lambda pricing page, Ephemeral Storage Example 1 (mobile application backend):
    3M requests, 120 ms, 1536 MB, x86, free tier applied: $2.33 + $0.40 = $2.73."""
    use = FunctionUsage(requests=3e6, duration_ms=120, memory_mb=1536)
    q = quote_function(cats, "aws-lambda", "x86_64", use)
    c = q.components_cents()
    assert c["compute"] + c["compute free tier"] == cents("2.33")
    assert c["requests"] + c["requests free tier"] == cents("0.40")
    assert q.total_cents() == cents("2.73")


def test_lambda_ephemeral_example_2_telemetry_no_free_tier(cats: CatalogSet) -> None:
    """AWS Lambda pricing page, Ephemeral Storage Example 2 (streaming telemetry): 7.44M
    requests, 2 s, 1024 MB, x86: $1.49 + $248.00 = $249.49. The example skips the free tier."""
    use = FunctionUsage(requests=7.44e6, duration_ms=2000, memory_mb=1024)
    q = quote_function(cats, "aws-lambda", "x86_64", use, free_tier=False)
    c = q.components_cents()
    assert c["requests"] == cents("1.49")
    assert c["compute"] == cents("248.00")
    assert q.total_cents() == cents("249.49")


def test_lambda_ephemeral_example_3_ml_with_2048mb_storage(cats: CatalogSet) -> None:
    """AWS Lambda pricing page, Ephemeral Storage Example 3 (NLP on support tickets): 6M
    requests, 280 ms, 4096 MB, 2048 MB ephemeral storage, x86, free tier applied:
    $105.33 + $1 + $0.08 = $106.41."""
    use = FunctionUsage(requests=6e6, duration_ms=280, memory_mb=4096, ephemeral_storage_mb=2048)
    q = quote_function(cats, "aws-lambda", "x86_64", use)
    c = q.components_cents()
    assert c["compute"] + c["compute free tier"] == cents("105.33")
    assert c["requests"] + c["requests free tier"] == cents("1.00")
    assert c["ephemeral storage"] == cents("0.08")
    assert q.total_cents() == cents("106.41")


def test_lambda_provisioned_example_1_launch_day(cats: CatalogSet) -> None:
    """AWS Lambda pricing page, Provisioned Concurrency Example 1 (mobile application launch):
    PC 100 for 8 h at 1536 MB; 500,000 requests at 100 ms while on, 2.5M at 120 ms on demand;
    free tier applied to requests and on-demand compute: $18 + $0.40 + $0.73 + $0.83 = $19.96."""
    use = FunctionUsage(
        requests=2.5e6,
        duration_ms=120,
        memory_mb=1536,
        provisioned_concurrency=100,
        provisioned_hours=8,
        provisioned_requests=500_000,
        provisioned_duration_ms=100,
    )
    q = quote_function(cats, "aws-lambda", "x86_64", use)
    c = q.components_cents()
    assert c["provisioned concurrency"] == cents("18.00")
    assert c["requests"] + c["requests free tier"] == cents("0.40")
    assert c["provisioned duration"] == cents("0.73")
    assert c["compute"] + c["compute free tier"] == cents("0.83")
    assert q.total_cents() == cents("19.96")


def test_lambda_provisioned_example_2_cyber_monday_no_free_tier(cats: CatalogSet) -> None:
    """AWS Lambda pricing page, Provisioned Concurrency Example 2 (Cyber Monday): PC 7 for 24 h
    at 4096 MB, 2M requests at 280 ms while on: $10.08 + $21.78 + $0.40 = $32.26. The example
    charges all 2M requests, i.e. it skips the free tier."""
    use = FunctionUsage(
        memory_mb=4096,
        provisioned_concurrency=7,
        provisioned_hours=24,
        provisioned_requests=2e6,
        provisioned_duration_ms=280,
    )
    q = quote_function(cats, "aws-lambda", "x86_64", use, free_tier=False)
    c = q.components_cents()
    assert c["provisioned concurrency"] == cents("10.08")
    assert c["provisioned duration"] == cents("21.78")
    assert c["requests"] == cents("0.40")
    assert q.total_cents() == cents("32.26")


@pytest.mark.parametrize(("concurrency", "expected"), [(1, "1.93"), (10, "0.24")])
def test_azure_flex_consumption_hourly_example(
    cats: CatalogSet, concurrency: int, expected: str
) -> None:
    """Microsoft Learn "Estimating consumption-based costs", Flex Consumption example: 40 req/s
    for one hour, 10 concurrent, 2,048 MB instances, on demand, no free grants applied (the
    example says so). CPU-bound (one request per instance, 10 instances): $1.872 + $0.0576 =
    $1.9296; IO-bound (all 10 on one instance): $0.1872 + $0.0576 = $0.2448 (printed as $0.245)."""
    # 40 req/s with 10 in flight means each request lasts 10 / 40 = 250 ms
    use = FunctionUsage(
        requests=40 * 3600,
        duration_ms=250,
        memory_mb=2048,
        concurrency=concurrency,
        traffic_hours=1,
    )
    q = quote_function(cats, "azure-functions", "flex-consumption", use, free_tier=False)
    assert q.components["on-demand executions"] == Decimal("0.0576")
    assert q.total_cents() == Decimal(expected)


def test_azure_premium_ep1_month_quote(cats: CatalogSet) -> None:
    """Azure Functions Premium EP1 (pricing-facts.md section 5, derived from the page's
    $0.173 per vCPU-hour and $0.0123 per GB-hour): 1 vCPU + 3.5 GB = $0.21605/h; with no
    always-ready instance stated, the one instance Premium always bills is charged for the
    730-hour month: $157.72."""
    use = FunctionUsage(memory_mb=3584)
    q = quote_function(cats, "azure-functions", "premium-ep1", use)
    assert q.total_cents() == Decimal("157.72")


def test_cloudflare_workers_100m_requests_50ms_cpu(cats: CatalogSet) -> None:
    """Cloudflare Workers Standard (pricing-facts.md section 7): $5 base, 10M requests and 30M
    CPU-ms included, then $0.30/M requests and $0.02/M CPU-ms: 100M x 50 ms = $131.40."""
    use = FunctionUsage(requests=1e8, cpu_ms=50)
    q = quote_function(cats, "cloudflare-workers", "standard", use)
    assert q.components_cents() == {
        "subscription": Decimal("5.00"),
        "requests": Decimal("30.00"),
        "requests free tier": Decimal("-3.00"),
        "cpu time": Decimal("100.00"),
        "cpu time free tier": Decimal("-0.60"),
    }
    assert q.total_cents() == Decimal("131.40")


def test_lambda_cold_init_inside_free_tier_quote(cats: CatalogSet) -> None:
    """Issue 14 with the AWS INIT billing change (effective 2025-08-01, billed as duration):
    100k cold requests at 128 MB, 1 s init and 100 ms duration are 13,750 GB-s, inside the
    400,000 GB-s free tier: $0."""
    use = FunctionUsage(
        requests=100_000, duration_ms=100, memory_mb=128, cold_starts=100_000, init_ms=1000
    )
    assert quote_function(cats, "aws-lambda", "x86_64", use).total_cents() == Decimal("0.00")
