"""Serverless functions: parameters of the model (behaviour lives in the engines and rules)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from costsim.platforms.rules import REUSE_POLICIES
from costsim.stats.distributions import Distribution


@dataclass(frozen=True)
class ServerlessPlatform:
    """A function pool.

    Attributes
    ----------
    memory_mb : float
        Configured memory [MB]; billed GB-s use ``memory_mb / 1024``.
    cold_start : Distribution
        Init time of a new instance [s].
    keep_alive_s : float
        Idle time after which an instance is reclaimed [s].
    concurrency_limit : int
        Most instances running or initialising at once.
    scale_burst : float
        Scale-rate bucket size [instances]; ``inf`` for no limit.
    scale_rate_per_s : float
        Scale-rate refill [instances/s].
    reuse : str
        Warm-instance policy, one of :data:`REUSE_POLICIES`.
    provisioned : int
        Always-warm instances (provisioned concurrency) from time 0.
    provisioned_changes : tuple of (float, int)
        Later changes of that count from a schedule: ``(t_s, count)``, ``t_s`` rising [s]. A
        rise adds warm provisioned instances at ``t_s`` (no cold start); a fall turns the
        newest provisioned instances into on-demand ones, which serve on and are reclaimed
        after ``keep_alive_s`` of idleness like any other.
    instance_concurrency : int
        Requests one instance serves at once.
    latency_warmup_s : float
        Requests arriving before this time [s] are left out of the latency statistics.
    timeout_s : float
        Function timeout [s]: a longer request holds its instance this long and is counted
        ``timed_out``, not served (``inf``: no timeout).
    max_lifetime_s : float
        Age [s] at which the platform recycles an on-demand instance even when it is busy: from
        then on it takes no new request, finishes those in flight and is retired
        (:func:`~costsim.platforms.serverless_rules.lifetime_reached`). Provisioned instances
        are replaced warm and never age out. ``inf``: never recycled.

    No billing rule lives here: engines measure meters and rating prices them.
    """

    memory_mb: float
    cold_start: Distribution
    keep_alive_s: float
    concurrency_limit: int
    scale_burst: float
    scale_rate_per_s: float
    reuse: str
    provisioned: int
    instance_concurrency: int
    latency_warmup_s: float = 0.0
    timeout_s: float = math.inf
    provisioned_changes: tuple[tuple[float, int], ...] = ()
    max_lifetime_s: float = math.inf

    @property
    def provisioned_steps(self) -> tuple[tuple[float, int], ...]:
        """The provisioned count over time: ``(t_s, count)`` from 0 [s] (see
        :func:`costsim.platforms.schedule.provisioned_steps`)."""
        return ((0.0, self.provisioned), *self.provisioned_changes)

    @property
    def reuse_code(self) -> int:
        """Index of the reuse policy for the engines."""
        return REUSE_POLICIES.index(self.reuse)

    @property
    def meter_config(self) -> dict[str, float]:
        """What a price depends on that the pool knows (the ``config`` of its meters):
        ``memory_mb`` [MB], ``instance_concurrency`` and ``provisioned`` [instances]."""
        return {
            "memory_mb": self.memory_mb,
            "instance_concurrency": self.instance_concurrency,
            "provisioned": self.provisioned,
        }

    @property
    def memory_gb(self) -> float:
        """Memory [GB] as billed (1 GB = 1024 MB)."""
        return self.memory_mb / 1024.0


#: Memory that buys one full vCPU on AWS Lambda [MB] (Lambda docs, "Configuring function memory").
MB_PER_VCPU = 1769.0
#: Most vCPUs a function gets (at 10,240 MB).
MAX_VCPU = 6.0


def usable_vcpus(memory_mb: float, threads: int) -> float:
    """vCPUs a function with ``memory_mb`` [MB] can use with ``threads`` busy threads."""
    return min(memory_mb / MB_PER_VCPU, MAX_VCPU, float(threads))


def duration_factor(
    memory_mb: float, reference_memory_mb: float, cpu_bound: float, threads: int
) -> float:
    """How much longer [x] a request runs at ``memory_mb`` than at ``reference_memory_mb``.

    Only the CPU-bound share scales, inversely with the usable vCPUs:
    ``(1 - f) + f * vcpus(reference) / vcpus(memory)``.
    """
    ratio = usable_vcpus(reference_memory_mb, threads) / usable_vcpus(memory_mb, threads)
    return (1.0 - cpu_bound) + cpu_bound * ratio
