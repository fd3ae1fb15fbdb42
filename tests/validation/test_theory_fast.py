"""The fast subset of the validation checks (``make test``); the full set is ``make validation``.

Every check in :mod:`vcheck` runs here with fewer replications and shorter runs, and must reach
a verdict other than DISAGREES on every row (see :mod:`vcheck.core` for the rules; the
simultaneous interval is taken over the rows of one check). The full-size runs are marked
``slow`` and are skipped by ``make test``.
"""

from __future__ import annotations

import math

import pytest
from vcheck import CHECKS, ORDER, Row
from vcheck.core import Estimate
from vcheck.peers import cold_start_for
from vcheck.theory import erlang_b, erlang_c, mmck_blocking


def test_erlang_formulas_match_the_direct_sums() -> None:
    """The recursions agree with the textbook sums (c = 3, a = 2.1)."""
    c, a = 3, 2.1
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    assert math.isclose(erlang_b(c, a), terms[c] / sum(terms), rel_tol=1e-12)
    top = terms[c] * c / (c - a)
    assert math.isclose(erlang_c(c, a), top / (sum(terms[:c]) + top), rel_tol=1e-12)
    # M/M/c/c is M/M/c/K with K = c
    assert math.isclose(mmck_blocking(c, c, a), erlang_b(c, a), rel_tol=1e-12)


def test_cold_start_mixture_makes_a_cold_request_exponential() -> None:
    """init + Exp(warm) has mean, variance and median of Exp(cold) (SimFaaS's cold service)."""
    dist = cold_start_for(2.0, 5.0)
    assert math.isclose(dist.mean_s + 2.0, 5.0, rel_tol=1e-12)
    assert math.isclose(dist.variance_s2 + 4.0, 25.0, rel_tol=1e-12)


def test_verdict_rules() -> None:
    """Inside 95 %: agrees; inside the simultaneous interval only: agrees (simultaneous)."""
    est = Estimate(1.0, 0.1, 10)  # 95 % half-width 0.0715, 99.9 % about 0.129
    row = Row("x", "q", "m", "r", "little", est, Estimate.exact(1.05))
    assert row.verdict(1) == "agrees"
    far = Row("x", "q", "m", "r", "little", est, Estimate.exact(1.1))
    assert far.verdict(1) == "DISAGREES"
    assert far.verdict(50) == "agrees (simultaneous)"


def _check(name: str, size: str) -> list[Row]:
    rows = CHECKS[name](size, map)
    assert rows
    bad = [
        (r.quantity, r.model, r.value, r.ref) for r in rows if r.verdict(len(rows)) == "DISAGREES"
    ]
    assert not bad, bad
    return rows


@pytest.mark.parametrize("name", ORDER)
def test_check_fast(name: str) -> None:
    """The check's fast size: every row agrees with its reference."""
    _check(name, "fast")


@pytest.mark.slow
@pytest.mark.parametrize("name", ORDER)
def test_check_full(name: str) -> None:
    """The check at the size docs/VALIDATION.md uses (``make validation`` runs these too)."""
    _check(name, "full")
