"""Application rating against published examples: Step Functions, SQS, SNS, EventBridge.

Sources are pricing-facts.md sections 12 and 13. Where a published figure uses rounded rates,
the test states the figure the catalog's price-list rates give, and why they differ.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from costsim import scenario_from_text, simulate
from costsim.appsim.pricing import (
    rate_addon,
    rate_express_workflow,
    rate_standard_workflow,
)
from costsim.meters import MsHistogram
from costsim.pricing.catalog import AddonItem, FunctionItem
from costsim.pricing.rate import MONTH_S
from costsim.pricing.registry import CatalogSet

CATS = CatalogSet.builtin()
SFN = CATS.get("aws-step-functions")


def _item(name: str) -> FunctionItem:
    item = SFN.items[name]
    assert isinstance(item, FunctionItem)
    return item


def _cents(lines: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for name, amount in lines:
        out[name] = out.get(name, Decimal(0)) + amount
    return {k: v.quantize(Decimal("0.01")) for k, v in out.items()}


def _express(executions: int, duration_ms: int, memory_mb: float) -> dict[str, Decimal]:
    hist = MsHistogram(
        np.array([duration_ms], dtype=np.int64), np.array([executions], dtype=np.int64)
    )
    lines = rate_express_workflow(_item("express"), SFN, hist, memory_mb, MONTH_S, free_tier=True)
    return _cents(lines)


def test_express_100m_workflows_of_10s_pricing_page_example() -> None:
    """Pricing page example (section 12b): 100 M executions x 10 s at 64 MB = 62.5 M GB-s.

    Requests $100.00. The page's duration charge, $382.97, multiplies its rounded GB-hour rates
    (0.06 / 0.03 / 0.01642); the catalog holds the price list's GB-second rates (0.00001667 /
    0.00000833 / 0.00000456), which give 60.01 + 119.95 + 202.92 = $382.88 (section 12a,
    "rate-precision gotcha").
    """
    got = _express(100_000_000, 10_000, 64)
    assert got["express requests"] == Decimal("100.00")
    tiers = ("express duration", "express duration tier 2", "express duration tier 3")
    assert sum(got[n] for n in tiers) == Decimal("382.88")


@pytest.mark.parametrize(
    ("executions", "ms", "memory_mb", "requests", "tiers"),
    [
        # infracost golden (section 12e): 123 ms -> 200 ms, memory floored to one 64 MB chunk
        (100_000, 123, 50, "0.10", ["0.02"]),
        # 10 M x 800 ms x 512 MB = 1,111.11 GB-h: $60.01 + $3.33
        (10_000_000, 800, 512, "10.00", ["60.01", "3.33"]),
        # 100 M x 801 ms (-> 900 ms) x 1,200 MB (-> 1,216 MB): $60.01 + $119.95 + $405.27
        (100_000_000, 801, 1200, "100.00", ["60.01", "119.95", "405.27"]),
    ],
)
def test_express_rounding_cases(
    executions: int, ms: int, memory_mb: float, requests: str, tiers: list[str]
) -> None:
    got = _express(executions, ms, memory_mb)
    assert got["express requests"] == Decimal(requests)
    names = ["express duration", "express duration tier 2", "express duration tier 3"]
    names = names[: len(tiers)]
    assert [got[n] for n in names] == [Decimal(t) for t in tiers]


def test_express_nested_workflow_workshop_example() -> None:
    """AWS workshop (section 12d): 1,000 executions of 11,300 ms at 64 MB cost $0.01."""
    got = _express(1000, 11_300, 64)
    assert sum(got.values(), Decimal(0)).quantize(Decimal("0.01")) == Decimal("0.01")


def test_standard_transitions_with_and_without_free_tier() -> None:
    """10,000 transitions: $0.25 without the 4,000 free (infracost golden); $0.15 with it."""
    item = _item("standard")
    no_free = _cents(rate_standard_workflow(item, SFN, 10_000, MONTH_S, free_tier=False))
    assert sum(no_free.values(), Decimal(0)) == Decimal("0.25")
    free = _cents(rate_standard_workflow(item, SFN, 10_000, MONTH_S, free_tier=True))
    assert sum(free.values(), Decimal(0)) == Decimal("0.15")


def _addon(catalog: str, item: str) -> tuple[AddonItem, object]:
    cat = CATS.get(catalog)
    found = cat.items[item]
    assert isinstance(found, AddonItem)
    return found, cat


def test_sqs_third_party_worked_example() -> None:
    """100,000 messages a day for 30 days, sent in batches of 10, received and deleted one by one:
    300,000 + 3,000,000 + 3,000,000 = 6.3 M requests x $0.40/M = $2.52 (free tier ignored)."""
    cat = CATS.get("aws-sqs")
    item = cat.items["standard"]
    assert isinstance(item, AddonItem)
    lines = rate_addon(item, cat, 6_300_000, MONTH_S, free_tier=False)
    assert sum((v for _, v in lines), Decimal(0)).quantize(Decimal("0.01")) == Decimal("2.52")
    with_free = rate_addon(item, cat, 6_300_000, MONTH_S, free_tier=True)
    assert sum((v for _, v in with_free), Decimal(0)).quantize(Decimal("0.01")) == Decimal("2.12")


def test_sns_and_eventbridge_rates() -> None:
    """SNS: first million publishes free, then $0.50/M; EventBridge custom events $1.00/M."""
    sns = CATS.get("aws-sns")
    item = sns.items["standard"]
    assert isinstance(item, AddonItem)
    lines = rate_addon(item, sns, 3_000_000, MONTH_S, free_tier=True)
    assert sum((v for _, v in lines), Decimal(0)) == Decimal("1.00")
    eb = CATS.get("aws-eventbridge")
    item = eb.items["custom-events"]
    assert isinstance(item, AddonItem)
    assert sum(
        (v for _, v in rate_addon(item, eb, 2_000_000, MONTH_S, True)), Decimal(0)
    ) == Decimal("2.00")


def test_engine_express_duration_meter_prices_as_the_formula() -> None:
    """End to end: 1,000 executions an hour of one 801 ms task (kept warm) bill 900 ms each at
    64 MB; scaled to a 730-hour month: 730,000 x 0.9 s x 1/16 GB x $0.00001667 = $0.68 and
    730,000 requests x $1/M = $0.73."""
    s = scenario_from_text(
        """
name: sfn
horizon: 1h
application:
  functions:
    task: {duration: {dist: fixed, value: 801ms}, provisioned: 2}
  routes:
    - name: wf
      gateway: null
      traffic: {profile: schedule, every: 1h, count: 1000, window: 1h, spread: equidistant}
      workflow: {type: express, states: [{call: task}]}
options:
  - {name: lambda, kind: serverless, free_tier: false}
"""
    )
    opt = simulate(s, engine="simpy").options[0]
    lines = {k: v.quantize(Decimal("0.01")) for k, v in opt.cost.components.items()}
    assert lines["express duration"] == Decimal("0.68")
    assert opt.routes is not None and opt.routes[0]["workflow"]["duration_ms_mean"] == 801
    # each service's requests on its own line: Step Functions' $1/M and Lambda's $0.20/M
    assert lines["express requests"] == Decimal("0.73")
    lambda_requests = Decimal(730_000) * Decimal("0.20") / Decimal(1_000_000)
    assert lines["requests"] == lambda_requests.quantize(Decimal("0.01"))


def test_application_pool_on_flex_bills_the_learn_example_per_activity_period() -> None:
    """Microsoft Learn, "Estimating consumption-based costs" (Flex Consumption example): one
    function called at 40 req/s for an hour, 250 ms each, 2,048 MB, one request per instance,
    no free grant, no cold start: $1.872 + $0.0576 = $1.9296 for the hour. The application
    engine's pools record activity periods as the single-function engines do (back-to-back
    requests on an instance are one period); before, an application on Flex was refused."""
    s = scenario_from_text(
        """
name: flexapp
horizon: 1h
application:
  functions:
    api: {duration: {dist: fixed, value: 250ms}}
  routes:
    - name: r
      gateway: null
      traffic: {profile: schedule, every: 1h, count: 144000, window: 1h, spread: equidistant}
      steps: [{call: api}]
options:
  - {name: flex, kind: serverless, provider: azure-functions, plan: flex-consumption,
     memory: 2048MB, free_tier: false, cold_start: {dist: fixed, value: 0ms}}
"""
    )
    opt = simulate(s, engine="simpy").options[0]
    assert opt.served == 144_000
    hourly = opt.cost.total / 730
    assert hourly.quantize(Decimal("0.01")) == Decimal("1.93")
    assert abs(hourly - Decimal("1.9296")) < Decimal("0.0001")
