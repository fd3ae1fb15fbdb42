"""``costsim calibrate`` and ``costsim backtest`` end to end on the shipped fixtures.

Every source format gives a scenario that ``costsim validate`` accepts and ``costsim run`` runs;
the backtest of the Lambda fixtures agrees with the logged bill within 1 % (issue 18).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from fixtures import make_logs

from costsim.cli import main

LOGS = Path(make_logs.__file__).resolve().parent / "logs"
TRACES = Path(__file__).resolve().parents[2] / "scenarios" / "traces"


def _cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["costsim", *args])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


SOURCES = {
    "lambda-json": [LOGS / "lambda-filter-log-events.json"],
    "lambda-tail+power": [LOGS / "lambda-tail.txt", LOGS / "power-tuning.json"],
    "lambda-insights": [LOGS / "lambda-insights.csv"],
    "apigw": [LOGS / "apigw-access.jsonl"],
    "alb": [LOGS / "alb-access.log"],
    "nginx": [LOGS / "nginx-access.log"],
    "cloudwatch": [LOGS / "cloudwatch-metrics.csv"],
    "azure-2019": [
        TRACES / "invocations_per_function_md.anon.d01.csv",
        TRACES / "function_durations_percentiles.anon.d01.csv",
    ],
    "azure-2021": [TRACES / "azure2021_invocations.txt"],
    "huawei": [
        LOGS / "huawei-requests-minute.csv",
        TRACES / "function_durations_percentiles.anon.d01.csv",
    ],
}


@pytest.mark.parametrize("key", sorted(SOURCES))
def test_calibrated_scenario_validates_and_runs(
    key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Calibrate, then validate and run what was written; bad lines are listed with file:line."""
    out = tmp_path / f"{key}.yaml"
    code, _, err = _cli(
        monkeypatch, capsys, "calibrate", *map(str, SOURCES[key]), "--out", str(out)
    )
    assert code == 0, err
    assert "Traceback" not in err
    expected_bad = sum(make_logs.BAD_LINES.get(p.name, 0) for p in SOURCES[key])
    if expected_bad:
        assert f"skipped {expected_bad} unusable line(s)" in err
    text = out.read_text()
    assert "# " in text.split("duration:")[0].rsplit("\n", 3)[-2]  # the fit says where it came from
    code, _, err = _cli(monkeypatch, capsys, "validate", str(out))
    assert code == 0, err
    code, _, err = _cli(monkeypatch, capsys, "run", str(out), "--out", str(tmp_path / "run"))
    assert code == 0, err
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["options"][0]["requests"]["arrived"] > 0


def test_power_tuning_share_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """0.6 at 1024 MB in the fixture is 0.75 at the logs' 512 MB (half the vCPU, twice the CPU
    time: 240 ms CPU of 320 ms)."""
    out = tmp_path / "s.yaml"
    _cli(
        monkeypatch, capsys, "calibrate", *map(str, SOURCES["lambda-tail+power"]), "--out", str(out)
    )
    assert "cpu_bound: 0.7500" in out.read_text()


@pytest.mark.parametrize(
    "name", ["lambda-filter-log-events.json", "lambda-tail.txt", "lambda-insights.csv"]
)
def test_backtest_bill_agrees_within_one_percent(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Calibrate on the logs, backtest the result on the same logs: invocations equal, bill within 1 %."""
    from costsim.calibrate import read_sources
    from costsim.calibrate.backtest import run_backtest

    log = str(LOGS / name)
    scenario = tmp_path / "s.yaml"
    assert _cli(monkeypatch, capsys, "calibrate", log, "--out", str(scenario))[0] == 0
    code, out, err = _cli(
        monkeypatch, capsys, "backtest", log, str(scenario), "--out", str(tmp_path / "bt.md")
    )
    assert code == 0, err
    assert "Lambda bill" in out and "Lambda bill" in (tmp_path / "bt.md").read_text()
    result = run_backtest(read_sources([log]), str(scenario))
    assert result.row("invocations").difference == 0.0
    assert abs(result.row("Lambda bill").difference) < 0.01
    assert abs(result.row("billed duration").difference) < 0.01


def test_no_usable_line_is_exit_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "tail.txt"
    bad.write_text("2026-11-02T00:00:00Z s REPORT RequestId: x\tBilled Duration: 3 ms\n")
    code, _, err = _cli(
        monkeypatch, capsys, "calibrate", str(bad), "--out", str(tmp_path / "s.yaml")
    )
    assert code == 2
    assert f"{bad}:" in err and "Traceback" not in err
    assert len([ln for ln in err.splitlines() if ln.startswith("error:")]) == 1


def test_backtest_needs_report_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An access log has no Billed Duration: exit 2 saying what is needed."""
    scenario = tmp_path / "s.yaml"
    _cli(monkeypatch, capsys, "calibrate", str(LOGS / "nginx-access.log"), "--out", str(scenario))
    code, _, err = _cli(
        monkeypatch, capsys, "backtest", str(LOGS / "nginx-access.log"), str(scenario)
    )
    assert code == 2 and "REPORT" in err


def test_report_writes_markdown_and_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rep = tmp_path / "rep"
    code, _, err = _cli(
        monkeypatch,
        capsys,
        "calibrate",
        str(LOGS / "lambda-tail.txt"),
        "--out",
        str(tmp_path / "s.yaml"),
        "--report",
        str(rep),
    )
    assert code == 0, err
    md = (rep / "calibration.md").read_text()
    for chart in ("duration_qq.png", "duration_cdf.png", "daily_profile.png"):
        assert (rep / chart).stat().st_size > 10_000
        assert chart in md
    assert "| lognormal |" in md


def test_calibrate_is_deterministic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same logs give the same scenario and replay file, byte for byte."""
    written = []
    for k in range(2):
        out = tmp_path / str(k) / "s.yaml"
        _cli(
            monkeypatch,
            capsys,
            "calibrate",
            str(LOGS / "apigw-access.jsonl"),
            "--out",
            str(out),
            "--traffic",
            "replay",
        )
        written.append((out.read_bytes(), out.with_name("s.requests.csv").read_bytes()))
    assert written[0] == written[1]
