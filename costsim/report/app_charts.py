"""The charts of an application run: per-route latency, cost by service and by function, and
the diagram (:mod:`costsim.report.app_diagram`). Each takes the source line to print under it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from costsim.report.app_diagram import diagram_chart
from costsim.report.style import (
    MARKERS,
    PALETTE,
    chart_style,
    extreme_claim,
    human_duration,
    plain_log_axis,
    save,
    series_style,
    stacked_barh,
)
from costsim.report.style import source_line as _source_line
from costsim.results import OptionResult, Result

#: The order services are stacked in, and their words.
SERVICE_ORDER = ("functions", "gateway", "queues", "workflows", "servers")


def is_application(result: Result) -> bool:
    """Whether the run is of an application (its options have per-route blocks)."""
    return any(o.routes for o in result.options)


def route_latency_chart(result: Result, out: Path, source: str) -> list[Path]:
    """Each route's end-to-end p99 per option (bars), with its p50 and p95 (markers)."""
    options = [o for o in result.options if o.routes]
    routes = [r["name"] for r in options[0].routes or []]
    n_opt = len(options)
    with chart_style():
        fig, ax = plt.subplots(figsize=(8, 1.4 + 0.32 * len(routes) * n_opt + 0.3 * len(routes)))
        height = 0.8 / n_opt
        p99s: dict[str, float] = {}
        lows: list[float] = []
        for i, o in enumerate(options):
            by_name = {r["name"]: r for r in o.routes or []}
            ys = np.arange(len(routes)) + (i - (n_opt - 1) / 2) * height
            p99 = np.array([by_name[r]["latency_ms"]["p99"] for r in routes], dtype=float)
            color, hatch = series_style(i)
            ax.barh(
                ys, p99, height * 0.9, color=color, hatch=hatch, edgecolor="white", label=o.name
            )
            lows += [float(by_name[r]["latency_ms"]["p50"]) for r in routes]
            for k, key in enumerate(("p50", "p95")):
                ax.plot(
                    [by_name[r]["latency_ms"][key] for r in routes],
                    ys,
                    linestyle="none",
                    marker=MARKERS[k + 1],
                    markersize=4,
                    markerfacecolor="white",
                    color="black",
                )
            for r, v in zip(routes, p99, strict=True):
                p99s[f"{r} on {o.name}"] = float(v)
        ax.plot([], [], "s", color="black", markerfacecolor="white", ms=4, label="p50 (marker)")
        ax.plot([], [], "^", color="black", markerfacecolor="white", ms=4, label="p95 (marker)")
        slo = result.slo.get("p99")
        if slo:
            ax.axvline(
                slo * 1000,
                color="black",
                linestyle="--",
                linewidth=1,
                label=f"SLO p99 {slo * 1000:g} ms",
            )
        served = {r["name"] for o in options for r in o.routes or [] if r["requests"]["served"]}
        labels = [r if r in served else f"{r}\n(no requests served)" for r in routes]
        ax.set_yticks(np.arange(len(routes)), labels)
        ax.invert_yaxis()
        ax.set_xscale("log")
        # the span drawn: the p50 markers too
        shown = [*p99s.values(), *lows]
        lo = min((v for v in shown if v > 0), default=1.0)
        hi = max(shown, default=1.0)
        if hi > 100 * lo:
            # many decades (a workflow's minutes next to an API's milliseconds): one tick a
            # decade, read in human units, so the labels do not run into each other
            ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0,)))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: human_duration(v / 1000)))
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xlabel("end-to-end latency, bars p99, log scale")
        else:
            plain_log_axis(ax.xaxis)
            ax.set_xlabel("end-to-end latency, bars p99 [ms], log scale")
        ax.set_ylabel("route")
        # the largest unit that still reads as a two-digit number or more
        units = (("h", 3.6e6), ("min", 6e4), ("s", 1e3))
        unit, size = next(((u, f) for u, f in units if hi >= 10 * f), ("ms", 1.0))
        claim = extreme_claim({k: v / size for k, v in p99s.items()}, "p99", unit, "highest")
        claim = claim.replace("all options have", "every route on every option has")
        ax.set_title(f"Per-route latency: {claim}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        _source_line(fig, source)
        return save(fig, out, "route_latency")


def _services(o: OptionResult) -> dict[str, float]:
    return {k: float(v) for k, v in (o.services or {}).items()}


def _function_costs(o: OptionResult) -> dict[str, float]:
    return {f["name"]: float(f["cost_usd"]["total"]) for f in o.functions or [] if "cost_usd" in f}


def app_cost_chart(result: Result, out: Path, source: str) -> list[Path]:
    """Monthly cost per option by service (top), and per function on each serverless option
    (bottom; before the account's free allowance)."""
    options = [o for o in result.options if o.routes]
    priced = [o for o in options if _function_costs(o)]
    functions: list[str] = []
    for o in priced:
        functions += [f for f in _function_costs(o) if f not in functions]
    rows = [len(options), len(functions) * max(len(priced), 1)]
    with chart_style():
        fig, axes = plt.subplots(
            2 if priced else 1,
            1,
            figsize=(8, 2.2 + 0.32 * sum(rows[: 2 if priced else 1])),
            squeeze=False,
            gridspec_kw={"height_ratios": [max(r, 1) + 1.5 for r in rows[: 2 if priced else 1]]},
        )
        ax = axes[0][0]
        names = [o.name for o in options]
        services = [s for s in SERVICE_ORDER if any(s in _services(o) for o in options)]
        services += sorted({s for o in options for s in _services(o)} - set(services))
        y = np.arange(len(names))
        series = [(s, np.array([_services(o).get(s, 0.0) for o in options])) for s in services]
        pos, _ = stacked_barh(ax, y, series)
        for i, o in enumerate(options):
            ax.text(pos[i], i, f"  ${float(o.cost.total):,.2f}", va="center", fontsize=9)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlim(0, float(pos.max(initial=0.0)) * 1.3 + 1e-9)
        ax.set_xlabel("cost by service [USD per month], after free allowances")
        cheapest = min(options, key=lambda o: o.cost.total)
        ax.set_title(
            f"Cost by service: {cheapest.name} is cheapest at ${float(cheapest.cost.total):,.2f}"
        )
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        if priced:
            _function_panel(axes[1][0], priced, functions)
        fig.tight_layout()
        _source_line(fig, source)
        return save(fig, out, "app_cost")


def _function_panel(ax: Any, priced: list[OptionResult], functions: list[str]) -> None:
    n = len(priced)
    height = 0.8 / n
    top = 0.0
    for i, o in enumerate(priced):
        costs = _function_costs(o)
        ys = np.arange(len(functions)) + (i - (n - 1) / 2) * height
        vals = np.array([costs.get(f, 0.0) for f in functions])
        ax.barh(ys, vals, height * 0.9, color=PALETTE[i % len(PALETTE)], label=o.name)
        top = max(top, float(vals.max(initial=0.0)))
    ax.set_yticks(np.arange(len(functions)), functions)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.15 + 1e-9)
    ax.set_xlabel("cost per function [USD per month], before the account's free allowance")
    most = max(
        ((f, c) for o in priced for f, c in _function_costs(o).items()), key=lambda fc: fc[1]
    )
    ax.set_title(f"Cost by function: {most[0]} costs the most (${most[1]:,.2f})", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)


def app_charts(result: Result, out: Path, source: str) -> list[Path]:
    """Every application chart of a run (none for a single-function run)."""
    if not is_application(result):
        return []
    paths: list[Path] = []
    for chart in (route_latency_chart, app_cost_chart, diagram_chart):
        paths += chart(result, out, source)
    return paths


#: Stems of the application charts, for the report's check that they are drawn.
APP_CHART_STEMS = ("route_latency", "app_cost", "app_diagram")
