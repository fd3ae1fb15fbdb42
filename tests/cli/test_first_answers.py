"""``run``/``sweep`` with ``--horizon`` and ``--quick``, the short-horizon warning, and
``validate --catalog`` (issue 16)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from costsim.cli import main

WEEKLY = """\
name: weekly
horizon: 28d
seed: 2
traffic: {profile: diurnal, mean_rps: 0.5, weekend_factor: 0.3}
workload:
  duration: {dist: fixed, value: 40ms}
options:
  - {name: lambda, kind: serverless}
  - {name: vps, kind: vps, count: 1, workers: 4}
slo: {p99: 500ms}
"""


def cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["costsim", *args])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out, captured.err


@pytest.fixture
def weekly(tmp_path: Path) -> Path:
    path = tmp_path / "weekly.yaml"
    path.write_text(WEEKLY)
    return path


def test_run_horizon_overrides_and_warns_when_shorter_than_the_period(
    weekly, tmp_path, monkeypatch, capsys
) -> None:
    code, _, err = cli(
        monkeypatch,
        capsys,
        "run",
        str(weekly),
        "--horizon",
        "1d",
        "--out",
        str(tmp_path / "o"),
        "--no-charts",
    )
    assert code == 0, err
    assert "warning: the horizon (1d) is shorter than the traffic's period (7d)" in err
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["horizon_s"] == 86400.0


def test_run_quick_runs_one_period_without_a_warning(weekly, tmp_path, monkeypatch, capsys):
    code, _, err = cli(
        monkeypatch,
        capsys,
        "run",
        str(weekly),
        "--quick",
        "--out",
        str(tmp_path / "q"),
        "--no-charts",
    )
    assert code == 0, err
    assert "warning" not in err
    assert json.loads((tmp_path / "q" / "summary.json").read_text())["horizon_s"] == 7 * 86400.0


def test_sweep_quick_uses_one_replication(weekly, tmp_path, monkeypatch, capsys) -> None:
    code, _, err = cli(
        monkeypatch,
        capsys,
        "sweep",
        str(weekly),
        "--vary",
        "traffic.mean_rps=0.1rps,1rps",
        "--quick",
        "--replications",
        "3",
        "--workers",
        "1",
        "--out",
        str(tmp_path / "s"),
        "--no-charts",
    )
    assert code == 0, err
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert summary["replications"] == 1 and summary["horizon_s"] == 7 * 86400.0


def test_bare_horizon_flag_asks_for_a_unit(weekly, monkeypatch, capsys) -> None:
    code, _, err = cli(monkeypatch, capsys, "run", str(weekly), "--horizon", "7")
    assert code == 2 and "--horizon: give a unit, e.g. --horizon 7d" in err


def test_validate_accepts_the_catalog_that_run_accepts(tmp_path, monkeypatch, capsys) -> None:
    """A key defined only in a --catalog file validates with --catalog and fails without it."""
    source = Path(__file__).resolve().parents[2] / "costsim" / "catalogs" / "hetzner-cloud.yaml"
    text = source.read_text().replace("catalog: hetzner-cloud", "catalog: my-cloud")
    text = text.replace("key_prefix: hetzner-", "key_prefix: my-").replace("  cx33:", "  box:")
    mine = tmp_path / "mine.yaml"
    mine.write_text(text)
    scn = tmp_path / "s.yaml"
    scn.write_text(
        WEEKLY.replace(
            "{name: vps, kind: vps, count: 1", "{name: vps, kind: vps, instance: my-box, count: 1"
        )
    )
    code, _, err = cli(monkeypatch, capsys, "validate", str(scn))
    assert code == 2 and "my-box" in err
    code, out, err = cli(monkeypatch, capsys, "validate", str(scn), "--catalog", str(mine))
    assert code == 0, err
    assert "ok" in out


def test_resumed_sweep_says_what_is_stored_and_estimates_only_the_rest(
    weekly, tmp_path, monkeypatch, capsys
) -> None:
    """A rerun with every run stored says so and predicts nothing; one with more replications
    estimates only the runs left (the machine is made to look 10^6 times slower, so that an
    estimate is printed at all)."""
    import costsim.estimate

    args = ["sweep", str(weekly), "--vary", "traffic.mean_rps=0.1rps,1rps", "--horizon", "6h"]
    args += ["--workers", "1", "--out", str(tmp_path / "s"), "--no-charts"]
    code, _, err = cli(monkeypatch, capsys, *args)
    assert code == 0, err
    monkeypatch.setattr(costsim.estimate, "contention", lambda: 1e6)
    code, _, err = cli(monkeypatch, capsys, *args)
    assert code == 0, err
    assert "resuming: 2 of 2 runs already stored" in err and "nothing left to simulate" in err
    assert "estimated" not in err
    assert err.count("resuming") == 1
    code, _, err = cli(monkeypatch, capsys, *args, "--replications", "2")
    assert code == 0, err
    assert "resuming: 2 of 4 runs already stored" in err and "2 left" in err
    assert "estimated time for the 2 runs left" in err
    assert "estimated sweep time" not in err


def test_sweep_runtime_counts_only_the_runs_left() -> None:
    """Per-point runs left: a point with nothing left adds nothing to the estimate."""
    from costsim import scenario_from_text
    from costsim.estimate import sweep_runtime_s

    scn = scenario_from_text(WEEKLY)
    big = scn.model_copy(update={"traffic": scn.traffic.model_copy(update={"mean_rps": 50.0})})
    assert sweep_runtime_s([scn, big], "fast", [2, 0]) == sweep_runtime_s([scn], "fast", 2)
    assert sweep_runtime_s([scn, big], "fast", [0, 0]) == 0.0


def test_batch_run_says_per_option_whether_it_finished_in_the_window(
    tmp_path, monkeypatch, capsys
) -> None:
    """`costsim new batch` then `run --quick`: one line per option with the window and the
    makespan, in words (1 batch, not "1 batches"); the SLO note reads 10 min, not 600000 ms."""
    monkeypatch.chdir(tmp_path)
    assert cli(monkeypatch, capsys, "new", "batch", "--out", "nightly.yaml")[0] == 0
    args = ["run", "nightly.yaml", "--quick", "--out", "out", "--no-charts"]
    code, out, err = cli(monkeypatch, capsys, *args)
    assert code == 0, err
    text = " ".join(out.split())  # the table wraps long lines
    assert "lambda: finished within the 2 h window: yes (1 of 1 batch on time); makespan" in text
    assert "p99 at most 10 min" in text and "600000 ms" not in text
    assert "every batch within its window" in text
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert all(o["batches"]["window_s"] == 7200.0 for o in summary["options"])
