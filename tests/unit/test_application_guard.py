"""The resource guard counts an application's function invocations, not only its requests.

A map with 100,000 items per execution on a route of 0.2 req/s passed ``validate`` as "about
720 requests" and ran for hours (session 5 fuzz); the guard now multiplies each route's
expected requests by the invocations one request causes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from costsim.application.checks import mean_invocations
from costsim.guards import estimate
from costsim.scenario import load_scenario

BASE = Path(__file__).resolve().parents[1] / "fixtures" / "malformed_app_base.yaml"


def test_invocations_per_request_by_hand() -> None:
    """Route get: authorizer + api + db + the queued worker = 4. Route flow: step, a map of 3
    steps, a parallel of step and db, a choice taking one step half the time = 1 + 3 + 2 + 0.5
    = 6.5. Over 10 min: 600 x 4 + 120 x 6.5 = 3,180 invocations for 720 requests."""
    scn = load_scenario(BASE)
    assert scn.application is not None
    assert mean_invocations(scn.application) == {"get": 4.0, "flow": 6.5}
    est = estimate(scn)
    assert est.requests == pytest.approx(720.0)
    assert est.invocations == pytest.approx(3180.0)
    assert est.work == est.invocations and "function invocations" in est.work_words()


def test_a_single_function_scenario_counts_requests() -> None:
    """No application: the limits apply to the requests, as before."""
    scn = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "hello-api.yaml")
    est = estimate(scn)
    assert est.invocations is None and est.work == est.requests
