"""Trace fidelity: scaling a request log keeps its structure, Azure 2019 durations are read as the
dataset defines them (issue 18).

The bundled ``scenarios/traces/requests.csv`` at ``scale: 3``: the old duplication puts three
requests at each instant, so every burst needs three instances at once; superposed copies shifted
by up to a minute have the same count and the same burstiness but not the coincidences.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import costsim
from costsim.traffic.context import StreamContext
from costsim.traffic.replay import Replay, _superpose

REPO = Path(__file__).resolve().parents[2]
TRACES = REPO / "scenarios" / "traces"
Z = 3.29


def _times(**kw: object) -> np.ndarray:
    replay = Replay.model_validate(
        {"profile": "replay", "format": "timestamps", "path": str(TRACES / "requests.csv"), **kw}
    )
    ctx = StreamContext(seed=3, key=(0,), horizon_s=86400.0, base_dir=REPO)
    return np.concatenate([t for t, _ in replay.requests(ctx)])


def test_superposed_copies_keep_count_and_per_minute_shape() -> None:
    base = _times()
    three = _times(scale=3)
    assert len(three) == 3 * len(base)
    assert np.all(np.diff(three) >= 0)
    # the shape over the day is kept: per-minute counts are three times the log's, nearly
    edges = np.arange(0.0, base.max() + 60.0, 60.0)
    a, _ = np.histogram(base, edges)
    b, _ = np.histogram(three, edges)
    assert np.corrcoef(a, b)[0, 1] > 0.95
    # and copies do not coincide with the original requests (beyond the log's own ties)
    ties_base = len(base) - len(np.unique(base))
    assert len(three) - len(np.unique(three)) <= 3 * ties_base


def test_duplicate_mode_is_the_old_reading() -> None:
    base = _times()
    dup = _times(scale=3, scale_mode="duplicate")
    assert np.array_equal(dup, np.repeat(base, 3))


def test_scale_below_one_thins() -> None:
    base = _times()
    half = _times(scale=0.5)
    n = len(base)
    assert abs(len(half) - n / 2) < Z * math.sqrt(n * 0.25)
    assert set(half) <= set(base)


def test_superpose_wraps_shifted_arrivals_into_the_log() -> None:
    t = np.array([0.0, 10.0, 100.0])
    out, d = _superpose(t, np.array([1.0, 2.0, 3.0]), 2.0, 60.0, np.random.default_rng(0))
    assert (
        len(out) == 6 and out.max() <= 100.0 and d is not None and sorted(d) == [1, 1, 2, 2, 3, 3]
    )


def _run(scale_mode: str) -> costsim.results.OptionResult:
    text = f"""\
name: scale-{scale_mode}
horizon: 1d
seed: 3
traffic: {{profile: replay, format: timestamps, path: {TRACES / "requests.csv"}, scale: 3,
          scale_mode: {scale_mode}}}
workload:
  duration: {{dist: lognormal, median: 40ms, p99: 300ms}}
options:
  - {{name: lambda, kind: serverless, provider: aws-lambda, memory: 128MB, keep_alive: 10min}}
"""
    return costsim.simulate(costsim.scenario_from_text(text)).options[0]


def test_superposition_needs_fewer_instances_than_duplication() -> None:
    """The issue's figures: duplication 18 cold starts and 12 instances at most; superposed
    copies well under half the peak (here 8 and 5)."""
    dup, sup = _run("duplicate"), _run("superpose")
    assert dup.served == sup.served
    assert dup.cold_starts == 18 and dup.instances_max == 12
    assert sup.instances_max <= dup.instances_max / 2
    assert sup.cold_starts < dup.cold_starts


def test_azure_2019_replay_uses_true_min_max_and_says_what_percentiles_mean() -> None:
    replay = Replay.model_validate(
        {
            "profile": "replay",
            "format": "azure-2019",
            "path": str(TRACES / "invocations_per_function_md.anon.d01.csv"),
            "top": 3,
            "durations_path": str(TRACES / "function_durations_percentiles.anon.d01.csv"),
        }
    )
    assert "30-second averages" in replay.describe()
    ctx = StreamContext(seed=1, key=(0,), horizon_s=86400.0, base_dir=REPO)
    durations = np.concatenate([d for _, d in replay.requests(ctx) if d is not None])
    rows = (TRACES / "function_durations_percentiles.anon.d01.csv").read_text().splitlines()
    head = rows[0].split(",")
    minimum = min(float(r.split(",")[head.index("Minimum")]) for r in rows[1:]) / 1000.0
    maximum = max(float(r.split(",")[head.index("Maximum")]) for r in rows[1:]) / 1000.0
    assert durations.min() >= minimum - 1e-12
    assert durations.max() <= maximum + 1e-12


@pytest.mark.parametrize("mode", ["superpose", "duplicate"])
def test_scale_mode_is_validated(mode: str) -> None:
    Replay.model_validate(
        {"profile": "replay", "format": "timestamps", "path": "x.csv", "scale_mode": mode}
    )
    with pytest.raises(ValueError):
        Replay.model_validate(
            {"profile": "replay", "format": "timestamps", "path": "x.csv", "scale_mode": "copy"}
        )
