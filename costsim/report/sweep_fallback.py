"""Sweep charts for folders that lack them, drawn from ``summary.json`` and ``crossovers.json``.

``costsim sweep`` draws its own charts; these stand in when a sweep folder has none (written
with ``--no-charts``, or by hand), in the same style: simulated points marked, 95 % bands,
crossovers and the SLO line, units on every axis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from costsim.report.charts import span
from costsim.report.style import LINESTYLES, MARKERS, PALETTE, chart_style, save, source_line


def sweep_source(summary: dict[str, Any]) -> str:
    """The source line of a sweep's charts."""
    cats = ", ".join(
        f"{k}@{v} (as of {summary.get('catalog_as_of', {}).get(k, '?')})"
        for k, v in sorted(summary.get("catalogs", {}).items())
    )
    return (
        f"costsim {summary.get('costsim_version', '')} | scenario {summary['scenario']}, seed "
        f"{summary.get('seed')}, {summary.get('replications', 1)} replications, "
        f"{span(float(summary.get('horizon_s', 0)))} each, engine "
        f"{summary.get('engine', '')}\nprices: {cats}"
    )


def axis_label(path: str) -> str:
    """The x-axis label of a swept path, with its unit."""
    if path == "traffic.scale":
        return "traffic [x the scenario's traffic], log scale"
    if path.endswith("memory"):
        return f"{path} [MB]"
    return f"{path} [scenario units]"


def slo_p99_ms(summary: dict[str, Any]) -> float | None:
    """The p99 SLO [ms] of a sweep summary, if any."""
    if "slo_ms" in summary and summary["slo_ms"].get("p99"):
        return float(summary["slo_ms"]["p99"])
    slo = summary.get("slo", {}).get("p99")
    return float(slo) * 1000.0 if slo else None


def _numeric(values: list[Any]) -> np.ndarray | None:
    try:
        return np.array([float(v) for v in values])
    except (TypeError, ValueError):
        return None


def metric_chart(
    summary: dict[str, Any], cross: dict[str, Any], out: Path, metric: str, stem: str
) -> list[Path]:
    """``cost_usd`` or ``p99_ms`` against the first swept variable, one line per option."""
    axis = summary["vary"][0]
    path, values = axis["path"], axis["values"]
    x = _numeric(values)
    xs = x if x is not None else np.arange(len(values), dtype=float)
    pts = [p for p in summary["points"] if len(p["params"]) == 1] or summary["points"]
    names = [o["name"] for o in pts[0]["options"]]
    with chart_style():
        fig, ax = plt.subplots()
        for i, name in enumerate(names):
            rows = [next(o for o in p["options"] if o["name"] == name)[metric] for p in pts]
            mean = np.array([r["mean"] for r in rows])
            color = PALETTE[i % len(PALETTE)]
            if all("ci95" in r for r in rows):
                lo = np.array([r["ci95"][0] for r in rows])
                hi = np.array([r["ci95"][1] for r in rows])
                ax.fill_between(xs[: len(pts)], lo, hi, color=color, alpha=0.18, linewidth=0)
            ax.plot(
                xs[: len(pts)],
                mean,
                color=color,
                linestyle=LINESTYLES[i % 8],
                linewidth=1,
                marker=MARKERS[i % 8],
                markersize=5,
                label=name,
            )
        if metric == "cost_usd" and x is not None:
            for c in cross.get("crossovers", []):
                ax.axvline(c["at"], color="#444444", linewidth=0.8, linestyle=":")
                lo, hi = c.get("ci95", [c["at"], c["at"]])
                ax.axvspan(lo, hi, color="#888888", alpha=0.12, linewidth=0)
                ax.annotate(
                    f"{c['a']} = {c['b']}\nat {c['at']:.3g}",
                    (c["at"], 1.0),
                    xycoords=("data", "axes fraction"),
                    fontsize=7,
                    ha="center",
                    va="top",
                )
        slo = slo_p99_ms(summary)
        if metric == "p99_ms" and slo:
            ax.axhline(slo, color="black", linestyle="--", linewidth=1)
            ax.text(xs[0], slo, f" SLO p99 {slo:g} ms", va="bottom", fontsize=8)
        if x is not None and path == "traffic.scale":
            ax.set_xscale("log")
        if x is None:
            ax.set_xticks(xs, [str(v) for v in values])
        ax.set_yscale("log")
        ax.set_xlabel(axis_label(path))
        if metric == "cost_usd":
            ax.set_ylabel("cost [USD per month], log scale")
            ax.set_title(f"Monthly cost against {path}, with crossovers")
        else:
            ax.set_ylabel("p99 latency [ms], log scale")
            ax.set_title(f"p99 latency against {path}, with the SLO")
        ax.legend(fontsize=8)
        source_line(fig, sweep_source(summary))
        return save(fig, out, stem)


def draw_missing(summary: dict[str, Any], cross: dict[str, Any], out: Path) -> list[Path]:
    """Draw ``sweep_cost`` and ``sweep_p99`` into ``out`` unless both are there already."""
    if (out / "sweep_cost.svg").exists() and (out / "sweep_p99.svg").exists():
        return []
    paths = metric_chart(summary, cross, out, "cost_usd", "sweep_cost")
    return paths + metric_chart(summary, cross, out, "p99_ms", "sweep_p99")
