"""Rows, confidence intervals and verdicts shared by every check.

A check runs independent replications (a seed each) and reports, per quantity, the mean of the
replication values and their standard deviation. The 95 % confidence interval is Student's t
over the replications, ``mean +- t(0.975, n-1) s / sqrt(n)``. A simulated reference (SimFaaS)
carries its own replications, and the two are compared by Welch's interval on the difference.

Verdicts are decided by rules fixed before any result is seen:

* ``agrees``: the reference lies in costsim's 95 % interval (Welch's, for a simulated one);
* ``agrees (simultaneous)``: it lies outside the 95 % interval but inside the simultaneous
  interval of the whole table (Bonferroni, level ``1 - 0.05 / rows``). With many rows at 95 %
  each, about one in twenty misses its own interval by chance alone; the simultaneous interval
  is the one for which "every row holds" has 95 % confidence;
* ``reference approximate``: an approximate analytical reference (pacsltk) lies outside
  costsim's 95 % interval, while costsim agrees (simultaneous interval) with SimFaaS's exact
  simulation of the same model: the approximation, not the model, is off. (A first version of
  this rule also asked SimFaaS's own interval to exclude the reference; SimFaaS, ten pure-Python
  replications, is too imprecise to resolve errors of a few per cent that costsim resolves, so
  that clause was dropped. The report marks the rows where SimFaaS does exclude it.)
* ``DISAGREES``: anything else. The tests fail on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

Mapper = Callable[..., Iterable[Any]]

#: Base of every seed; fixed once, never tuned.
BASE_SEED = 20_260_817


@dataclass(frozen=True)
class Estimate:
    """Mean, standard deviation and count of replication values (``n = 0``: exact value)."""

    mean: float
    sd: float = 0.0
    n: int = 0

    @classmethod
    def of(cls, values: Sequence[float]) -> Estimate:
        x = np.asarray(values, dtype=np.float64)
        return cls(float(x.mean()), float(x.std(ddof=1)) if len(x) > 1 else 0.0, len(x))

    @classmethod
    def exact(cls, value: float) -> Estimate:
        return cls(float(value))

    @property
    def se(self) -> float:
        """Standard error of the mean."""
        return self.sd / math.sqrt(self.n) if self.n > 0 else 0.0

    def half(self, level: float = 0.95) -> float:
        """Half-width of the two-sided Student-t interval at ``level``."""
        if self.n < 2:
            return 0.0
        return float(stats.t.ppf(0.5 + level / 2, self.n - 1)) * self.se


def diff_half(a: Estimate, b: Estimate, level: float) -> float:
    """Half-width of the interval on ``a.mean - b.mean`` (Welch; exact ``b`` when ``b.n == 0``)."""
    if b.n == 0:
        return a.half(level)
    va, vb = a.se**2, b.se**2
    if va + vb == 0:
        return 0.0
    dof = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    return float(stats.t.ppf(0.5 + level / 2, dof)) * math.sqrt(va + vb)


@dataclass(frozen=True)
class Row:
    """One line of docs/VALIDATION.md.

    Attributes
    ----------
    check : str
        Name of the check (a key of :data:`CHECKS`).
    quantity : str
        What is compared, with its unit.
    model : str
        The costsim model and its parameters.
    reference : str
        The reference's name.
    citation : str
        Key into :data:`vcheck.theory.CITATIONS`.
    value : Estimate
        costsim's replications.
    ref : Estimate
        The reference: exact (``n == 0``) or replications of a peer simulator.
    approximate : bool
        Whether the reference is an approximation (judged against ``arbiter``).
    arbiter : Estimate or None
        For an approximate reference: an exact simulation of the same model (SimFaaS).
    note : str
        Anything a reader needs to interpret the row.
    """

    check: str
    quantity: str
    model: str
    reference: str
    citation: str
    value: Estimate
    ref: Estimate
    approximate: bool = False
    arbiter: Estimate | None = None
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    def inside(self, level: float) -> bool:
        """Whether the reference lies in the interval at ``level``."""
        gap = abs(self.value.mean - self.ref.mean)
        half = diff_half(self.value, self.ref, level)
        return gap <= half + 1e-12 * max(1.0, abs(self.ref.mean))

    def peer_excludes_reference(self, level: float = 0.95) -> bool:
        """Whether the arbiter's own interval excludes the (approximate) reference."""
        if self.arbiter is None:
            return False
        return abs(self.arbiter.mean - self.ref.mean) > self.arbiter.half(level)

    def verdict(self, n_rows: int) -> str:
        """The verdict under the rules of this module, for a table of ``n_rows`` rows."""
        simultaneous = 1.0 - 0.05 / max(n_rows, 1)
        if self.inside(0.95):
            return "agrees"
        if not self.approximate and self.inside(simultaneous):
            return "agrees (simultaneous)"
        if self.approximate and self.arbiter is not None:
            peer_ok = abs(self.value.mean - self.arbiter.mean) <= diff_half(
                self.value, self.arbiter, simultaneous
            )
            if peer_ok:
                return "reference approximate"
        return "DISAGREES"

    @property
    def relative_error(self) -> float:
        """``(reference - costsim) / costsim``."""
        if self.value.mean == 0:
            return math.inf if self.ref.mean else 0.0
        return (self.ref.mean - self.value.mean) / abs(self.value.mean)


def verdicts(rows: Sequence[Row]) -> list[str]:
    """The verdict of every row, with the table's size for the simultaneous interval."""
    return [r.verdict(len(rows)) for r in rows]


def seed_for(*keys: int) -> np.random.SeedSequence:
    """A seed sequence for one replication of one configuration of one check."""
    return np.random.SeedSequence([BASE_SEED, *keys])


#: Check name -> function(size, mapper) -> rows. Filled by the check modules.
CHECKS: dict[str, Callable[[str, Mapper], list[Row]]] = {}


def register(name: str) -> Callable[[Callable[[str, Mapper], list[Row]]], Any]:
    """Decorator: add a check to :data:`CHECKS` under ``name``."""

    def deco(fn: Callable[[str, Mapper], list[Row]]) -> Callable[[str, Mapper], list[Row]]:
        CHECKS[name] = fn
        return fn

    return deco
