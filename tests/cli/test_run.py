"""The CLI end to end, in a temporary folder: outputs, the results contract, bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from costsim.cli import main

REPO = Path(__file__).resolve().parents[2]

SMALL = """\
name: small
description: a tiny scenario for the CLI tests
horizon: 2h
seed: 7
traffic: {profile: diurnal, mean_rps: 2, peak_to_trough: 3}
workload:
  duration: {dist: lognormal, median: 40ms, p99: 300ms}
options:
  - name: lambda
    kind: serverless
    provider: aws-lambda
    memory: 128MB
    keep_alive: 10min
    extras: [api-gateway-http]
  - name: vps
    kind: vps
    instance: hetzner-cx33
    count: 2
    workers: 8
  - name: metal
    kind: bare_metal
    server: hetzner-ax42
    workers: 32
slo: {p99: 500ms}
"""


def cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run ``costsim ARGS`` in-process; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["costsim", *args])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def test_run_writes_contract_summary_timeseries_and_charts(monkeypatch, capsys, small, tmp_path):
    out_dir = tmp_path / "out"
    code, out, err = cli(monkeypatch, capsys, "run", str(small), "--out", str(out_dir))
    assert code == 0, err
    assert "lambda" in out and "$/month" in out
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["scenario"] == "small" and summary["seed"] == 7
    assert summary["horizon_s"] == 7200.0 and summary["engine"]
    assert summary["catalogs"]["aws-lambda"]
    kinds = {o["kind"] for o in summary["options"]}
    assert kinds == {"serverless", "vps", "bare_metal"}
    for o in summary["options"]:
        assert set(o["cost_usd"]) >= {"total", "components"}
        assert abs(o["cost_usd"]["total"] - sum(o["cost_usd"]["components"].values())) < 0.01
        r = o["requests"]
        assert set(r) >= {"arrived", "served", "cold_starts", "throttled", "dropped"}
        assert r["arrived"] == r["served"] + r["throttled"] + r["dropped"] > 0
        assert set(o["latency_ms"]) >= {"mean", "p50", "p95", "p99", "p999"}
        assert set(o["instances"]) >= {"mean", "max", "busy_mean"}
        assert 0 <= o["utilization"] <= 1
    header = (out_dir / "timeseries.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["option", "t_start_s", "arrivals"] and "cost_usd_cumulative" in header
    for chart in ("cost", "latency", "instances"):
        for ext in ("png", "svg"):
            assert (out_dir / f"{chart}.{ext}").stat().st_size > 1000


def test_run_is_deterministic_for_a_seed(monkeypatch, capsys, small, tmp_path):
    texts = []
    for name in ("a", "b"):
        code, _, err = cli(
            monkeypatch, capsys, "run", str(small), "--out", str(tmp_path / name), "--no-charts"
        )
        assert code == 0, err
        texts.append((tmp_path / name / "summary.json").read_bytes())
    assert texts[0] == texts[1]


def test_seed_flag_changes_the_numbers(monkeypatch, capsys, small, tmp_path):
    cli(monkeypatch, capsys, "run", str(small), "--out", str(tmp_path / "a"), "--no-charts")
    cli(
        monkeypatch,
        capsys,
        "run",
        str(small),
        "--out",
        str(tmp_path / "b"),
        "--no-charts",
        "--seed",
        "8",
    )
    a = json.loads((tmp_path / "a" / "summary.json").read_text())
    b = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert b["seed"] == 8 and a["options"][0]["requests"] != b["options"][0]["requests"]


def test_validate_accepts_the_example_scenarios(monkeypatch, capsys):
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        code, out, err = cli(monkeypatch, capsys, "validate", str(path))
        assert code == 0, err
        assert "ok" in out


def test_version(monkeypatch, capsys):
    code, out, _ = cli(monkeypatch, capsys, "--version")
    assert code == 0 and out.startswith("costsim ")


BAD = {
    "unknown key": (("keep_alive: 10min", "keep_alvie: 10min"), ":13: options.0.keep_alvie:"),
    "wrong type": (("workers: 8", "workers: eight"), ":19: options.1.workers:"),
    "out of range": (("mean_rps: 2", "mean_rps: -2"), ":5: traffic.mean_rps:"),
    "missing field": (
        ("workload:\n  duration: {dist: lognormal, median: 40ms, p99: 300ms}\n", ""),
        ":1: workload:",
    ),
    "unknown kind": (("kind: vps", "kind: vpn"), ":16: options.1.kind:"),
    "bad unit": (("memory: 128MB", "memory: 128 furlongs"), ":12: options.0.memory:"),
    "unknown catalog key": (("hetzner-cx33", "hetzner-cx99"), ":17: options.1.instance:"),
    "memory out of catalog range": (("memory: 128MB", "memory: 64MB"), ":12: options.0.memory:"),
    "contradictory": (("count: 2", "count: 2\n    autoscale: {min: 1, max: 2}"), ":15: options.1:"),
    "yaml syntax": (("profile: diurnal,", "profile: [diurnal,"), ":5:"),
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_input_gives_one_line_and_exit_2(monkeypatch, capsys, tmp_path, case, command):
    (old, new), where = BAD[case]
    assert old in SMALL
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace(old, new, 1))
    code, out, err = cli(monkeypatch, capsys, command, str(path))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {path}{where}"), lines[0]
    assert "Traceback" not in err + out


def test_missing_file_and_bad_flag_exit_2(monkeypatch, capsys, tmp_path):
    code, _, err = cli(monkeypatch, capsys, "run", str(tmp_path / "nope.yaml"))
    assert code == 2 and "not found" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(monkeypatch, capsys, "run", "--bogus")
    assert code == 2 and "--bogus" in err


def test_unwritable_out_exit_2(monkeypatch, capsys, small, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = cli(monkeypatch, capsys, "run", str(small), "--out", str(blocker / "sub"))
    assert code == 2 and "--out" in err
    assert blocker.read_text() == "not a folder"


def test_traffic_preview_refuses_what_cannot_fit(monkeypatch, capsys, tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(
        SMALL.replace("horizon: 2h", "horizon: 3650d").replace("mean_rps: 2", "mean_rps: 100000")
    )
    code, _, err = cli(monkeypatch, capsys, "traffic", str(path))
    assert code == 2 and ":5: traffic:" in err and len(err.strip().splitlines()) == 1


def test_traffic_preview_prints_and_charts(monkeypatch, capsys, small, tmp_path):
    code, out, err = cli(monkeypatch, capsys, "traffic", str(small), "--out", str(tmp_path / "t"))
    assert code == 0, err
    assert "mean rate" in out and (tmp_path / "t" / "traffic.png").exists()
