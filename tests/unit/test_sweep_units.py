"""Sweeps in business units: unit values stay numeric, crossovers in req/s and requests a month.

Issue 16: break-evens read "traffic.scale = 2.25" rather than "4.5 req/s, about 11.8M requests a
month"; ``--vary`` with unit values (``0.5rps,2rps``) made the axis categorical and lost the
crossovers; ``--vary`` typos printed a Python dict and an internal name.
"""

from __future__ import annotations

import pytest

from costsim import InputError, scenario_from_text
from costsim.sweep import parse_vary, run_sweep
from costsim.sweep.grid import MONTH_S, apply_point, describe_rate, expected_rps

SCENARIO = """
name: su
horizon: 30min
seed: 3
traffic: {profile: constant, mean_rps: 2}
workload:
  duration: {dist: fixed, value: 50ms}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda, memory: 128MB}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 8}
slo: {p99: 500ms}
"""


def test_unit_values_make_a_numeric_axis() -> None:
    axis = parse_vary("traffic.mean_rps=0.5rps,2rps,120rpm")
    assert list(axis.numeric()) == [0.5, 2.0, 2.0] and axis.unit == "req/s"
    mem = parse_vary("options.lambda.memory=128MB,1GB")
    assert list(mem.numeric()) == [128.0, 1024.0] and mem.unit == "MB"
    assert parse_vary("x=a,b").numeric() is None


def test_log_spec_with_units_keeps_the_unit() -> None:
    axis = parse_vary("traffic.mean_rps=log:0.5rps:50rps:3")
    assert axis.values == ("0.5rps", "5rps", "50rps") and axis.log


def test_vary_typo_is_one_clear_line_without_a_dict() -> None:
    scn = scenario_from_text(SCENARIO)
    with pytest.raises(InputError) as info:
        apply_point(scn, {"options.lambda.memry": "1GB"})
    text = info.value.one_line()
    assert text == (
        "--vary: options.lambda.memry=1GB: unknown field 'memry'; did you mean 'memory'?"
    )
    assert "{" not in text and "serverless" not in text


def test_business_units_of_a_rate() -> None:
    """4.5 req/s over a 730-hour month is 11.8M requests (4.5 x 2,628,000 s)."""
    assert describe_rate(4.5) == "4.5 req/s, about 11.8M requests a month"
    assert expected_rps(scenario_from_text(SCENARIO)) == pytest.approx(2.0)


def test_crossovers_on_a_unit_axis_come_with_req_s_and_requests_a_month() -> None:
    """Lambda's cost grows with traffic and a VPS's does not: they cross, in req/s."""
    result = run_sweep(
        scenario_from_text(SCENARIO),
        [parse_vary("traffic.mean_rps=0.5rps,5rps,50rps")],
        workers=1,
    )
    cross = result.crossovers["crossovers"]
    assert cross, "the rps axis must stay numeric so the crossover is found"
    c = cross[0]
    assert 0.5 < c["at"] < 50 and c["at_rps"] == pytest.approx(c["at"])
    assert c["at_requests_per_month"] == pytest.approx(c["at_rps"] * MONTH_S)
    assert "req/s, about" in c["at_text"]
    assert result.summary["points"][1]["mean_rps"] == pytest.approx(5.0)


def test_sweep_without_out_leaves_no_folder_behind(tmp_path, monkeypatch) -> None:
    """Issue 16: without ``out`` a sweep left a hidden ``.costsim-sweep/`` in the cwd."""
    monkeypatch.chdir(tmp_path)
    run_sweep(scenario_from_text(SCENARIO), {"traffic.scale": [1.0]}, workers=1)
    assert list(tmp_path.iterdir()) == []
