"""Resource guards, zero traffic, atomic outputs and the error contract of ``costsim run``."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

import costsim
from costsim import guards, output
from costsim.cli import main
from costsim.errors import InputError

BASE = """\
name: guard
horizon: {horizon}
seed: 1
traffic: {{profile: constant, mean_rps: {rps}}}
workload:
  duration: {{dist: fixed, value: 20ms}}
options:
  - {{name: lambda, kind: serverless, memory: 128MB}}
  - {{name: vps, kind: vps, instance: hetzner-cx33, count: 2, workers: 4}}
  - {{name: metal, kind: bare_metal, server: hetzner-ax42, count: 1, workers: 8}}
"""


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str):
    monkeypatch.setattr(sys, "argv", ["costsim", *args])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def _scenario(tmp_path: Path, horizon: str = "1h", rps: float = 1.0) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(BASE.format(horizon=horizon, rps=rps))
    return path


def test_a_trillion_requests_are_refused_even_with_force(monkeypatch, capsys, tmp_path):
    """10^12 requests: exit 2, one line with the estimate, --force does not lift it."""
    path = _scenario(tmp_path, horizon="10d", rps=1.2e6)
    for extra in ([], ["--force"]):
        code, _, err = cli(monkeypatch, capsys, "run", str(path), *extra)
        assert code == 2
        assert len(err.strip().splitlines()) == 1
        assert "s.yaml:4: traffic:" in err and "1.04e+12 requests" in err
        assert "--force runs it anyway" not in err


def test_a_long_run_is_refused_with_the_estimate_unless_forced(monkeypatch, capsys, tmp_path):
    """Past the soft limit: the message states the estimate and that --force overrides."""
    scenario = costsim.load_scenario(_scenario(tmp_path, horizon="1d", rps=2e4))
    with pytest.raises(InputError) as info:
        guards.check_resources(scenario)
    assert "~1.73e+09 requests" in info.value.message
    assert "--force runs it anyway" in info.value.message
    est = guards.check_resources(scenario, force=True)
    assert math.isclose(est.requests, 1.728e9)


def test_the_cli_refuses_past_the_soft_limit(monkeypatch, capsys, tmp_path):
    """costsim run prints the soft-limit refusal as one line and exits 2."""
    code, _, err = cli(monkeypatch, capsys, "run", str(_scenario(tmp_path, "1d", 2e4)))
    assert code == 2 and "--force runs it anyway" in err
    assert len(err.strip().splitlines()) == 1


def test_memory_estimate_is_refused_past_half_the_machine(monkeypatch, tmp_path):
    """An estimate above half the physical memory is refused unless forced."""
    scenario = costsim.load_scenario(_scenario(tmp_path))
    monkeypatch.setattr(guards, "physical_memory_bytes", lambda: 1e6)
    with pytest.raises(InputError, match="of memory, more than half"):
        guards.check_resources(scenario)
    assert guards.check_resources(scenario, force=True).memory_bytes > 5e5


def test_zero_traffic_costs_servers_but_not_serverless(tmp_path):
    """No requests: fleets are still billed; serverless costs nothing and nothing is NaN."""
    result = costsim.simulate(costsim.load_scenario(_scenario(tmp_path, "1d", 0)), engine="simpy")
    by_name = {o.name: o for o in result.options}
    assert by_name["lambda"].cost.total == 0
    assert by_name["vps"].cost.total > 0 and by_name["metal"].cost.total > 0
    summary = json.loads(result.summary_json(), parse_constant=lambda c: pytest.fail(c))
    assert all(o["requests"]["arrived"] == 0 for o in summary["options"])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("horizon", "1e308s", "at most 10 years"),
        ("horizon", "1e308", "has no unit"),
        ("horizon", "0.5s", "at least 1s"),
        ("horizon", ".nan", "finite"),
        ("mean_rps", "1e300", "requests is beyond"),
    ],
)
def test_extreme_values_are_one_line_errors(monkeypatch, capsys, tmp_path, field, value, message):
    """Extremes named in issue 9 give exit 2 and one line naming file, line and field."""
    text = BASE.format(horizon="1h", rps=1).replace(
        "horizon: 1h" if field == "horizon" else "mean_rps: 1", f"{field}: {value}"
    )
    path = tmp_path / "s.yaml"
    path.write_text(text)
    code, _, err = cli(monkeypatch, capsys, "run", str(path))
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and message in err
    assert "Traceback" not in err


def test_count_with_autoscale_and_typos_are_located(monkeypatch, capsys, tmp_path):
    """Contradictory options and misspelt fields: FILE:LINE: field: message, with a hint."""
    path = tmp_path / "s.yaml"
    path.write_text(
        BASE.format(horizon="1h", rps=1)
        .replace("count: 2,", "count: 2, autoscale: {min: 1, max: 2},")
        .replace("memory: 128MB}", "memory: 128MB, keep_alvie: 5min}")
    )
    code, _, err = cli(monkeypatch, capsys, "validate", str(path))
    assert code == 2
    assert "s.yaml:8: options.0.keep_alvie: unknown field" in err
    assert "did you mean 'keep_alive'?" in err


def test_missing_file_and_unwritable_out(monkeypatch, capsys, tmp_path):
    """A missing scenario and an --out that is a file are one-line errors with exit 2."""
    code, _, err = cli(monkeypatch, capsys, "run", str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml: file not found" in err
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = cli(monkeypatch, capsys, "run", str(_scenario(tmp_path)), "--out", str(blocker))
    assert code == 2 and "--out" in err and len(err.strip().splitlines()) == 1


def test_internal_errors_say_how_to_report(monkeypatch, capsys, tmp_path):
    """An unexpected exception exits 1 with a report hint, and a traceback only with --debug."""

    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(sys.modules["costsim.simulate"], "simulate", boom)
    path = str(_scenario(tmp_path))
    code, _, err = cli(monkeypatch, capsys, "run", path)
    assert code == 1 and "please report it" in err and "Traceback" not in err
    code, _, err = cli(monkeypatch, capsys, "run", path, "--debug")
    assert code == 1 and "Traceback" in err


def test_an_interrupted_write_leaves_earlier_results_intact(monkeypatch, tmp_path):
    """A kill during writing (here, KeyboardInterrupt mid-write) keeps the old file whole."""
    target = tmp_path / "summary.json"
    output.write_atomic(target, '{"old": true}\n')

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        output.write_atomic(target, '{"new": tr')
    assert target.read_text() == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temporary left


def test_an_interrupted_run_keeps_the_previous_outputs(monkeypatch, capsys, tmp_path):
    """Ctrl-C during a run: exit 130, and the previous run's files are unchanged."""
    path = str(_scenario(tmp_path, "10min"))
    out = tmp_path / "out"
    assert cli(monkeypatch, capsys, "run", path, "--out", str(out), "--no-charts")[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["costsim.simulate"], "simulate", interrupt)
    code, _, err = cli(monkeypatch, capsys, "run", path, "--out", str(out), "--no-charts")
    assert code == 130 and "intact" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
