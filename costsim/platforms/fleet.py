"""Fleets of servers (VPS and bare metal): parameters of the queueing model."""

from __future__ import annotations

from dataclasses import dataclass

from costsim.platforms.rules import BALANCERS


@dataclass(frozen=True)
class AutoscalePolicy:
    """Target tracking on utilisation.

    Attributes
    ----------
    minimum, maximum : int
        Bounds on the number of instances.
    target_utilization : float
        Utilisation the group steers to (0..1].
    boot_time_s : float
        Delay between launch (billing starts) and serving [s].
    cooldown_s : float
        Least time between a scaling action and the next scale-in [s].
    evaluation_period_s : float
        How often utilisation is measured and acted on [s].
    """

    minimum: int
    maximum: int
    target_utilization: float
    boot_time_s: float
    cooldown_s: float
    evaluation_period_s: float


@dataclass(frozen=True)
class FleetPlatform:
    """A fleet of ``count`` servers, each with ``workers`` concurrent slots.

    Attributes
    ----------
    count : int
        Instances at the start (the minimum when autoscaling).
    workers : int
        Concurrent requests per instance.
    balancer : str
        One of :data:`BALANCERS`.
    queue_limit : int or None
        Most waiting requests per queue; arrivals beyond it are dropped.
    queue_timeout_s : float or None
        A request that would wait longer than this is dropped [s].
    autoscale : AutoscalePolicy or None
        Target tracking, or a fixed fleet when None.
    latency_warmup_s : float
        Requests arriving before this time [s] are left out of the latency statistics.
    """

    count: int
    workers: int
    balancer: str
    queue_limit: int | None
    queue_timeout_s: float | None
    autoscale: AutoscalePolicy | None
    latency_warmup_s: float = 0.0

    @property
    def balancer_code(self) -> int:
        """Index of the balancer for the engines."""
        return BALANCERS.index(self.balancer)
