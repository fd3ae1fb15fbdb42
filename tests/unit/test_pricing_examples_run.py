"""The published pricing examples, reproduced by a scenario run (not only by a quote).

Each run lasts 438 minutes (7.3 h, a hundredth of the 730-hour month rating scales to) with the
example's requests spread evenly (a counts replay, ``spread: equidistant``) so that a month of
the run is the example's month. The Lambda examples predate INIT billing, so ``init_billed:
false``. Sources: AWS Lambda pricing page (2026 copy), Ephemeral Storage Examples 1-3;
pricing-facts.md sections 5 (Azure Premium EP1) and 7 (Cloudflare Workers).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import costsim

SCENARIO = """\
name: example
horizon: 438min
seed: 1
traffic: {{profile: replay, format: counts, path: counts.csv, interval: 438min,
  spread: equidistant}}
workload: {workload}
options:
  - {option}
"""

EXAMPLES = [
    pytest.param(
        30_000,
        "{duration: {dist: fixed, value: 120ms}}",
        "{name: f, kind: serverless, memory: 1536MB, init_billed: false, keep_alive: 1h}",
        "2.73",
        id="lambda-ephemeral-example-1",
    ),
    pytest.param(
        74_400,
        "{duration: {dist: fixed, value: 2s}}",
        "{name: f, kind: serverless, memory: 1024MB, init_billed: false, keep_alive: 1h,"
        " free_tier: false}",
        "249.49",
        id="lambda-ephemeral-example-2-no-free-tier",
    ),
    pytest.param(
        60_000,
        "{duration: {dist: fixed, value: 280ms}}",
        "{name: f, kind: serverless, memory: 4096MB, ephemeral_storage: 2048MB,"
        " init_billed: false, keep_alive: 1h}",
        "106.41",
        id="lambda-ephemeral-example-3",
    ),
    pytest.param(
        1_000_000,
        "{duration: {dist: fixed, value: 60ms}, cpu_time: 50ms}",
        "{name: f, kind: serverless, provider: cloudflare-workers, plan: standard, keep_alive: 1h}",
        "131.40",
        id="cloudflare-100m-requests-50ms-cpu",
    ),
    pytest.param(
        26_280,
        "{duration: {dist: fixed, value: 100ms}}",
        "{name: f, kind: serverless, provider: azure-functions, plan: premium-ep1,"
        " memory: 3584MB, provisioned_concurrency: 1, instance_concurrency: 8}",
        "157.72",
        id="azure-premium-ep1-month",
    ),
]


@pytest.mark.parametrize(("count", "workload", "option", "published"), EXAMPLES)
def test_published_example_in_a_run(
    tmp_path: Path, count: int, workload: str, option: str, published: str
) -> None:
    (tmp_path / "counts.csv").write_text(f"count\n{count}\n", encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.format(workload=workload, option=option), encoding="utf-8")
    opt = costsim.simulate(costsim.load_scenario(path)).options[0]
    assert opt.served == count
    assert opt.cost.total.quantize(Decimal("0.01")) == Decimal(published)


FLEX = """\
name: flex-example
horizon: 1h
seed: 1
traffic: {{profile: schedule, every: 1h, window: 1h, count: 144000, spread: equidistant}}
workload: {{duration: {{dist: fixed, value: 250ms}}}}
options:
  - {{name: flex, kind: serverless, provider: azure-functions, plan: flex-consumption,
     memory: 2048MB, free_tier: false, cold_start: {{dist: fixed, value: 0ms}},
     instance_concurrency: {concurrency}}}
"""


@pytest.mark.parametrize("engine", ["simpy", "fast"])
@pytest.mark.parametrize(
    ("concurrency", "published"), [(1, "1.93"), (16, "0.24")], ids=["cpu-bound", "io-bound"]
)
def test_azure_flex_example_in_a_run(
    tmp_path: Path, engine: str, concurrency: int, published: str
) -> None:
    """Microsoft Learn, "Estimating consumption-based costs" (Flex Consumption plan example,
    https://learn.microsoft.com/azure/azure-functions/functions-consumption-costs): 40 req/s
    for one hour, 250 ms each (10 in flight), 2,048 MB, on demand, no free grant. CPU-bound
    (one request per instance, 10 instances busy the hour): $1.872 + $0.0576 = $1.9296;
    IO-bound (all 10 in flight on one instance): $0.1872 + $0.0576 = $0.2448. The example
    ignores cold starts, so the run sets none. A run of one hour is scaled to the 730-hour
    month; the hour's bill is a 730th of it. Each instance's back-to-back requests are one
    activity period (before, each was its own, billed at the 1 s minimum: $7.5456)."""
    path = tmp_path / "s.yaml"
    path.write_text(FLEX.format(concurrency=concurrency), encoding="utf-8")
    scenario = costsim.load_scenario(path)
    opt = costsim.simulate(scenario, engine=engine).options[0]
    assert opt.served == 144_000
    hourly = {k: v / 730 for k, v in opt.cost.components.items()}
    assert hourly["on-demand executions"] == Decimal("0.0576")
    assert (opt.cost.total / 730).quantize(Decimal("0.01")) == Decimal(published)
    # to the published figure within a hundredth of a cent: periods are the whole hour
    exact = Decimal("1.9296") if concurrency == 1 else Decimal("0.2448")
    assert abs(opt.cost.total / 730 - exact) < Decimal("0.0001")
