"""The sensitivity section: one factor at a time, same seed, as a tornado of the cost gap.

Hand calculation (AWS Lambda us-east-1, pricing-facts.md section 1a): 1 GB, 100 ms, 1.9 req/s is
about 5.0M requests a month. With the free tier (1M requests, 400,000 GB-s) Lambda costs about
0.8 + 100,000 x $0.0000166667 = $2.47; without it 5.0M x ($0.20/1M + 0.1 GB-s x $0.0000166667) =
$9.33. One Hetzner CX33 is EUR 6.49 x 1.08 = $7.01. So turning the free tier off flips the
choice from Lambda to the VPS.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costsim.output import write_run_outputs
from costsim.report.adr import write_report
from costsim.scenario import load_scenario
from costsim.simulate import simulate
from costsim.sweep.sensitivity import FACTORS, ensure_sensitivity

SCENARIO = """\
# Question: does the free tier decide between Lambda and a VPS?
name: sens
horizon: 20min
seed: 4
traffic: {profile: constant, mean_rps: 1.9}
workload:
  duration: {dist: fixed, value: 100ms}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda, memory: 1GB}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 8}
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sens")
    path = root / "sens.yaml"
    path.write_text(SCENARIO)
    out = root / "out"
    write_run_outputs(simulate(load_scenario(path)), out)
    write_report(out, date="2026-12-02", html=False, sensitivity=ensure_sensitivity)
    return out


def test_free_tier_off_flips_the_decision(folder: Path) -> None:
    sens = json.loads((folder / "sensitivity.json").read_text())
    assert sens["baseline"]["lambda"] < sens["baseline"]["vps"]
    off = next(f for f in sens["factors"] if f["label"] == "free tier off")
    assert off["cheapest"] == "vps"
    assert off["costs_usd"]["lambda"] == pytest.approx(9.33, rel=0.05)
    assert sens["baseline"]["lambda"] == pytest.approx(2.47, rel=0.1)


def test_record_names_the_flipping_factor_and_draws_the_tornado(folder: Path) -> None:
    md = (folder / "report.md").read_text()
    assert "## Sensitivity: what would change the decision" in md
    assert "These change the decision: free tier off (vps cheapest)" in md
    assert "](sensitivity.svg)" in md and (folder / "sensitivity.png").exists()


def test_factors_that_do_not_apply_are_left_out(folder: Path) -> None:
    """No bare-metal option: no ops-cost factor; fixed duration: both duration factors."""
    labels = {f["label"] for f in json.loads((folder / "sensitivity.json").read_text())["factors"]}
    assert not any(label.startswith("ops cost") for label in labels)
    assert {"free tier off", "duration -30 %", "duration +30 %"} <= labels
    assert labels <= set(FACTORS)
