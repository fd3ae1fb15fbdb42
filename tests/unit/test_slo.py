"""One "meets the SLO" rule (costsim.slo), and a sweep whose table and records agree on it.

Before issue 13 the rule was written three times: the sweep ignored throttled and dropped
requests unless the scenario gave rates, the decision record always allowed at most 0.1 %. The
sweep below drops about 9 % of requests on its cheap option at full traffic (an M/M/1/1 loss
system: Erlang B(1, a) = a / (1 + a) with a = 2 rps x 50 ms = 0.1, so 0.1 / 1.1 = 9.1 %), with a
p99 far inside the SLO: the old sweep named it the winner there, the old run record did not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from costsim import scenario_from_text, simulate
from costsim.output import write_run_outputs
from costsim.report.adr import write_report
from costsim.slo import MAX_LOST_SHARE, Outcome, SloRule, cheapest_meeting
from costsim.sweep import run_sweep
from costsim.sweep.grid import apply_point


def test_p99_limit_is_inclusive() -> None:
    """A p99 exactly at the objective meets it; a hair above does not."""
    rule = SloRule.from_slo({"p99": 0.5})
    assert rule.meets(500.0, 0.0, 0.0)
    assert not rule.meets(500.001, 0.0, 0.0)


def test_default_lost_share_counts_throttled_and_dropped_together() -> None:
    """With no rates given, throttled + dropped may reach MAX_LOST_SHARE and no further."""
    rule = SloRule()
    half = MAX_LOST_SHARE / 2
    assert rule.meets(1e9, half, half)
    assert not rule.meets(0.0, half, half + 1e-6)


def test_given_rates_replace_the_default_share() -> None:
    """A scenario's throttle_rate and drop_rate are the limits; an unnamed rate is free."""
    rule = SloRule.from_slo({"throttle_rate": 0.05})
    assert rule.meets(0.0, 0.05, 0.5)
    assert not rule.meets(0.0, 0.0501, 0.0)
    both = SloRule.from_slo({"throttle_rate": 0.01, "drop_rate": 0.02})
    assert both.meets(0.0, 0.01, 0.02) and not both.meets(0.0, 0.0, 0.03)


def test_cheapest_meeting_keeps_scenario_order_on_ties() -> None:
    """Two equally cheap options that both meet the SLO: the first listed wins."""
    a = Outcome("a", 1.0, 10.0, 0.0, 0.0)
    b = Outcome("b", 1.0, 10.0, 0.0, 0.0)
    c = Outcome("c", 0.5, 10.0, 0.5, 0.0)  # cheapest, but throttles half its traffic
    assert cheapest_meeting([a, b, c], SloRule()) == a
    assert cheapest_meeting([c], SloRule()) is None


def test_summary_rule_reads_rates_and_old_folders() -> None:
    """summary.json's ``slo`` carries the rates; an older folder's ``slo_ms`` still gives p99."""
    assert SloRule.from_summary({"slo": {"p99": 0.2, "drop_rate": 0.01}}) == SloRule(
        200.0, None, 0.01
    )
    assert SloRule.from_summary({"slo_ms": {"p99": 300.0}}) == SloRule(300.0)


SCENARIO = """\
name: lossy
horizon: 6h
seed: 7
traffic: {profile: constant, mean_rps: 2}
workload: {duration: {dist: exponential, mean: 50ms}}
options:
  - {name: small, kind: vps, instance: hetzner-cx33, count: 1, workers: 1, queue_limit: 0}
  - {name: big, kind: bare_metal, server: hetzner-ax42, count: 1, workers: 32}
slo: {p99: 1s}
"""


def _chosen(report_md: str) -> str:
    found = re.search(r'Chosen option: "([^"]+)"', report_md)
    assert found, "the record names no chosen option"
    return found.group(1)


def _table_winners(report_md: str) -> list[str]:
    """The last column ("cheapest within SLO") of the sweep record's table."""
    lines = report_md.splitlines()
    head = next(i for i, line in enumerate(lines) if "cheapest within SLO" in line)
    rows = []
    for line in lines[head + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line.strip("|").split("|")[-1].strip())
    return rows


@pytest.mark.parametrize("engine", ["fast"])
def test_sweep_table_and_decision_records_name_the_same_winner(tmp_path: Path, engine: str) -> None:
    """At each point the sweep, its record's table and a run record of that point agree.

    At full traffic the cheap VPS drops ~9 % of requests: the old sweep named it the cheapest
    option meeting the SLO there, while the old run record chose the bare-metal server.
    """
    scenario = scenario_from_text(SCENARIO)
    scales = [0.001, 1.0]
    sweep = run_sweep(
        scenario,
        {"traffic.scale": scales},
        out=tmp_path / "sweep",
        engine=engine,
        workers=1,
        charts=False,
    )
    sweep_winners = [w["option"] for w in sweep.crossovers["slo_winners"]]
    # the premise: at full traffic the cheap option drops far more than the rule allows
    full = next(p for p in sweep.summary["points"] if p["params"]["traffic.scale"] == 1.0)
    small = next(o for o in full["options"] if o["name"] == "small")
    assert 0.06 < small["drop_rate"]["mean"] < 0.12
    assert small["p99_ms"]["mean"] < 1000 and small["cost_usd"]["mean"] < 30
    assert sweep_winners == ["small", "big"]

    write_report(tmp_path / "sweep", date="2026-12-01")
    record = (tmp_path / "sweep" / "report.md").read_text(encoding="utf-8")
    assert _table_winners(record) == sweep_winners
    assert "at most 0.1 % of requests throttled or dropped" in record

    for rec in sorted(sweep.records, key=lambda r: r["index"]):
        point = apply_point(scenario, rec["params"], seed=rec["seed"])
        run_dir = tmp_path / f"run{rec['index']}"
        result = simulate(point, engine=engine)
        write_run_outputs(result, run_dir)
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        assert summary["slo"] == {"p99": 1.0}
        write_report(run_dir, date="2026-12-01", html=False)
        run_record = (run_dir / "report.md").read_text(encoding="utf-8")
        assert _chosen(run_record) == sweep_winners[rec["index"]]
