"""Duration distributions, each able to sample and to state its own mean and variance.

As in Ciw, every distribution knows its analytic ``mean_s`` and ``variance_s2`` so that tests can
hold a simulation against theory. Sampling takes an explicit ``numpy.random.Generator``.
Scenario files choose a distribution by ``dist:`` name (see :data:`DISTRIBUTIONS`).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from costsim.units import parse_duration_s

#: Standard normal quantile at 0.99, used to turn a p99 into a lognormal sigma.
Z_99 = 2.3263478740408408

DurationS = Annotated[float, BeforeValidator(parse_duration_s)]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

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
    value: DurationS = Field(ge=0)

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
    mean: DurationS = Field(gt=0)

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
    median: DurationS = Field(gt=0)
    p99: DurationS = Field(gt=0)

    @model_validator(mode="after")
    def _p99_above_median(self) -> Lognormal:
        if self.p99 < self.median:
            raise ValueError("p99 must be at least the median")
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


Distribution = Annotated[Fixed | Exponential | Lognormal, Field(discriminator="dist")]

#: Registry of distribution names accepted in scenario files.
DISTRIBUTIONS: dict[str, type[_Dist]] = {
    "fixed": Fixed,
    "exponential": Exponential,
    "lognormal": Lognormal,
}
