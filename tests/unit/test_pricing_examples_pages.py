"""Every further worked example on the current pricing pages, reproduced by a quote to the cent.

Sources, each read from a stored copy (capture dates as far as the copies give them):

- AWS Lambda pricing page, https://aws.amazon.com/lambda/pricing/ : a full-text copy with the
  Lambda MicroVMs, durable functions and tenant isolation sections (so 2026; the copy is
  undated). Its examples: Lambda@Edge, SnapStart, HTTP response streaming, tenant isolation,
  durable functions, provisioned-mode ESM 1-3, Lambda Managed Instances, Lambda MicroVMs 1-2
  (and the ephemeral storage and provisioned concurrency examples tested in
  tests/unit/test_pricing_examples.py).
- Cloudflare Workers pricing, https://developers.cloudflare.com/workers/platform/pricing/ ,
  "Example pricing" 1-4, as in cloudflare/cloudflare-docs
  ``src/content/docs/workers/platform/pricing.mdx`` at commit 07acbb6 (5-minute CPU limit, so
  2025-2026).

Where a page's total is the sum of lines it rounded first, the test asserts the figure the
rates imply and the docstring gives the page's figure. What costsim cannot express is listed
in docs/PRICING.md ("Published examples not expressible").
"""

from decimal import Decimal

import pytest

from costsim.pricing.quote import FunctionUsage, quote_addon, quote_function
from costsim.pricing.registry import CatalogSet


@pytest.fixture(scope="module")
def cats() -> CatalogSet:
    return CatalogSet.builtin()


def usd(x: str) -> Decimal:
    return Decimal(x)


def test_lambda_edge_pricing_example(cats: CatalogSet) -> None:
    """Lambda pricing page, "Lambda@Edge Pricing" example: 10M executions of 10 ms (128 MB),
    metered per 1 ms: 100,000 s x $0.00000625125 per 128 MB-s = $0.63, 10M x $0.60/M = $6.00,
    total $6.63 (no free tier at the edge)."""
    use = FunctionUsage(requests=10e6, duration_ms=10, memory_mb=128)
    q = quote_function(cats, "aws-lambda", "edge-x86_64", use)
    assert q.components["edge duration"] == usd("0.625125")
    assert q.components_cents() == {"edge requests": usd("6.00"), "edge duration": usd("0.63")}
    assert q.total_cents() == usd("6.63")


def test_lambda_tenant_isolation_multi_tenant_saas(cats: CatalogSet) -> None:
    """Lambda pricing page, "Tenant Isolation Pricing" example (multi-tenant SaaS): 10M invokes
    of 2 s at 1,024 MB x86, 1K tenants with 200 new execution environments each (200K): requests
    $2, compute 20M GB-s x $0.0000166667, tenant isolation 200K x $0.000167 x 1 GB = $33.40. The
    example applies no free tier. The page prints compute as $333.34 and the total as $368.74;
    the rate gives $333.334, so the total is $368.734 = $368.73."""
    use = FunctionUsage(
        requests=10e6, duration_ms=2000, memory_mb=1024, cold_starts=200_000, init_ms=0
    )
    q = quote_function(
        cats, "aws-lambda", "x86_64", use, free_tier=False, extras=["aws-lambda/tenant-isolation"]
    )
    assert q.components["compute"] == usd("333.334")
    assert q.components["tenant isolation"] == usd("33.4")
    assert q.components["requests"] == usd("2")
    assert q.total_cents() == usd("368.73")


def _snapstart(cats: CatalogSet, version_hours: float | None) -> Decimal:
    use = FunctionUsage(
        requests=7.44e6,
        duration_ms=2000,
        memory_mb=1024,
        cold_starts=74_400,
        init_ms=0,
        snapstart_version_hours=version_hours,
    )
    q = quote_function(
        cats, "aws-lambda", "x86_64", use, free_tier=False, extras=["aws-lambda/snapstart"]
    )
    assert q.components_cents()["snapstart restore"] == usd("10.40")
    assert q.components_cents()["requests"] == usd("1.49")
    assert q.components_cents()["compute"] == usd("248.00")
    return q.total_cents()


def test_lambda_snapstart_telemetry_example_31_day_month(cats: CatalogSet) -> None:
    """Lambda pricing page, "SnapStart Pricing" example (enriching streaming telemetry): 7.44M
    requests (10,000 vehicles x 24 x 31) of 2 s at 1 GB x86, 1% (74,400) restore a snapshot; one
    version active for the 31-day month, 2,678,400 s: requests $1.49, compute $248.00, cache
    2,678,400 GB-s x $0.0000015046 = $4.03, restore 74,400 GB x $0.0001397998 = $10.40,
    total $263.92 (no free tier applied, as in the page's Ephemeral Storage Example 2 of the
    same fleet)."""
    assert _snapstart(cats, 24 * 31) == usd("263.92")


def test_lambda_snapstart_example_in_costsims_730_hour_month(cats: CatalogSet) -> None:
    """The same usage in costsim's 730-hour month (a version cached all month, the default):
    the cache is 2,628,000 GB-s = $3.95, so the month costs $263.84, $0.08 less than the page's
    744-hour month."""
    assert _snapstart(cats, None) == usd("263.84")


def test_lambda_snapstart_cache_is_billed_at_least_three_hours(cats: CatalogSet) -> None:
    """Lambda pricing page, SnapStart: the cache is charged "for a minimum of 3 hours" per
    published version. A version cached for 1 h is billed as 3 h: 10,800 s x 1 GB x
    $0.0000015046 = $0.0162; 5 h is billed as 5 h: $0.0271; 0 h (no version) costs nothing."""

    def cache(hours: float) -> Decimal:
        use = FunctionUsage(
            requests=1000, duration_ms=100, memory_mb=1024, snapstart_version_hours=hours
        )
        q = quote_function(
            cats, "aws-lambda", "x86_64", use, free_tier=False, extras=["aws-lambda/snapstart"]
        )
        return q.components.get("snapstart cache", Decimal(0))

    assert cache(1) == cache(3) == Decimal("10800") * Decimal("0.0000015046")
    assert cache(5) == Decimal("18000") * Decimal("0.0000015046")
    assert cache(0) == 0


def test_lambda_response_streaming_server_side_rendering(cats: CatalogSet) -> None:
    """Lambda pricing page, "Lambda HTTP Response Stream Pricing" example (streaming server-side
    rendered content): 3M requests of 500 ms at 1,536 MB x86, free tier applied to requests and
    compute, the 100 GB streaming free tier already used; 2M responses of 100 KB (free: under
    6 MB each) and 1M of 7 MB, 1 MB each beyond 6 MB = 976.56 GB x $0.008. Page lines: compute
    $30.83, requests $0.40, streaming $7.81, total $39.04 (the sum of its rounded lines); the
    rates give $30.833395 + $0.40 + $7.8125 = $39.05.

    A quote states one response size, so the month is quoted as the page splits it: the 2M
    small responses with the free tier (which they use up entirely: 1.5M GB-s, 2M requests) and
    the 1M large ones without it."""
    small = FunctionUsage(requests=2e6, duration_ms=500, memory_mb=1536, response_mb=100 / 1024)
    large = FunctionUsage(requests=1e6, duration_ms=500, memory_mb=1536, response_mb=7)
    extras = ["aws-lambda/response-streaming"]
    a = quote_function(cats, "aws-lambda", "x86_64", small, extras=extras)
    b = quote_function(cats, "aws-lambda", "x86_64", large, extras=extras, free_tier=False)
    compute = a.components["compute"] + a.components["compute free tier"] + b.components["compute"]
    requests = a.components["requests"] + a.components["requests free tier"]
    requests += b.components["requests"]
    assert compute.quantize(usd("0.01")) == usd("30.83")
    assert requests == usd("0.40")
    assert a.components.get("response streaming", Decimal(0)) == 0
    assert b.components["response streaming"] == usd("7.8125")
    assert (a.total + b.total).quantize(usd("0.01")) == usd("39.05")


def test_lambda_durable_functions_example_compute_and_requests(cats: CatalogSet) -> None:
    """Lambda pricing page, "Lambda Durable Functions Pricing" example (insurance claims), the
    Lambda lines costsim can bill: 1M executions of 32 s at 1 GB arm64 in 2 invocations each,
    free tier applied: compute (32M - 0.4M) GB-s x $0.0000133334 = $421.34, requests (2M - 1M)
    x $0.20/M = $0.20. The durable operations, data written and retention lines ($32.00 +
    $26.00 + $10.92, of the page's $490.46) are not expressible (docs/PRICING.md)."""
    use = FunctionUsage(requests=2e6, duration_ms=16_000, memory_mb=1024)
    q = quote_function(cats, "aws-lambda", "arm64", use)
    c = q.components_cents()
    assert c["compute"] + c["compute free tier"] == usd("421.34")
    assert c["requests"] + c["requests free tier"] == usd("0.20")
    assert q.total_cents() == usd("421.54")


@pytest.mark.parametrize(
    ("requests", "duration_ms", "compute", "request_usd"),
    [
        pytest.param(30e6, 1000, "500.00", "6.00", id="esm-example-2-sqs"),
        pytest.param(300e6, 200, "1000.00", "60.00", id="esm-example-3-ten-kafka-esms"),
    ],
)
def test_lambda_provisioned_esm_examples_function_lines(
    cats: CatalogSet, requests: float, duration_ms: float, compute: str, request_usd: str
) -> None:
    """Lambda pricing page, "Provisioned Mode for ESM" Examples 2 (SQS: 1M invocations a day of
    1 s for 30 days) and 3 (ten Kafka ESMs: 10 x 1M a day of 0.2 s for 30 days), at 1,024 MB
    x86, no free tier (as the examples bill them): compute $500 and $1,000 (the rate gives
    $500.001 and $1,000.002), requests $6 and $60. The EPU lines ($74, $133.20) are not
    expressible (docs/PRICING.md)."""
    use = FunctionUsage(requests=requests, duration_ms=duration_ms, memory_mb=1024)
    q = quote_function(cats, "aws-lambda", "x86_64", use, free_tier=False)
    assert q.components_cents() == {"requests": usd(request_usd), "compute": usd(compute)}


@pytest.mark.parametrize(
    ("requests", "cpu_ms", "published"),
    [
        pytest.param(15e6, 7, "8.00", id="example-1-15m-requests-7ms"),
        pytest.param(3e6, 7, "5.00", id="example-2-static-assets-free"),
        pytest.param(720, 180_000, "6.99", id="example-3-hourly-cron-3min-cpu"),
        pytest.param(100e6, 7, "45.40", id="example-4-100m-requests-7ms"),
    ],
)
def test_cloudflare_workers_pricing_examples(
    cats: CatalogSet, requests: float, cpu_ms: float, published: str
) -> None:
    """Cloudflare Workers pricing, "Example pricing" 1-4 (Standard usage model, $5 a month with
    10M requests and 30M CPU-ms included, then $0.30/M and $0.02/M CPU-ms):
    1. 15M requests x 7 ms: $5 + $1.50 + $1.50 = $8.00;
    2. 15M requests of which 12M serve static assets (free and not Worker invocations), 3M reach
       the Worker at 7 ms: all within the included usage, $5.00;
    3. an hourly Cron Trigger, 720 requests x 180,000 ms CPU: ($129.6M - 30M) CPU-ms x
       $0.02/M = $1.99 (the rate gives $1.992), total $6.99;
    4. 100M requests x 7 ms: $5 + $27.00 + $13.40 = $45.40."""
    use = FunctionUsage(requests=requests, cpu_ms=cpu_ms)
    q = quote_function(cats, "cloudflare-workers", "standard", use)
    assert q.total_cents() == usd(published)


def test_step_functions_express_100m_x_10s_quote(cats: CatalogSet) -> None:
    """Step Functions pricing page, Express example (pricing-facts.md section 12b): 100M
    workflows of 10 s at 64 MB = 62.5M GB-s (17,361.11 GB-h): requests $100.00; the page's
    duration $382.97 multiplies its rounded GB-hour rates (0.06 / 0.03 / 0.01642), so its total
    is $482.97; the price list's GB-second rates the catalog holds give $60.01 + $119.95 +
    $202.92 = $382.88, total $482.88 (the same figure as the rating test in
    tests/unit/test_application_pricing.py, here through ``quote``)."""
    use = FunctionUsage(requests=100e6, duration_ms=10_000, memory_mb=64)
    q = quote_function(cats, "aws-step-functions", "express", use)
    assert q.components_cents() == {
        "express requests": usd("100.00"),
        "express duration": usd("60.01"),
        "express duration tier 2": usd("119.95"),
        "express duration tier 3": usd("202.92"),
    }
    assert q.total_cents() == usd("482.88")


def test_step_functions_express_nested_workshop_quote(cats: CatalogSet) -> None:
    """AWS Step Functions workshop, module 13 (pricing-facts.md section 12d): 1,000 Express
    executions of 11,300 ms at 64 MB: ($0.000001 + 113 x $0.0000001042) x 1,000 = $0.0127746,
    published as $0.01."""
    use = FunctionUsage(requests=1000, duration_ms=11_300, memory_mb=64)
    q = quote_function(cats, "aws-step-functions", "express", use, free_tier=False)
    assert q.total_cents() == usd("0.01")


def test_sqs_third_party_example_quote(cats: CatalogSet) -> None:
    """SQS, third-party worked example (pricing-facts.md section 13a, adhdecode-articles-4
    "SQS cost per million messages"): 6.3M requests x $0.40/M = $2.52, free tier ignored; with
    the 1M free requests, $2.12."""
    use = FunctionUsage(requests=6.3e6)
    assert quote_addon(cats, "sqs-standard", use, free_tier=False).total_cents() == usd("2.52")
    assert quote_addon(cats, "sqs-standard", use).total_cents() == usd("2.12")
