"""The per-route, per-function and per-queue blocks of ``summary.json``, and the time series."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from costsim.engine.app import AppOutput
from costsim.engine.app.stats import ms_histogram
from costsim.engine.metrics import LatencyHistogram
from costsim.pricing.models import month_factor
from costsim.result_format import timeseries_of
from costsim.results import CostBreakdown, LatencySummary


def latency_summary(h: LatencyHistogram) -> LatencySummary:
    """Mean and percentiles [ms] of a latency histogram (kept in seconds)."""
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


def function_cost(c: CostBreakdown) -> dict[str, Any]:
    """A function's ``cost_usd`` entry: its own monthly cost, before the free allowance."""
    return {
        "total": _money(c.total),
        "components": {k: _money(v) for k, v in c.components.items()},
        "period": "month",
        "free_tier": "not applied (it is the account's; see the option's lines)",
    }


def services_block(services: dict[str, Decimal]) -> dict[str, float]:
    """An option's ``services_usd`` entry [USD/month]."""
    return {k: _money(v) for k, v in services.items()}


def function_blocks(
    out: AppOutput,
    costs: dict[str, CostBreakdown],
    memory_mb: dict[str, float],
    pools: bool,
) -> list[dict[str, Any]]:
    """The per-function block of ``summary.json`` (``pools``: each function has its own pool
    of instances, whose memory and instances the block gives)."""
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
            "timed_out": f.timed_out,
        }
        if pools:
            block["memory_mb"] = memory_mb[name]
            block["instances"] = {
                "mean": _round(f.alive_s / h),
                "max": f.max_instances,
                "busy_mean": _round(f.busy_s / h),
            }
        if name in costs:
            block["cost_usd"] = function_cost(costs[name])
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


def edge_blocks(out: AppOutput) -> list[dict[str, Any]]:
    """The application's graph as measured: each edge's calls, sends or tasks, and their rate
    over the horizon [1/s]."""
    h = out.horizon_s
    return [
        {
            "from": a,
            "to": b,
            "kind": kind,
            "count": n,
            "rate_per_s": _round(n / h if h > 0 else 0.0),
        }
        for (a, b, kind), n in out.edges.items()
    ]


def service_costs(lines: list[tuple[str, Decimal]], services: list[str]) -> dict[str, Decimal]:
    """Monthly cost per service [USD] from the option's lines and the service of each line
    (credits included, so the services sum to the option's total)."""
    out: dict[str, Decimal] = {}
    for (_, value), service in zip(lines, services, strict=True):
        out[service] = out.get(service, Decimal(0)) + value
    return out


def function_timeseries(out: AppOutput, pools: bool) -> dict[str, dict[str, np.ndarray]]:
    """Each function's time series (``timeseries_functions.csv``): invocation requests,
    executions (by their end), cold starts, throttles, drops, timeouts and, on a serverless
    option (``pools``), its instances alive and busy (time means per bin); a fleet's
    functions own no instances, so those two are NaN there."""
    series: dict[str, dict[str, np.ndarray]] = {}
    for name, f in out.functions.items():
        b = f.bins
        if b is None:
            continue
        nan = np.full(b.n_bins, np.nan)
        series[name] = {
            "t_start_s": np.arange(b.n_bins) * b.width_s,
            "arrivals": b.arrivals,
            "invocations": b.invocations,
            "cold_starts": b.cold_starts,
            "throttled": b.throttled,
            "dropped": b.dropped,
            "timed_out": b.timed_out,
            "instances": b.alive_s / b.width_s if pools else nan,
            "busy": b.busy_s / b.width_s if pools else nan,
        }
    return series


def timeseries(out: AppOutput, cost_total: Decimal, driver: np.ndarray) -> dict[str, np.ndarray]:
    """The option's ``timeseries.csv`` columns; cost accrues with ``driver`` (its kind's
    :meth:`~costsim.kinds.base.OptionKind.cost_driver`)."""
    bins = out.bins
    # as the single-function chain and `costsim reprice` compute it, to the last bit
    return timeseries_of(bins, driver, cost_total / month_factor(out.horizon_s))
