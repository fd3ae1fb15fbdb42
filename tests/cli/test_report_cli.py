"""``costsim report`` end to end: run, report, report again; bad folders exit 2."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from costsim.cli import main

SMALL = """\
name: small
horizon: 20min
seed: 7
traffic: {profile: constant, mean_rps: 1}
workload:
  duration: {dist: fixed, value: 50ms}
options:
  - {name: lambda, kind: serverless, memory: 128MB}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 4}
slo: {p99: 500ms}
"""


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["costsim", *args])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    capsys.readouterr()
    return int(info.value.code or 0)


def test_report_after_run_is_reproducible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """run --no-charts, then report twice: charts drawn, MADR record and HTML byte-identical."""
    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL)
    out = tmp_path / "out"
    assert cli(monkeypatch, capsys, "run", str(scn), "--out", str(out), "--no-charts") == 0
    assert cli(monkeypatch, capsys, "report", str(out)) == 0
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {"report.md", "report.html", "cost.svg", "latency_cdf.png"} <= set(files)
    assert cli(monkeypatch, capsys, "report", str(out)) == 0
    assert files == {p.name: p.read_bytes() for p in out.iterdir()}
    assert cli(monkeypatch, capsys, "report", str(out), "--status", "accepted") == 0
    assert (out / "report.md").read_text().startswith("---\nstatus: accepted\n")


def test_report_on_a_folder_without_summary_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder that is not a run or sweep output is bad input."""
    assert cli(monkeypatch, capsys, "report", str(tmp_path)) == 2
    assert cli(monkeypatch, capsys, "report", str(tmp_path / "missing")) == 2
