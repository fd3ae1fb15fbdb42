"""Bare metal: a fixed fleet, sized by hand or for the peak."""

from __future__ import annotations

import math


def servers_for_peak(
    peak_rps: float, mean_duration_s: float, workers: int, target_utilization: float
) -> int:
    """Servers needed to carry the peak load at a target utilisation.

    ``ceil(peak_rps * mean_duration_s / (workers * target_utilization))``, at least 1.

    Parameters
    ----------
    peak_rps : float
        Highest arrival rate [1/s].
    mean_duration_s : float
        Mean service time [s].
    workers : int
        Concurrent requests per server.
    target_utilization : float
        Busy share of the slots at the peak (0..1].
    """
    load = peak_rps * mean_duration_s
    return max(1, math.ceil(load / (workers * target_utilization) - 1e-9))
