"""Batch windows of application scenarios against closed forms (the SimPy application engine).

- A fleet of ``c`` servers with ``w`` workers, ``N`` jobs released together, each a route whose
  synchronous chain a -> b runs in process (``d = d_a + d_b`` on one worker): the jobs run in
  ``ceil(N / (c w))`` waves, so the makespan is ``ceil(N / (c w)) d`` and ``c w floor(W / d)``
  finish within a window ``W`` (a deterministic multi-server queue with all jobs present at 0,
  Kleinrock, *Queueing Systems* vol. 1, sec. 2.1), as for a single function
  (tests/unit/test_batches.py).
- A serverless chain with no limit and a cold start ``i`` on each function: every job of a
  simultaneous release pays both cold starts, so the makespan is ``2 i + d_a + d_b``.
"""

from __future__ import annotations

import math

import pytest
from conftest import fixed
from test_application_engine import app_of, fn

import costsim
from costsim.engine.app import (
    FleetPlan,
    PoolParams,
    ServerlessPlan,
    run_fleet_app,
    run_serverless_app,
)
from costsim.engine.batches import BatchWindows
from costsim.engine.metrics import TimeBins
from costsim.errors import InputError

CHAIN = {
    "functions": {"a": fn(1500, steps=[{"call": "b"}]), "b": fn(500)},
    "routes": [{"name": "job", "steps": [{"call": "a"}]}],
}


@pytest.mark.parametrize(("n", "servers", "workers"), [(10, 1, 1), (25, 2, 3), (6, 3, 2)])
def test_fleet_makespan_is_waves_times_the_chain(n: int, servers: int, workers: int) -> None:
    """N jobs of a (1.5 s) -> b (0.5 s) at once on c x w slots: makespan ceil(N / (c w)) 2 s;
    c w floor(5 s / 2 s) of them within a 5 s window."""
    batches = BatchWindows(every_s=100.0, offset_s=0.0, window_s=5.0, horizon_s=100.0)
    app = app_of(CHAIN, job=(0.0,) * n)
    plan = FleetPlan(servers=servers, workers=workers)
    out = run_fleet_app(plan, app, 100.0, 0.0, 1, 7, TimeBins(100.0, 4), None, batches)
    assert out.batches is batches
    (rel,) = batches.summary()["releases"]
    slots = servers * workers
    assert rel["makespan_s"] == pytest.approx(math.ceil(n / slots) * 2.0)
    assert rel["jobs"] == rel["completed"] == n
    assert rel["within_window"] == min(n, slots * math.floor(5.0 / 2.0))


def test_serverless_release_pays_both_cold_starts() -> None:
    """Twenty jobs at 10 s (the second of two releases every 10 s) on a chain with 0.25 s cold
    starts and no limit: each job ends at 10 + 0.25 + 1.5 + 0.25 + 0.5 s (makespan 2.5 s); a
    window of exactly 2.5 s holds them all, the first release has no jobs and is left out."""
    batches = BatchWindows(every_s=10.0, offset_s=0.0, window_s=2.5, horizon_s=20.0)
    app = app_of(CHAIN, job=(10.0,) * 20)
    pools = {
        name: PoolParams(memory_mb=128, keep_alive_s=600.0, cold_start=fixed(0.25))
        for name in app.functions
    }
    out = run_serverless_app(
        app, ServerlessPlan(pools, 1000), 20.0, TimeBins(20.0, 4), 1, 7, 0.0, None, batches
    )
    assert out.batches is batches and out.functions["a"].cold_starts == 20
    s = batches.summary()
    (rel,) = s["releases"]
    assert (rel["release_s"], rel["jobs"], rel["within_window"]) == (10.0, 20, 20)
    assert rel["makespan_s"] == pytest.approx(2.5)
    assert s["finished_within_window"]


NIGHTLY = """\
name: nightly-app
horizon: 2d
seed: 1
application:
  functions:
    api: {duration: {dist: fixed, value: 20ms}}
    recompute: {duration: {dist: fixed, value: 2s}}
  routes:
    - {name: api, traffic: {profile: constant, mean_rps: 1}, steps: [{call: api}]}
    - name: nightly
      gateway: null
      traffic: {profile: schedule, every: 1d, offset: 2h, count: 600, window: 10min,
                spread: equidistant}
      steps: [{call: recompute}]
options:
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 4}
batch: {window: 1h, route: nightly}
"""


def test_batch_route_takes_its_schedule_and_only_its_requests() -> None:
    """``batch: {window, route}`` in an application: the releases are the nightly route's
    schedule (every 1 d from 2 h), the jobs its 600 requests a night (the API's are left out),
    and 600 jobs of 2 s on 4 workers over 10 minutes (1.2 busy workers on average) all finish
    within the hour."""
    res = costsim.simulate(costsim.scenario_from_text(NIGHTLY, "s.yaml"), engine="simpy")
    b = res.options[0].batches
    assert b is not None and (b["every_s"], b["offset_s"], b["window_s"]) == (86400, 7200, 3600)
    assert [r["jobs"] for r in b["releases"]] == [600, 600]
    assert [r["release_s"] for r in b["releases"]] == [7200.0, 93600.0]
    assert b["finished_within_window"] and b["makespan_s_max"] < 3600


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("route: nightly}", "route: nightlyy}", "no route named 'nightlyy'"),
        (
            "batch: {window: 1h, route: nightly}",
            "batch: {window: 1h}",
            "batch.every is required unless the traffic is a schedule (in an application: "
            "unless batch.route names a route with a schedule",
        ),
    ],
)
def test_bad_batch_of_an_application_is_a_located_error(old: str, new: str, words: str) -> None:
    """An unknown batch route, or two routes and no ``every``, is one line at ``batch``."""
    with pytest.raises(InputError) as info:
        costsim.scenario_from_text(NIGHTLY.replace(old, new), "s.yaml")
    message = info.value.one_line()
    assert words in message and "s.yaml:17: batch" in message and "\n" not in message


def test_batch_route_in_a_single_function_scenario_is_refused() -> None:
    """A single-function scenario's jobs are all its requests: ``route`` is refused there."""
    text = """\
name: one
horizon: 1d
traffic: {profile: schedule, every: 1d, count: 10, window: 1h}
workload: {duration: {dist: fixed, value: 1s}}
options: [{name: f, kind: serverless}]
batch: {window: 2h, route: x}
"""
    with pytest.raises(InputError) as info:
        costsim.scenario_from_text(text, "s.yaml")
    assert "batch.route" in info.value.one_line() and "remove route" in info.value.one_line()
