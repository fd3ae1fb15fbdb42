"""Determinism: the same scenario and seed give a byte-identical summary.json.

Across repeated runs of one engine the files are identical byte for byte; across engines (simpy and
fast) they are identical except for the ``engine`` field, which names the engine. The scenario has
batch windows, so each option's ``batches`` block (first arrivals, last completions, jobs on time)
is compared too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from costsim.cli import main

SCENARIO = """\
name: determinism
horizon: 30min
seed: 11
traffic:
  sum:
    - {profile: diurnal, mean_rps: 2, peak_to_trough: 3}
    - {profile: mmpp, states: [{rate: 4rps, mean_sojourn: 2min}, {rate: 0.2, mean_sojourn: 5min}]}
workload:
  duration: {dist: lognormal, median: 40ms, p99: 400ms}
options:
  - {name: lambda, kind: serverless, memory: 256MB, keep_alive: 2min, concurrency_limit: 5,
     reuse: random, extras: [api-gateway-http]}
  - {name: vps, kind: vps, instance: hetzner-cx33, workers: 2, balancer: random, queue_limit: 20,
     autoscale: {min: 1, max: 4, boot_time: 30s, cooldown: 2min, evaluation_period: 30s}}
  - {name: metal, kind: bare_metal, server: hetzner-ax42, workers: 4}
batch: {window: 5min, every: 10min, offset: 0s}   # per-batch tallies must match too
"""


def _run(monkeypatch: pytest.MonkeyPatch, scenario: Path, out: Path, engine: str) -> bytes:
    args = ["costsim", "run", str(scenario), "--engine", engine, "--no-charts", "--out", str(out)]
    monkeypatch.setattr(sys, "argv", args)
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    assert info.value.code in (0, None)
    return (out / "summary.json").read_bytes()


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_repeated_runs_give_byte_identical_summaries(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine: str
) -> None:
    """Two runs of the same scenario and seed write the same summary.json, byte for byte."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    first = _run(monkeypatch, scenario, tmp_path / "a", engine)
    second = _run(monkeypatch, scenario, tmp_path / "b", engine)
    assert first == second


def test_engines_agree_byte_for_byte_but_for_their_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """simpy and fast give the same summary.json, apart from the engine field."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    simpy = _run(monkeypatch, scenario, tmp_path / "simpy", "simpy")
    fast = _run(monkeypatch, scenario, tmp_path / "fast", "fast")
    assert b'"engine": "simpy"' in simpy
    assert b'"finished_within_window"' in fast
    assert simpy.replace(b'"engine": "simpy"', b'"engine": "fast"') == fast
