"""Fast first answers: --horizon/--quick, run-time estimates, and the short-horizon warning.

Issue 16: a 1-day run of weekly traffic overstated a month's cost ($310 vs $228) silently; the
README's first sweep took 17 min with no way to ask for a quicker answer.
"""

from __future__ import annotations

import pytest

from costsim import InputError, scenario_from_text
from costsim.estimate import (
    RUN_OVERHEAD_S,
    THROUGHPUT_REQ_PER_S,
    horizon_warning,
    quick_horizon_s,
    runtime_s,
    say_duration,
    task_weights,
    traffic_period_s,
    with_horizon,
)

WEEKLY = """
name: weekly
horizon: 28d
traffic: {profile: diurnal, mean_rps: 3, weekend_factor: 0.3}
workload:
  duration: {dist: fixed, value: 40ms}
options:
  - {name: lambda, kind: serverless}
  - {name: vps, kind: vps, count: 1}
"""


def test_periods_of_the_profiles() -> None:
    weekly = scenario_from_text(WEEKLY)
    assert traffic_period_s(weekly.traffic) == 7 * 86400
    daily = scenario_from_text(WEEKLY.replace(", weekend_factor: 0.3", ""))
    assert traffic_period_s(daily.traffic) == 86400
    flat = scenario_from_text(
        WEEKLY.replace("diurnal", "constant").replace(", weekend_factor: 0.3", "")
    )
    assert traffic_period_s(flat.traffic) == 0


def test_one_day_of_weekly_traffic_is_flagged_with_its_bias() -> None:
    """Monday alone carries 1 / ((5 + 2 x 0.3) / 7) - 1 = 25 % more traffic than the week."""
    one_day = with_horizon(scenario_from_text(WEEKLY), "1d")
    warning = horizon_warning(one_day)
    assert warning is not None
    assert "shorter than the traffic's period (7d)" in warning
    assert "25 % above" in warning and "overstates" in warning and "--horizon 7d" in warning
    assert horizon_warning(scenario_from_text(WEEKLY)) is None


def test_quick_is_one_period_and_never_longer_than_the_scenario() -> None:
    weekly = scenario_from_text(WEEKLY)
    assert quick_horizon_s(weekly) == 7 * 86400
    assert with_horizon(weekly, None, quick=True).horizon_s == 7 * 86400
    short = with_horizon(weekly, "2h")
    assert quick_horizon_s(short) == 7200


@pytest.mark.parametrize("bad", ["7", "soon", "0.5s"])
def test_bad_horizon_flag_names_the_flag(bad: str) -> None:
    with pytest.raises(InputError) as info:
        with_horizon(scenario_from_text(WEEKLY), bad)
    assert info.value.field == "--horizon"


def test_runtime_is_requests_over_throughput_plus_overhead() -> None:
    """3 req/s x 28 d x (5 + 0.6)/7 ... expected requests x 2 options / measured rate."""
    scn = scenario_from_text(WEEKLY)
    requests = scn.traffic.expected_count(0.0, scn.horizon_s)
    expected = RUN_OVERHEAD_S + requests * 2 / THROUGHPUT_REQ_PER_S["fast"]
    assert runtime_s(scn) == pytest.approx(expected)
    assert say_duration(30) == "about 30 s" and say_duration(240) == "about 4 min"


def test_task_weights_follow_expected_requests() -> None:
    """A point with 10x the traffic weighs 10x in the ETA (tasks are point-major)."""
    base = scenario_from_text(WEEKLY)
    big = base.model_copy(update={"traffic": base.traffic.model_copy(update={"scale": 10.0})})
    w = task_weights([base, big], replications=2)
    assert w[0] == w[1] and w[2] == pytest.approx(10 * w[0])
