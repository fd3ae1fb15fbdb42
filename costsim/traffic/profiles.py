"""Arrival-rate profiles: each states its analytic rate and expected count.

A profile is a small pydantic model with

* ``rate_rps(t_s)``: the instantaneous arrival rate [1/s] at times ``t_s`` [s];
* ``cumulative(t_s)``: the expected number of arrivals in ``[0, t_s]`` (the integrated rate);
* ``peak_rps(horizon_s)``: the highest rate reached within the horizon [1/s].

Arrivals are drawn by inverting the integrated rate (see :mod:`costsim.traffic.arrivals`), which is
exact for any non-homogeneous Poisson process. Profiles are chosen by ``profile:`` name through
:data:`PROFILES`.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag

from costsim.units import parse_duration_s, parse_rate_per_s

RatePerS = Annotated[float, BeforeValidator(parse_rate_per_s)]
DurationS = Annotated[float, BeforeValidator(parse_duration_s)]

DAY_S = 86400.0


class _Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scale: float = Field(default=1.0, ge=0, allow_inf_nan=False)

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        """Arrival rate [1/s] at times ``t_s`` [s]."""
        raise NotImplementedError

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        """Expected arrivals in ``[0, t_s]``."""
        raise NotImplementedError

    def peak_rps(self, horizon_s: float) -> float:
        """Highest rate [1/s] within ``[0, horizon_s]``."""
        raise NotImplementedError

    def expected_count(self, t0_s: float, t1_s: float) -> float:
        """Expected arrivals in ``[t0_s, t1_s]``."""
        values = self.cumulative(np.array([t0_s, t1_s], dtype=np.float64))
        return float(values[1] - values[0])

    def describe(self) -> str:
        """One line for people, e.g. ``constant 5 rps``."""
        raise NotImplementedError


class Constant(_Profile):
    """Homogeneous Poisson arrivals: ``{profile: constant, mean_rps: 20}``."""

    profile: Literal["constant"]
    mean_rps: RatePerS = Field(ge=0)

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        return np.full_like(np.asarray(t_s, dtype=np.float64), self.scale * self.mean_rps)

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        return self.scale * self.mean_rps * np.asarray(t_s, dtype=np.float64)

    def peak_rps(self, horizon_s: float) -> float:
        return self.scale * self.mean_rps

    def describe(self) -> str:
        return f"constant Poisson arrivals at {self.scale * self.mean_rps:g} req/s"


class Diurnal(_Profile):
    """A daily cycle: a sinusoidal rate around ``mean_rps``.

    ``rate(t) = mean * (1 + a cos(2 pi (t - peak) / 1 day))`` with
    ``a = (r - 1) / (r + 1)`` for peak-to-trough ratio ``r``, so the daily mean is ``mean_rps``,
    the peak is at ``peak_hour`` and peak / trough = ``r``.
    """

    profile: Literal["diurnal"]
    mean_rps: RatePerS = Field(ge=0)
    peak_to_trough: float = Field(default=4.0, ge=1, allow_inf_nan=False)
    peak_hour: float = Field(default=14.0, ge=0, lt=24)

    @property
    def amplitude(self) -> float:
        """Relative amplitude ``a`` of the sinusoid (0 <= a < 1)."""
        r = self.peak_to_trough
        return (r - 1.0) / (r + 1.0)

    def _phase(self, t_s: np.ndarray) -> np.ndarray:
        return 2.0 * math.pi * (np.asarray(t_s, dtype=np.float64) - self.peak_hour * 3600.0) / DAY_S

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        m = self.scale * self.mean_rps
        return m * (1.0 + self.amplitude * np.cos(self._phase(t_s)))

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        m = self.scale * self.mean_rps
        t = np.asarray(t_s, dtype=np.float64)
        k = DAY_S / (2.0 * math.pi)
        zero = math.sin(-2.0 * math.pi * self.peak_hour * 3600.0 / DAY_S)
        return m * (t + self.amplitude * k * (np.sin(self._phase(t)) - zero))

    def peak_rps(self, horizon_s: float) -> float:
        grid = np.linspace(0.0, min(horizon_s, DAY_S), 2881)
        return float(np.max(self.rate_rps(grid)))

    def describe(self) -> str:
        return (
            f"daily cycle, mean {self.scale * self.mean_rps:g} req/s, peak/trough "
            f"{self.peak_to_trough:g} at {self.peak_hour:g}:00"
        )


SingleProfile = Annotated[Constant | Diurnal, Field(discriminator="profile")]


class Sum(BaseModel):
    """Superposition of profiles: ``{sum: [profile, ...]}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sum: list[SingleProfile] = Field(min_length=1)
    scale: float = Field(default=1.0, ge=0, allow_inf_nan=False)

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        return self.scale * sum((p.rate_rps(t_s) for p in self.sum), np.zeros(np.shape(t_s)))

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        return self.scale * sum((p.cumulative(t_s) for p in self.sum), np.zeros(np.shape(t_s)))

    def peak_rps(self, horizon_s: float) -> float:
        grid = np.linspace(0.0, horizon_s, 20001)
        return float(np.max(self.rate_rps(grid))) if horizon_s > 0 else 0.0

    def expected_count(self, t0_s: float, t1_s: float) -> float:
        values = self.cumulative(np.array([t0_s, t1_s], dtype=np.float64))
        return float(values[1] - values[0])

    def describe(self) -> str:
        parts = "; ".join(p.describe() for p in self.sum)
        return f"sum of [{parts}]" + (f" x{self.scale:g}" if self.scale != 1 else "")


def _profile_tag(value: object) -> str | None:
    if isinstance(value, dict):
        return "sum" if "sum" in value else value.get("profile")
    if isinstance(value, Sum):
        return "sum"
    return getattr(value, "profile", None)


Profile = Annotated[
    Annotated[Constant, Tag("constant")]
    | Annotated[Diurnal, Tag("diurnal")]
    | Annotated[Sum, Tag("sum")],
    Discriminator(
        _profile_tag,
        custom_error_type="unknown_profile",
        custom_error_message="unknown traffic profile; use one of constant, diurnal, or sum",
    ),
]

#: Registry of profile names accepted in scenario files.
PROFILES: dict[str, type[_Profile]] = {"constant": Constant, "diurnal": Diurnal}
