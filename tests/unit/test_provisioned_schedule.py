"""Provisioned concurrency on a schedule: windows, cron, the engines and Lambda's examples.

Sources: AWS Lambda pricing page (2026 copy, https://aws.amazon.com/lambda/pricing/), section
"Provisioned Concurrency Pricing": provisioned concurrency is metered "from the time you enable
it on your function until you disable it, rounded up to the nearest 5 minutes"; Example 1
(mobile application launch: PC 100 for 8 h at 1,536 MB, 500,000 requests of 100 ms on it, 2.5M
of 120 ms on demand, free tier applied: $19.96) and Example 2 (Cyber Monday: PC 7 for 24 h at
4,096 MB, 2M requests of 280 ms, no free tier: $32.26).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from conftest import fixed, run_serverless, serverless

import costsim
from costsim.errors import InputError
from costsim.platforms.schedule import (
    Window,
    parse_cron,
    provisioned_instance_s,
    provisioned_periods,
    provisioned_steps,
)

H = 3600.0


def test_windows_combine_by_the_largest_count_over_the_base() -> None:
    """Base 1; a dated window of 5 over [1 h, 3 h) and one of 3 over [2 h, 4 h): 1, 5, 5, 3,
    then 1 again; windows do not add up."""
    windows = (Window(5, start_s=H, end_s=3 * H), Window(3, start_s=2 * H, end_s=4 * H))
    assert provisioned_steps(1, windows, 10 * H) == ((0.0, 1), (H, 5), (3 * H, 3), (4 * H, 1))


def test_daily_weekly_and_overnight_windows() -> None:
    """Day 0 is a Monday. 08:00-18:00 on weekdays opens five times in a week; 22:00-06:00 every
    day is open at the start (it opened on the Sunday before) and closes at 06:00."""
    week = 7 * 86400.0
    weekly = Window(2, at_s=8 * H, until_s=18 * H, days=(0, 1, 2, 3, 4))
    steps = provisioned_steps(0, (weekly,), week)
    assert len(steps) == 1 + 2 * 5
    assert steps[1] == (8 * H, 2) and steps[2] == (18 * H, 0)
    assert steps[-1] == (4 * 86400.0 + 18 * H, 0)  # Friday 18:00; nothing at the weekend
    night = Window(4, at_s=22 * H, until_s=6 * H)
    assert provisioned_steps(0, (night,), 86400.0) == ((0.0, 4), (6 * H, 0), (22 * H, 4))


def test_cron_windows_follow_the_expression() -> None:
    """``0 9 * * 1-5`` (09:00 Monday to Friday) with a 2 h duration: open 09:00-11:00 on five
    days of the first week; ``*/30 * * * *`` fires twice an hour. 2024-01-01 (day 0) was a
    Monday, so day-of-month 1 is day 0 and ``0 0 1 * *`` fires once in January."""
    steps = provisioned_steps(3, (Window(9, cron="0 9 * * 1-5", duration_s=2 * H),), 7 * 86400.0)
    assert steps[1:3] == ((9 * H, 9), (11 * H, 3)) and len(steps) == 11
    c = parse_cron("*/30 * * * *")
    assert c.minutes == {0, 30} and c.hours == set(range(24))
    monthly = Window(1, cron="0 0 1 * *", duration_s=H)
    assert provisioned_steps(0, (monthly,), 31 * 86400.0) == ((0.0, 1), (H, 0))
    # Sunday is 0 and 7; names work; both day fields restricted means either (Vixie cron)
    assert parse_cron("0 0 * * 7").weekdays == parse_cron("0 0 * * sun").weekdays == {0}
    either = Window(1, cron="0 12 3 * mon", duration_s=H)
    opens = [t for t, n in provisioned_steps(0, (either,), 14 * 86400.0) if n == 1]
    assert opens == [12 * H, 2 * 86400.0 + 12 * H, 7 * 86400.0 + 12 * H]


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("0 25 * * *", "hour"),
        ("61 * * * *", "minute"),
        ("0 0 * * funday", "day of week"),
        ("*/0 * * * *", "step"),
        ("0 0 * *", "5 fields"),
        ("0 0 10-2 * *", "ends before"),
    ],
)
def test_bad_cron_fields_are_named(expr: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_cron(expr)


def test_enabled_periods_are_layers_of_the_count() -> None:
    """0 -> 3 at 1 h, -> 5 at 2 h, -> 2 at 3 h, -> 0 at 5 h, as layers: two instances enabled
    [1 h, 5 h), one [1 h, 3 h), two [2 h, 3 h); 3 + 5 + 2 x 2 = 12 instance-hours in all."""
    steps = ((0.0, 0), (H, 3), (2 * H, 5), (3 * H, 2), (5 * H, 0))
    periods = sorted(provisioned_periods(steps, 10 * H))
    assert periods == [(H, 3 * H, 1), (H, 5 * H, 2), (2 * H, 3 * H, 2)]
    assert provisioned_instance_s(steps, 10 * H) == 12 * H


def test_a_rise_adds_warm_instances_and_a_fall_turns_them_on_demand() -> None:
    """Provisioned 0 -> 2 at 10 s -> 0 at 20 s, keep-alive 5 s, 1 s requests at 12 s and 19.5 s:
    both served warm by provisioned instances (no cold start), counted as provisioned; at 20 s
    the busy one ends its provisioned activity period and finishes on demand; both retire 5 s
    after they are idle (25 s and 25.5 s); a request at 30 s is a cold start."""
    p = serverless(keep_alive_s=5.0, provisioned_changes=((10.0, 2), (20.0, 0)))
    out = run_serverless(p, [12.0, 19.5, 30.0], 1.0, horizon_s=100.0)
    m = out.meters
    assert out.counters.cold_starts == 1
    assert m.counts["provisioned_served"] == 2
    assert m.histograms["provisioned_duration_ms"].count == 2
    assert m.totals["provisioned_instance_s"] == 20.0
    enabled = m.histograms["provisioned_period_ms"]
    assert enabled.values_ms.tolist() == [10_000] and enabled.counts.tolist() == [2]
    # provisioned periods: 12-13 s, then 19.5-20 s; on demand: 20-20.5 s and the cold one
    pa = m.histograms["provisioned_active_period_ms"]
    assert sorted(pa.values_ms.tolist()) == [500, 1000]
    lifetimes = sorted(m.histograms["instance_lifetime_ms"].values_ms.tolist())
    assert lifetimes == [6_250, 15_000, 15_500]  # 30-36.25 s (cold 0.25 s), 10-25, 10-25.5 s


SCALE = 16  # the run lasts a 16th of the 730-hour month; rating scales it back


def _run(tmp_path: Path, text: str, engine: str) -> costsim.results.OptionResult:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return costsim.simulate(costsim.load_scenario(path), engine=engine).options[0]


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_lambda_provisioned_example_1_launch_day_runs(tmp_path: Path, engine: str) -> None:
    """Lambda pricing page, Provisioned Concurrency Example 1 (launch day), as a scenario over
    a 16th of the month (45.625 h): PC 100 for the first 30 minutes (8 h / 16, a whole number
    of 5-minute periods, so the rounding is the month's), 31,250 requests of 100 ms in that
    window (a request log) and 156,250 of 120 ms on demand after it. Free tier applied, INIT
    not billed, no cold start (the example has none): $18 + $0.40 + $0.73 + $0.83 = $19.96."""
    n = 500_000 // SCALE
    t = (np.arange(n) + 0.5) * (1800.0 / n)
    t[0] = 0.0
    rows = "\n".join(f"{float(x)!r},100" for x in t)
    (tmp_path / "pc.csv").write_text("t,duration_ms\n" + rows + "\n", encoding="utf-8")
    text = f"""\
name: launch-day
horizon: 45.625h
seed: 1
traffic:
  sum:
    - {{profile: replay, format: timestamps, path: pc.csv}}
    - {{profile: schedule, every: 45.625h, offset: 30min, window: 45.125h,
       count: {2_500_000 // SCALE}, spread: equidistant}}
workload: {{duration: {{dist: fixed, value: 120ms}}}}
options:
  - name: lambda
    kind: serverless
    memory: 1536MB
    init_billed: false
    cold_start: {{dist: fixed, value: 0ms}}
    provisioned_schedule: [{{count: 100, start: 0h, end: 30min}}]
"""
    opt = _run(tmp_path, text, engine)
    assert opt.served == 3_000_000 // SCALE and opt.throttled == 0
    c = {k: v.quantize(Decimal("0.01")) for k, v in opt.cost.components.items()}
    assert c["provisioned concurrency"] == Decimal("18.00")
    assert c["provisioned duration"] == Decimal("0.73")
    assert c["requests"] + c["requests free tier"] == Decimal("0.40")
    assert opt.cost.total.quantize(Decimal("0.01")) == Decimal("19.96")


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_lambda_provisioned_example_2_cyber_monday_runs(tmp_path: Path, engine: str) -> None:
    """Lambda pricing page, Provisioned Concurrency Example 2 (Cyber Monday), over a 16th of the
    month: PC 7 for 90 minutes (24 h / 16), 125,000 requests of 280 ms evenly spread in it
    (6.5 in flight, never more than 7), 4,096 MB, no free tier (the example charges every
    request): $10.08 + $21.78 + $0.40 = $32.26."""
    text = f"""\
name: cyber-monday
horizon: 45.625h
seed: 1
traffic: {{profile: schedule, every: 45.625h, window: 90min, count: {2_000_000 // SCALE},
  spread: equidistant}}
workload: {{duration: {{dist: fixed, value: 280ms}}}}
options:
  - name: lambda
    kind: serverless
    memory: 4096MB
    init_billed: false
    free_tier: false
    cold_start: {{dist: fixed, value: 0ms}}
    provisioned_schedule: [{{count: 7, cron: "0 0 1 1 *", duration: 90min}}]
"""
    opt = _run(tmp_path, text, engine)
    assert opt.served == 2_000_000 // SCALE and opt.cold_starts == 0
    c = {k: v.quantize(Decimal("0.01")) for k, v in opt.cost.components.items()}
    assert c["provisioned concurrency"] == Decimal("10.08")
    assert c["provisioned duration"] == Decimal("21.78")
    assert c["requests"] == Decimal("0.40")
    assert opt.cost.total.quantize(Decimal("0.01")) == Decimal("32.26")


def test_provisioned_periods_round_up_to_five_minutes(tmp_path: Path) -> None:
    """A window of 7 minutes bills 10 (two 5-minute periods) per instance: 2 instances x 600 s
    x 1 GB x $0.0000041667 over an hour's run, scaled to the month (x 730)."""
    text = """\
name: round
horizon: 1h
seed: 1
traffic: {profile: schedule, every: 1h, window: 1h, count: 10, spread: equidistant}
workload: {duration: {dist: fixed, value: 10ms}}
options:
  - {name: f, kind: serverless, memory: 1024MB, free_tier: false,
     provisioned_schedule: [{count: 2, start: 10min, end: 17min}]}
"""
    opt = _run(tmp_path, text, "simpy")
    expected = Decimal(2 * 600) * Decimal("0.0000041667") * 730
    assert opt.cost.components["provisioned concurrency"] == expected


BAD = [
    ("[{count: 1, at: '08:00', until: '09:00', days: [funday]}]", "unknown weekday"),
    ("[{count: 1, start: 2h, end: 1h}]", "before it starts"),
    ("[{count: 1, cron: '0 24 * * *', duration: 1h}]", "cron hour"),
    ("[{count: 2000, start: 0h, end: 1h}]", "cannot exceed concurrency_limit"),
    ("[{count: 1, at: '25:00', until: '09:00'}]", "HH:MM"),
    ("[{count: 1, cron: '0 9 * * *'}]", "needs a duration"),
    ("[{count: 1, start: 0h, end: 1h, at: '08:00', until: '09:00'}]", "exactly one"),
]


@pytest.mark.parametrize(("schedule", "words"), BAD)
def test_bad_schedules_are_located_errors(schedule: str, words: str) -> None:
    """Each bad schedule is one located line naming the window's field path."""
    text = f"""\
name: bad
horizon: 1h
traffic: {{profile: constant, mean_rps: 1}}
workload: {{duration: {{dist: fixed, value: 10ms}}}}
options:
  - name: f
    kind: serverless
    provisioned_schedule: {schedule}
"""
    with pytest.raises(InputError) as info:
        costsim.simulate(costsim.scenario_from_text(text, "s.yaml"), engine="simpy")
    message = str(info.value)
    assert words in message
    assert "options.0.provisioned_schedule" in message and "s.yaml:" in message


def test_schedule_is_followed_with_zero_cold_start_in_both_engines() -> None:
    """The same schedule on both engines with instance concurrency 3: identical meters."""
    from test_fast_engine import compare_serverless

    p = serverless(
        cold_start=fixed(0.1),
        instance_concurrency=3,
        provisioned_changes=((2.0, 3), (4.0, 1), (6.0, 0)),
        keep_alive_s=1.0,
    )
    g = np.random.default_rng(11)
    arr = np.sort(g.uniform(0.0, 8.0, 300))
    compare_serverless(p, arr, g.exponential(0.3, 300), 10.0, 37)


def test_an_arrival_at_a_change_point_sees_the_new_count_in_both_engines() -> None:
    """At equal times the order is completions, then the schedule's change, then arrivals
    (costsim/platforms/serverless.py): a request arriving exactly when the window opens is
    served warm by a provisioned instance, one arriving exactly when it closes is not."""
    from test_fast_engine import compare_serverless

    p = serverless(
        cold_start=fixed(0.1),
        provisioned_changes=((2.0, 2), (4.0, 0)),
        keep_alive_s=0.0,
    )
    arr = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 6.0])
    dur = np.full(len(arr), 0.05)
    out = run_serverless(p, arr.tolist(), dur.tolist(), horizon_s=8.0)
    # 1.0 cold; 2.0 twice and 3.0 on the two provisioned instances; at 4.0 they are turned on
    # demand first, so that request is on demand but warm (idle since 4.0, keep-alive 0 s not
    # yet run out); 6.0 cold
    assert out.counters.cold_starts == 2
    assert out.meters.counts["provisioned_served"] == 3
    compare_serverless(p, arr, dur, 8.0, 5)
