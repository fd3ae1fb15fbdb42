"""Rate profiles: each states its analytic rate and expected count.

A profile is a small pydantic model with

* ``rate_rps(t_s)``: the expected arrival rate [1/s] at times ``t_s`` [s];
* ``cumulative(t_s)``: the expected number of arrivals in ``[0, t_s]``;
* ``peak_rps(horizon_s)``: the highest rate reached within the horizon [1/s];
* ``requests(ctx)``: the stream of (arrival_s, duration_s or None) chunks.

Poisson profiles draw arrivals by inverting the integrated rate (see
:mod:`costsim.traffic.arrivals`), which is exact for any non-homogeneous Poisson process. Time 0
is a Monday, 00:00. ``scale`` multiplies any profile.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Literal

import numpy as np
from pydantic import BeforeValidator, Field, field_validator, model_validator

from costsim.fields import FileNamed
from costsim.traffic.arrivals import arrival_chunks
from costsim.traffic.context import StreamContext
from costsim.units import clock_time_s, duration_field, parse_rate_per_s, span_words

RatePerS = Annotated[float, BeforeValidator(parse_rate_per_s)]
DurationS = Annotated[float, BeforeValidator(duration_field)]

DAY_S = 86400.0
WEEK_S = 7 * DAY_S
MONTH_S = 730 * 3600.0

RequestStream = Iterator[tuple[np.ndarray, np.ndarray | None]]


def _clock(offset_s: float) -> str:
    """``offset_s`` [s] after Monday 00:00 as ``02:00`` (same day) or ``day 2, 02:00``."""
    day, rest = divmod(round(offset_s), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
    return clock if day == 0 else f"day {day + 1}, {clock}"


class BaseProfile(FileNamed):
    """What every traffic profile offers."""

    scale: float = Field(default=1.0, ge=0, allow_inf_nan=False)

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        """Expected arrival rate [1/s] at times ``t_s`` [s]."""
        raise NotImplementedError

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        """Expected arrivals in ``[0, t_s]``."""
        raise NotImplementedError

    def peak_rps(self, horizon_s: float) -> float:
        """Highest rate [1/s] within ``[0, horizon_s]``."""
        if horizon_s <= 0:
            return 0.0
        grid = np.linspace(0.0, horizon_s, 20_001)
        return float(np.max(self.rate_rps(grid)))

    def expected_count(self, t0_s: float, t1_s: float) -> float:
        """Expected arrivals in ``[t0_s, t1_s]``."""
        values = self.cumulative(np.array([t0_s, t1_s], dtype=np.float64))
        return float(values[1] - values[0])

    def requests(self, ctx: StreamContext) -> RequestStream:
        """Chunks of (arrival_s, durations or None); None means 'draw from the workload'."""
        for arrivals in arrival_chunks(self, ctx.horizon_s, ctx.generator(), ctx.chunk_size):
            yield arrivals, None

    def describe(self) -> str:
        """One line for people."""
        raise NotImplementedError

    def _scaled(self, text: str) -> str:
        return text + (f" x{self.scale:g}" if self.scale != 1 else "")


class Constant(BaseProfile):
    """Homogeneous Poisson arrivals: ``{profile: constant, mean_rps: 20}``."""

    profile: Literal["constant"]
    mean_rps: RatePerS = Field(ge=0)

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        return np.full_like(np.asarray(t_s, dtype=np.float64), self.scale * self.mean_rps)

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        return self.scale * self.mean_rps * np.asarray(t_s, dtype=np.float64)

    def peak_rps(self, horizon_s: float) -> float:
        return self.scale * self.mean_rps

    def inverse_cumulative(self, targets: np.ndarray) -> np.ndarray:
        """Times [s] at which ``targets`` arrivals are expected (exact: a division)."""
        return np.asarray(targets, dtype=np.float64) / (self.scale * self.mean_rps)

    def describe(self) -> str:
        return f"constant Poisson arrivals at {self.scale * self.mean_rps:g} req/s"


class Diurnal(BaseProfile):
    """A daily cycle, optionally with a weekend dip and a growth trend.

    ``rate(t) = mean * w(day) * (1 + g t / month) * (1 + a cos(2 pi (t - peak) / 1 day))`` with
    ``a = (r - 1) / (r + 1)`` for peak-to-trough ratio ``r``; ``w`` is ``weekend_factor`` on
    Saturdays and Sundays (days 5 and 6; day 0 is a Monday) and 1 otherwise, and ``g`` is
    ``growth_per_month``. With no weekend dip or growth the daily mean is ``mean_rps``.
    """

    profile: Literal["diurnal"]
    mean_rps: RatePerS = Field(ge=0)
    peak_to_trough: float = Field(default=4.0, ge=1, allow_inf_nan=False)
    peak_hour: float = Field(default=14.0, ge=0, lt=24)
    weekend_factor: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    growth_per_month: float = Field(default=0.0, gt=-1, allow_inf_nan=False)

    @property
    def amplitude(self) -> float:
        """Relative amplitude ``a`` of the sinusoid (0 <= a < 1)."""
        r = self.peak_to_trough
        return (r - 1.0) / (r + 1.0)

    def _weight(self, t_s: np.ndarray) -> np.ndarray:
        day = np.floor(np.asarray(t_s) / DAY_S).astype(np.int64) % 7
        return np.where(day >= 5, self.weekend_factor, 1.0)

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        t = np.asarray(t_s, dtype=np.float64)
        m = self.scale * self.mean_rps
        phase = 2.0 * math.pi * (t - self.peak_hour * 3600.0) / DAY_S
        rate = m * (1.0 + self.amplitude * np.cos(phase))
        if self.growth_per_month:
            rate *= 1.0 + self.growth_per_month * t / MONTH_S
        if self.weekend_factor != 1.0:
            rate *= self._weight(t)
        return rate

    def _unweighted(self, t: np.ndarray) -> np.ndarray:
        """``F(t)``: the integral of the rate over [0, t] with weight 1 and mean 1."""
        w = 2.0 * math.pi / DAY_S
        phi = self.peak_hour * 3600.0
        a = self.amplitude
        b = self.growth_per_month / MONTH_S
        s, s0 = np.sin(w * (t - phi)), math.sin(-w * phi)
        base = t + a * (s - s0) / w
        if b == 0.0:
            return base
        c, c0 = np.cos(w * (t - phi)), math.cos(-w * phi)
        return base + b * t * t / 2 + a * b * (t * s / w + (c - c0) / (w * w))

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        t = np.asarray(t_s, dtype=np.float64)
        m = self.scale * self.mean_rps
        if self.weekend_factor == 1.0:
            return m * self._unweighted(t)
        k = np.floor(t / DAY_S).astype(np.int64)
        n_days = int(k.max(initial=0)) + 1
        starts = np.arange(n_days + 1) * DAY_S
        f = self._unweighted(starts)
        weights = self._weight(starts[:-1] + 1.0)
        whole = np.concatenate([[0.0], np.cumsum(weights * np.diff(f))])
        return m * (whole[k] + self._weight(t) * (self._unweighted(t) - f[k]))

    def describe(self) -> str:
        extra = ""
        if self.weekend_factor != 1:
            extra += f", weekends x{self.weekend_factor:g}"
        if self.growth_per_month:
            extra += f", growing {100 * self.growth_per_month:+g}%/month"
        return self._scaled(
            f"daily cycle, mean {self.mean_rps:g} req/s, peak/trough {self.peak_to_trough:g} "
            f"at {self.peak_hour:g}:00{extra}"
        )


class Spike(BaseProfile):
    """A flash crowd on top of a base rate.

    The rate is ``base_rps`` until ``start``, ramps linearly to ``base_rps * peak_multiplier``
    over ``ramp``, then decays back exponentially with time constant ``decay``.
    """

    profile: Literal["spike"]
    base_rps: RatePerS = Field(ge=0)
    start_s: DurationS = Field(ge=0, alias="start")
    ramp_s: DurationS = Field(default=60.0, gt=0, alias="ramp")
    peak_multiplier: float = Field(default=10.0, ge=1, allow_inf_nan=False)
    decay_s: DurationS = Field(default=600.0, gt=0, alias="decay")

    def _shape(self, t: np.ndarray) -> np.ndarray:
        up = np.clip((t - self.start_s) / self.ramp_s, 0.0, 1.0)
        t1 = self.start_s + self.ramp_s
        down = np.exp(-np.maximum(t - t1, 0.0) / self.decay_s)
        return np.where(t < t1, up, down)

    def _shape_integral(self, t: np.ndarray) -> np.ndarray:
        t1 = self.start_s + self.ramp_s
        ramp_part = np.clip(t - self.start_s, 0.0, self.ramp_s) ** 2 / (2 * self.ramp_s)
        decay_part = self.decay_s * (-np.expm1(-np.maximum(t - t1, 0.0) / self.decay_s))
        return ramp_part + decay_part

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        t = np.asarray(t_s, dtype=np.float64)
        base = self.scale * self.base_rps
        return base * (1.0 + (self.peak_multiplier - 1.0) * self._shape(t))

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        t = np.asarray(t_s, dtype=np.float64)
        base = self.scale * self.base_rps
        return base * (t + (self.peak_multiplier - 1.0) * self._shape_integral(t))

    def peak_rps(self, horizon_s: float) -> float:
        reach = min(1.0, max(0.0, (horizon_s - self.start_s) / self.ramp_s))
        return self.scale * self.base_rps * (1.0 + (self.peak_multiplier - 1.0) * reach)

    def describe(self) -> str:
        return self._scaled(
            f"flash crowd: {self.base_rps:g} req/s rising x{self.peak_multiplier:g} at "
            f"{span_words(self.start_s)} over {span_words(self.ramp_s)}, decaying in "
            f"{span_words(self.decay_s)}"
        )


class Schedule(BaseProfile):
    """Cron-like batches: every ``every``, ``count`` invocations spread over ``window``.

    The first batch starts at ``offset``. ``spread`` is ``uniform`` (exactly ``count`` at
    random times in the window), ``equidistant`` (exactly ``count``, evenly spaced) or
    ``poisson`` (a Poisson number with mean ``count``). ``scale`` multiplies ``count``
    (rounded to the nearest whole invocation).
    """

    profile: Literal["schedule"]
    every_s: DurationS = Field(gt=0, alias="every")
    count: int = Field(ge=0, le=10**9)
    window_s: DurationS = Field(default=60.0, gt=0, alias="window")
    offset_s: DurationS = Field(default=0.0, ge=0, alias="offset")
    at: str | None = None
    spread: Literal["uniform", "equidistant", "poisson"] = "uniform"

    @model_validator(mode="before")
    @classmethod
    def _clock_time(cls, data: object) -> object:
        """``at: "02:00"`` is the first batch's clock time on day one: ``offset`` = 2 h."""
        if not isinstance(data, dict) or data.get("at") is None:
            return data
        if any(data.get(k) not in (None, 0, 0.0) for k in ("offset", "offset_s")):
            raise ValueError("give either at (a clock time) or offset (a duration), not both")
        try:
            offset_s = clock_time_s(data["at"])
        except ValueError:
            return data  # the field validator of ``at`` names the problem
        return {**data, "offset": f"{offset_s:g}s"}

    @field_validator("at")
    @classmethod
    def _clock_format(cls, value: str | None) -> str | None:
        if value is not None:
            clock_time_s(value)
        return value

    @model_validator(mode="after")
    def _window_fits(self) -> Schedule:
        if self.window_s > self.every_s:
            raise ValueError("window must not be longer than the period (every)")
        return self

    @property
    def batch(self) -> int:
        """Invocations per batch after scaling."""
        return round(self.count * self.scale)

    def _in_window(self, t: np.ndarray) -> np.ndarray:
        since = t - self.offset_s
        return (since >= 0) & (np.mod(since, self.every_s) < self.window_s)

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        t = np.asarray(t_s, dtype=np.float64)
        return np.where(self._in_window(t), self.batch / self.window_s, 0.0)

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        t = np.asarray(t_s, dtype=np.float64)
        since = np.maximum(t - self.offset_s, 0.0)
        whole = np.floor(since / self.every_s)
        part = np.minimum(since - whole * self.every_s, self.window_s)
        return self.batch * (whole + part / self.window_s)

    def peak_rps(self, horizon_s: float) -> float:
        return self.batch / self.window_s if horizon_s > self.offset_s else 0.0

    def requests(self, ctx: StreamContext) -> RequestStream:
        gen = ctx.generator()
        n = self.batch
        k = 0
        buffer: list[np.ndarray] = []
        held = 0
        while True:
            start = self.offset_s + k * self.every_s
            if start >= ctx.horizon_s:
                break
            if self.spread == "equidistant":
                times = start + (np.arange(n) + 0.5) * (self.window_s / max(n, 1))
            elif self.spread == "uniform":
                times = start + np.sort(gen.random(n)) * self.window_s
            else:
                m = int(gen.poisson(n))
                times = start + np.sort(gen.random(m)) * self.window_s
            times = times[times < ctx.horizon_s]
            buffer.append(times)
            held += len(times)
            k += 1
            while held >= ctx.chunk_size:
                joined = np.concatenate(buffer)
                yield joined[: ctx.chunk_size], None
                buffer, held = [joined[ctx.chunk_size :]], len(joined) - ctx.chunk_size
        if held:
            yield np.concatenate(buffer), None

    def describe(self) -> str:
        start = f", from {_clock(self.offset_s)}" if self.offset_s else ""
        return (
            f"batches of {self.batch:,} every {span_words(self.every_s)} over "
            f"{span_words(self.window_s)} ({self.spread}){start}"
        )
