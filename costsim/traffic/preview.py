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
    bin_s = preview_bin_s(scenario.horizon_s)
    n_bins = max(1, math.ceil(scenario.horizon_s / bin_s))
    counts = np.zeros(n_bins, dtype=np.int64)
    total_duration = 0.0
    for chunk in request_chunks(scenario):
        idx = np.minimum((chunk.arrival_s // bin_s).astype(np.int64), n_bins - 1)
        counts += np.bincount(idx, minlength=n_bins)
        total_duration += float(chunk.duration_s.sum())
    count = int(counts.sum())
    expected = None
    if getattr(scenario.traffic, "profile", None) != "replay" and not _has_replay(scenario.traffic):
        edges = np.minimum(np.arange(n_bins + 1) * bin_s, scenario.horizon_s)
        expected = np.diff(scenario.traffic.cumulative(edges))
    widths = np.diff(np.minimum(np.arange(n_bins + 1) * bin_s, scenario.horizon_s))
    return TrafficSummary(
        count=count,
        mean_rps=count / scenario.horizon_s,
        peak_rps=float(np.max(counts / widths)) if n_bins else 0.0,
        idle_fraction=float(np.mean(counts == 0)),
        bin_s=bin_s,
        counts=counts,
        expected=expected,
        mean_duration_s=total_duration / count if count else 0.0,
    )


def _has_replay(profile: Any) -> bool:
    return any(getattr(p, "profile", None) == "replay" for p in getattr(profile, "sum", []))
