"""Shared helpers for the engine tests: tiny platforms, hand-made chunks, recorded latencies."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from costsim.engine import simpy_fleet, simpy_serverless
from costsim.engine.common import EngineOutput, OptionDraws
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.platforms.fleet import AutoscalePolicy, FleetPlatform
from costsim.platforms.serverless import ServerlessPlatform
from costsim.stats.distributions import Fixed
from costsim.traffic.chunk import Chunk


def fixed(value_s: float) -> Fixed:
    """A fixed distribution of ``value_s`` [s]."""
    return Fixed(dist="fixed", value=value_s)


def serverless(**kw: Any) -> ServerlessPlatform:
    """A function pool with simple defaults (1 GB, 250 ms cold start, 10 min keep-alive)."""
    base = ServerlessPlatform(
        memory_mb=1024.0,
        cold_start=fixed(0.25),
        keep_alive_s=600.0,
        concurrency_limit=1000,
        scale_burst=math.inf,
        scale_rate_per_s=math.inf,
        reuse="mru",
        provisioned=0,
        instance_concurrency=1,
    )
    return replace(base, **kw)


def fleet(**kw: Any) -> FleetPlatform:
    """A fixed fleet of one server with one worker and a shared queue."""
    base = FleetPlatform(
        count=1,
        workers=1,
        balancer="shared_queue",
        queue_limit=None,
        queue_timeout_s=None,
        autoscale=None,
    )
    return replace(base, **kw)


def autoscale(**kw: Any) -> AutoscalePolicy:
    """A target-tracking policy: 1..2 instances, target 50 %, 30 s boot, 60 s periods."""
    base = AutoscalePolicy(
        minimum=1,
        maximum=2,
        target_utilization=0.5,
        boot_time_s=30.0,
        cooldown_s=120.0,
        evaluation_period_s=60.0,
    )
    return replace(base, **kw)


class FixedUniforms:
    """Stands in for a Generator: ``random(n)`` returns the next ``n`` of the given uniforms."""

    def __init__(self, values: Sequence[float]) -> None:
        self.values = list(values)
        self.pos = 0

    def random(self, n: int) -> np.ndarray:
        out = np.array(self.values[self.pos : self.pos + n], dtype=np.float64)
        self.pos += n
        if len(out) < n:
            out = np.concatenate([out, np.zeros(n - len(out))])
        return out


def draws(uniforms: Sequence[float] | None = None, seed: int = 0) -> OptionDraws:
    """Option draws; ``uniforms`` fixes the uniform of each request in order."""
    uni: Any = np.random.default_rng(seed + 1) if uniforms is None else FixedUniforms(uniforms)
    return OptionDraws(cold=np.random.default_rng(seed), uniform=uni)


def chunk(arrivals_s: Sequence[float], durations_s: Sequence[float] | float) -> Chunk:
    """A chunk of requests; a scalar duration applies to all of them."""
    arr = np.asarray(arrivals_s, dtype=np.float64)
    dur = np.broadcast_to(np.asarray(durations_s, dtype=np.float64), arr.shape).copy()
    return Chunk(arr, dur)


class RecordingHistogram(LatencyHistogram):
    """A latency histogram that also keeps every latency, in the order recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[float] = []

    def add(self, latency_s: float) -> None:
        self.values.append(latency_s)
        super().add(latency_s)


@pytest.fixture
def record_latencies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the SimPy engines record exact latencies (``out.latency.values``)."""
    monkeypatch.setattr(simpy_serverless, "LatencyHistogram", RecordingHistogram)
    monkeypatch.setattr(simpy_fleet, "LatencyHistogram", RecordingHistogram)


def run_serverless(
    platform: ServerlessPlatform,
    arrivals_s: Sequence[float],
    durations_s: Sequence[float] | float,
    horizon_s: float = 1000.0,
    uniforms: Sequence[float] | None = None,
    n_bins: int = 10,
) -> EngineOutput:
    """Run the SimPy serverless engine on one hand-made chunk."""
    return simpy_serverless.run_serverless(
        platform,
        [chunk(arrivals_s, durations_s)],
        draws(uniforms),
        horizon_s,
        TimeBins(horizon_s, n_bins),
    )


def run_fleet(
    platform: FleetPlatform,
    arrivals_s: Sequence[float],
    durations_s: Sequence[float] | float,
    horizon_s: float = 1000.0,
    uniforms: Sequence[float] | None = None,
    n_bins: int = 10,
) -> EngineOutput:
    """Run the SimPy fleet engine on one hand-made chunk."""
    return simpy_fleet.run_fleet(
        platform,
        [chunk(arrivals_s, durations_s)],
        draws(uniforms),
        horizon_s,
        TimeBins(horizon_s, n_bins),
    )
