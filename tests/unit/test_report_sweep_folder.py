"""Decision records of real sweep folders, whose points store ``{mean, ci95, n}`` per metric."""

from __future__ import annotations

from pathlib import Path

import pytest

from costsim import scenario_from_text
from costsim.report.adr import point_mean, write_report
from costsim.sweep import run_sweep

SCENARIO = """\
name: tiny-sweep
horizon: 20min
seed: 5
traffic: {profile: constant, mean_rps: 1}
workload:
  duration: {dist: lognormal, median: 40ms, p99: 300ms}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda, memory: 128MB}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 4}
slo: {p99: 500ms}
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep")
    run_sweep(
        scenario_from_text(SCENARIO),
        {"traffic.scale": [0.5, 5.0, 50.0]},
        replications=2,
        out=out,
        workers=1,
        charts=False,
    )
    return out


def test_report_of_a_real_sweep_folder_does_not_crash(sweep_dir: Path) -> None:
    """Regression: ``costsim report`` on a sweep folder raised TypeError comparing dicts."""
    written = write_report(sweep_dir, date="2026-11-01")
    md = (sweep_dir / "report.md").read_text()
    assert sweep_dir / "report.md" in written
    assert "**Cold starts:** up to" in md and "**Throttled:** up to" in md
    assert "## Decision Outcome" in md


def test_point_mean_reads_replication_means_and_bare_numbers() -> None:
    """Points written by ``run_sweep`` hold ``{mean, ci95, n}``; hand-made ones plain numbers."""
    assert point_mean({"x": {"mean": 0.25, "ci95": [0.2, 0.3], "n": 2}}, "x") == 0.25
    assert point_mean({"x": 0.5}, "x") == 0.5
    assert point_mean({}, "x") == 0.0


def test_report_date_is_today_unless_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The record's date is when it was written (or SOURCE_DATE_EPOCH), not a catalog's as_of."""
    import datetime as dt

    from costsim.report.adr import report_date

    summary = {"catalog_as_of": {"aws-lambda": "2026-10-01"}}
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert report_date(summary) == dt.datetime.now(dt.UTC).date().isoformat()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert report_date(summary) == "1970-01-01"
    assert report_date(summary, "2026-11-02") == "2026-11-02"


def test_report_of_a_sweep_over_unit_values(tmp_path: Path) -> None:
    """Regression: winner ranges of '0.5rps'-style values raised "Unknown format code 'g'"."""
    out = tmp_path / "units"
    run_sweep(
        scenario_from_text(SCENARIO),
        {"traffic.mean_rps": ["0.5rps", "50rps"]},
        workers=1,
        out=out,
        charts=False,
    )
    write_report(out, date="2026-11-01", html=False)
    assert "from traffic.mean_rps = 0.5rps" in (out / "report.md").read_text()
