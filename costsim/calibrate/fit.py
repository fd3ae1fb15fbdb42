"""Fitting a duration distribution: scipy.stats candidates chosen by AIC, with a KS check.

Candidates are lognormal, gamma and Weibull, each fitted by maximum likelihood with the location
fixed at 0 (durations start at zero). The one with the lowest AIC (``2 k - 2 ln L``) wins; its
Kolmogorov-Smirnov statistic ``D`` (largest gap between the data's and the fit's CDF) is reported.
When even the winner misses by more than :data:`KS_EMPIRICAL` somewhere (or, for small samples,
by more than the KS test's 5 % critical value ``1.36 / sqrt(n)``), no parametric shape describes
the data and the empirical distribution (its percentiles) is used instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from costsim.stats.distributions import (
    MAX_DURATION_S,
    Z_99,
    Empirical,
    Gamma,
    Lognormal,
    Weibull,
    _Dist,
)

#: a fit whose CDF is off by more than this anywhere is replaced by the empirical distribution
KS_EMPIRICAL = 0.05
#: Kolmogorov's asymptotic 5 % critical value of sqrt(n) D
KS_CRITICAL_5 = 1.358
#: most samples a fit uses; above it, a seeded subsample (the fit is then as good as it gets)
MAX_FIT_SAMPLES = 200_000
#: percentiles written for an empirical distribution
EMPIRICAL_POINTS = (*range(0, 100, 2), 99, 99.5, 99.9, 100)
#: smallest duration a parametric fit sees [s]; a logged 0 ms would break a log-likelihood
FLOOR_S = 1e-6


@dataclass(frozen=True)
class Candidate:
    """One fitted candidate."""

    name: str
    dist: _Dist
    params: dict[str, float]
    log_likelihood: float
    aic: float
    ks: float


@dataclass(frozen=True)
class DurationFit:
    """The chosen fit of a sample, with every candidate for the record.

    Attributes
    ----------
    chosen : _Dist
        The distribution to write in the scenario [s].
    name : str
        Its family (``lognormal``, ``gamma``, ``weibull`` or ``empirical``).
    ks : float
        KS statistic of the chosen fit against the data (0 for empirical).
    candidates : list of Candidate
        Every parametric candidate, best AIC first.
    n : int
        Sample size.
    mean_s, mean_ci_s : float, tuple
        Sample mean [s] and its 95 % confidence interval (normal approximation).
    p50_s, p99_s : float
        Sample median and 99th percentile [s].
    """

    chosen: _Dist
    name: str
    ks: float
    candidates: list[Candidate]
    n: int
    mean_s: float
    mean_ci_s: tuple[float, float]
    p50_s: float
    p99_s: float

    def summary(self) -> str:
        """One line: what was chosen, by what, and how well it fits."""
        if self.name == "empirical":
            best = self.candidates[0] if self.candidates else None
            why = (
                f"best parametric ({best.name}) KS D={best.ks:.3f} > {ks_limit(self.n):.3f}"
                if best
                else ""
            )
            return f"empirical percentiles of n={self.n} ({why})"
        others = ", ".join(
            f"{c.name} {c.aic - self.candidates[0].aic:+.0f}" for c in self.candidates[1:]
        )
        return (
            f"{self.name} by AIC (n={self.n}; AIC vs others: {others}); KS D={self.ks:.3f}; "
            f"mean {1000 * self.mean_s:.4g} ms (95% CI {1000 * self.mean_ci_s[0]:.4g}-"
            f"{1000 * self.mean_ci_s[1]:.4g})"
        )


def _lognormal(x: np.ndarray) -> tuple[_Dist, dict[str, float], Callable[[np.ndarray], np.ndarray]]:
    logs = np.log(x)
    mu, sigma = float(logs.mean()), float(logs.std())
    sigma = max(sigma, 1e-9)
    dist = Lognormal(
        dist="lognormal",
        median=math.exp(mu),
        p99=min(math.exp(mu + Z_99 * sigma), MAX_DURATION_S),
    )
    frozen = stats.lognorm(sigma, scale=math.exp(mu))
    return dist, {"mu": mu, "sigma": sigma}, frozen.logpdf


def _gamma(x: np.ndarray) -> tuple[_Dist, dict[str, float], Callable[[np.ndarray], np.ndarray]]:
    shape, _, scale = stats.gamma.fit(x, floc=0)
    cv = min(1.0 / math.sqrt(shape), 100.0)
    dist = Gamma(dist="gamma", mean=shape * scale, cv=cv)
    return dist, {"shape": shape, "scale_s": scale}, stats.gamma(shape, scale=scale).logpdf


def _weibull(x: np.ndarray) -> tuple[_Dist, dict[str, float], Callable[[np.ndarray], np.ndarray]]:
    shape, _, scale = stats.weibull_min.fit(x, floc=0)
    dist = Weibull(dist="weibull", scale=scale, shape=max(shape, 0.05))
    return dist, {"shape": shape, "scale_s": scale}, stats.weibull_min(shape, scale=scale).logpdf


#: the parametric candidates, by name
CANDIDATES: dict[
    str, Callable[[np.ndarray], tuple[_Dist, dict[str, float], Callable[[np.ndarray], np.ndarray]]]
] = {
    "lognormal": _lognormal,
    "gamma": _gamma,
    "weibull": _weibull,
}


def ks_statistic(x_sorted: np.ndarray, dist: _Dist) -> float:
    """Largest gap between the empirical CDF of ``x_sorted`` and ``dist``'s CDF."""
    n = len(x_sorted)
    cdf = _cdf(dist, x_sorted)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - cdf), np.max(cdf - (i - 1) / n)))


def _cdf(dist: _Dist, x: np.ndarray) -> np.ndarray:
    if isinstance(dist, Lognormal):
        return stats.lognorm.cdf(x, dist.sigma, scale=dist.median)
    if isinstance(dist, Gamma):
        return stats.gamma.cdf(x, dist.shape, scale=dist.mean / dist.shape)
    if isinstance(dist, Weibull):
        return stats.weibull_min.cdf(x, dist.shape, scale=dist.scale)
    raise TypeError(f"no CDF for {type(dist).__name__}")


def cdf(dist: _Dist, x: np.ndarray) -> np.ndarray:
    """CDF of a fitted distribution at ``x`` [s] (empirical: its interpolated quantiles)."""
    if isinstance(dist, Empirical) and dist.percentiles is not None:
        keys = sorted(dist.percentiles)
        return np.interp(x, [dist.percentiles[k] for k in keys], np.array(keys) / 100.0)
    return _cdf(dist, x)


def ks_limit(n: int) -> float:
    """Largest KS statistic at which a parametric fit is kept for a sample of ``n``."""
    return max(KS_EMPIRICAL, KS_CRITICAL_5 / math.sqrt(n))


def empirical_of(x: np.ndarray) -> Empirical:
    """The percentiles of a sample [s] as an empirical distribution."""
    values = np.quantile(x, np.array(EMPIRICAL_POINTS) / 100.0)
    values = np.minimum(np.maximum.accumulate(values), MAX_DURATION_S)
    return Empirical(
        dist="empirical",
        percentiles={float(p): float(v) for p, v in zip(EMPIRICAL_POINTS, values, strict=True)},
    )


def fit_durations(samples_s: np.ndarray, seed: int = 0) -> DurationFit:
    """Fit ``samples_s`` [s] and choose a distribution (see the module docstring)."""
    x = np.asarray(samples_s, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        raise ValueError("need at least two durations to fit")
    if len(x) > MAX_FIT_SAMPLES:
        x = np.random.default_rng(seed).choice(x, MAX_FIT_SAMPLES, replace=False)
    x_sorted = np.sort(np.maximum(x, FLOOR_S))
    n = len(x_sorted)
    candidates: list[Candidate] = []
    if np.ptp(x_sorted) > 0:
        for name, fitter in CANDIDATES.items():
            try:
                dist, params, logpdf = fitter(x_sorted)
            except (ValueError, RuntimeError, FloatingPointError):
                continue
            loglik = float(np.sum(logpdf(x_sorted)))
            if not math.isfinite(loglik):
                continue
            candidates.append(
                Candidate(
                    name, dist, params, loglik, 4.0 - 2.0 * loglik, ks_statistic(x_sorted, dist)
                )
            )
    candidates.sort(key=lambda c: c.aic)
    mean = float(x.mean())
    half = 1.96 * float(x.std(ddof=1)) / math.sqrt(n)
    common = {
        "candidates": candidates,
        "n": n,
        "mean_s": mean,
        "mean_ci_s": (mean - half, mean + half),
        "p50_s": float(np.quantile(x, 0.5)),
        "p99_s": float(np.quantile(x, 0.99)),
    }
    if candidates and candidates[0].ks <= ks_limit(n):
        best = candidates[0]
        return DurationFit(chosen=best.dist, name=best.name, ks=best.ks, **common)  # type: ignore[arg-type]
    return DurationFit(chosen=empirical_of(x), name="empirical", ks=0.0, **common)  # type: ignore[arg-type]
