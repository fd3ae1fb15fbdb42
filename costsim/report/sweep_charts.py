"""Charts of a sweep: cost and p99 against the swept variable, who wins where, memory tuning.

Simulated points are marked; lines between them are thin and dashed-free so they do not
suggest values that were never computed; confidence bands show the 95 % interval.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter

from costsim.report.style import (
    DURATION_TICKS,
    LINESTYLES,
    MARKERS,
    PALETTE,
    chart_style,
    human_duration,
    plain_log_axis,
    save,
    slo_line,
    source_line,
)
from costsim.units import values_with_units


def _source(summary: dict[str, Any]) -> str:
    cats = ", ".join(
        f"{k}@{v} (as of {summary.get('catalog_as_of', {}).get(k, '?')})"
        for k, v in sorted(summary.get("catalogs", {}).items())
    )
    return (
        f"costsim {summary.get('costsim_version', '')} | scenario {summary.get('scenario')}, "
        f"seed {summary.get('seed')}, {summary.get('replications', 1)} replications, "
        f"{float(summary.get('horizon_s', 0)) / 86400:g} d each, "
        f"engine {summary.get('engine', '')}\nprices: {cats}"
    )


def slo_p99_ms(summary: dict[str, Any]) -> float | None:
    """The p99 SLO [ms] of a sweep summary, if any."""
    if "slo_ms" in summary and summary["slo_ms"].get("p99"):
        return float(summary["slo_ms"]["p99"])
    slo = summary.get("slo", {}).get("p99")
    return float(slo) * 1000.0 if slo else None


def _axis(summary: dict[str, Any]) -> tuple[str, np.ndarray | None, list[Any], bool]:
    first = summary["vary"][0]
    values = first["values"]
    # values with units ("0.5rps", "10min") are numbers in the axis's unit, not categories
    parsed = values_with_units(tuple(values))
    x: np.ndarray | None
    if parsed is not None:
        x = np.array(parsed[0])
    else:
        try:
            x = np.array([float(v) for v in values])
        except (TypeError, ValueError):
            x = None
    return first["path"], x, values, bool(first.get("log", first["path"] == "traffic.scale"))


def _unit(summary: dict[str, Any]) -> str:
    first = summary["vary"][0]
    parsed = values_with_units(tuple(first["values"]))
    return parsed[1] if parsed is not None else ""


def _format_x(ax: Any, summary: dict[str, Any], x: np.ndarray | None, log: bool) -> None:
    """Log scale where the sweep is logarithmic; plain numbers; durations in human units."""
    if x is None:
        return
    duration = _unit(summary) == "s"
    if log or (duration and x.min() > 0 and x.max() / x.min() >= 20):
        ax.set_xscale("log")
        plain_log_axis(ax.xaxis)
    if duration:
        if len(x) <= 8:
            # the simulated values are round durations (1 min, 10 min, 1 h): tick at them
            ax.set_xticks(x, [human_duration(v) for v in x])
            ax.xaxis.set_minor_formatter(NullFormatter())
        else:
            ax.xaxis.set_major_formatter(DURATION_TICKS)


def _slice(summary: dict[str, Any]) -> list[dict[str, Any]]:
    n = len(summary["vary"][0]["values"])
    stride = len(summary["points"]) // max(n, 1)
    return summary["points"][::stride] if stride else summary["points"]


def _label(path: str, unit: str = "") -> str:
    if unit == "s":
        return path  # the ticks say their own unit (250 ms, 10 min)
    if unit:
        return f"{path} [{unit}]"
    shown = {"traffic.scale": "[x base traffic]"}.get(path)
    if shown is None:
        shown = "[MB]" if path.endswith("memory") else "[as in the scenario]"
    return f"{path} {shown}"


def _crossover_labels(ax: Any, crossings: list[dict[str, Any]], unit: str = "") -> None:
    """Label each crossover at the top, staggered so that neighbours never overlap."""
    for k, c in enumerate(sorted(crossings, key=lambda c: c["at"])):
        where = f"{c['at']:.3g}"
        if c.get("at_rps") is not None and unit != "req/s":
            where += f" ({c['at_rps']:.3g} req/s)"
        ax.annotate(
            f"{c['a']} = {c['b']}\n@ {where}",
            (c["at"], 0.985 - 0.11 * (k % 3)),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            ha="center",
            va="top",
            bbox={
                "boxstyle": "round,pad=0.2",
                "facecolor": "white",
                "edgecolor": "#999999",
                "linewidth": 0.5,
                "alpha": 0.9,
            },
        )


def metric_chart(
    summary: dict[str, Any],
    cross: dict[str, Any],
    out: Path,
    metric: str,
    stem: str,
    ylabel: str,
    title: str,
) -> list[Path]:
    """One metric against the swept variable per option, with 95 % bands and markers."""
    path, x, values, log = _axis(summary)
    pts = _slice(summary)
    with chart_style():
        fig, ax = plt.subplots()
        xs = x if x is not None else np.arange(len(values))
        names = [o["name"] for o in pts[0]["options"]]
        for i, name in enumerate(names):
            rows = [next(o for o in p["options"] if o["name"] == name)[metric] for p in pts]
            mean = np.array([r["mean"] for r in rows])
            color = PALETTE[i % len(PALETTE)]
            if all(r.get("ci95") for r in rows):
                lo = np.array([r["ci95"][0] for r in rows])
                hi = np.array([r["ci95"][1] for r in rows])
                ax.fill_between(xs, lo, hi, color=color, alpha=0.18, linewidth=0)
            ax.plot(
                xs,
                mean,
                color=color,
                linestyle=LINESTYLES[i % 8],
                linewidth=1,
                marker=MARKERS[i % 8],
                markersize=5,
                label=name,
            )
        if metric == "cost_usd" and x is not None:
            _crossover_labels(ax, cross.get("crossovers", []) or [], _unit(summary))
            for c in cross.get("crossovers", []) or []:
                ax.axvline(c["at"], color="#444444", linewidth=0.8, linestyle=":")
                if c.get("ci95"):
                    lo, hi = c["ci95"]
                    ax.axvspan(lo, hi, color="#888888", alpha=0.12, linewidth=0)
        if metric == "p99_ms":
            slo_line(ax, slo_p99_ms(summary), vertical=False)
        _format_x(ax, summary, x, log)
        if x is None:
            ax.set_xticks(xs, [str(v) for v in values])
        ys = [o[metric]["mean"] for p in pts for o in p["options"]]
        positive = [y for y in ys if y > 0]
        if positive and max(positive) / max(min(positive), 1e-12) > 100:
            ax.set_yscale("log")
            plain_log_axis(ax.yaxis)
        ax.set_xlabel(_label(path, _unit(summary)))
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        # outside the axes: inside, it covers curves or crossover labels
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        source_line(fig, _source(summary))
        return save(fig, out, stem)


def winners_chart(summary: dict[str, Any], cross: dict[str, Any], out: Path) -> list[Path]:
    """A band showing which option is cheapest, and cheapest within the SLO, at each point."""
    path, x, values, log = _axis(summary)
    names = [o["name"] for o in _slice(summary)[0]["options"]]
    colour = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    with chart_style():
        fig, ax = plt.subplots(figsize=(8, 2.6))
        xs = x if x is not None else np.arange(len(values))
        rows = [
            ("cheapest", [_cheapest(p) for p in _slice(summary)]),
            ("cheapest meeting SLO", [w["option"] for w in cross.get("slo_winners", [])]),
        ]
        for k, (_name, who) in enumerate(rows):
            for xi, name in zip(xs, who, strict=False):
                face = colour.get(name, "white") if name else "white"
                ax.scatter(
                    [xi], [k], s=120, marker="s", color=face, edgecolors="black", linewidths=0.5
                )
        for name in names:
            ax.scatter([], [], s=80, marker="s", color=colour[name], label=name)
        ax.scatter(
            [], [], s=80, marker="s", color="white", edgecolors="black", label="none meets SLO"
        )
        ax.set_yticks([0, 1], [r[0] for r in rows])
        ax.set_ylim(-0.6, 1.6)
        _format_x(ax, summary, x, log)
        if x is None:
            ax.set_xticks(xs, [str(v) for v in values])
        ax.set_xlabel(_label(path, _unit(summary)))
        ax.set_title("Who wins where (each square is a simulated point)")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
        ax.grid(False)
        source_line(fig, _source(summary))
        return save(fig, out, "sweep_winners")


def _cheapest(point: dict[str, Any]) -> str:
    return str(min(point["options"], key=lambda o: o["cost_usd"]["mean"])["name"])


def tuning_chart(summary: dict[str, Any], tuning: dict[str, Any], out: Path) -> list[Path]:
    """Cost against mean duration per memory size, best size marked."""
    with chart_style():
        fig, ax = plt.subplots()
        pts = tuning["points"]
        cost = [p["cost_usd"] for p in pts]
        dur = [p["latency_mean_ms"] for p in pts]
        ax.plot(dur, cost, color=PALETTE[0], linewidth=1, marker="o")
        for p in pts:
            ax.annotate(f" {p['memory']}", (p["latency_mean_ms"], p["cost_usd"]), fontsize=8)
        best = next(p for p in pts if p["memory"] == tuning["best"])
        ax.scatter(
            [best["latency_mean_ms"]],
            [best["cost_usd"]],
            s=160,
            facecolors="none",
            edgecolors="black",
            linewidths=1.5,
        )
        ax.set_xlabel("mean latency [ms]")
        ax.set_ylabel("cost [USD per month]")
        ax.set_title(
            f"Memory tuning of {tuning['option']}: best for {tuning['goal']} is {tuning['best']}"
        )
        source_line(fig, _source(summary))
        return save(fig, out, f"memory_tuning_{tuning['option']}")


def cost_and_p99_charts(summary: dict[str, Any], cross: dict[str, Any], out: Path) -> list[Path]:
    """Cost (with crossovers) and p99 (with the SLO) against the first swept variable."""
    path = summary["vary"][0]["path"]
    what = "traffic" if path == "traffic.scale" else path
    paths = metric_chart(
        summary,
        cross,
        out,
        "cost_usd",
        "sweep_cost",
        "cost [USD per month]",
        f"Monthly cost against {what}, with crossovers",
    )
    return paths + metric_chart(
        summary,
        cross,
        out,
        "p99_ms",
        "sweep_p99",
        "p99 latency [ms]",
        "p99 latency against the SLO",
    )


def sweep_charts(summary: dict[str, Any], cross: dict[str, Any], out: Path) -> list[Path]:
    """Every chart of a sweep; returns the files written."""
    paths = cost_and_p99_charts(summary, cross, out)
    paths += winners_chart(summary, cross, out)
    for tuning in cross.get("memory_tuning", []):
        paths += tuning_chart(summary, tuning, out)
    return paths
