"""Break-even search by bracketing and bisection with common random numbers.

Theory: with the free tier off and a fixed duration, Lambda's monthly cost is linear in the
request rate (per-request fee + GB-seconds per request) while a fixed VPS fleet's is constant, so
the two cross once, where rate x cost per request x 730 h = the VPS's monthly price.
"""

from __future__ import annotations

import pytest

from costsim import InputError, scenario_from_text, simulate
from costsim.sweep import parse_vary
from costsim.sweep.breakeven import find_breakeven
from costsim.sweep.grid import MONTH_S, apply_point

SCENARIO = """
name: be
horizon: 20min
seed: 11
traffic: {profile: constant, mean_rps: 2}
workload:
  duration: {dist: fixed, value: 100ms}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda, memory: 512MB, free_tier: false}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 8}
  - {name: other, kind: vps, instance: hetzner-cx33, count: 3, workers: 8}
"""


@pytest.fixture(scope="module")
def found():
    scn = scenario_from_text(SCENARIO)
    axis = parse_vary("traffic.mean_rps=log:0.5rps:200rps:3")
    return scn, find_breakeven(scn, "lambda", "vps", axis, replications=2)


def test_crossover_matches_the_linear_cost_model(found) -> None:
    """At the found rate the two options' costs agree; and the rate matches C / cost per req."""
    scn, result = found
    assert len(result.crossings) == 1
    c = result.crossings[0]
    point = simulate(apply_point(scn, {"traffic.mean_rps": f"{c.at}rps"}))
    lam, vps = float(point.option("lambda").cost.total), float(point.option("vps").cost.total)
    per_request = lam / (point.option("lambda").arrived / scn.horizon_s * MONTH_S)
    assert c.at == pytest.approx(vps / per_request / MONTH_S, rel=0.05)
    assert lam == pytest.approx(vps, rel=0.05)
    assert c.cheaper_below == "lambda"
    assert c.ci95[0] <= c.at <= c.ci95[1]
    assert c.at_rps == pytest.approx(c.at)


def test_search_costs_few_runs(found) -> None:
    """Brackets of ln(400)/2 = 3 wide, halved to 1 %: at most 3 + 9 runs per replication."""
    _, result = found
    assert result.simulations <= 2 * (3 + 9)


def test_bad_arguments_name_the_flag() -> None:
    scn = scenario_from_text(SCENARIO)
    axis = parse_vary("traffic.scale=log:0.1:10:3")
    with pytest.raises(InputError) as info:
        find_breakeven(scn, "lambda", "nope", axis)
    assert info.value.field == "--between"
    with pytest.raises(InputError) as info:
        find_breakeven(scn, "lambda", "vps", parse_vary("options.lambda.arch=x86_64,arm64"))
    assert info.value.field == "--vary"


def test_cli_breakeven_prints_business_units(tmp_path, monkeypatch, capsys) -> None:
    """``costsim breakeven`` prints req/s and requests a month and writes breakeven.json."""
    import json
    import sys

    from costsim.cli import main

    path = tmp_path / "be.yaml"
    path.write_text(SCENARIO)
    args = [
        "costsim",
        "breakeven",
        str(path),
        "--between",
        "lambda",
        "vps",
        "--vary",
        "traffic.mean_rps=log:0.5rps:200rps:3",
        "--replications",
        "2",
        "--out",
        str(tmp_path / "be"),
    ]
    monkeypatch.setattr(sys, "argv", args)
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert "lambda = vps at" in out and "req/s, about" in out and "requests a month" in out
    doc = json.loads((tmp_path / "be" / "breakeven.json").read_text())
    assert doc["crossings"][0]["at_requests_per_month"] > 0
