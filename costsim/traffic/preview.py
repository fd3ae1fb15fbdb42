"""A look at a scenario's traffic before simulating it: counts, rates and idle time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from costsim.traffic import request_chunks


@dataclass
class TrafficSummary:
    """What the arrivals of a scenario look like.

    Attributes
    ----------
    count : int
        Requests in the horizon.
    mean_rps : float
        Mean arrival rate [1/s].
    peak_rps : float
        Highest one-bin arrival rate [1/s].
    idle_fraction : float
        Share of bins with no arrival at all (the car parked).
    bin_s : float
        Width of the bins [s].
    counts : numpy.ndarray
        Arrivals per bin.
    expected : numpy.ndarray or None
        Expected arrivals per bin from the profile's analytic rate (None for replays).
    mean_duration_s : float
        Mean request duration [s].
    """

    count: int
    mean_rps: float
    peak_rps: float
    idle_fraction: float
    bin_s: float
    counts: np.ndarray
    expected: np.ndarray | None
    mean_duration_s: float


def preview_bin_s(horizon_s: float) -> float:
    """Bin width [s]: one minute, widened so there are at most 50,000 bins."""
    return max(60.0, math.ceil(horizon_s / 50_000 / 60.0) * 60.0)


def summarise_traffic(scenario: Any) -> TrafficSummary:
    """Stream the scenario's requests once and summarise them (memory flat in the horizon)."""
    bin_s = preview_bin_s(scenario.horizon)
    n_bins = max(1, math.ceil(scenario.horizon / bin_s))
    counts = np.zeros(n_bins, dtype=np.int64)
    total_duration = 0.0
    for chunk in request_chunks(scenario):
        idx = np.minimum((chunk.arrival_s // bin_s).astype(np.int64), n_bins - 1)
        counts += np.bincount(idx, minlength=n_bins)
        total_duration += float(chunk.duration_s.sum())
    count = int(counts.sum())
    expected = None
    if getattr(scenario.traffic, "profile", None) != "replay" and not _has_replay(scenario.traffic):
        edges = np.minimum(np.arange(n_bins + 1) * bin_s, scenario.horizon)
        expected = np.diff(scenario.traffic.cumulative(edges))
    widths = np.diff(np.minimum(np.arange(n_bins + 1) * bin_s, scenario.horizon))
    return TrafficSummary(
        count=count,
        mean_rps=count / scenario.horizon,
        peak_rps=float(np.max(counts / widths)) if n_bins else 0.0,
        idle_fraction=float(np.mean(counts == 0)),
        bin_s=bin_s,
        counts=counts,
        expected=expected,
        mean_duration_s=total_duration / count if count else 0.0,
    )


def _has_replay(profile: Any) -> bool:
    return any(getattr(p, "profile", None) == "replay" for p in getattr(profile, "sum", []))


def traffic_chart(scenario: Any, summary: TrafficSummary, out_dir: Any) -> list[Any]:
    """Chart the arrival rate over time (simulated per bin, and expected where analytic)."""
    import matplotlib.pyplot as plt

    from costsim.report.style import PALETTE, chart_style, save, source_line

    with chart_style():
        fig, ax = plt.subplots()
        t_h = np.arange(len(summary.counts)) * summary.bin_s / 3600.0
        ax.step(
            t_h,
            summary.counts / summary.bin_s,
            where="post",
            color=PALETTE[0],
            linewidth=0.8,
            label="sampled arrivals",
        )
        if summary.expected is not None:
            ax.plot(
                t_h + summary.bin_s / 7200.0,
                summary.expected / summary.bin_s,
                color="black",
                linestyle="--",
                linewidth=1,
                label="expected rate",
            )
        ax.set_xlabel("time since start [h]")
        ax.set_ylabel(f"arrival rate [requests/s, per {summary.bin_s / 60:g}-min bin]")
        ax.set_title(
            f"Traffic: mean {summary.mean_rps:.3g} req/s, peak {summary.peak_rps:.3g} req/s, "
            f"idle {100 * summary.idle_fraction:.0f}% of the time"
        )
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper right")
        source_line(
            fig, f"scenario {scenario.name}, seed {scenario.seed}: {scenario.traffic.describe()}"
        )
        return save(fig, out_dir, "traffic")
