"""Traffic: arrival-rate profiles, duration distributions and chunked request streams."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from costsim.traffic.chunk import Chunk
from costsim.traffic.context import StreamContext

#: Spawn keys of the independent random streams derived from a scenario seed.
STREAM_ARRIVALS = 0
STREAM_DURATIONS = 1
STREAM_OPTIONS = 2


def stream(seed: int, *key: int) -> np.random.Generator:
    """A generator for the stream ``key`` of ``seed`` (no global random state)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def option_stream_key(name: str) -> int:
    """Stable per-option stream id, so adding an option leaves the others' numbers unchanged."""
    return zlib.crc32(name.encode("utf-8"))


def request_chunks(scenario: Any, chunk_size: int = 1 << 16) -> Iterator[Chunk]:
    """The scenario's requests as chunks of (arrival_s, duration_s).

    Durations a trace does not give are drawn from the scenario's workload. The same scenario and
    seed give the same requests whatever ``chunk_size`` is. Constant-rate traffic with a fixed,
    exponential or lognormal workload is drawn by one compiled loop
    (:mod:`costsim.traffic.fused`); the default chunk size keeps a chunk in the CPU's cache
    while an engine reads it.
    """
    ctx = StreamContext(
        seed=scenario.seed,
        key=(STREAM_ARRIVALS,),
        horizon_s=scenario.horizon_s,
        chunk_size=chunk_size,
        base_dir=scenario.base_dir,
    )
    gen_dur = stream(scenario.seed, STREAM_DURATIONS)
    workload = scenario.workload.duration
    from costsim.traffic import fused  # imports numba: only when traffic is generated

    if fused.supports(scenario.traffic, workload):
        yield from fused.fused_chunks(
            scenario.traffic, workload, scenario.horizon_s, ctx.generator(), gen_dur, chunk_size
        )
        return
    for arrivals, given in scenario.traffic.requests(ctx):
        if given is None:
            durations = workload.sample(gen_dur, len(arrivals))
        else:
            durations = np.array(given, dtype=np.float64)
            missing = np.isnan(durations)
            if missing.any():
                durations[missing] = workload.sample(gen_dur, int(missing.sum()))
        yield Chunk(arrivals, durations)
