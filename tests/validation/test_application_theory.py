"""Applications against theory: the rows of ``vcheck.applications`` run in test_theory_fast.py
(and in ``make validation``); here, what those rows cannot say on their own."""

from __future__ import annotations

import math

from vcheck import applications
from vcheck.core import Estimate


def test_renewal_rate_reduces_to_the_textbook_formula_without_latency() -> None:
    """With a = 0 the TTL-cache refresh rate is lambda / (1 + lambda T); latency only adds."""
    lam, ttl = 0.2, 30.0
    assert math.isclose(applications.renewal_rate(lam, ttl, 0.0), lam / (1 + lam * ttl))
    assert applications.renewal_rate(lam, ttl, 0.5) > lam / (1 + lam * ttl)
    # tiny latency: first order in lambda a, rate ~ lam (1 + lam a) / (1 + lam (T + a))
    a = 1e-4
    approx = lam * (1 + lam * a) / (1 + lam * (ttl + a))
    assert math.isclose(applications.renewal_rate(lam, ttl, a), approx, rel_tol=1e-6)


def test_the_simulation_resolves_the_authorizer_latency_correction() -> None:
    """The simulated rate excludes the uncorrected lambda / (1 + lambda T) (8 % lower) at 99 %,
    so the authorizer row checks the latency correction, not only the textbook formula."""
    c = applications.AUTH
    est = Estimate.of([applications._authorizer(7200.0, rep)[0] for rep in range(4)])
    naive = c["lam"] / (1 + c["lam"] * c["ttl"])
    exact = applications.renewal_rate(c["lam"], c["ttl"], c["latency"])
    assert abs(est.mean - exact) <= est.half(0.99)
    assert abs(est.mean - naive) > est.half(0.99)
