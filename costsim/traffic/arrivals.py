"""Arrival streams, generated chunk by chunk.

Arrivals of a non-homogeneous Poisson process with integrated rate ``L(t)`` are
``t_i = L^-1(E_1 + ... + E_i)`` for i.i.d. unit exponentials ``E``. Each arrival consumes exactly
one exponential draw, in order, so the stream for a seed does not depend on the chunk size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np


class RateProfile(Protocol):
    """What arrival generation needs of a profile."""

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        """Arrival rate at times ``t_s`` [s], in requests per second [req/s]."""
        ...

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        """Expected arrivals in ``[0, t_s]`` [requests]: the integral of the rate."""
        ...


@dataclass
class IntegratedRateInverse:
    """Invert ``L(t)`` on ``[0, horizon_s]`` by bracketing on a grid, then safeguarded Newton.

    Parameters
    ----------
    profile : RateProfile
        The rate profile.
    horizon_s : float
        End of the simulated period [s].
    grid_step_s : float
        Spacing of the bracketing grid [s].
    """

    profile: RateProfile
    horizon_s: float
    grid_step_s: float = 60.0

    def __post_init__(self) -> None:
        n = max(2, int(np.ceil(self.horizon_s / self.grid_step_s)) + 1)
        self.grid_s = np.linspace(0.0, self.horizon_s, n)
        self.grid_cum = self.profile.cumulative(self.grid_s)
        self.total = float(self.grid_cum[-1])

    def __call__(self, targets: np.ndarray) -> np.ndarray:
        """Times [s] at which the integrated rate reaches ``targets`` (all < ``total``)."""
        idx = np.searchsorted(self.grid_cum, targets, side="right") - 1
        idx = np.clip(idx, 0, len(self.grid_s) - 2)
        lo = self.grid_s[idx].copy()
        hi = self.grid_s[idx + 1].copy()
        c_lo = self.grid_cum[idx]
        c_hi = self.grid_cum[idx + 1]
        span = np.where(c_hi > c_lo, c_hi - c_lo, 1.0)
        t = lo + (hi - lo) * np.clip((targets - c_lo) / span, 0.0, 1.0)
        tol = 1e-12 * np.maximum(1.0, np.abs(targets))
        # safeguarded Newton, iterating only on the elements not yet converged
        active = np.arange(len(t))
        for _ in range(60):
            ta = t[active]
            f = self.profile.cumulative(ta) - targets[active]
            done = np.abs(f) <= tol[active]
            if done.all():
                break
            keep = ~done
            active, ta, f = active[keep], ta[keep], f[keep]
            lo_a = np.where(f < 0, ta, lo[active])
            hi_a = np.where(f > 0, ta, hi[active])
            lo[active], hi[active] = lo_a, hi_a
            rate = self.profile.rate_rps(ta)
            with np.errstate(divide="ignore", invalid="ignore"):
                step = ta - f / rate
            bad = ~np.isfinite(step) | (step <= lo_a) | (step >= hi_a)
            t[active] = np.where(bad, 0.5 * (lo_a + hi_a), step)
        return t


def arrival_chunks(
    profile: RateProfile,
    horizon_s: float,
    gen: np.random.Generator,
    chunk_size: int = 1 << 20,
) -> Iterator[np.ndarray]:
    """Yield arrival times [s] in increasing order, at most ``chunk_size`` per chunk.

    Parameters
    ----------
    profile : RateProfile
        Arrival-rate profile.
    horizon_s : float
        Arrivals are drawn in ``[0, horizon_s)`` [s].
    gen : numpy.random.Generator
        Source of randomness; consumed one exponential per arrival.
    chunk_size : int
        Largest number of arrivals in one chunk.
    """
    if horizon_s <= 0:
        return
    analytic = getattr(profile, "inverse_cumulative", None)
    inverse = analytic if analytic is not None else IntegratedRateInverse(profile, horizon_s)
    total = float(profile.cumulative(np.array([horizon_s]))[0])
    if total <= 0:
        return
    cum = 0.0
    while True:
        draws = gen.standard_exponential(chunk_size)
        # Accumulate sequentially from the carried total, so that the sums (and hence the
        # arrival times) are bit-identical whatever the chunk size.
        draws[0] += cum
        targets = np.cumsum(draws)
        cum = float(targets[-1])
        keep = targets < total
        if not keep.all():
            targets = targets[keep]
            if len(targets):
                yield inverse(targets)
            return
        yield inverse(targets)
