"""Batch windows against theory: the makespan and the jobs finished within the window.

Both engines tally the same batches (see also the differential tests in test_fast_engine.py);
here each tally is checked against a closed form.

- A fixed fleet of ``c`` servers with ``w`` workers each, ``N`` jobs of fixed duration ``d``
  released together: the jobs run in ``ceil(N / (c w))`` waves, so the makespan is
  ``ceil(N / (c w)) d`` and the jobs done by a window ``W`` are ``c w floor(W / d)`` (a
  deterministic multi-server queue, as in Kleinrock, *Queueing Systems* vol. 1, sec. 2.1: with
  all jobs present at 0 and equal service times, servers finish in lock step).
- A serverless pool with a concurrency limit ``L`` and jobs arriving every ``s`` seconds, each
  running ``d``: a job needs a free instance at its arrival or is throttled (synchronous
  invocation: AWS Lambda returns 429 and does not retry, see
  docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html). With ``d = 2.5 s`` and ``s = 1 s``
  three instances would be needed; with ``L = 2`` exactly one job in three is throttled, and the
  last served job ends at its arrival plus ``d``.
- A scale-rate bucket of ``B`` tokens and no refill, ``N > B`` jobs at once: ``B`` served (one
  cold start each), the rest throttled; the makespan is the cold start plus ``d``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import fixed, fleet, serverless

from costsim.engine import ENGINES
from costsim.engine.batches import BatchWindows, batch_of
from costsim.engine.common import OptionDraws
from costsim.engine.metrics import TimeBins
from costsim.traffic.chunk import Chunk


def _run(model: str, engine: str, platform, arr, dur_s: float, horizon_s: float, batches):
    arrivals = np.asarray(arr, dtype=np.float64)
    chunk = Chunk(arrivals, np.full(len(arrivals), dur_s))
    draws = OptionDraws(np.random.default_rng(1), np.random.default_rng(2))
    runner = ENGINES[engine][model]
    return runner(platform, [chunk], draws, horizon_s, TimeBins(horizon_s, 4), None, batches)


@pytest.mark.parametrize("engine", ["simpy", "fast"])
@pytest.mark.parametrize(("n", "servers", "workers"), [(10, 1, 1), (25, 2, 3), (6, 3, 2)])
def test_fixed_fleet_makespan_is_waves_times_duration(engine, n, servers, workers) -> None:
    """N jobs of d at once on c x w slots: makespan ceil(N / (c w)) d; c w floor(W / d) in W."""
    d_s = 2.0
    window_s = 5.0
    batches = BatchWindows(every_s=100.0, offset_s=0.0, window_s=window_s, horizon_s=100.0)
    p = fleet(count=servers, workers=workers)
    _run("fleet", engine, p, [0.0] * n, d_s, 100.0, batches)
    s = batches.summary()
    (rel,) = s["releases"]
    slots = servers * workers
    assert rel["makespan_s"] == pytest.approx(math.ceil(n / slots) * d_s)
    assert rel["jobs"] == rel["completed"] == n
    assert rel["within_window"] == min(n, slots * math.floor(window_s / d_s))
    assert s["finished_within_window"] == (math.ceil(n / slots) * d_s <= window_s)


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_completion_exactly_at_the_deadline_is_within(engine) -> None:
    """Jobs ending exactly at release + window count as finished within the window."""
    batches = BatchWindows(every_s=10.0, offset_s=0.0, window_s=4.0, horizon_s=10.0)
    _run("fleet", engine, fleet(), [0.0, 0.0], 2.0, 10.0, batches)
    (rel,) = batches.summary()["releases"]
    assert (rel["within_window"], rel["makespan_s"]) == (2, 4.0)
    assert rel["finished_within_window"]


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_serverless_limit_throttles_one_job_in_three(engine) -> None:
    """L = 2 instances, a job every 1 s of 2.5 s (needs 3): jobs 2, 5, 8, ... are throttled."""
    m = 4
    arr = [float(i) for i in range(3 * m)]
    batches = BatchWindows(every_s=100.0, offset_s=0.0, window_s=100.0, horizon_s=100.0)
    p = serverless(concurrency_limit=2, cold_start=fixed(0.0))
    out = _run("serverless", engine, p, arr, 2.5, 100.0, batches)
    (rel,) = batches.summary()["releases"]
    assert out.counters.throttled == m
    assert (rel["jobs"], rel["completed"], rel["within_window"]) == (3 * m, 2 * m, 2 * m)
    assert rel["makespan_s"] == pytest.approx((3 * m - 2) + 2.5)
    assert not rel["finished_within_window"]  # throttled jobs never finish


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_serverless_scale_burst_caps_a_simultaneous_release(engine) -> None:
    """B = 5 tokens, no refill, 8 jobs at once: 5 served after one cold start, makespan c + d."""
    batches = BatchWindows(every_s=100.0, offset_s=0.0, window_s=100.0, horizon_s=100.0)
    p = serverless(scale_burst=5.0, scale_rate_per_s=0.0, cold_start=fixed(0.5))
    _run("serverless", engine, p, [0.0] * 8, 3.0, 100.0, batches)
    (rel,) = batches.summary()["releases"]
    assert (rel["jobs"], rel["completed"]) == (8, 5)
    assert rel["makespan_s"] == pytest.approx(0.5 + 3.0)


def test_batches_split_by_release_and_ignore_arrivals_before_the_first() -> None:
    """Batch k holds arrivals in [offset + k every, offset + (k + 1) every); earlier ones none."""
    cfg = BatchWindows(every_s=10.0, offset_s=5.0, window_s=2.0, horizon_s=40.0).cfg
    assert [batch_of(t, cfg, 4) for t in (0.0, 5.0, 14.999, 15.0, 39.0, 99.0)] == [
        -1, 0, 0, 1, 3, 3,
    ]  # fmt: skip
    assert batch_of(7.0, cfg, 0) == -1


def test_two_nightly_batches_from_a_schedule_scenario() -> None:
    """A schedule scenario with batch: {window}: two releases, each reported on its own.

    Equidistant arrivals of 4 jobs over 4 s every 1 h, 1 s each on one worker: no waiting, so
    each makespan is the spread (3 s) plus one duration (1 s).
    """
    from costsim import scenario_from_text
    from costsim.simulate import simulate

    text = """
name: nightly
horizon: 2h
traffic: {profile: schedule, every: 1h, offset: 10min, count: 4, window: 4s,
          spread: equidistant}
workload: {duration: {dist: fixed, value: 1s}}
batch: {window: 30min}
options:
  - {name: server, kind: bare_metal, server: hetzner-ax42, count: 1, workers: 1}
"""
    result = simulate(scenario_from_text(text), engine="simpy")
    b = result.options[0].batches
    assert b is not None and b["batches"] == 2
    assert [r["release_s"] for r in b["releases"]] == [600.0, 4200.0]
    assert [r["makespan_s"] for r in b["releases"]] == [4.0, 4.0]
    assert b["finished_within_window"] and b["makespan_s_max"] == 4.0
    assert "batches" in result.to_summary()["options"][0]
    row = result.options[0].row()  # what Result.to_frame() shows
    assert row["finished_within_window"] is True and row["makespan_s"] == 4.0


def test_batch_template_reports_the_window_per_option(tmp_path) -> None:
    """`costsim new batch` asks for a 2 h window; a one-day run reports it for every option."""
    from costsim.checks import checked_scenario
    from costsim.cli.new import template_text
    from costsim.simulate import simulate

    path = tmp_path / "nightly.yaml"
    path.write_text(template_text("batch", "nightly"))
    scn = checked_scenario(path, size=True)
    result = simulate(scn.model_copy(update={"horizon_s": 86400.0}))
    for o in result.options:
        assert o.batches is not None and o.batches["window_s"] == 7200.0
        (rel,) = o.batches["releases"]
        assert rel["release_s"] == 7200.0 and rel["jobs"] == 20000
        # the jobs arrive over 30 min: no option can finish before the last one arrives
        assert rel["makespan_s"] >= 1790.0


def test_batch_needs_a_release_period_unless_the_traffic_is_a_schedule(tmp_path) -> None:
    """batch: {window} on constant traffic is located bad input that says what to add."""
    from costsim.scenario import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nhorizon: 1d\ntraffic: {profile: constant, mean_rps: 1}\n"
        "workload: {duration: {dist: fixed, value: 1s}}\nbatch: {window: 2h}\n"
        "options:\n  - {name: vps, kind: vps}\n"
    )
    with pytest.raises(Exception) as info:
        load_scenario(path)
    text = str(info.value)
    assert "batch.every is required unless the traffic is a schedule" in text
    assert "s.yaml" in text


def test_too_many_batches_is_refused_at_the_field(tmp_path) -> None:
    """Every second for a day would tally 86,400 batches: a located error, not 3 MB of JSON."""
    from costsim.scenario import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nhorizon: 1d\ntraffic: {profile: constant, mean_rps: 1}\n"
        "workload: {duration: {dist: fixed, value: 1s}}\nbatch: {window: 1s, every: 1s}\n"
        "options:\n  - {name: vps, kind: vps}\n"
    )
    with pytest.raises(Exception) as info:
        load_scenario(path)
    assert "86,400 batches over the horizon" in str(info.value)
    assert "s.yaml:5" in str(info.value)
