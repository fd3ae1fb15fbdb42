"""The Python API as a notebook user meets it (issue 16): money in cents when printed,
DataFrames, rich reprs, ``costsim.run_sweep``."""

from __future__ import annotations

from decimal import Decimal

import pytest

import costsim
from costsim import scenario_from_text, simulate
from costsim.results import Money

SCENARIO = """
name: py
horizon: 20min
seed: 2
traffic: {profile: constant, mean_rps: 1}
workload:
  duration: {dist: fixed, value: 50ms}
options:
  - {name: lambda, kind: serverless, memory: 128MB, extras: [api-gateway-http]}
  - {name: vps, kind: vps, count: 1, workers: 4}
"""


@pytest.fixture(scope="module")
def result():
    return simulate(scenario_from_text(SCENARIO))


def test_money_prints_in_cents_and_stays_exact() -> None:
    m = Money("6.111629999999999999999999")
    assert str(m) == "6.11" and repr(m) == "Money('6.11')" and f"{m}" == "6.11"
    assert Decimal(m) == Decimal("6.111629999999999999999999")
    assert m + Decimal("0.000000000000000000000001") == Decimal("6.111630000000000000000000")


def test_option_total_prints_short(result) -> None:
    total = result.option("vps").cost.total
    assert len(str(total).split(".")[1]) == 2
    assert str(result.option("vps").cost).startswith(f"${total} per month (")


def test_result_to_frame(result) -> None:
    frame = result.to_frame()
    assert list(frame.index) == ["lambda", "vps"]
    assert frame.loc["vps", "cost_usd"] == pytest.approx(float(result.option("vps").cost.total))
    assert "cost_usd.api gateway (HTTP)" in frame.columns
    assert frame.loc["lambda", "arrived"] == result.option("lambda").arrived


def test_reprs_are_short_and_html_has_the_table(result) -> None:
    text = repr(result)
    assert text.startswith("<Result py:") and "lambda (serverless)" in text and "\n" in text
    assert len(text) < 400
    html = result._repr_html_()
    assert "<table" in html and "$/month" in html and "p99 ms" in html


def test_run_sweep_is_exported_and_its_frame_is_tidy() -> None:
    sweep = costsim.run_sweep(
        scenario_from_text(SCENARIO), {"traffic.scale": [0.5, 4.0]}, workers=1
    )
    frame = sweep.to_frame()
    assert len(frame) == 2 * 2
    assert {"traffic.scale", "option", "cost_usd", "cost_usd.ci95_low", "mean_rps"} <= set(frame)
    assert repr(sweep).startswith("<SweepResult py: 2 points x 1 replications")
    assert "run_sweep" in costsim.__all__


def test_money_honours_format_specs() -> None:
    assert f"{Money('1234.5678'):,.2f}" == "1,234.57" and f"{Money('0.0012'):.4f}" == "0.0012"
