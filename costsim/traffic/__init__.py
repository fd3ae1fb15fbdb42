"""Traffic: arrival-rate profiles, duration distributions and chunked request streams."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from costsim.traffic.arrivals import arrival_chunks
from costsim.traffic.chunk import Chunk

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


def request_chunks(scenario: Any, chunk_size: int = 1 << 18) -> Iterator[Chunk]:
    """The scenario's requests as chunks of (arrival_s, duration_s).

    The same scenario and seed give the same requests whatever ``chunk_size`` is.
    """
    gen_arr = stream(scenario.seed, STREAM_ARRIVALS)
    gen_dur = stream(scenario.seed, STREAM_DURATIONS)
    for arrivals in arrival_chunks(scenario.traffic, scenario.horizon, gen_arr, chunk_size):
        durations = scenario.workload.duration.sample(gen_dur, len(arrivals))
        yield Chunk(arrivals, durations)
