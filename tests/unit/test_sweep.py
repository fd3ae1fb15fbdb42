"""Sweeps: grids, replications, resuming, crossovers, winners and memory tuning."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from costsim import InputError, scenario_from_text
from costsim.sweep import parse_vary, run_sweep
from costsim.sweep.analysis import crossing, mean_ci, memory_tuning, winners
from costsim.sweep.grid import apply_point, replication_seeds

SCENARIO = """
name: sw
horizon: 30min
seed: 3
traffic: {profile: constant, mean_rps: 1}
workload:
  duration: {dist: lognormal, median: 40ms, p99: 300ms}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda, memory: 128MB}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 4, queue_limit: 50}
slo: {p99: 500ms}
"""


@pytest.fixture
def scenario():
    return scenario_from_text(SCENARIO)


def test_parse_vary_forms():
    a = parse_vary("traffic.scale=log:0.1:10:3")
    assert a.values == (0.1, 1.0, 10.0) and a.log
    assert parse_vary("traffic.scale=lin:1:3:3").values == (1.0, 2.0, 3.0)
    assert parse_vary("options.lambda.memory=128MB,1GB").values == ("128MB", "1GB")


@pytest.mark.parametrize("bad", ["traffic.scale", "x=log:0:1:3", "x=log:1:2", "x=lin:a:b:3", "x="])
def test_bad_vary_is_an_input_error_naming_the_flag(bad):
    with pytest.raises(InputError) as info:
        parse_vary(bad)
    assert info.value.field == "--vary"


def test_apply_point_addresses_options_by_name(scenario):
    s = apply_point(scenario, {"options.lambda.memory": "1GB", "traffic.scale": 2.0})
    assert s.option("lambda").memory_mb == 1024.0 and s.traffic.scale == 2.0
    with pytest.raises(InputError, match="no option named"):
        apply_point(scenario, {"options.nope.memory": "1GB"})
    with pytest.raises(InputError):
        apply_point(scenario, {"options.lambda.memory": "1 banana"})


def test_replication_seeds_are_independent_and_stable():
    a = replication_seeds(42, 4)
    assert a == replication_seeds(42, 4) and len(set(a)) == 4
    assert replication_seeds(42, 2) == a[:2]


def test_mean_ci_matches_student_t():
    ci = mean_ci([1.0, 2.0, 3.0])
    # t(0.975, 2) = 4.3027; sd = 1; half = 4.3027 / sqrt(3)
    assert ci["mean"] == 2.0
    assert ci["ci95"][1] - 2.0 == pytest.approx(4.302652729749464 / math.sqrt(3))


def test_crossing_solves_the_sign_change():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert crossing(x, x - 2.5, log=False) == [pytest.approx(2.5)]
    xl = np.array([1.0, 10.0, 100.0])
    (root,) = crossing(xl, np.log10(xl) - 1.5, log=True)
    assert root == pytest.approx(10**1.5, rel=1e-6)
    assert crossing(x, x + 10, log=False) == []


def test_winners_are_ranges():
    pts = [
        {
            "options": [
                {"name": "a", "cost_usd": {"mean": c}},
                {"name": "b", "cost_usd": {"mean": 5}},
            ]
        }
        for c in (1, 2, 6, 7)
    ]
    assert winners(pts, [1, 2, 3, 4]) == [
        {"option": "a", "from": 1, "to": 2},
        {"option": "b", "from": 3, "to": 4},
    ]


def test_memory_tuning_goals():
    def pt(cost, ms):
        return {
            "options": [
                {
                    "name": "f",
                    "cost_usd": {"mean": cost},
                    "latency_mean_ms": {"mean": ms},
                    "p99_ms": {"mean": ms},
                }
            ]
        }

    pts = [pt(1.0, 400), pt(1.2, 200), pt(3.0, 100)]
    mem = ["128MB", "256MB", "512MB"]
    assert memory_tuning(pts, "f", mem, "cost")["best"] == "128MB"
    assert memory_tuning(pts, "f", mem, "speed")["best"] == "512MB"
    assert memory_tuning(pts, "f", mem, "balanced")["best"] == "256MB"


def test_sweep_writes_outputs_and_results_do_not_depend_on_workers(scenario, tmp_path):
    axes = [parse_vary("traffic.scale=log:0.5:8:3")]
    one = run_sweep(scenario, axes, replications=2, out=tmp_path / "a", workers=1, charts=False)
    two = run_sweep(scenario, axes, replications=2, out=tmp_path / "b", workers=2, charts=False)
    for name in ("summary.json", "crossovers.json", "sweep.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["kind"] == "sweep" and len(summary["points"]) == 3
    lam = summary["points"][0]["options"][0]
    assert lam["cost_usd"]["ci95"][0] <= lam["cost_usd"]["mean"] <= lam["cost_usd"]["ci95"][1]
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "a" / "sweep.parquet")
    assert table.num_rows == 3 * 2 * 2 * len(one.records[0]["options"][0]["metrics"])
    assert set(table.column_names) >= {
        "point",
        "traffic.scale",
        "option",
        "replication",
        "metric",
        "value",
    }
    assert one.crossovers == two.crossovers
    # on-demand serverless pays for no idle capacity; a fixed VPS pays for all of it
    idle = one.crossovers["idle_fraction"]
    assert idle["lambda"] == [0.0, 0.0, 0.0]
    assert all(0.5 < x <= 1.0 for x in idle["vps"])


def test_sweep_point_equals_a_single_run_with_that_seed(scenario, tmp_path):
    from costsim import simulate

    res = run_sweep(
        scenario, {"traffic.scale": [2.0]}, replications=1, workers=1, out=tmp_path, charts=False
    )
    rec = res.records[0]
    single = simulate(
        apply_point(scenario, {"traffic.scale": 2.0}, seed=rec["seed"]), engine="fast"
    )
    for o, s in zip(rec["options"], single.options, strict=True):
        assert o["metrics"]["cost_usd"] == pytest.approx(float(s.cost.total))
        assert o["metrics"]["arrived"] == s.arrived and o["metrics"]["cold_starts"] == s.cold_starts


def test_rerun_resumes_without_recomputing(scenario, tmp_path, monkeypatch):
    axes = [parse_vary("traffic.scale=1,2")]
    run_sweep(scenario, axes, out=tmp_path, workers=1, charts=False)
    before = {p.name: p.read_bytes() for p in (tmp_path / "points").iterdir()}
    (tmp_path / "points" / "p0001-r00.json").unlink()  # as if killed before this one finished
    import costsim.sweep.runner as runner

    calls = []
    real = runner.run_task
    monkeypatch.setattr(runner, "run_task", lambda t: calls.append(t.index) or real(t))
    res = run_sweep(scenario, axes, out=tmp_path, workers=1, charts=False)
    assert calls == [1] and res.skipped == 1
    after = {p.name: p.read_bytes() for p in (tmp_path / "points").iterdir()}
    assert after == before


def test_changed_scenario_does_not_reuse_stale_points(scenario, tmp_path):
    """A different sweep (here another seed) refuses the folder, naming the sweep that owns it,
    and leaves that sweep's points as they were (issue 17)."""
    run_sweep(scenario, {"traffic.scale": [1.0]}, out=tmp_path, workers=1, charts=False)
    before = {p.name: p.read_bytes() for p in (tmp_path / "points").iterdir()}
    other = scenario.model_copy(update={"seed": 4})
    with pytest.raises(InputError, match=r"holds another sweep \(scenario 'sw' varying traffic"):
        run_sweep(other, {"traffic.scale": [1.0]}, out=tmp_path, workers=1, charts=False)
    assert {p.name: p.read_bytes() for p in (tmp_path / "points").iterdir()} == before
    fresh = run_sweep(other, {"traffic.scale": [1.0]}, out=tmp_path / "b", workers=1, charts=False)
    assert fresh.skipped == 0


def test_memory_sweep_reports_tuning(scenario, tmp_path):
    res = run_sweep(
        scenario,
        [parse_vary("options.lambda.memory=128MB,512MB,2GB")],
        workers=1,
        out=tmp_path,
        charts=True,
    )
    (tuning,) = res.crossovers["memory_tuning"]
    assert tuning["option"] == "lambda" and tuning["best"] in ("128MB", "512MB", "2GB")
    assert (tmp_path / "memory_tuning_lambda.png").exists()


def test_bad_point_fails_before_any_work(scenario, tmp_path):
    with pytest.raises(InputError):
        run_sweep(scenario, {"options.lambda.memory": ["64MB"]}, out=tmp_path, workers=1)
    assert not (tmp_path / "points").exists() or not any((tmp_path / "points").iterdir())
