"""Traffic: arrival streams match their profiles and do not depend on the chunk size."""

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from costsim import scenario_from_text
from costsim.stats.distributions import Exponential, Fixed, Lognormal
from costsim.traffic import request_chunks, stream
from costsim.traffic.arrivals import IntegratedRateInverse, arrival_chunks
from costsim.traffic.compose import Sum
from costsim.traffic.profiles import Constant, Diurnal

DAY = 86400.0


def _all(profile, horizon, seed=1, chunk=1 << 16):
    return np.concatenate(list(arrival_chunks(profile, horizon, stream(seed, 0), chunk)))


def test_constant_interarrivals_pass_ks_against_exponential():
    rate = 5.0
    t = _all(Constant(profile="constant", mean_rps=rate), 20_000.0)
    gaps = np.diff(t)
    result = stats.kstest(gaps, "expon", args=(0, 1 / rate))
    assert result.pvalue > 0.001


@pytest.mark.parametrize(
    "profile",
    [
        Constant(profile="constant", mean_rps=3.0),
        Diurnal(profile="diurnal", mean_rps=3.0, peak_to_trough=5.0, peak_hour=9),
        Sum(
            sum=[
                Constant(profile="constant", mean_rps=1.0),
                Diurnal(profile="diurnal", mean_rps=2.0),
            ]
        ),
    ],
)
def test_counts_match_expected_within_poisson_bounds(profile):
    horizon = 3 * DAY
    t = _all(profile, horizon)
    expected = profile.expected_count(0.0, horizon)
    # Poisson count: 4 standard deviations
    assert abs(len(t) - expected) < 4 * math.sqrt(expected)
    assert np.all(np.diff(t) >= 0) and t[0] >= 0 and t[-1] < horizon


def test_diurnal_hourly_counts_follow_the_rate():
    p = Diurnal(profile="diurnal", mean_rps=5.0, peak_to_trough=4.0, peak_hour=14)
    t = _all(p, 4 * DAY)
    counts, edges = np.histogram(t % DAY, bins=24, range=(0, DAY))
    expected = np.array([p.expected_count(a, b) for a, b in itertools.pairwise(edges)]) * 4
    z = (counts - expected) / np.sqrt(expected)
    assert np.all(np.abs(z) < 5)
    assert np.argmax(counts) in (13, 14)


def test_diurnal_peak_to_trough_ratio_and_mean():
    p = Diurnal(profile="diurnal", mean_rps=10.0, peak_to_trough=4.0)
    grid = np.linspace(0, DAY, 10_001)
    rate = p.rate_rps(grid)
    assert rate.max() / rate.min() == pytest.approx(4.0, rel=1e-6)
    assert p.expected_count(0, DAY) == pytest.approx(10.0 * DAY)


def test_integrated_rate_inverse_is_exact():
    p = Diurnal(profile="diurnal", mean_rps=2.0, peak_to_trough=10.0)
    inv = IntegratedRateInverse(p, 2 * DAY)
    targets = np.linspace(1.0, inv.total - 1.0, 1000)
    t = inv(targets)
    assert np.allclose(p.cumulative(t), targets, rtol=0, atol=1e-7)


@pytest.mark.parametrize("small", [1_000, 7_777])
def test_same_seed_gives_identical_requests_whatever_the_chunk_size(small):
    s = scenario_from_text(
        """
name: t
horizon: 2h
seed: 9
traffic: {profile: diurnal, mean_rps: 3}
workload:
  duration: {dist: lognormal, median: 40ms, p99: 300ms}
options: [{name: v, kind: vps}]
"""
    )
    big = list(request_chunks(s, chunk_size=1_000_000))
    little = list(request_chunks(s, chunk_size=small))
    assert len(little) > 1
    for field in ("arrival_s", "duration_s"):
        a = np.concatenate([getattr(c, field) for c in big])
        b = np.concatenate([getattr(c, field) for c in little])
        assert np.array_equal(a, b)


def test_zero_rate_gives_no_arrivals():
    assert list(arrival_chunks(Constant(profile="constant", mean_rps=0), DAY, stream(1, 0))) == []


@pytest.mark.parametrize(
    "dist",
    [
        Fixed(dist="fixed", value=0.12),
        Exponential(dist="exponential", mean=2.0),
        Lognormal(dist="lognormal", median=0.04, p99=0.3),
    ],
)
def test_distributions_sample_their_analytic_mean_and_variance(dist):
    x = dist.sample(np.random.default_rng(3), 400_000)
    se = math.sqrt(dist.variance_s2 / len(x)) if dist.variance_s2 else 1e-12
    assert abs(x.mean() - dist.mean_s) < 5 * se + 1e-12
    if dist.variance_s2:
        assert x.var() == pytest.approx(dist.variance_s2, rel=0.05)


def test_lognormal_is_given_by_median_and_p99():
    d = Lognormal(dist="lognormal", median=0.04, p99=0.3)
    assert d.quantile_s(0.5) == pytest.approx(0.04)
    assert d.quantile_s(0.99) == pytest.approx(0.3)
    x = d.sample(np.random.default_rng(5), 200_000)
    assert np.quantile(x, 0.99) == pytest.approx(0.3, rel=0.03)
