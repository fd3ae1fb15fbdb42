"""`costsim sweep` from the command line: a kill -9 midway, then a rerun, completes with the
results of an uninterrupted sweep, without recomputing the finished points."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

SCENARIO = """
name: killme
horizon: 2h
seed: 5
traffic: {profile: diurnal, mean_rps: 2}
workload:
  duration: {dist: lognormal, median: 40ms, p99: 300ms}
options:
  - {name: lambda, kind: serverless, memory: 128MB}
  - {name: vps, kind: vps, count: 1, workers: 4, queue_limit: 100}
slo: {p99: 500ms}
"""

VARY = ["--vary", "traffic.scale=log:0.5:20:8", "--replications", "2", "--no-charts"]


def sweep(scenario: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "costsim.cli", "sweep", str(scenario), "--out", str(out), *VARY]
    return subprocess.Popen(
        [*cmd, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_kill_9_midway_then_rerun_matches_an_uninterrupted_sweep(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    full = sweep(scenario, tmp_path / "full", "--workers", "1")
    assert full.wait(timeout=600) == 0, full.stderr.read() if full.stderr else ""

    out = tmp_path / "killed"
    proc = sweep(scenario, out, "--workers", "1")
    points = out / "points"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        done = list(points.glob("p*.json")) if points.exists() else []
        if len(done) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    finished = sorted(p.name for p in points.glob("p*.json"))
    assert 3 <= len(finished) < 16, "the kill should land midway"
    for p in points.iterdir():
        json.loads(p.read_text())  # every stored point is complete, never partial
    assert not (out / "summary.json").exists()

    rerun = sweep(scenario, out, "--workers", "1")
    _, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert f"resuming: {len(finished)} of 16" in err
    for name in ("summary.json", "crossovers.json", "sweep.csv"):
        assert (out / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name
