"""The charts of a run: one message each, units on every axis, no twin axes."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from costsim.report.app_charts import app_charts
from costsim.report.style import (
    HATCHES,
    LINESTYLES,
    MARKERS,
    PALETTE,
    chart_style,
    extreme_claim,
    plain_log_axis,
    save,
    source_line,
    stacked_barh,
)
from costsim.results import Result


def span(seconds: float) -> str:
    """A simulated span for people: ``7 d``, ``6 h``, ``30 min``."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def source_text(result: Result) -> str:
    """The source line for a run's charts."""
    cats = ", ".join(
        f"{k}@{v} (as of {result.catalog_dates.get(k, '?')})"
        for k, v in sorted(result.catalogs.items())
    )
    # two lines, so a long catalog list does not widen the figure
    return (
        f"costsim {result.costsim_version} | scenario {result.scenario}, seed {result.seed}, "
        f"{span(result.horizon_s)} simulated, engine {result.engine}\nprices: {cats}"
    )


def cost_chart(result: Result, out: Path) -> list[Path]:
    """Monthly cost per option, components stacked (credits drawn left of zero)."""
    with chart_style():
        fig, ax = plt.subplots(figsize=(8, 1.2 + 0.7 * len(result.options)))
        names = [o.name for o in result.options]
        comps: list[str] = []
        for o in result.options:
            for k in o.cost.components:
                if k not in comps:
                    comps.append(k)
        y = np.arange(len(names))
        series = [
            (comp, np.array([float(o.cost.components.get(comp, 0)) for o in result.options]))
            for comp in comps
        ]
        pos, neg = stacked_barh(ax, y, series)
        for i, o in enumerate(result.options):
            ax.text(pos[i], i, f"  ${float(o.cost.total):,.2f}", va="center", fontsize=9)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("cost [USD per month]")
        cheapest = min(result.options, key=lambda o: o.cost.total)
        ax.set_title(
            f"Monthly cost: {cheapest.name} is cheapest at ${float(cheapest.cost.total):,.2f}"
        )
        ax.set_xlim(min(0.0, float(neg.min()) * 1.1), float(pos.max()) * 1.25 + 1e-9)
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.25 - 0.1 / len(names)), ncol=3, fontsize=8
        )
        source_line(fig, source_text(result))
        return save(fig, out, "cost")


def latency_chart(result: Result, out: Path) -> list[Path]:
    """Latency percentiles per option, with the SLO line."""
    with chart_style():
        fig, ax = plt.subplots()
        labels = ["p50", "p95", "p99", "p99.9"]
        keys = ["p50", "p95", "p99", "p999"]
        x = np.arange(len(labels))
        width = 0.8 / len(result.options)
        for i, o in enumerate(result.options):
            vals = [getattr(o.latency_ms, k) for k in keys]
            ax.bar(
                x + (i - (len(result.options) - 1) / 2) * width,
                vals,
                width,
                label=o.name,
                color=PALETTE[i % len(PALETTE)],
                hatch=HATCHES[i % len(HATCHES)],
                edgecolor="white",
            )
        slo = result.slo.get("p99")
        if slo:
            # the SLO goes in the legend, not as text on the line where bars would cover it
            ax.axhline(
                slo * 1000,
                color="black",
                linestyle="--",
                linewidth=1,
                label=f"SLO p99 {slo * 1000:g} ms",
            )
        ax.set_xticks(x, labels)
        ax.set_xlabel("percentile of request latency [-]")
        ax.set_ylabel("latency [ms], log scale")
        ax.set_yscale("log")
        plain_log_axis(ax.yaxis)
        claim = extreme_claim(
            {o.name: o.latency_ms.p99 for o in result.options}, "p99", "ms", "slowest"
        )
        ax.set_title(f"Latency percentiles: {claim}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        source_line(fig, source_text(result))
        return save(fig, out, "latency")


def instances_chart(result: Result, out: Path) -> list[Path]:
    """Instances alive over time per option, with cold starts marked."""
    with chart_style():
        n = len(result.options)
        fig, axes = plt.subplots(n, 1, figsize=(8, 1.2 + 1.6 * n), sharex=True, squeeze=False)
        for i, o in enumerate(result.options):
            ax = axes[i][0]
            ts = o.timeseries
            t_h = np.asarray(ts["t_start_s"]) / 3600.0
            inst = np.asarray(ts["instances"])
            ax.step(
                t_h,
                inst,
                where="post",
                color=PALETTE[i % len(PALETTE)],
                linestyle=LINESTYLES[i % 8],
                label="instances alive",
            )
            cold = np.asarray(ts["cold_starts"])
            hit = cold > 0
            top = max(float(inst.max(initial=0.0)), 1.0) * 1.3
            if hit.any():
                # a rug along the top of the panel: one tick per bin with cold starts, taller
                # ticks for more of them, so the instance line stays readable
                height = 0.04 + 0.12 * cold[hit] / cold.max()
                ax.vlines(
                    t_h[hit],
                    top * (1 - height),
                    top,
                    colors="black",
                    linewidths=0.6,
                    label="cold starts (tick height = count per bin)",
                )
                ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
            ax.set_ylim(0, top)
            ax.set_ylabel("instances [count]")
            bin_s = float(ts["t_start_s"][1] - ts["t_start_s"][0]) if len(t_h) > 1 else 0.0
            per_bin = f" (line: {span(bin_s)} means)" if bin_s else ""
            ax.set_title(
                f"{o.name} ({o.kind}): mean {o.instances_mean:.2f}, peak {o.instances_max}"
                f"{per_bin}, {o.cold_starts:,} cold starts",
                fontsize=9,
            )
        axes[-1][0].set_xlabel("time since start [h]")
        fig.suptitle(
            "Instances over time: what each option keeps running",
            x=0.01,
            ha="left",
            fontweight="bold",
            fontsize=11,
        )
        source_line(fig, source_text(result))
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        return save(fig, out, "instances")


def latency_cdf_chart(result: Result, out: Path) -> list[Path]:
    """The share of served requests at or below each latency, per option, with the SLO."""
    with chart_style():
        fig, ax = plt.subplots()
        for i, o in enumerate(result.options):
            lat_s, frac = o.latency_cdf
            if len(lat_s) == 0:
                continue
            ms = np.asarray(lat_s) * 1000.0
            ax.step(
                ms,
                frac,
                where="post",
                color=PALETTE[i % len(PALETTE)],
                linestyle=LINESTYLES[i % 8],
                linewidth=1.4,
                label=o.name,
            )
            # mark the simulated percentiles, so the curve's reading points are visible
            pct = [o.latency_ms.p50, o.latency_ms.p95, o.latency_ms.p99, o.latency_ms.p999]
            ax.plot(
                pct,
                [0.50, 0.95, 0.99, 0.999],
                linestyle="none",
                marker=MARKERS[i % len(MARKERS)],
                markersize=5,
                markerfacecolor="white",
                color=PALETTE[i % len(PALETTE)],
            )
        slo = result.slo.get("p99")
        if slo:
            # in the legend: a label beside the line is clipped when the SLO is near the edge
            ax.axvline(
                slo * 1000,
                color="black",
                linestyle="--",
                linewidth=1,
                label=f"SLO p99 {slo * 1000:g} ms",
            )
        ax.axhline(0.99, color="#777777", linewidth=0.6, linestyle=":")
        ax.set_xscale("log")
        plain_log_axis(ax.xaxis)
        ax.set_ylim(0, 1.01)
        ax.set_xlabel("latency [ms], log scale")
        ax.set_ylabel("share of served requests at or below [-]")
        claim = extreme_claim(
            {o.name: o.latency_ms.p999 for o in result.options}, "p99.9", "ms", "longest"
        )
        ax.set_title(f"Latency distribution: {claim}")
        ax.plot(
            [],
            [],
            linestyle="none",
            marker="o",
            markerfacecolor="white",
            color="#555555",
            label="simulated p50, p95, p99, p99.9",
        )
        ax.legend(loc="upper left", fontsize=8)
        source_line(fig, source_text(result))
        return save(fig, out, "latency_cdf")


def run_charts(result: Result, out: Path) -> list[Path]:
    """Draw every chart of a run into ``out``; returns the files written."""
    paths: list[Path] = []
    for chart in (cost_chart, latency_chart, latency_cdf_chart, instances_chart):
        paths += chart(result, out)
    return paths + app_charts(result, out, source_text(result))
