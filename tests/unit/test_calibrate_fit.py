"""Fits recover known parameters from generated data, within their asymptotic intervals.

Intervals are 99.9 % (z = 3.29) from the maximum-likelihood standard errors: lognormal
``se(mu) = sigma / sqrt(n)``, ``se(sigma) = sigma / sqrt(2 n)``; gamma
``var(k) = k / (n (k psi'(k) - 1))``; Weibull ``var(c) = 6 c^2 / (pi^2 n)`` (Cohen 1965,
"Maximum likelihood estimation in the Weibull distribution").
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from costsim.calibrate.cpu_fit import fit_cpu_bound
from costsim.calibrate.fit import fit_durations, ks_statistic
from costsim.calibrate.profile_fit import fit_profile
from costsim.stats.distributions import Gamma, Lognormal, Weibull
from costsim.traffic.azure import mixture_empirical
from costsim.traffic.profiles import Diurnal

Z = 3.29
N = 4000


def test_lognormal_parameters_are_recovered() -> None:
    mu, sigma = math.log(0.04), 0.9
    x = np.random.default_rng(1).lognormal(mu, sigma, N)
    fit = fit_durations(x)
    assert fit.name == "lognormal"
    best = fit.candidates[0]
    assert abs(best.params["mu"] - mu) < Z * sigma / math.sqrt(N)
    assert abs(best.params["sigma"] - sigma) < Z * sigma / math.sqrt(2 * N)


def test_gamma_parameters_are_recovered() -> None:
    k, theta = 2.5, 0.02
    x = np.random.default_rng(2).gamma(k, theta, N)
    fit = fit_durations(x)
    assert fit.name == "gamma"
    se_k = math.sqrt(k / (N * (k * float(special.polygamma(1, k)) - 1.0)))
    assert abs(fit.candidates[0].params["shape"] - k) < Z * se_k
    assert isinstance(fit.chosen, Gamma)
    assert abs(fit.chosen.mean - k * theta) < Z * math.sqrt(k) * theta / math.sqrt(N)


def test_weibull_parameters_are_recovered() -> None:
    c, lam = 1.6, 0.05
    x = lam * np.random.default_rng(3).weibull(c, N)
    fit = fit_durations(x)
    assert fit.name == "weibull"
    assert abs(fit.candidates[0].params["shape"] - c) < Z * math.sqrt(6 * c * c / (math.pi**2 * N))
    assert abs(fit.candidates[0].params["scale_s"] - lam) < Z * math.sqrt(
        1.109 * lam**2 / (c * c * N)
    )


def test_a_bimodal_sample_falls_back_to_empirical() -> None:
    """No single lognormal/gamma/Weibull fits two modes: the percentiles are written."""
    gen = np.random.default_rng(4)
    x = np.concatenate([gen.normal(0.01, 0.001, 2000), gen.normal(0.5, 0.01, 2000)])
    fit = fit_durations(x)
    assert fit.name == "empirical"
    assert abs(fit.chosen.quantile_s(0.25) - 0.01) < 0.002
    assert abs(fit.chosen.quantile_s(0.75) - 0.5) < 0.01


def test_ks_statistic_matches_scipy() -> None:
    x = np.sort(np.random.default_rng(5).lognormal(-3, 0.5, 500))
    dist = Lognormal(dist="lognormal", median=0.05, p99=0.2)
    ref = stats.kstest(x, stats.lognorm(dist.sigma, scale=dist.median).cdf).statistic
    assert ks_statistic(x, dist) == pytest.approx(ref, rel=1e-12)


def test_weibull_distribution_states_its_moments() -> None:
    """Analytic mean, variance and quantile agree with scipy's Weibull."""
    d = Weibull(dist="weibull", scale=0.05, shape=1.3)
    ref = stats.weibull_min(1.3, scale=0.05)
    assert d.mean_s == pytest.approx(ref.mean(), rel=1e-12)
    assert d.variance_s2 == pytest.approx(ref.var(), rel=1e-12)
    assert d.quantile_s(0.9) == pytest.approx(ref.ppf(0.9), rel=1e-12)
    x = d.sample(np.random.default_rng(6), 200_000)
    assert abs(x.mean() - d.mean_s) < Z * math.sqrt(d.variance_s2 / len(x))


def _poisson_minutes(profile: Diurnal, days: int, seed: int) -> np.ndarray:
    edges = np.arange(days * 1440 + 1) * 60.0
    return np.random.default_rng(seed).poisson(np.diff(profile.cumulative(edges))).astype(float)


def test_diurnal_profile_is_recovered_with_weekends() -> None:
    """14 days of Poisson counts from a known diurnal profile give back its parameters.

    The weekday mean is within 3.29 Poisson standard errors of its 10 weekdays; peak/trough, peak hour and weekend factor
    within what the regression's standard errors allow at this volume (a few per cent).
    """
    truth = Diurnal(
        profile="diurnal", mean_rps=0.5, peak_to_trough=3.0, peak_hour=15.0, weekend_factor=0.5
    )
    minutes = _poisson_minutes(truth, 14, 7)
    fit = fit_profile(minutes, 0.0, absolute_time=False)
    assert fit.kind == "diurnal"
    weekday_arrivals = 0.5 * 10 * 86400.0
    assert abs(fit.mean_rps - 0.5) < Z * math.sqrt(weekday_arrivals) / (10 * 86400.0)
    assert fit.peak_to_trough == pytest.approx(3.0, rel=0.05)
    assert fit.peak_hour == pytest.approx(15.0, abs=0.25)
    assert fit.weekend_factor == pytest.approx(0.5, rel=0.05)
    assert fit.dispersion < 1.5


def test_bursty_traffic_is_kept_as_a_replay() -> None:
    """Batches of 100 requests at random minutes are far from Poisson: not fitted."""
    gen = np.random.default_rng(8)
    minutes = np.zeros(3 * 1440)
    minutes[gen.integers(0, len(minutes), 60)] += 100
    fit = fit_profile(minutes, 0.0, absolute_time=False)
    assert fit.kind == "replay"


def test_cpu_bound_share_is_recovered_from_power_tuning_points() -> None:
    """Durations made with costsim's own memory model give back the share and thread count."""
    from costsim.platforms.serverless import duration_factor

    sizes = np.array([128.0, 256, 512, 1024, 1769, 3538, 5307])
    durations = np.array([150 * duration_factor(m, 1024, 0.7, 2) for m in sizes])
    fit = fit_cpu_bound(sizes, durations, 1024)
    assert fit is not None
    assert fit.cpu_bound == pytest.approx(0.7, abs=1e-9)
    assert fit.threads == 2
    assert fit_cpu_bound(np.array([512.0, 512.0]), np.array([10.0, 11.0]), 512) is None


def test_azure_functions_merge_as_a_mixture_not_an_average() -> None:
    """The merged CDF is the count-weighted sum of the functions' CDFs at every point, and its
    spread exceeds that of averaged percentile points."""
    q = np.array([0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0])
    fast = (900.0, q, np.array([0.002, 0.003, 0.008, 0.01, 0.012, 0.03, 0.05]))
    slow = (100.0, q, np.array([0.5, 0.6, 0.9, 1.0, 1.2, 2.5, 4.0]))
    mix = mixture_empirical([fast, slow])
    keys = sorted(mix.percentiles or {})
    xs = np.array([mix.percentiles[k] for k in keys])  # type: ignore[index]
    for x in np.geomspace(0.002, 4.0, 50):
        merged = float(np.interp(x, xs, np.array(keys) / 100.0))
        parts = 0.9 * np.interp(x, fast[2], q) + 0.1 * np.interp(x, slow[2], q)
        assert merged == pytest.approx(parts, abs=1e-6)
    averaged = 0.9 * fast[2] + 0.1 * slow[2]
    avg_var = float(
        np.sum(
            np.diff(q) * (averaged[1:] ** 2 + averaged[1:] * averaged[:-1] + averaged[:-1] ** 2) / 3
        )
    )
    avg_var -= float(np.sum(np.diff(q) * (averaged[1:] + averaged[:-1]) / 2)) ** 2
    assert mix.variance_s2 > 4 * avg_var


def test_a_constant_rate_shows_no_cycle_and_no_weekend() -> None:
    """Two weeks of constant-rate Poisson counts: the noise is not taken for a cycle (the
    amplitude and weekend factor must stand 3 standard errors out of it)."""
    minutes = np.random.default_rng(9).poisson(0.05 * 60, 14 * 1440).astype(float)
    fit = fit_profile(minutes, 0.0, absolute_time=False)
    assert fit.kind == "constant"
    assert fit.weekend_factor == 1.0 and fit.peak_to_trough == 1.0


def test_a_last_24_hours_export_is_enough_for_a_daily_cycle() -> None:
    """23 whole hours of a strong cycle are fitted as diurnal."""
    truth = Diurnal(profile="diurnal", mean_rps=0.5, peak_to_trough=4.0, peak_hour=12.0)
    minutes = _poisson_minutes(truth, 1, 10)[: 23 * 60]
    fit = fit_profile(minutes, 0.0, absolute_time=False)
    assert fit.kind == "diurnal"
    assert fit.peak_hour == pytest.approx(12.0, abs=0.5)
