"""Billing models against hand-built meters: each model reads meters only, and the one path
(``costsim.pricing.bill.rate``) prices them.

Figures are checked against ../shared/reference/pricing-facts.md (sections 1a, 5, 7) and the
providers' pages cited there.
"""

from decimal import Decimal

import numpy as np
import pytest

from costsim.errors import InputError
from costsim.meters import Meters, MissingMeterError, MsHistogram
from costsim.pricing.bill import PricingSpec, rate
from costsim.pricing.models import MONTH_S
from costsim.pricing.quote import FunctionUsage, active_periods_ms, quote_function
from costsim.pricing.registry import CatalogSet

HOUR_S = 3600.0


@pytest.fixture(scope="module")
def cats() -> CatalogSet:
    return CatalogSet.builtin()


def hist(pairs: dict[int, int]) -> MsHistogram:
    keys = sorted(pairs)
    return MsHistogram(np.asarray(keys, dtype=np.int64), np.asarray([pairs[k] for k in keys]))


def serverless_meters(horizon_s: float = float(MONTH_S), **kw: object) -> Meters:
    histograms = {
        "duration_ms": MsHistogram(),
        "provisioned_duration_ms": MsHistogram(),
        "init_ms": MsHistogram(),
        "active_period_ms": MsHistogram(),
        "provisioned_active_period_ms": MsHistogram(),
        "instance_lifetime_ms": MsHistogram(),
    }
    histograms.update(kw.pop("histograms", {}))  # type: ignore[arg-type]
    counts = {"arrived": 0, "served": 0, "provisioned_served": 0}
    counts.update(kw.pop("counts", {}))  # type: ignore[arg-type]
    totals = {"provisioned_instance_s": 0.0, "bytes_out": 0.0}
    totals.update(kw.pop("totals", {}))  # type: ignore[arg-type]
    config = {"memory_mb": 128.0}
    config.update(kw.pop("config", {}))  # type: ignore[arg-type]
    return Meters("serverless", horizon_s, counts, histograms, totals, config)


def fn(catalog: str, item: str, free_tier: bool = True, **kw: object) -> PricingSpec:
    return PricingSpec("function", catalog, item, free_tier, **kw)  # type: ignore[arg-type]


def test_lambda_init_sits_inside_the_free_tier(cats: CatalogSet) -> None:
    """Issue 14 / AWS Compute Blog "AWS Lambda standardizes billing for INIT Phase" (INIT billed
    from 2025-08-01 as duration): 100k cold requests a month at 128 MB, 1 s init + 100 ms,
    are 13,750 GB-s, inside the 400,000 GB-s free tier, and 100k requests inside 1M: $0."""
    m = serverless_meters(
        counts={"arrived": 100_000, "served": 100_000, "cold_starts": 100_000},
        histograms={"duration_ms": hist({100: 100_000}), "init_ms": hist({1000: 100_000})},
    )
    bill = rate(m, cats, fn("aws-lambda", "x86_64"))
    assert bill.total_cents() == Decimal("0.00")
    # the same without the free tier: 13,750 GB-s at $0.0000166667 plus $0.02 of requests
    no_free = rate(m, cats, fn("aws-lambda", "x86_64", free_tier=False))
    assert no_free.components["compute"] == Decimal(13_750) * Decimal("0.0000166667")


def test_lambda_init_shares_the_volume_tiers(cats: CatalogSet) -> None:
    """Tiers apply to all duration billed at that rate, INIT included: 5.9e9 GB-s of duration
    plus 0.2e9 GB-s of init cross the 6e9 GB-s tier-1 bound (AWS tiered pricing blog)."""
    gb_s_per_ms = Decimal(1) / 1000  # 1024 MB
    n_dur = int(Decimal("5.9e9") / gb_s_per_ms / 1000)
    n_init = int(Decimal("0.2e9") / gb_s_per_ms / 1000)
    m = serverless_meters(
        histograms={"duration_ms": hist({1000: n_dur}), "init_ms": hist({1000: n_init})},
        config={"memory_mb": 1024.0},
    )
    c = rate(m, cats, fn("aws-lambda", "x86_64", free_tier=False)).components
    assert c["compute tier 2"] == Decimal("0.1e9") * Decimal("0.000015")


def test_azure_premium_ep1_bills_one_instance_with_no_traffic(cats: CatalogSet) -> None:
    """Azure docs "Azure Functions Premium plan": at least one instance is always billed. EP1
    (1 vCPU, 3.5 GB): $0.173 + 3.5 x $0.0123 = $0.21605/h, $157.72 per 730-hour month
    (pricing-facts.md section 5)."""
    m = serverless_meters(config={"memory_mb": 3584.0})
    bill = rate(m, cats, fn("azure-functions", "premium-ep1"))
    assert bill.total == Decimal("0.21605") * 730
    assert bill.total_cents() == Decimal("157.72")


def test_azure_premium_bills_scale_out_instances_beyond_the_minimum(cats: CatalogSet) -> None:
    """Scale-out instances are billed for their lifetime (per second) on top of the always
    ready one: one extra instance alive 73 h of a 730 h month adds a tenth of an EP1 month."""
    m = serverless_meters(
        histograms={"instance_lifetime_ms": hist({73 * 3_600_000: 1})},
        config={"memory_mb": 3584.0},
    )
    bill = rate(m, cats, fn("azure-functions", "premium-ep1"))
    assert bill.total == Decimal("0.21605") * (730 + 73)


def test_azure_flex_bills_active_periods_not_requests(cats: CatalogSet) -> None:
    """Microsoft Learn "Estimating consumption-based costs" (Flex Consumption, one hour,
    2,048 MB, no free grant): 10 instances active the whole hour (CPU-bound) bill 36,000 s x
    2 GB x $0.000026 = $1.872, plus 144,000 executions x $0.40/M = $0.0576: $1.9296; one
    instance active the hour (IO-bound) bills $0.1872 + $0.0576 = $0.2448."""
    for instances, expected in ((10, "1.9296"), (1, "0.2448")):
        m = serverless_meters(
            horizon_s=HOUR_S * 730,  # one hour a month, scaled: the example's hour is a month
            counts={"arrived": 144_000 * 730, "served": 144_000 * 730},
            histograms={"active_period_ms": hist({3_600_000: instances * 730})},
            config={"memory_mb": 2048.0},
        )
        bill = rate(m, cats, fn("azure-functions", "flex-consumption", free_tier=False))
        assert bill.total == Decimal(expected) * 730


def test_flex_period_minimum_applies_per_period(cats: CatalogSet) -> None:
    """Flex bills each activity period rounded up to 100 ms, at least 1,000 ms (catalog notes):
    1,000 periods of 250 ms bill 1,000 s, not 250 s."""
    m = serverless_meters(
        histograms={"active_period_ms": hist({250: 1000})}, config={"memory_mb": 2048.0}
    )
    c = rate(m, cats, fn("azure-functions", "flex-consumption", free_tier=False)).components
    assert c["on-demand execution time"] == Decimal(1000) * 2 * Decimal("0.000026")


def test_cloud_run_request_based_bills_instance_activity_with_concurrency(
    cats: CatalogSet,
) -> None:
    """Cloud Run request-based bills instance time while a request is active: 10 requests of
    100 ms at once on one instance (concurrency 10) bill 100 ms, not 10 x 100 ms."""
    m = serverless_meters(
        counts={"served": 10},
        histograms={"active_period_ms": hist({100: 1})},
        config={"memory_mb": 512.0, "vcpu": 1.0},
    )
    c = rate(m, cats, fn("gcp-cloud-run", "request-based", free_tier=False)).components
    assert c["cpu"] == Decimal("0.1") * Decimal("0.000024")


def test_cloudflare_workers_cpu_time(cats: CatalogSet) -> None:
    """Cloudflare Workers Standard (pricing-facts.md section 7): 100M requests at 50 ms CPU:
    $5 + 90M x $0.30/M + (5e9 - 30M) CPU-ms x $0.02/M = $5 + $27 + $99.40 = $131.40."""
    m = serverless_meters(counts={"served": 100_000_000}, totals={"cpu_s": 100e6 * 0.05})
    assert rate(m, cats, fn("cloudflare-workers", "standard")).total_cents() == Decimal("131.40")


def test_cloudflare_without_cpu_meter_is_an_error_not_zero(cats: CatalogSet) -> None:
    """A run that did not measure CPU time cannot be priced on Cloudflare (never a silent 0)."""
    m = serverless_meters(counts={"served": 10})
    with pytest.raises(MissingMeterError, match="cpu_s"):
        rate(m, cats, fn("cloudflare-workers", "standard"))


def test_unknown_override_lists_what_the_item_bills(cats: CatalogSet) -> None:
    """``prices: {request: 99}`` on Lambda names 'requests' and the keys it bills."""
    m = serverless_meters()
    with pytest.raises(InputError, match=r"did you mean 'requests'\?.*it bills: requests, comp"):
        rate(m, cats, fn("aws-lambda", "x86_64", prices={"request": 99.0}))
    with pytest.raises(InputError, match="does not bill 'bogus_key'"):
        rate(m, cats, fn("aws-lambda", "x86_64", prices={"bogus_key": 5.0}))


def test_per_month_override_on_a_capped_vm_sets_the_monthly_price(cats: CatalogSet) -> None:
    """Hetzner CX33 is hourly with a monthly cap; ``per_month: 100`` states the month's price,
    so a whole month costs $100 (the hourly rate follows), and half a month $50 hourly-billed
    (below the cap)."""
    full = Meters("vps", float(MONTH_S), histograms={"instance_lifetime_ms": hist({0: 0})})
    full.histograms["instance_lifetime_ms"] = hist({730 * 3_600_000: 1})
    spec = PricingSpec("vm", "hetzner-cloud", "cx33", prices={"per_month": 100.0})
    assert rate(full, cats, spec).total == Decimal(100)
    half = Meters("vps", float(MONTH_S), histograms={"instance_lifetime_ms": hist({1: 1})})
    half.histograms["instance_lifetime_ms"] = hist({365 * 3_600_000: 1})
    cx33 = Decimal("0.0104") * Decimal(100) / Decimal("6.49")
    assert rate(half, cats, spec).total == cx33 * 365


def test_vm_override_not_billed_is_an_error(cats: CatalogSet) -> None:
    """EC2 has no monthly price: ``per_month`` is refused, naming per_hour."""
    m = Meters("vps", float(MONTH_S), histograms={"instance_lifetime_ms": MsHistogram()})
    with pytest.raises(InputError, match="it bills: per_hour"):
        rate(m, cats, PricingSpec("vm", "aws-ec2", "t3.medium", prices={"per_month": 1.0}))


def test_quote_and_hand_built_meters_agree(cats: CatalogSet) -> None:
    """One path: a quote's analytic meters rate exactly as the same meters built by hand."""
    use = FunctionUsage(
        requests=3e6, duration_ms=120, memory_mb=1536, cold_starts=1000, init_ms=800
    )
    q = quote_function(cats, "aws-lambda", "x86_64", use)
    m = serverless_meters(
        counts={"arrived": 3_000_000, "served": 3_000_000, "cold_starts": 1000},
        histograms={"duration_ms": hist({120: 3_000_000}), "init_ms": hist({800: 1000})},
        config={"memory_mb": 1536.0},
    )
    assert rate(m, cats, fn("aws-lambda", "x86_64")).lines == q.lines


@pytest.mark.parametrize(
    ("requests", "duration_ms", "concurrency", "hours", "active_s"),
    [
        (144_000, 250, 1, 1, 36_000),  # 10 in flight, one per instance: 10 instances x 1 h
        (144_000, 250, 10, 1, 3_600),  # 10 in flight, 10 per instance: 1 instance x 1 h
    ],
)
def test_active_periods_follow_littles_law(
    requests: int, duration_ms: float, concurrency: float, hours: float, active_s: float
) -> None:
    """Little's law: busy instances = arrival rate x duration / concurrency."""
    h = active_periods_ms(requests, duration_ms, concurrency, hours * HOUR_S)
    assert h.total_ms == active_s * 1000


def test_sparse_active_periods_are_bursts() -> None:
    """Far below one request in flight, nearly every request is its own period (M/G/inf:
    requests x exp(-L) periods), and the active time is requests x duration."""
    h = active_periods_ms(1000, 100, 1, float(MONTH_S))
    assert h.count == 1000
    assert h.total_ms == 100_000


def test_lambda_edge_has_its_own_rates_and_no_free_tier(cats: CatalogSet) -> None:
    """Lambda@Edge (pricing-facts.md 1a): $0.60/M requests, $0.00005001 per GB-s, no free
    tier: 10M requests x 50 ms at 128 MB = $6.00 + 62,500 GB-s x $0.00005001 = $9.13."""
    use = FunctionUsage(requests=1e7, duration_ms=50, memory_mb=128)
    q = quote_function(cats, "aws-lambda", "edge-x86_64", use)
    assert q.components["edge requests"] == Decimal("6.00")
    assert q.components["edge duration"] == Decimal(62_500) * Decimal("0.00005001")
    assert q.total_cents() == Decimal("9.13")


def test_snapstart_cache_and_restores(cats: CatalogSet) -> None:
    """SnapStart (pricing-facts.md 1a, our arithmetic): a 1,024 MB version cached the whole
    730-hour month is 2,628,000 GB-s x $0.0000015046 = $3.95; 10,000 restores of 1 GB are
    10,000 GB x $0.0001397998 = $1.40."""
    m = serverless_meters(histograms={"init_ms": hist({300: 10_000})}, config={"memory_mb": 1024.0})
    spec = fn("aws-lambda", "snapstart")
    c = rate(m, cats, spec).components_cents()
    assert c == {"snapstart cache": Decimal("3.95"), "snapstart restore": Decimal("1.40")}


def test_response_streaming_beyond_6mb_with_free_100gb(cats: CatalogSet) -> None:
    """Response streaming (pricing-facts.md 1a): $0.008 per GB beyond the first 6 MB of each
    response, 100 GB a month free: 1M responses of 8 MB stream 2 MB each beyond, 1,953.125 GB,
    less 100 GB free: 1,853.125 GB x $0.008 = $14.825."""
    m = serverless_meters(counts={"served": 1_000_000}, config={"response_mb": 8.0})
    bill = rate(m, cats, fn("aws-lambda", "response-streaming"))
    assert bill.total == Decimal("1853.125") * Decimal("0.008")


def test_tenant_isolation_per_new_environment_per_gb(cats: CatalogSet) -> None:
    """Tenant isolation (pricing-facts.md 1a): $0.000167 per new environment per GB: 50,000
    new 2 GB environments cost 100,000 GB x $0.000167 = $16.70."""
    m = serverless_meters(histograms={"init_ms": hist({500: 50_000})}, config={"memory_mb": 2048.0})
    assert rate(m, cats, fn("aws-lambda", "tenant-isolation")).total == Decimal("16.700")


def test_lambda_cpu_follows_memory_up_to_six_vcpu(cats: CatalogSet) -> None:
    """Lambda docs "Configuring function memory": CPU scales linearly, 1,769 MB buys one vCPU
    of credits per second; the 10,240 MB maximum buys 5.79 (on 6 cores), never more than 6."""
    from costsim.pricing.models import vcpu_for

    billing = cats.get("aws-lambda").items["x86_64"].billing  # type: ignore[union-attr]
    assert vcpu_for(1769, billing) == 1.0
    assert vcpu_for(3538, billing) == 2.0
    assert vcpu_for(10240, billing) == 10240 / 1769
    assert vcpu_for(20000, billing) == 6.0


def test_sparse_periods_with_concurrency_follow_mginf() -> None:
    """Half a request in flight on instances that take 80 at once (M/G/inf): one instance is
    active whenever anything is in flight, 1 - exp(-0.5) of the time, in requests x exp(-0.5)
    periods (arrivals that find nothing in flight), not L/c of the time."""
    import math

    requests = 2_628_000
    h = active_periods_ms(requests, 500, 80, float(MONTH_S))
    assert h.count == round(requests * math.exp(-0.5))
    share = h.total_ms / 1000 / float(MONTH_S)
    # each period is a whole number of milliseconds (0.649 s here), hence the 0.1 % tolerance
    assert share == pytest.approx(1 - math.exp(-0.5), rel=1e-3)
