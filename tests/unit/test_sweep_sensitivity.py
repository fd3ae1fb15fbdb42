"""A sweep's crossovers under each doubted input (the sweep record's sensitivity section).

Theory for the direction: Lambda's bill grows with traffic and a fixed VPS's does not, so their
crossover sits where Lambda's cost reaches the VPS's. A savings plan (30 % off the VPS) lowers
the VPS's cost, so Lambda stays cheaper only to a lower traffic: the crossover must move down,
by about 30 % when Lambda's cost is nearly proportional to traffic (its free tier is small
against 11M requests a month); removing the free tier raises Lambda's cost at every traffic,
so it too moves the crossover down. A factor that touches neither option (an ops cost for owned
servers) is not tried.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costsim.report.adr import write_report
from costsim.scenario import load_scenario
from costsim.sweep import run_sweep
from costsim.sweep.crossover_sensitivity import ensure_sweep_sensitivity

SCENARIO = """\
name: cross
horizon: 2h
seed: 3
traffic: {profile: constant, mean_rps: 1}
workload:
  duration: {dist: fixed, value: 40ms}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda, memory: 128MB}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 8}
slo: {p99: 500ms}
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sens")
    path = root / "cross.yaml"
    path.write_text(SCENARIO)
    out = root / "sweep"
    run_sweep(
        load_scenario(path),
        {"traffic.mean_rps": ["0.5rps", "2rps", "8rps", "32rps"]},
        replications=1,
        out=out,
        workers=1,
        charts=False,
    )
    return out


def _ensure(sweep_dir: Path) -> None:
    summary = json.loads((sweep_dir / "summary.json").read_text())
    assert summary["scenario_file"].endswith("cross.yaml")
    summary["vary"][0]["log"] = True  # bracket x/÷3 around the crossover
    ensure_sweep_sensitivity(sweep_dir, summary)
    assert (sweep_dir / "crossover_sensitivity.json").exists()


def test_savings_plan_and_free_tier_move_the_crossover_down(sweep_dir: Path) -> None:
    _ensure(sweep_dir)
    doc = json.loads((sweep_dir / "crossover_sensitivity.json").read_text())
    (c,) = doc["crossovers"]
    assert (c["a"], c["b"]) == ("lambda", "vps")
    by = {f["label"]: f for f in c["factors"]}
    assert not any(label.startswith("ops cost") for label in by)
    assert -0.4 < by["savings plan 30 %"]["shift"] < -0.2
    assert by["free tier off"]["shift"] < 0
    assert c["baseline"]["at"] == pytest.approx(c["at"], rel=0.2)


def test_sweep_record_has_the_sensitivity_section(sweep_dir: Path) -> None:
    _ensure(sweep_dir)
    write_report(sweep_dir, html=False)
    text = (sweep_dir / "report.md").read_text()
    assert "## Sensitivity: what moves the crossovers" in text
    assert "| savings plan 30 % |" in text
    assert "--horizon 2h" in text  # the reproduce command simulates what the sweep did
