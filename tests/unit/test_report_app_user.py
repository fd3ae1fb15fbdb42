"""Defects a new user met in the run and report outputs of application scenarios (session 5).

- A VPS whose two background workers took 4.2 Erlangs of queued work was "the cheapest option
  that meets the SLO": its queue's mean wait was 66 min over a 2 h horizon (p99 2 h 52 min), the
  backlog drained after the horizon where no server is billed, and neither the table nor the
  record said so (sends are not on a route's path, so route latencies stay low).
- After ``costsim reprice`` with another catalog, ``costsim report`` kept ``sensitivity.json``
  from the old bill: "At the baseline vps costs $-54.55 a month more than metal" and every factor
  "changes the decision".
- "0.0833333 simulated days" for a 2-hour run.
"""

from __future__ import annotations

import json
from pathlib import Path

from costsim.report.backlog import BACKLOG_SHARE, backlog_words
from costsim.report.sensitivity import baseline_matches, sensitivity_blocks


def _queue(mean_ms: float) -> dict[str, object]:
    return {"name": "jobs", "wait_ms": {"mean": mean_ms, "p99": 3 * mean_ms}}


def test_a_queue_waiting_a_tenth_of_the_horizon_backs_up() -> None:
    """Hand case from sqs-worker (2 h): 3,981,590 ms mean wait is 55 % of the horizon, said in
    words; Erlang C's 1,983 ms (5 consumers at 84 %) is not; the bound is a tenth inclusive."""
    (words,) = backlog_words([_queue(3_981_590.0)], 7200.0)
    assert words.startswith("queue jobs backs up: messages waited 1 h 6 min on average (55 %")
    assert "2 hours simulated" in words and "the bill does not cover" in words
    assert backlog_words([_queue(1983.0)], 7200.0) == []
    edge_ms = BACKLOG_SHARE * 7200.0 * 1000
    assert len(backlog_words([_queue(edge_ms)], 7200.0)) == 1
    assert backlog_words([_queue(edge_ms - 1.0)], 7200.0) == []
    assert backlog_words(None, 7200.0) == [] and backlog_words([_queue(1e9)], 0.0) == []


def _options(vps: float, metal: float) -> list[dict[str, object]]:
    return [
        {"name": "vps", "cost_usd": {"total": vps}},
        {"name": "metal", "cost_usd": {"total": metal}},
    ]


def test_a_sensitivity_baseline_must_be_the_runs_bill() -> None:
    """Same options and costs (to half a cent) match; a re-priced bill or other options do not."""
    base = {"vps": 7.0092, "metal": 61.56}
    assert baseline_matches(base, _options(7.0092, 61.56))
    assert baseline_matches(base, _options(7.0112, 61.56))
    assert not baseline_matches(base, _options(140.184, 61.56))
    assert not baseline_matches(base, _options(7.0092, 61.56)[:1])


def test_a_stale_sensitivity_file_is_left_out_of_the_record(tmp_path: Path) -> None:
    """The record's sensitivity section is empty when sensitivity.json priced another bill."""
    doc = {
        "baseline": {"vps": 7.0092, "metal": 61.56},
        "factors": [
            {"label": "ops", "costs_usd": {"vps": 7.0092, "metal": 211.56}, "cheapest": "vps"}
        ],
    }
    (tmp_path / "sensitivity.json").write_text(json.dumps(doc))
    assert sensitivity_blocks(tmp_path, "metal", _options(140.184, 61.56)) == []
    assert sensitivity_blocks(tmp_path, "vps", _options(7.0092, 61.56)) != []


def test_the_horizon_is_said_in_words() -> None:
    """A 2 h run reads "2 hours simulated" in the assumptions, not 0.0833333 simulated days."""
    from costsim.report.assumptions import assumptions

    lines = assumptions({"horizon_s": 7200.0, "options": []}, "2026-12-02")
    assert any(line.startswith("**Horizon:** 2 hours simulated,") for line in lines), lines
