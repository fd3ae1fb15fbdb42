"""One path to money: a scenario run and a quote of the same monthly usage agree to the cent.

The scenario runs 7.3 h, a hundredth of the 730-hour month rating scales to, at a constant rate
with fixed durations and fixed cold starts, so the quote of a hundred times the run's measured
counts states exactly the run's monthly usage. Issue 14's "Done when": for every serverless
product, run and quote of the same usage agree to the cent.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import costsim
from costsim.pricing.quote import FunctionUsage, quote_function
from costsim.pricing.registry import CatalogSet

SCENARIO = """\
name: golden
horizon: 7.3h
seed: 5
traffic: {{profile: constant, mean_rps: 1}}
workload:
  duration: {{dist: fixed, value: 120ms}}
  cpu_time: 7ms
options:
  - name: f
    kind: serverless
    {option}
    cold_start: {{dist: fixed, value: 900ms}}
    keep_alive: 5min
"""

#: (option fields, catalog, item, memory [MB]); one per request-billed catalog item
PER_REQUEST = [
    ("provider: aws-lambda, arch: x86_64, memory: 1536MB", "aws-lambda", "x86_64", 1536),
    ("provider: aws-lambda, arch: arm64, memory: 512MB", "aws-lambda", "arm64", 512),
    ("provider: aws-lambda, plan: x86_64-legacy-100ms, memory: 1024MB", "aws-lambda",
     "x86_64-legacy-100ms", 1024),
    ("provider: aws-lambda, plan: edge-x86_64, memory: 128MB", "aws-lambda", "edge-x86_64", 128),
    ("provider: gcp-cloud-functions-gen1, plan: gen1, memory: 256MB",
     "gcp-cloud-functions-gen1", "gen1", 256),
    ("provider: azure-functions, plan: consumption, memory: 384MB", "azure-functions",
     "consumption", 384),
    ("provider: cloudflare-workers, plan: standard, memory: 128MB", "cloudflare-workers",
     "standard", 128),
]  # fmt: skip


def run_option(tmp_path: Path, option: str, free_tier: bool) -> costsim.results.OptionResult:
    text = SCENARIO.format(option=option.replace(", ", "\n    "))
    if not free_tier:
        text = text.replace(
            "    keep_alive: 5min\n", "    keep_alive: 5min\n    free_tier: false\n"
        )
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return costsim.simulate(costsim.load_scenario(path), engine="simpy").options[0]


@pytest.mark.parametrize("free_tier", [True, False])
@pytest.mark.parametrize(("option", "catalog", "item", "memory_mb"), PER_REQUEST)
def test_run_and_quote_agree_to_the_cent(
    tmp_path: Path, option: str, catalog: str, item: str, memory_mb: float, free_tier: bool
) -> None:
    result = run_option(tmp_path, option, free_tier)
    assert result.throttled == 0 and result.dropped == 0
    use = FunctionUsage(
        requests=result.served * 100,
        duration_ms=120,
        memory_mb=memory_mb,
        cold_starts=result.cold_starts * 100,
        init_ms=900,
        cpu_ms=7,
    )
    quote = quote_function(CatalogSet.builtin(), catalog, item, use, free_tier=free_tier)
    run_cents = result.cost.total.quantize(Decimal("0.01"))
    assert run_cents == quote.total.quantize(Decimal("0.01"))
    assert set(result.cost.components) == set(quote.components)


def test_lambda_init_example_in_a_run(tmp_path: Path) -> None:
    """Issue 14: 100k cold requests a month at 128 MB with 1 s init and 100 ms duration sit
    inside the 400,000 GB-s free tier (INIT billed as duration since 2025-08-01): $0 in a run
    (every request cold: keep_alive 0), where the old path billed $0.21."""
    text = """\
name: init
horizon: 7.3h
seed: 3
traffic: {profile: constant, mean_rps: 0.038}
workload: {duration: {dist: fixed, value: 100ms}}
options:
  - {name: f, kind: serverless, memory: 128MB, keep_alive: 0s,
     cold_start: {dist: fixed, value: 1s}}
"""
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    opt = costsim.simulate(costsim.load_scenario(path), engine="simpy").options[0]
    assert opt.cold_starts == opt.served > 900
    assert opt.cost.total == 0


def test_cloudflare_run_without_cpu_is_located_input_error(tmp_path: Path) -> None:
    """Cloudflare bills CPU time; a workload that states none is refused, never priced as 0."""
    text = SCENARIO.format(option="provider: cloudflare-workers\n    plan: standard")
    text = text.replace("  cpu_time: 7ms\n", "")
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(costsim.errors.InputError) as exc:
        costsim.simulate(costsim.load_scenario(path), engine="simpy")
    assert "cpu_s" in exc.value.message and "workload.cpu_time" in exc.value.message
    assert exc.value.field == "options.0.provider"


#: (option fields, catalog, item, memory [MB]); instance-billed items with one always-ready
#: instance that serves everything (instance concurrency 8 at 1 request/s of 120 ms)
PER_INSTANCE = [
    ("provider: gcp-cloud-run, plan: instance-based, memory: 512MB", "gcp-cloud-run",
     "instance-based", 512),
    ("provider: azure-functions, plan: premium-ep1, memory: 3584MB", "azure-functions",
     "premium-ep1", 3584),
]  # fmt: skip


@pytest.mark.parametrize(("option", "catalog", "item", "memory_mb"), PER_INSTANCE)
def test_instance_billing_run_and_quote_agree(
    tmp_path: Path, option: str, catalog: str, item: str, memory_mb: float
) -> None:
    """One provisioned instance alive the whole run bills as a quote of one instance for the
    730-hour month (Cloud Run instance-based; Azure Premium EP1, $157.72)."""
    option += ", provisioned_concurrency: 1, instance_concurrency: 8"
    result = run_option(tmp_path, option, free_tier=True)
    assert result.instances_max == 1
    use = FunctionUsage(
        requests=result.served * 100,
        duration_ms=120,
        memory_mb=memory_mb,
        provisioned_concurrency=1,
        provisioned_hours=730,
    )
    quote = quote_function(CatalogSet.builtin(), catalog, item, use)
    assert result.cost.total.quantize(Decimal("0.01")) == quote.total.quantize(Decimal("0.01"))


STEADY = """\
name: steady
horizon: 1h
seed: 2
traffic: {{profile: schedule, every: 1h, window: 1h, count: {count}, spread: equidistant}}
workload: {{duration: {{dist: fixed, value: {duration_ms}ms}}}}
options:
  - {{name: f, kind: serverless, provider: {provider}, plan: {plan}, memory: {memory_mb}MB,
     free_tier: false, cold_start: {{dist: fixed, value: 0ms}}, keep_alive: 10min,
     instance_concurrency: {concurrency}}}
"""

#: (catalog, item, memory [MB], requests in the hour, duration [ms], instance concurrency in
#: the run and in the quote): requests apart (each its own period: 1 req/s of 120 ms) and
#: packed (40 req/s of 250 ms: 10 in flight, on 10 instances or on one). Packed on one, the
#: run's instance takes up to 16, so that a completion a few ulps after the next arrival does
#: not spill that request onto a second instance; the quote packs the 10 in flight on one.
PER_PERIOD = [
    ("gcp-cloud-run", "request-based", 512, 3600, 120, 1, 1),
    ("gcp-cloud-run", "request-based", 512, 144_000, 250, 16, 10),
    ("gcp-cloud-run", "request-based", 1024, 144_000, 250, 1, 1),
    ("azure-functions", "flex-consumption", 2048, 3600, 120, 1, 1),
    ("azure-functions", "flex-consumption", 2048, 144_000, 250, 16, 10),
]


@pytest.mark.parametrize(
    ("catalog", "item", "memory_mb", "count", "duration_ms", "concurrency", "quote_concurrency"),
    PER_PERIOD,
)
def test_active_period_billing_run_and_quote_agree(
    tmp_path: Path,
    catalog: str,
    item: str,
    memory_mb: int,
    count: int,
    duration_ms: int,
    concurrency: int,
    quote_concurrency: int,
) -> None:
    """Billed per activity period (Cloud Run request-based, Azure Flex on demand): an hour of
    evenly spaced requests in a run and a quote of the same hour (``traffic_hours: 1``) agree
    to the cent, requests apart (each its own period) and packed (instances never idle, as
    Microsoft Learn's Flex example takes them)."""
    text = STEADY.format(
        count=count,
        duration_ms=duration_ms,
        provider=catalog,
        plan=item,
        memory_mb=memory_mb,
        concurrency=concurrency,
    )
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    for engine in ("simpy", "fast"):
        result = costsim.simulate(costsim.load_scenario(path), engine=engine).options[0]
        assert result.served == count
        use = FunctionUsage(
            requests=count,
            duration_ms=duration_ms,
            memory_mb=memory_mb,
            concurrency=quote_concurrency,
            traffic_hours=1,
        )
        quote = quote_function(CatalogSet.builtin(), catalog, item, use, free_tier=False)
        hourly = (result.cost.total / 730).quantize(Decimal("0.01"))
        assert hourly == quote.total.quantize(Decimal("0.01")), engine


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_azure_premium_minimum_instance_serves_low_traffic(tmp_path: Path, engine: str) -> None:
    """Azure Functions Premium always bills at least one instance (Azure docs "Azure Functions
    Premium plan"; pricing-facts.md section 5: EP1 1 vCPU + 3.5 GB = $0.21605/h, $157.72 for
    the 730-hour month). With ``provisioned_concurrency: 0`` that instance is warm and serves:
    a month of low traffic (0.1 req/s of 120 ms, one at a time) needs no scale-out instance,
    so the run bills the one instance, $157.72, as the quote of no stated usage does; before,
    the run billed scale-out instances on top of it."""
    text = """\
name: premium
horizon: 730h
seed: 4
traffic: {profile: schedule, every: 730h, window: 730h, count: 262800, spread: equidistant}
workload: {duration: {dist: fixed, value: 120ms}}
options:
  - {name: ep1, kind: serverless, provider: azure-functions, plan: premium-ep1, memory: 3584MB}
"""
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    result = costsim.simulate(costsim.load_scenario(path), engine=engine).options[0]
    assert result.served == 262_800 and result.cold_starts == 0
    assert result.instances_max == 1
    quote = quote_function(
        CatalogSet.builtin(), "azure-functions", "premium-ep1", FunctionUsage(memory_mb=3584)
    )
    assert result.cost.total.quantize(Decimal("0.01")) == Decimal("157.72")
    assert quote.total.quantize(Decimal("0.01")) == Decimal("157.72")
