"""Traffic profiles beyond constant/diurnal: counts match their analytic expectation."""

import math
from pathlib import Path

import numpy as np
import pytest

from costsim import InputError, scenario_from_text
from costsim.traffic import request_chunks
from costsim.traffic.compose import Sum
from costsim.traffic.context import StreamContext
from costsim.traffic.mmpp import Mmpp
from costsim.traffic.profiles import Diurnal, Schedule, Spike

DAY = 86400.0
REPO = Path(__file__).resolve().parents[2]


def arrivals(profile, horizon, seed=4, chunk=1 << 15):
    ctx = StreamContext(seed=seed, key=(0,), horizon_s=horizon, chunk_size=chunk)
    parts = [t for t, _ in profile.requests(ctx)]
    return np.concatenate(parts) if parts else np.zeros(0)


def within_poisson(observed, expected, z=4.5):
    return abs(observed - expected) < z * math.sqrt(max(expected, 1.0))


def test_weekend_factor_and_growth_keep_cumulative_consistent_with_rate():
    p = Diurnal(profile="diurnal", mean_rps=1.0, weekend_factor=0.3, growth_per_month=0.5)
    t = np.linspace(0, 14 * DAY, 200_001)
    numeric = np.concatenate(
        [[0.0], np.cumsum((p.rate_rps(t[1:]) + p.rate_rps(t[:-1])) / 2 * np.diff(t))]
    )
    assert np.allclose(p.cumulative(t), numeric, rtol=1e-4)
    sat = p.expected_count(5 * DAY, 6 * DAY)
    fri = p.expected_count(4 * DAY, 5 * DAY)
    assert sat / fri == pytest.approx(0.3, rel=0.02)


def test_weekend_diurnal_counts_match_expectation():
    p = Diurnal(profile="diurnal", mean_rps=0.5, weekend_factor=0.2)
    t = arrivals(p, 7 * DAY)
    assert within_poisson(len(t), p.expected_count(0, 7 * DAY))
    weekend = np.sum(t >= 5 * DAY)
    assert within_poisson(weekend, p.expected_count(5 * DAY, 7 * DAY))


def test_spike_rate_shape_and_count():
    p = Spike(profile="spike", base_rps=2.0, start=3600, ramp=600, peak_multiplier=20, decay=900)
    assert p.rate_rps(np.array([0.0]))[0] == pytest.approx(2.0)
    assert p.rate_rps(np.array([4200.0]))[0] == pytest.approx(40.0)
    assert p.peak_rps(DAY) == pytest.approx(40.0)
    t = arrivals(p, 4 * 3600.0)
    assert within_poisson(len(t), p.expected_count(0, 4 * 3600.0))
    in_spike = np.sum((t > 3600) & (t < 3600 + 600 + 900))
    assert within_poisson(in_spike, p.expected_count(3600, 5100))


@pytest.mark.parametrize("spread", ["uniform", "equidistant", "poisson"])
def test_schedule_batches_land_in_their_windows(spread):
    p = Schedule(profile="schedule", every=1800, count=600, window=300, offset=60, spread=spread)
    t = arrivals(p, DAY, chunk=1000)
    assert np.all(np.diff(t) >= 0)
    assert np.all(np.mod(t - 60, 1800) < 300)
    if spread == "poisson":
        assert within_poisson(len(t), 48 * 600)
    else:
        assert len(t) == 48 * 600
        assert np.all(np.bincount(((t - 60) // 1800).astype(int)) == 600)
    assert p.expected_count(0, DAY) == pytest.approx(48 * 600)


def test_planet9_meter_readings_schedule_count():
    """Half-hourly meter-reading batches: 2 x 24 half-hours x 25 points x 24 versions a day."""
    p = Schedule(profile="schedule", every=1800, count=25 * 24, window=600)
    assert p.expected_count(0, 365 * DAY) == pytest.approx(2 * 24 * 365 * 25 * 24)


def test_mmpp_stationary_rate_and_count():
    p = Mmpp(
        profile="mmpp",
        states=[{"rate": 50.0, "mean_sojourn": 60.0}, {"rate": 1.0, "mean_sojourn": 540.0}],
    )
    assert p.time_share() == pytest.approx([0.1, 0.9])
    assert p.mean_rate_rps == pytest.approx(5.9)
    assert p.peak_rps(DAY) == 50.0
    counts = [len(arrivals(p, DAY, seed=s)) for s in range(8)]
    # MMPP counts are overdispersed; check the mean over replications against theory
    assert abs(np.mean(counts) - 5.9 * DAY) < 4 * np.std(counts) / math.sqrt(8) + 1


def test_mmpp_transition_matrix_is_validated():
    with pytest.raises(ValueError, match="sum to 1"):
        Mmpp(
            profile="mmpp",
            states=[{"rate": 1, "mean_sojourn": 1}, {"rate": 2, "mean_sojourn": 1}],
            transitions=[[0, 0.5], [1, 0]],
        )


def test_sum_merges_independent_streams_in_time_order():
    s = Sum(
        sum=[
            {"profile": "constant", "mean_rps": 1.0},
            {"profile": "schedule", "every": 3600, "count": 100, "window": 60},
        ],
        scale=2.0,
    )
    t = arrivals(s, 6 * 3600.0, chunk=97)
    assert np.all(np.diff(t) >= 0)
    assert within_poisson(len(t), s.expected_count(0, 6 * 3600.0), z=5)
    assert s.expected_count(0, 3600) == pytest.approx(2 * (3600 + 100))


SCENARIO = """
name: t
horizon: {horizon}
seed: 11
traffic: {traffic}
workload:
  duration: {{dist: gamma, mean: 50ms, cv: 1.2}}
options: [{{name: v, kind: vps}}]
"""


@pytest.mark.parametrize(
    "traffic",
    [
        "{profile: mmpp, states: [{rate: 20, mean_sojourn: 30s}, {rate: 0, mean_sojourn: 5min}]}",
        "{sum: [{profile: diurnal, mean_rps: 2}, {profile: schedule, every: 10min, count: 50}]}",
        "{profile: spike, base_rps: 1, start: 10min, peak_multiplier: 30}",
        "{profile: replay, format: azure-2019, path: traces/invocations_per_function_md.anon.d0*.csv, top: 2}",
    ],
)
def test_requests_do_not_depend_on_chunk_size(traffic, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.format(horizon="2h", traffic=traffic))
    (tmp_path / "traces").symlink_to(REPO / "scenarios" / "traces")
    from costsim import load_scenario

    s = load_scenario(path)
    a = list(request_chunks(s, chunk_size=1_000_000))
    b = list(request_chunks(s, chunk_size=313))
    for field in ("arrival_s", "duration_s"):
        x = np.concatenate([getattr(c, field) for c in a])
        y = np.concatenate([getattr(c, field) for c in b])
        assert np.array_equal(x, y)
    assert len(np.concatenate([c.arrival_s for c in a])) > 0


def test_unknown_profile_lists_the_choices():
    with pytest.raises(InputError, match="spike"):
        scenario_from_text(SCENARIO.format(horizon="1h", traffic="{profile: sawtooth}"))
