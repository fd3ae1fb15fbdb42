"""Bursty traffic: a Markov-modulated Poisson process (MMPP).

A hidden Markov chain moves between states; in state ``i`` requests arrive as Poisson at rate
``rate_i``, and the chain stays an exponential time with mean ``mean_sojourn_i`` before jumping
to another state chosen by ``transitions`` (uniformly among the others by default). The chain
starts in its stationary distribution, so the expected rate is constant:
``sum_i p_i rate_i`` with ``p_i`` proportional to ``pi_i * mean_sojourn_i`` (``pi`` being the
stationary distribution of the jump chain).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from costsim.fields import FileNamed
from costsim.traffic.context import StreamContext
from costsim.traffic.profiles import BaseProfile, DurationS, RatePerS, RequestStream
from costsim.units import span_words


class MmppState(FileNamed):
    """One state of the modulating chain."""

    rate_rps: RatePerS = Field(ge=0, alias="rate")
    mean_sojourn_s: DurationS = Field(gt=0, alias="mean_sojourn")


class Mmpp(BaseProfile):
    """``{profile: mmpp, states: [{rate: 50rps, mean_sojourn: 2min}, {rate: 1rps, ...}]}``."""

    profile: Literal["mmpp"]
    states: list[MmppState] = Field(min_length=2, max_length=64)
    transitions: list[list[float]] | None = None

    @model_validator(mode="after")
    def _valid_matrix(self) -> Mmpp:
        if self.transitions is None:
            return self
        n = len(self.states)
        p = np.asarray(self.transitions, dtype=float)
        if p.shape != (n, n):
            raise ValueError(f"transitions must be a {n}x{n} matrix")
        if np.any(p < 0) or not np.all(np.isfinite(p)):
            raise ValueError("transition probabilities must be finite and >= 0")
        if np.any(np.diag(p) != 0):
            raise ValueError("a state cannot jump to itself; put 0 on the diagonal")
        if not np.allclose(p.sum(axis=1), 1.0):
            raise ValueError("each row of transitions must sum to 1")
        return self

    def jump_matrix(self) -> np.ndarray:
        """Probabilities of the next state given the current one."""
        n = len(self.states)
        if self.transitions is not None:
            return np.asarray(self.transitions, dtype=float)
        return (np.ones((n, n)) - np.eye(n)) / (n - 1)

    def time_share(self) -> np.ndarray:
        """Long-run share of time spent in each state."""
        p = self.jump_matrix()
        n = len(p)
        a = np.vstack([p.T - np.eye(n), np.ones(n)])
        b = np.concatenate([np.zeros(n), [1.0]])
        pi = np.linalg.lstsq(a, b, rcond=None)[0]
        occupancy = np.clip(pi, 0, None) * np.array([s.mean_sojourn_s for s in self.states])
        return occupancy / occupancy.sum()

    @property
    def mean_rate_rps(self) -> float:
        """Stationary mean arrival rate [1/s]."""
        rates = np.array([s.rate_rps for s in self.states])
        return float(self.scale * self.time_share() @ rates)

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        return np.full_like(np.asarray(t_s, dtype=np.float64), self.mean_rate_rps)

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        return self.mean_rate_rps * np.asarray(t_s, dtype=np.float64)

    def peak_rps(self, horizon_s: float) -> float:
        return self.scale * max(s.rate_rps for s in self.states)

    def path(self, ctx: StreamContext) -> tuple[np.ndarray, np.ndarray]:
        """A realisation of the chain: (switch times [s] starting with 0, state index)."""
        gen = ctx.generator(0)
        p = self.jump_matrix()
        cum = np.cumsum(p, axis=1)
        sojourn = np.array([s.mean_sojourn_s for s in self.states])
        state = int(np.searchsorted(np.cumsum(self.time_share()), gen.random(), side="right"))
        state = min(state, len(self.states) - 1)
        times, states = [0.0], [state]
        t = 0.0
        while True:
            t += gen.exponential(sojourn[state])
            if t >= ctx.horizon_s:
                break
            state = min(int(np.searchsorted(cum[state], gen.random(), side="right")), len(p) - 1)
            times.append(t)
            states.append(state)
        return np.array(times), np.array(states, dtype=np.int64)

    def requests(self, ctx: StreamContext) -> RequestStream:
        from costsim.traffic.arrivals import arrival_chunks

        starts, states = self.path(ctx)
        rates = self.scale * np.array([s.rate_rps for s in self.states])[states]
        realised = _PiecewiseRate(starts, rates)
        for arrivals in arrival_chunks(realised, ctx.horizon_s, ctx.generator(1), ctx.chunk_size):
            yield arrivals, None

    def describe(self) -> str:
        parts = ", ".join(
            f"{s.rate_rps:g} req/s for ~{span_words(s.mean_sojourn_s)}" for s in self.states
        )
        return self._scaled(f"bursty (MMPP): {parts}; mean {self.mean_rate_rps:g} req/s")


class _PiecewiseRate:
    """A piecewise-constant rate with exact integral, for one realised MMPP path."""

    def __init__(self, starts_s: np.ndarray, rates: np.ndarray) -> None:
        self.starts = starts_s
        self.rates = rates
        widths = np.diff(starts_s)
        self.cum_at_start = np.concatenate([[0.0], np.cumsum(rates[:-1] * widths)])

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        i = np.searchsorted(self.starts, np.asarray(t_s), side="right") - 1
        return self.rates[np.clip(i, 0, len(self.rates) - 1)]

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        t = np.asarray(t_s, dtype=np.float64)
        i = np.clip(np.searchsorted(self.starts, t, side="right") - 1, 0, len(self.rates) - 1)
        return self.cum_at_start[i] + self.rates[i] * (t - self.starts[i])
