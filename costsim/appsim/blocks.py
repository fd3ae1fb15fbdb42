"""The per-route, per-function and per-queue blocks of ``summary.json``, and the time series."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from costsim.engine.app import AppOutput
from costsim.engine.app.stats import ms_histogram
from costsim.engine.metrics import LatencyHistogram
from costsim.pricing.rate import MONTH_S
from costsim.results import CostBreakdown, LatencySummary


def latency_summary(h: LatencyHistogram) -> LatencySummary:
    """Mean and percentiles of a latency histogram, in milliseconds.

    Parameters
    ----------
    h : LatencyHistogram
        Latencies [s].

    Returns
    -------
    LatencySummary
        Mean, p50, p95, p99 and p99.9 [ms].
    """
    return LatencySummary(
        mean=h.mean_s() * 1000,
        p50=h.quantile_s(0.50) * 1000,
        p95=h.quantile_s(0.95) * 1000,
        p99=h.quantile_s(0.99) * 1000,
        p999=h.quantile_s(0.999) * 1000,
    )


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.000001")))


def route_blocks(out: AppOutput) -> list[dict[str, Any]]:
    """The per-route block of ``summary.json``."""
    blocks = []
    for name, r in out.routes.items():
        block: dict[str, Any] = {
            "name": name,
            "requests": {
                "arrived": r.arrived,
                "served": r.served,
                "throttled": r.throttled,
                "dropped": r.dropped,
                "errors": r.errors,
            },
            "latency_ms": {k: _round(v) for k, v in latency_summary(r.latency).__dict__.items()},
        }
        wf = out.workflows.get(name)
        if wf is not None:
            dur = ms_histogram(wf.duration_ms)
            block["workflow"] = {
                "type": wf.kind,
                "executions": wf.executions,
                "transitions": wf.transitions,
                "retried": wf.retried,
                "duration_ms_mean": _round(dur.total_ms / dur.count if dur.count else 0.0),
            }
        blocks.append(block)
    return blocks


def function_blocks(
    out: AppOutput,
    costs: dict[str, CostBreakdown],
    memory_mb: dict[str, float],
) -> list[dict[str, Any]]:
    """The per-function block of ``summary.json``."""
    blocks = []
    h = out.horizon_s
    for name, f in out.functions.items():
        block: dict[str, Any] = {
            "name": name,
            "requests": {
                "arrived": f.arrived,
                "served": f.served,
                "throttled": f.throttled,
                "dropped": f.dropped,
                "errors": f.errors,
                "retried": f.retried,
            },
            "invocations": f.invocations,
            "cold_starts": f.cold_starts,
        }
        if out.kind == "serverless":
            block["memory_mb"] = memory_mb[name]
            block["instances"] = {
                "mean": _round(f.alive_s / h),
                "max": f.max_instances,
                "busy_mean": _round(f.busy_s / h),
            }
        if name in costs:
            c = costs[name]
            block["cost_usd"] = {
                "total": _money(c.total),
                "components": {k: _money(v) for k, v in c.components.items()},
                "period": "month",
                "free_tier": "not applied (it is the account's; see the option's lines)",
            }
        blocks.append(block)
    return blocks


def queue_blocks(out: AppOutput, requests: dict[str, float]) -> list[dict[str, Any]]:
    """The per-queue block of ``summary.json``."""
    return [
        {
            "name": name,
            "messages": q.messages,
            "receives": q.receives,
            "dead_lettered": q.dead_lettered,
            "expired": q.expired,
            "billed_requests": int(requests.get(name, 0)),
            "wait_ms": {
                "mean": _round(q.wait.mean_s() * 1000),
                "p99": _round(q.wait.quantile_s(0.99) * 1000),
            },
        }
        for name, q in out.queues.items()
    ]


def timeseries(out: AppOutput, cost_total: Decimal, serverless: bool) -> dict[str, np.ndarray]:
    """The columns of an application option's rows in ``timeseries.csv``.

    Parameters
    ----------
    out : AppOutput
        What the application engine measured, with its time bins.
    cost_total : Decimal
        The option's monthly cost [USD]; the horizon's share of it is spread over the bins.
    serverless : bool
        Spread the cost by requests served (serverless) rather than by instance time.

    Returns
    -------
    dict of str to numpy.ndarray
        Column name -> one value per bin (``t_start_s`` [s], counts, ``cost_usd_cumulative``).
    """
    bins = out.bins
    horizon_cost = cost_total * Decimal(repr(out.horizon_s)) / MONTH_S
    driver = bins.served.astype(float) if serverless else bins.alive_s
    share = np.cumsum(driver) / driver.sum() if driver.sum() > 0 else np.zeros(len(driver))
    return {
        "t_start_s": np.arange(bins.n_bins) * bins.width_s,
        "arrivals": bins.arrivals,
        "served": bins.served,
        "cold_starts": bins.cold_starts,
        "throttled": bins.throttled,
        "dropped": bins.dropped,
        "instances": bins.alive_s / bins.width_s,
        "busy": bins.busy_s / bins.width_s,
        "cost_usd_cumulative": share * float(horizon_cost),
    }
