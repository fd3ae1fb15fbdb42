"""Duration distributions, each able to sample and to state its own mean and variance.

As in Ciw, every distribution knows its analytic ``mean_s`` and ``variance_s2`` so that tests can
hold a simulation against theory. Sampling takes an explicit ``numpy.random.Generator``.
Scenario files choose a distribution by ``dist:`` name (see :data:`DISTRIBUTIONS`).
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from costsim.fields import refuse_booleans
from costsim.units import duration_field

#: Standard normal quantile at 0.99, used to turn a p99 into a lognormal sigma.
Z_99 = 2.3263478740408408

DurationS = Annotated[float, BeforeValidator(duration_field)]

#: Longest duration a distribution may state [s], about 11.6 days: the range of the latency
#: histogram, and far beyond any request or cold start.
MAX_DURATION_S = 1e6


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans(cls, data: Any) -> Any:
        return refuse_booleans(cls, data)

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` values [s] (float64)."""
        raise NotImplementedError

    @property
    def mean_s(self) -> float:
        """Analytic mean [s]."""
        raise NotImplementedError

    @property
    def variance_s2(self) -> float:
        """Analytic variance [s^2]."""
        raise NotImplementedError

    def quantile_s(self, q: float) -> float:
        """Analytic quantile [s] at probability ``q``."""
        raise NotImplementedError


class Fixed(_Dist):
    """Always the same value: ``{dist: fixed, value: 120ms}``."""

    dist: Literal["fixed"]
    value: DurationS = Field(ge=0, le=MAX_DURATION_S)

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value, dtype=np.float64)

    @property
    def mean_s(self) -> float:
        return self.value

    @property
    def variance_s2(self) -> float:
        return 0.0

    def quantile_s(self, q: float) -> float:
        return self.value


class Exponential(_Dist):
    """Exponential with the given mean: ``{dist: exponential, mean: 2s}``."""

    dist: Literal["exponential"]
    mean: DurationS = Field(gt=0, le=MAX_DURATION_S)

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        return gen.exponential(self.mean, n)

    @property
    def mean_s(self) -> float:
        return self.mean

    @property
    def variance_s2(self) -> float:
        return self.mean**2

    def quantile_s(self, q: float) -> float:
        return -self.mean * math.log1p(-q)


class Lognormal(_Dist):
    """Lognormal given by its median and 99th percentile.

    ``{dist: lognormal, median: 40ms, p99: 300ms}`` gives ``mu = ln(median)`` and
    ``sigma = ln(p99 / median) / z_0.99``.
    """

    dist: Literal["lognormal"]
    median: DurationS = Field(gt=0, le=MAX_DURATION_S)
    p99: DurationS = Field(gt=0, le=MAX_DURATION_S)

    @model_validator(mode="after")
    def _p99_above_median(self) -> Lognormal:
        if self.p99 < self.median:
            raise ValueError("p99 must be at least the median")
        if self.mu + self.sigma**2 / 2 > math.log(MAX_DURATION_S):
            raise ValueError(
                f"p99 is so far above the median that the mean exceeds {MAX_DURATION_S:g} s; "
                "check the units of median and p99"
            )
        return self

    @property
    def mu(self) -> float:
        """Log-space mean."""
        return math.log(self.median)

    @property
    def sigma(self) -> float:
        """Log-space standard deviation."""
        return math.log(self.p99 / self.median) / Z_99

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        return np.exp(self.mu + self.sigma * gen.standard_normal(n))

    @property
    def mean_s(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)

    @property
    def variance_s2(self) -> float:
        s2 = self.sigma**2
        return math.expm1(s2) * math.exp(2 * self.mu + s2)

    def quantile_s(self, q: float) -> float:
        from scipy.stats import norm

        return math.exp(self.mu + self.sigma * float(norm.ppf(q)))


class Gamma(_Dist):
    """Gamma given by mean and coefficient of variation: ``{dist: gamma, mean: 80ms, cv: 1.5}``."""

    dist: Literal["gamma"]
    mean: DurationS = Field(gt=0, le=MAX_DURATION_S)
    # below 0.001 the shape 1/cv^2 passes 1e6 (and underflows to a division by zero near
    # 1e-154): such a duration is fixed, so say so with dist: fixed
    cv: float = Field(ge=1e-3, le=100, allow_inf_nan=False)

    @property
    def shape(self) -> float:
        """Shape parameter k = 1 / cv^2."""
        return 1.0 / self.cv**2

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        return gen.gamma(self.shape, self.mean / self.shape, n)

    @property
    def mean_s(self) -> float:
        return self.mean

    @property
    def variance_s2(self) -> float:
        return (self.cv * self.mean) ** 2

    def quantile_s(self, q: float) -> float:
        from scipy.stats import gamma

        return float(gamma.ppf(q, self.shape, scale=self.mean / self.shape))


class Weibull(_Dist):
    """Weibull given by its scale and shape: ``{dist: weibull, scale: 50ms, shape: 1.4}``.

    ``P(X > x) = exp(-(x / scale) ** shape)``; shape below 1 gives a heavier tail than the
    exponential (shape 1), above 1 a lighter one.
    """

    dist: Literal["weibull"]
    scale: DurationS = Field(gt=0, le=MAX_DURATION_S)
    shape: float = Field(ge=0.05, le=100, allow_inf_nan=False)

    @model_validator(mode="after")
    def _finite_mean(self) -> Weibull:
        if self.mean_s > MAX_DURATION_S:
            raise ValueError(
                f"shape is so small that the mean exceeds {MAX_DURATION_S:g} s; check the fit"
            )
        return self

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        return self.scale * gen.weibull(self.shape, n)

    @property
    def mean_s(self) -> float:
        return self.scale * math.gamma(1.0 + 1.0 / self.shape)

    @property
    def variance_s2(self) -> float:
        g1 = math.gamma(1.0 + 1.0 / self.shape)
        g2 = math.gamma(1.0 + 2.0 / self.shape)
        return self.scale**2 * (g2 - g1 * g1)

    def quantile_s(self, q: float) -> float:
        return self.scale * (-math.log1p(-q)) ** (1.0 / self.shape)


class Empirical(_Dist):
    """An empirical distribution from percentiles or from samples.

    ``{dist: empirical, percentiles: {0: 2ms, 50: 40ms, 99: 300ms, 100: 2s}}`` interpolates the
    quantile function linearly between the given percentiles (0 and 100 are required, as the
    bounds); ``{dist: empirical, samples: [10ms, 12ms, 50ms]}`` resamples the values.
    """

    dist: Literal["empirical"]
    percentiles: dict[float, DurationS] | None = None
    samples: list[DurationS] | None = Field(default=None, min_length=1, max_length=1_000_000)

    @model_validator(mode="after")
    def _one_source(self) -> Empirical:
        if (self.percentiles is None) == (self.samples is None):
            raise ValueError("give either percentiles or samples")
        if self.percentiles is not None:
            keys = sorted(self.percentiles)
            if not keys or keys[0] != 0 or keys[-1] != 100 or any(not 0 <= k <= 100 for k in keys):
                raise ValueError("percentiles need the 0 and 100 points, all within 0..100")
            values = [self.percentiles[k] for k in keys]
            if any(b < a for a, b in itertools.pairwise(values)):
                raise ValueError("percentile values must not decrease")
            if values[0] < 0:
                raise ValueError("durations must be >= 0")
        values = list((self.percentiles or {}).values()) + list(self.samples or [])
        if min(values) < 0:
            raise ValueError("durations must be >= 0")
        if max(values) > MAX_DURATION_S:
            raise ValueError(f"durations must be at most {MAX_DURATION_S:g} s")
        return self

    def _knots(self) -> tuple[np.ndarray, np.ndarray]:
        assert self.percentiles is not None
        keys = sorted(self.percentiles)
        return np.array(keys) / 100.0, np.array([self.percentiles[k] for k in keys])

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        if self.samples is not None:
            return np.asarray(self.samples, dtype=np.float64)[gen.integers(0, len(self.samples), n)]
        q, v = self._knots()
        return np.interp(gen.random(n), q, v)

    @property
    def mean_s(self) -> float:
        if self.samples is not None:
            return float(np.mean(self.samples))
        q, v = self._knots()
        return float(np.sum(np.diff(q) * (v[1:] + v[:-1]) / 2))

    @property
    def variance_s2(self) -> float:
        if self.samples is not None:
            return float(np.var(self.samples))
        q, v = self._knots()
        # E[X^2] of a piecewise-linear quantile function, segment by segment
        a, b = v[:-1], v[1:]
        second = float(np.sum(np.diff(q) * (a * a + a * b + b * b) / 3))
        return second - self.mean_s**2

    def quantile_s(self, q: float) -> float:
        if self.samples is not None:
            return float(np.quantile(self.samples, q))
        qs, v = self._knots()
        return float(np.interp(q, qs, v))


class _Component(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans(cls, data: Any) -> Any:
        return refuse_booleans(cls, data)

    weight: float = Field(gt=0, le=1e9, allow_inf_nan=False)
    duration: Annotated[
        Fixed | Exponential | Lognormal | Gamma | Weibull | Empirical, Field(discriminator="dist")
    ]


class Mixture(_Dist):
    """A weighted mixture: ``{dist: mixture, of: [{weight: 0.9, duration: {...}}, ...]}``."""

    dist: Literal["mixture"]
    of: list[_Component] = Field(min_length=1, max_length=32)

    @property
    def weights(self) -> np.ndarray:
        """Normalised component weights."""
        w = np.array([c.weight for c in self.of])
        return w / w.sum()

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray:
        # one uniform per request picks its component; each component then draws for all n
        # requests and the picks select among them, so the stream is chunk-size invariant
        pick = np.searchsorted(np.cumsum(self.weights), gen.random(n), side="right")
        pick = np.minimum(pick, len(self.of) - 1)
        draws = np.stack([c.duration.sample(gen, n) for c in self.of])
        return draws[pick, np.arange(n)]

    @property
    def mean_s(self) -> float:
        return float(sum(w * c.duration.mean_s for w, c in zip(self.weights, self.of, strict=True)))

    @property
    def variance_s2(self) -> float:
        second = sum(
            w * (c.duration.variance_s2 + c.duration.mean_s**2)
            for w, c in zip(self.weights, self.of, strict=True)
        )
        return float(second - self.mean_s**2)

    def quantile_s(self, q: float) -> float:
        from scipy.optimize import brentq

        hi = max(c.duration.quantile_s(0.999999) for c in self.of) + 1e-9

        def cdf_minus_q(x: float) -> float:
            total = 0.0
            for w, c in zip(self.weights, self.of, strict=True):
                lo_q, hi_q = 0.0, 1.0
                for _ in range(60):
                    mid = (lo_q + hi_q) / 2
                    if c.duration.quantile_s(mid) <= x:
                        lo_q = mid
                    else:
                        hi_q = mid
                total += w * lo_q
            return total - q

        return float(brentq(cdf_minus_q, 0.0, hi, xtol=1e-9))


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Weibull | Empirical | Mixture,
    Field(discriminator="dist"),
]

#: Registry of distribution names accepted in scenario files.
DISTRIBUTIONS: dict[str, type[_Dist]] = {
    "fixed": Fixed,
    "exponential": Exponential,
    "lognormal": Lognormal,
    "gamma": Gamma,
    "weibull": Weibull,
    "empirical": Empirical,
    "mixture": Mixture,
}
