"""Hand-computed tiny cases for the SimPy fleet engine (VPS and bare metal).

Unless a test says otherwise the fleet is one server with one worker, a shared queue, no queue
limit or timeout and per-second billing (see ``conftest.fleet``). Latencies are recorded exactly,
in the order requests start service.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import autoscale, fleet, run_fleet

import costsim
from costsim.meters import Meters, MsHistogram
from costsim.platforms.rules import BALANCERS, choose_server

pytestmark = pytest.mark.usefixtures("record_latencies")


def _lat(out: object) -> list[float]:
    return list(out.latency.values)  # type: ignore[attr-defined]


def _lifetimes_s(out: object) -> list[float]:
    """Each instance's metered lifetime [s], ascending."""
    h = out.meters.histograms["instance_lifetime_ms"]  # type: ignore[attr-defined]
    return [v / 1000.0 for v, c in zip(h.values_ms, h.counts, strict=True) for _ in range(c)]


def test_two_workers_three_simultaneous_requests_give_one_wait() -> None:
    """2 workers, 3 requests of 1 s at t=0: exactly one waits 1 s (latencies 1, 1, 2)."""
    out = run_fleet(fleet(workers=2), [0.0, 0.0, 0.0], 1.0)
    assert _lat(out) == [1.0, 1.0, 2.0]
    assert out.counters.served == 3
    assert out.busy_s == pytest.approx(3.0 / 2)  # busy is in instance-equivalents


def test_two_single_worker_servers_share_one_queue() -> None:
    """2 servers x 1 worker with a shared queue behave like one server with 2 workers."""
    out = run_fleet(fleet(count=2), [0.0, 0.0, 0.0], 1.0)
    assert _lat(out) == [1.0, 1.0, 2.0]
    assert out.alive_s == 2 * 1000.0
    assert out.max_instances == 2


def test_queue_limit_drops_arrivals_beyond_it() -> None:
    """1 worker, queue_limit 1, 4 requests at once: 1 served, 1 waits, 2 dropped."""
    out = run_fleet(fleet(queue_limit=1), [0.0, 0.0, 0.0, 0.0], 1.0)
    c = out.counters
    assert (c.arrived, c.served, c.dropped) == (4, 2, 2)
    assert _lat(out) == [1.0, 2.0]
    assert out.bins.dropped.sum() == 2


def test_queue_limit_zero_means_no_waiting() -> None:
    """queue_limit 0: a request that finds every worker busy is dropped at once."""
    out = run_fleet(fleet(queue_limit=0), [0.0, 0.5, 1.0], 1.0)
    assert out.counters.dropped == 1
    assert _lat(out) == [1.0, 1.0]


def test_queue_timeout_drops_requests_that_would_wait_too_long() -> None:
    """Timeout 0.5 s, 1 worker, 1 s requests at 0, 0.125 and 0.75.

    The second would wait 0.875 s and is dropped (at 0.625 s); the third waits 0.25 s.
    """
    out = run_fleet(fleet(queue_timeout_s=0.5), [0.0, 0.125, 0.75], 1.0, horizon_s=10.0)
    assert out.counters.dropped == 1
    assert out.counters.served == 2
    assert _lat(out) == [1.0, 1.25]


def test_queue_timeout_serves_a_request_that_waits_exactly_the_timeout() -> None:
    """Waiting exactly ``queue_timeout`` is still served; the timeout is strict."""
    out = run_fleet(fleet(queue_timeout_s=0.875), [0.0, 0.125], 1.0)
    assert out.counters.dropped == 0
    assert _lat(out) == [1.0, 1.875]


def test_queue_timeout_frees_queue_limit_room() -> None:
    """Timed-out requests do not hold a place against queue_limit."""
    p = fleet(queue_limit=1, queue_timeout_s=0.5)
    out = run_fleet(p, [0.0, 0.125, 0.75], 1.0)
    # the request at 0.125 times out at 0.625, so the one at 0.75 finds room and waits 0.25 s
    assert out.counters.dropped == 1
    assert _lat(out) == [1.0, 1.25]


# Balancers: 2 servers x 1 worker; requests at 0, 1.5, 3.0, 3.1 lasting 10, 1, 1, 1 s.
BAL_ARRIVALS = [0.0, 1.5, 3.0, 3.1]
BAL_DURATIONS = [10.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("balancer", "latencies"),
    [
        # s1 frees at 2.5 and 4.0: the 4th request waits 0.9 s for it
        ("shared_queue", [10.0, 1.0, 1.0, 1.9]),
        # s0, s1, s0 (waits until 10), s1
        ("round_robin", [10.0, 1.0, 1.0, 8.0]),
        # s0; s1 (fewer); s1 (s0 busy, s1 idle); tie 1:1 -> lowest id s0, waits until 10
        ("least_connections", [10.0, 1.0, 1.0, 7.9]),
    ],
)
def test_balancer_routes_as_defined(balancer: str, latencies: list[float]) -> None:
    """Each balancer sends the requests where its definition says (latencies in start order)."""
    out = run_fleet(fleet(count=2, balancer=balancer), BAL_ARRIVALS, BAL_DURATIONS)
    assert sorted(_lat(out)) == pytest.approx(sorted(latencies))
    assert out.latency.total_s == pytest.approx(sum(latencies))


def test_random_balancer_uses_the_uniform_draw() -> None:
    """random sends a request to server floor(u * n): u = 0, .75, .5, .25 -> s0, s1, s1, s0."""
    p = fleet(count=2, balancer="random")
    out = run_fleet(p, BAL_ARRIVALS, BAL_DURATIONS, uniforms=[0.0, 0.75, 0.5, 0.25])
    assert sorted(_lat(out)) == pytest.approx(sorted([10.0, 1.0, 1.0, 7.9]))
    all_s1 = run_fleet(p, BAL_ARRIVALS, BAL_DURATIONS, uniforms=[0.99] * 4)
    # everything on s1: starts at 0, 10, 11, 12
    assert _lat(all_s1) == pytest.approx([10.0, 9.5, 9.0, 9.9])


def test_least_connections_counts_queued_requests() -> None:
    """least_connections compares active + queued: a server with a queue is avoided."""
    p = fleet(count=2, workers=1, balancer="least_connections")
    # s0 gets 0 (10 s) and 0.5 (queued behind it); s1 gets 0.25 (10 s); 0.75 goes to s1 (1+0 <
    # 1+1), so it waits for s1 at 10.25
    out = run_fleet(p, [0.0, 0.25, 0.5, 0.75], [10.0, 10.0, 1.0, 1.0])
    assert sorted(_lat(out)) == pytest.approx(sorted([10.0, 10.0, 10.5, 10.5]))


def test_completion_at_an_arrival_time_frees_the_worker_first() -> None:
    """A request ending at t frees its worker for a request arriving at t (no wait, no drop)."""
    out = run_fleet(fleet(queue_limit=0), [0.0, 1.0, 2.0], 1.0)
    assert out.counters.dropped == 0
    assert _lat(out) == [1.0, 1.0, 1.0]


def test_run_drains_after_the_horizon() -> None:
    """Requests still queued at the horizon are served after it: arrived = served + dropped."""
    out = run_fleet(fleet(), [9.0, 9.0, 9.0], 2.0, horizon_s=10.0)
    assert out.counters.served == 3
    assert _lat(out) == [2.0, 4.0, 6.0]
    assert out.alive_s == 10.0  # instance time stops at the horizon
    assert out.busy_s == pytest.approx(1.0)


def test_autoscaling_launches_after_one_period_and_serves_after_boot() -> None:
    """Target 50 %, period 60 s, boot 30 s: a server busy all of [0, 60] gives a launch at 60.

    The new server serves from 90: a request arriving at 61 waits until then (latency 30 s).
    """
    p = fleet(autoscale=autoscale(cooldown_s=10_000.0))
    out = run_fleet(p, [0.0, 61.0, 100.0], [200.0, 1.0, 1.0], horizon_s=600.0)
    assert _lat(out) == [200.0, 30.0, 1.0]
    assert out.max_instances == 2
    assert out.meters.counts["instances_launched"] == 2
    # the second server is billed from its launch (60 s), booting included
    assert _lifetimes_s(out) == [540.0, 600.0]


def test_autoscaling_does_not_launch_below_target() -> None:
    """A window 40 % busy with a 50 % target keeps one server."""
    p = fleet(autoscale=autoscale())
    out = run_fleet(p, [0.0, 60.0], 24.0, horizon_s=120.0)
    assert out.max_instances == 1
    assert out.meters.counts["instances_launched"] == 1


@pytest.mark.parametrize(("cooldown_s", "retired_at_s"), [(100.0, 240.0), (200.0, 300.0)])
def test_scale_in_waits_for_the_cooldown(cooldown_s: float, retired_at_s: float) -> None:
    """After the launch at 60 the utilisation falls from 200 s on; scale-in needs cooldown.

    Window [180, 240] is 1/6 busy, so at 240 one server is wanted: with a 100 s cooldown the
    second server retires at 240; with a 200 s cooldown not before 300.
    """
    p = fleet(autoscale=autoscale(cooldown_s=cooldown_s))
    out = run_fleet(p, [0.0], 200.0, horizon_s=600.0)
    assert out.max_instances == 2
    assert _lifetimes_s(out) == [retired_at_s - 60.0, 600.0]
    assert out.alive_s == 600.0 + retired_at_s - 60.0


def test_scale_in_retires_idle_servers_only_and_keeps_the_minimum() -> None:
    """Scale-in never takes the fleet below its minimum, and keeps servers with work."""
    p = fleet(autoscale=autoscale(minimum=1, maximum=3, cooldown_s=0.0))
    out = run_fleet(p, [0.0], 1000.0, horizon_s=1200.0)
    # the busy first server is never retired; the fleet is never empty
    assert out.counters.served == 1
    assert out.alive_s >= 1200.0
    assert 1200.0 in _lifetimes_s(out)


def test_autoscaling_from_zero_launches_when_work_waits() -> None:
    """min 0: a request held with no server triggers a launch at the next evaluation."""
    p = fleet(count=0, autoscale=autoscale(minimum=0, maximum=1))
    out = run_fleet(p, [10.0], 1.0, horizon_s=600.0)
    assert out.counters.served == 1
    assert _lat(out) == [60.0 + 30.0 - 10.0 + 1.0]


@pytest.mark.parametrize(
    ("life_s", "granularity_s", "minimum_s", "billed_s"),
    [
        (240.0, 3600.0, 3600.0, 3600.0),  # hourly with a one-hour minimum
        (3600.0, 3600.0, 3600.0, 3600.0),
        (3601.0, 3600.0, 3600.0, 7200.0),
        (30.0, 1.0, 60.0, 60.0),  # per second with a one-minute minimum
        (90.5, 1.0, 60.0, 91.0),
    ],
)
def test_instance_billing_rounds_lifetimes(
    life_s: float, granularity_s: float, minimum_s: float, billed_s: float
) -> None:
    """VPS lifetimes are rounded up to the granularity, with a minimum."""
    life = MsHistogram.from_seconds([life_s])
    meters = Meters("vps", 3600.0, histograms={"instance_lifetime_ms": life})
    g_ms, min_ms = round(granularity_s * 1000), round(minimum_s * 1000)
    assert meters.histograms["instance_lifetime_ms"].billed_ms(g_ms, min_ms) == billed_s * 1000


def test_autoscaled_instance_is_billed_a_full_hour() -> None:
    """An instance alive 180 s under hourly billing is billed 3600 s."""
    p = fleet(autoscale=autoscale(cooldown_s=100.0))
    out = run_fleet(p, [0.0], 200.0, horizon_s=7200.0)
    assert _lifetimes_s(out) == [180.0, 7200.0]
    billed_ms = out.meters.histograms["instance_lifetime_ms"].billed_ms(3_600_000, 3_600_000)
    assert billed_ms == (3600 + 7200) * 1000


FIXED_FLEET = """
name: fixed-fleet
horizon: 2h
seed: 3
traffic: {{profile: constant, mean_rps: {rps}}}
workload:
  duration: {{dist: exponential, mean: 50ms}}
options:
  - {{name: vps, kind: vps, instance: hetzner-cx33, count: 2, workers: 4}}
  - {{name: metal, kind: bare_metal, server: hetzner-ax42, count: 1, workers: 8}}
"""


def test_fixed_fleet_cost_does_not_depend_on_traffic() -> None:
    """A fixed VPS fleet and a fixed bare-metal fleet cost the same at 0.5 and 5 rps."""
    costs = []
    for rps in (0.5, 5):
        result = costsim.simulate(costsim.scenario_from_text(FIXED_FLEET.format(rps=rps)))
        costs.append({o.name: o.cost.total for o in result.options})
        assert all(o.arrived == o.served for o in result.options)
    assert costs[0] == costs[1]
    assert all(v > 0 for v in costs[0].values())


def test_cooldown_counts_from_the_last_real_scaling_action() -> None:
    """A scale-in attempt that finds no idle server is no action and does not restart cooldown.

    Launch at 60 (boot 0). At 180 the window is almost idle, but both servers are busy at that
    instant, so none can be retired. At 240 (180 s after the launch, cooldown 100 s) the second
    server retires.
    """
    p = fleet(autoscale=autoscale(cooldown_s=100.0, boot_time_s=0.0))
    out = run_fleet(p, [0.0, 179.5, 179.5], [60.0, 1.0, 1.0], horizon_s=600.0)
    assert out.max_instances == 2
    assert _lifetimes_s(out) == [240.0 - 60.0, 600.0]


def test_least_connections_ignores_timed_out_requests() -> None:
    """A request that timed out in a server's queue no longer counts as one of its connections.

    s0 runs 0-10 and s1 runs 0.125-5.125. The request at 0.25 queues at s0 (tie, lowest id) and
    times out at 0.75. At 5 both servers have one connection, so the tie goes to s0, where the
    request times out too.
    """
    p = fleet(count=2, balancer="least_connections", queue_timeout_s=0.5)
    out = run_fleet(p, [0.0, 0.125, 0.25, 5.0], [10.0, 5.0, 1.0, 1.0])
    assert out.counters.dropped == 2
    assert out.counters.served == 2


def test_server_booted_at_t_serves_a_request_arriving_at_t() -> None:
    """Boots are handled before arrivals at the same time: round robin already sees the new server.

    Launch at 60, boot 30 s: the request arriving at exactly 90 goes to the new server.
    """
    p = fleet(balancer="round_robin", autoscale=autoscale(cooldown_s=10_000.0))
    out = run_fleet(p, [0.0, 90.0], [200.0, 1.0], horizon_s=600.0)
    assert _lat(out) == [200.0, 1.0]


def test_events_at_exact_times_despite_float_rounding() -> None:
    """Completions and arrivals meeting at a non-binary time are still ordered exactly."""
    t = [0.1, 0.1 + 0.7]  # the first request ends at exactly the second's arrival
    out = run_fleet(fleet(queue_limit=0), t, [t[1] - t[0], 1.0])
    assert out.counters.dropped == 0


def test_group_whose_boot_never_completes_within_the_horizon_ends() -> None:
    """Issue 17's hang: min 0 and a boot far longer than the horizon.

    The requests at 10 and 20 wait with no server; the evaluation at 60 launches one, whose boot
    would end long after the horizon, so it never serves. No evaluation runs after the horizon
    (3600 s), so the run ends: both requests are dropped at the horizon and the booting server
    is metered from its launch to the horizon (3540 s).
    """
    p = fleet(count=0, autoscale=autoscale(minimum=0, maximum=2, boot_time_s=1e9))
    out = run_fleet(p, [10.0, 20.0], 1.0, horizon_s=3600.0)
    c = out.counters
    assert (c.arrived, c.served, c.dropped) == (2, 0, 2)
    assert out.meters.counts["instances_launched"] == 1
    assert _lifetimes_s(out) == [3540.0]


def test_no_evaluation_runs_after_the_horizon() -> None:
    """Horizon 100 s, periods of 60 s: the evaluation at 120 would see window [60, 120] 5/6
    busy and launch a second server, but it is past the horizon, so it never runs."""
    p = fleet(autoscale=autoscale(boot_time_s=0.0))
    out = run_fleet(p, [70.0], 1000.0, horizon_s=100.0)
    assert out.counters.served == 1
    assert out.meters.counts["instances_launched"] == 1
    assert out.max_instances == 1
    assert _lifetimes_s(out) == [100.0]


def test_warmup_leaves_early_arrivals_out_of_latency_only() -> None:
    """Warm-up 1 s, 1 worker, 1 s requests at 0, 0.5 and 1: the first two are served and counted
    but not in latency; the third, arriving exactly at the end of the warm-up, waits 1 s and is
    the only latency recorded (2 s)."""
    out = run_fleet(fleet(latency_warmup_s=1.0), [0.0, 0.5, 1.0], 1.0, horizon_s=10.0)
    assert out.counters.served == 3
    assert _lat(out) == [2.0]
    assert out.busy_s == pytest.approx(3.0)


def test_an_evaluation_at_exactly_the_horizon_still_runs() -> None:
    """Horizon 120 s = two periods, max 3, boot 30 s, one request busy throughout.

    At 60 the window is fully busy: a second server launches (serves from 90). At 120 the window
    had 90 server-seconds of capacity and 60 busy (2/3 > 50 %), so a third launches at exactly
    the horizon: it counts as launched, but its lifetime within the horizon is nothing.
    """
    p = fleet(autoscale=autoscale(maximum=3, cooldown_s=10_000.0))
    out = run_fleet(p, [0.0], 200.0, horizon_s=120.0)
    assert out.meters.counts["instances_launched"] == 3
    assert _lifetimes_s(out) == [60.0, 120.0]


def test_least_connections_breaks_ties_to_the_lowest_id() -> None:
    """The balancer rule both engines call: among servers with equal active + queued requests,
    least_connections takes the first in id order (identical servers make the choice invisible
    in latencies, so the rule is checked directly)."""
    lc = BALANCERS.index("least_connections")
    assert choose_server(lc, np.array([1, 1, 2]), np.array([1, 1, 0]), 0, 0.0) == 0
    assert choose_server(lc, np.array([3, 1, 0]), np.array([0, 1, 2]), 0, 0.0) == 1
    assert choose_server(lc, np.array([0, 0]), np.array([0, 0]), 0, 0.0) == 0
