"""Billing: rounded durations add up to the billed GB-seconds, and the bill applies the free
tier and the duration tiers as the provider's price page says.

These checks are exact (no sampling): costsim's figures are set against an independent
computation from the same requests, using the prices as published (:data:`CITATIONS` "aws"),
not the catalog file. AWS prices duration tiers on the aggregate monthly GB-s; the 400,000 free
GB-s are the first units of the month, so they are credited at the price of the tier they fall
in (the first one), and usage past 6 billion GB-s is charged at the second tier's price whether
or not a free tier applies.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

import costsim
from costsim.traffic import request_chunks
from vcheck.core import Estimate, Mapper, Row, register

MONTH_S = 730 * 3600.0
#: Published AWS Lambda x86_64 prices (us-east-1): tier bounds [GB-s] and USD per GB-s.
TIERS = ((Decimal("6e9"), Decimal("0.0000166667")), (Decimal("1.5e10"), Decimal("0.000015")),
         (None, Decimal("0.0000133334")))  # fmt: skip
FREE_GB_S = Decimal(400_000)
USD_PER_REQUEST = Decimal("0.20") / Decimal(1_000_000)
FREE_REQUESTS = Decimal(1_000_000)


def _tiered(q: Decimal) -> Decimal:
    """Cost of ``q`` GB-s counted from the first unit of the month."""
    cost, lower = Decimal(0), Decimal(0)
    for upper, price in TIERS:
        top = q if upper is None else min(q, upper)
        if top > lower:
            cost += (top - lower) * price
        if upper is None or q <= upper:
            break
        lower = upper
    return cost


def _scenario(granularity: str, memory: str) -> costsim.Scenario:
    return costsim.scenario_from_text(
        "name: billing\nhorizon: 10min\nseed: 7\n"
        "traffic: {profile: constant, mean_rps: 100}\n"
        "workload: {duration: {dist: lognormal, median: 2300ms, p99: 5s}}\n"
        "options:\n"
        f"  - {{name: fn, kind: serverless, memory: {memory}, billing_granularity: {granularity},"
        " init_billed: false}\n"
    )


@register("billing")
def check_billing(size: str, mapper: Mapper) -> list[Row]:
    """Billed GB-s from rounded durations; compute and request charges with tiers and free tier."""
    rows = []
    for granularity, memory in (("1ms", "10240MB"), ("100ms", "1024MB")):
        sc = _scenario(granularity, memory)
        res = costsim.simulate(sc, engine="fast").options[0]
        assert res.throttled == 0
        g = 0.001 if granularity == "1ms" else 0.1
        durations = np.concatenate([c.duration_s for c in request_chunks(sc)])
        billed_s = float(np.sum(np.ceil(durations / g) * g))
        gb = float(memory.removesuffix("MB")) / 1024.0
        model = f"serverless aws-lambda x86_64, {memory}, {granularity} rounding, 100 req/s, 10 min"
        rows.append(Row(
            "billing", "billed GB-s over the horizon", model,
            f"sum of durations rounded up to {granularity} x memory", "aws",
            Estimate.exact(res.meters.histograms["duration_ms"].billed_ms(round(g * 1000)) / 1000 * gb), Estimate.exact(billed_s * gb),
        ))  # fmt: skip
        if granularity != "1ms":
            continue
        scale = MONTH_S / sc.horizon_s
        month_gb_s = Decimal(repr(billed_s * gb * scale))
        expected = _tiered(month_gb_s) - _tiered(min(month_gb_s, FREE_GB_S))
        comps = res.cost.components
        got = sum((v for k, v in comps.items() if k.startswith("compute")), Decimal(0))
        rows.append(Row(
            "billing", "compute charge [USD/month]", model + f" ({month_gb_s:.4g} GB-s/month)",
            "free 400k GB-s first, tiers on aggregate", "aws",
            Estimate.exact(float(got)), Estimate.exact(float(expected)),
        ))  # fmt: skip
        n_req = Decimal(repr(len(durations) * scale))
        expected_req = max(Decimal(0), n_req - FREE_REQUESTS) * USD_PER_REQUEST
        got_req = sum((v for k, v in comps.items() if k.startswith("requests")), Decimal(0))
        rows.append(Row(
            "billing", "request charge [USD/month]", model, "1M free requests, then USD 0.20/M",
            "aws", Estimate.exact(float(got_req)), Estimate.exact(float(expected_req)),
        ))  # fmt: skip
    return rows
