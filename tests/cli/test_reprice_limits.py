"""``costsim reprice`` with a catalog whose platform limits differ from the run's says so.

A re-price rates the stored meters and cannot simulate again (DESIGN.md, "Meters"). A function
product's limits (timeout, scaling rate, maximum lifetime; ``FunctionLimits``) change what a run
simulates, so a re-price under other limits is not what a re-run would give. The price is still
written (the user asked for it) with one note per option naming the limits that changed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from costsim.cli import main

SCENARIO = """\
name: limits
horizon: 1h
seed: 3
traffic: {profile: constant, mean_rps: 1}
workload:
  duration: {dist: fixed, value: 50ms}
options:
  - {name: lambda, kind: serverless, memory: 256MB}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 4}
"""

CATALOG = """\
catalog: aws-lambda
version: "2099-02"
title: Lambda with a shorter timeout
kind: function
provider: AWS
region: us-east-1
currency: USD
as_of: 2099-02-01
source: test
items:
  x86_64:
    billing: {model: per_request, granularity_ms: 1, init_billed: true}
    limits: {timeout_s: {timeout}, scale_instances: 1000, scale_per_s: 10, max_lifetime_s: 7200,
             min_unreserved: 100, max_lifetime_source: test}
    components:
      - {name: requests, metric: all_requests, usd_per_million_requests: 0.2}
      - {name: compute, metric: compute_gb_s, usd_per_gb_s: 0.0000166667}
"""


def cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["costsim", *args])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("limits")
    (root / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    for name, timeout in (("same.yaml", "900"), ("short.yaml", "60")):
        (root / name).write_text(CATALOG.replace("{timeout}", timeout), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setattr(sys, "argv", ["costsim", "run", str(root / "s.yaml"), "--out", str(root / "a")])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    mp.undo()
    assert info.value.code in (0, None)
    return root


def test_other_limits_get_one_note_naming_them(monkeypatch, capsys, stored, tmp_path):
    copy = tmp_path / "c"
    shutil.copytree(stored / "a", copy)
    code, out, err = cli(
        monkeypatch, capsys, "reprice", str(copy), "--catalog", str(stored / "short.yaml")
    )
    assert code == 0, err
    notes = [line for line in out.splitlines() if line.startswith("note:")]
    assert len(notes) == 1, out
    assert "option lambda" in notes[0] and "timeout_s 900.0 -> 60.0" in notes[0]
    assert "run the scenario again" in notes[0]


def test_the_same_limits_get_no_note(monkeypatch, capsys, stored, tmp_path):
    copy = tmp_path / "c"
    shutil.copytree(stored / "a", copy)
    code, out, err = cli(
        monkeypatch, capsys, "reprice", str(copy), "--catalog", str(stored / "same.yaml")
    )
    assert code == 0, err
    assert "note:" not in out


def test_a_sweep_with_other_limits_gets_the_note_too(monkeypatch, capsys, stored, tmp_path):
    out_dir = tmp_path / "sw"
    code, _, err = cli(
        monkeypatch,
        capsys,
        "sweep",
        str(stored / "s.yaml"),
        "--vary",
        "traffic.mean_rps=1rps,2rps",
        "--horizon",
        "10min",
        "--out",
        str(out_dir),
    )
    assert code == 0, err
    short = str(stored / "short.yaml")
    code, out, err = cli(monkeypatch, capsys, "reprice", str(out_dir), "--catalog", short)
    assert code == 0, err
    notes = [line for line in out.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "timeout_s 900.0 -> 60.0" in notes[0], out
