"""Hand-computed tiny cases for the SimPy serverless engine.

Times are chosen as binary fractions (0.125, 0.25, ...) so that the expected values are exact.
Unless a test says otherwise the pool has a fixed 250 ms cold start, a 600 s keep-alive, no
concurrency or scale-rate cap, mru reuse and 1 ms billing (see ``conftest.serverless``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import fixed, run_serverless, serverless

from costsim.engine.common import EngineOutput

pytestmark = pytest.mark.usefixtures("record_latencies")


def quantities(out: EngineOutput, granularity_ms: int = 1, minimum_ms: int = 0) -> dict:
    """What a per-request billing rule (default 1 ms, no minimum: Lambda) bills for a run:
    requests and billed seconds, on demand and provisioned, from the duration meters."""
    h = out.meters.histograms
    on_demand, prov = h["duration_ms"], h["provisioned_duration_ms"]
    return {
        "requests": on_demand.count,
        "compute_s": on_demand.billed_ms(granularity_ms, minimum_ms) / 1000,
        "init_s": h["init_ms"].billed_ms(granularity_ms, 0) / 1000,
        "provisioned_requests": prov.count,
        "provisioned_compute_s": prov.billed_ms(granularity_ms, minimum_ms) / 1000,
        "provisioned_instance_s": out.meters.totals["provisioned_instance_s"],
    }


def hist(out: EngineOutput, name: str) -> dict[int, int]:
    """A histogram meter as {ms: count}."""
    h = out.meters.histograms[name]
    return dict(zip(h.values_ms.tolist(), h.counts.tolist(), strict=True))


def test_three_requests_one_second_apart_share_one_cold_instance() -> None:
    """3 requests of 100 ms, 1 s apart: one cold start, then two warm reuses."""
    out = run_serverless(serverless(), [0.0, 1.0, 2.0], 0.1, horizon_s=1000.0)
    c = out.counters
    assert (c.arrived, c.served, c.cold_starts, c.throttled, c.dropped) == (3, 3, 1, 0, 0)
    assert out.latency.values == pytest.approx([0.35, 0.1, 0.1])  # type: ignore[attr-defined]
    assert out.max_instances == 1
    assert quantities(out)["requests"] == 3
    assert quantities(out)["compute_s"] == pytest.approx(0.3)
    assert quantities(out)["init_s"] == pytest.approx(0.25)
    assert out.busy_s == pytest.approx(0.25 + 0.3)
    # alive from its creation at 0 until 600 s after its last request ended at 2.1 s
    assert out.alive_s == pytest.approx(602.1)
    assert out.bins.alive_s.sum() == pytest.approx(out.alive_s)
    assert out.bins.busy_s.sum() == pytest.approx(out.busy_s)


def test_gap_longer_than_keep_alive_gives_a_second_cold_start() -> None:
    """Keep-alive 8 s: a request 20 s later finds the instance reclaimed and starts a new one.

    The first instance is alive from 0 until exactly idle (0.375) + keep-alive (8) = 8.375 s.
    """
    p = serverless(keep_alive_s=8.0)
    out = run_serverless(p, [0.0, 20.0], 0.125, horizon_s=100.0)
    assert out.counters.cold_starts == 2
    assert out.max_instances == 1
    assert out.alive_s == pytest.approx(8.375 + 8.375)
    assert out.latency.values == [0.375, 0.375]  # type: ignore[attr-defined]


def test_instance_is_still_warm_at_exactly_idle_plus_keep_alive() -> None:
    """Arriving at exactly idle_since + keep_alive reuses the instance; a moment later does not."""
    p = serverless(keep_alive_s=8.0)
    warm = run_serverless(p, [0.0, 8.375], 0.125, horizon_s=100.0)
    assert warm.counters.cold_starts == 1
    assert warm.alive_s == 8.375 + 0.125 + 8.0
    cold = run_serverless(p, [0.0, 8.376], 0.125, horizon_s=100.0)
    assert cold.counters.cold_starts == 2
    assert cold.alive_s == pytest.approx(8.375 + 8.375)


def test_alive_time_is_cut_at_the_horizon() -> None:
    """An instance whose keep-alive runs past the horizon is counted alive only up to it."""
    out = run_serverless(serverless(keep_alive_s=8.0), [0.0], 0.125, horizon_s=4.0)
    assert out.alive_s == 4.0
    assert out.bins.alive_s.sum() == pytest.approx(4.0)


def test_concurrency_limit_one_throttles_overlapping_requests() -> None:
    """Limit 1, requests of 1 s at 0, 0.25, 0.5 and 2: the two overlapping ones are throttled."""
    p = serverless(concurrency_limit=1, cold_start=fixed(0.0))
    out = run_serverless(p, [0.0, 0.25, 0.5, 2.0], 1.0)
    c = out.counters
    assert (c.arrived, c.served, c.throttled, c.cold_starts) == (4, 2, 2, 1)
    assert out.bins.throttled.sum() == 2


def test_concurrency_limit_counts_initialising_instances() -> None:
    """Limit 2 with a 1 s cold start: the third overlapping request is throttled during init."""
    p = serverless(concurrency_limit=2, cold_start=fixed(1.0))
    out = run_serverless(p, [0.0, 0.25, 0.5, 5.0], 0.5)
    assert out.counters.cold_starts == 2
    assert out.counters.throttled == 1
    assert out.counters.served == 3


def test_completion_at_an_arrival_time_frees_the_instance_first() -> None:
    """A request ending at t frees its instance for a request arriving at t (no throttle)."""
    p = serverless(concurrency_limit=1, cold_start=fixed(0.0))
    out = run_serverless(p, [0.0, 1.0, 2.0], 1.0)
    assert out.counters.throttled == 0
    assert out.counters.cold_starts == 1


def test_scale_rate_bucket_throttles_as_computed() -> None:
    """Bucket of 2 refilled at 1/s; long requests so every arrival needs a new instance.

    t=0: 2 tokens -> start, start, throttle. t=0.5: 0.5 token -> throttle. t=1: 1 -> start.
    t=1.5: 0.5 -> throttle. t=2: 1 -> start. t=3: 1 -> start.
    """
    p = serverless(scale_burst=2.0, scale_rate_per_s=1.0, cold_start=fixed(0.0))
    arrivals = [0.0, 0.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0]
    out = run_serverless(p, arrivals, 100.0)
    assert out.counters.cold_starts == 5
    assert out.counters.throttled == 3
    assert out.counters.served == 5


def test_scale_rate_bucket_does_not_limit_warm_reuse() -> None:
    """Warm reuse takes no token: with an empty bucket, idle instances still serve."""
    p = serverless(scale_burst=1.0, scale_rate_per_s=1e-6, cold_start=fixed(0.0))
    out = run_serverless(p, [0.0, 1.0, 2.0, 2.0], 0.5)
    assert out.counters.cold_starts == 1
    assert out.counters.throttled == 1  # the second request at t=2 needs a new instance


def test_provisioned_instances_serve_first_requests_warm() -> None:
    """2 provisioned instances: two simultaneous requests start warm, the third is cold.

    Usage of the provisioned instances goes to the provisioned_* quantities.
    """
    p = serverless(provisioned=2)
    out = run_serverless(p, [0.0, 0.0, 0.0], 1.0, horizon_s=100.0)
    q = quantities(out)
    assert out.counters.cold_starts == 1
    assert out.latency.values == [1.0, 1.0, 1.25]  # type: ignore[attr-defined]
    assert q["provisioned_requests"] == 2
    assert q["provisioned_compute_s"] == 2.0
    assert q["requests"] == 1
    assert q["compute_s"] == 1.0
    assert q["init_s"] == 0.25
    assert q["provisioned_instance_s"] == 2 * 100.0
    assert out.max_instances == 3


def test_provisioned_instances_are_preferred_over_warm_on_demand_ones() -> None:
    """A later request goes to an idle provisioned instance even if an on-demand one is idle."""
    p = serverless(provisioned=1)
    out = run_serverless(p, [0.0, 0.0, 10.0], 1.0, horizon_s=100.0)
    assert quantities(out)["provisioned_requests"] == 2
    assert quantities(out)["requests"] == 1
    assert out.meters.counts["provisioned_served"] == 2
    assert out.counters.cold_starts == 1


def test_provisioned_instances_never_expire() -> None:
    """Provisioned instances are alive for the whole horizon, whatever the keep-alive."""
    p = serverless(provisioned=3, keep_alive_s=1.0)
    out = run_serverless(p, [50.0], 1.0, horizon_s=100.0)
    assert out.counters.cold_starts == 0
    assert out.alive_s == 300.0
    assert out.max_instances == 3


def _three_idle_instances(reuse: str, uniforms: list[float] | None = None) -> float:
    """Leave A, B, C idle with different idle and creation orders, then send one request.

    A: created 0, idle from 2.0.  B: created 0.5, idle from 3.5.  C: created 1.0, idle from 1.5.
    So mru picks B, newest C, oldest A. The request at 4 runs for 1 s and the pick is read off
    the total alive time: every instance lives until its last idle time + keep-alive (100 s).
    Returns alive_s minus what it would be if no request came at 4.
    """
    p = serverless(reuse=reuse, cold_start=fixed(0.0), keep_alive_s=100.0)
    out = run_serverless(
        p, [0.0, 0.5, 1.0, 4.0], [2.0, 3.0, 0.5, 1.0], horizon_s=1000.0, uniforms=uniforms
    )
    assert out.counters.cold_starts == 3
    base = (2.0 + 100.0) + (3.5 - 0.5 + 100.0) + (1.5 - 1.0 + 100.0)
    return out.alive_s - base


@pytest.mark.parametrize(
    ("reuse", "picked_idle_s"),
    [("mru", 3.5), ("newest", 1.5), ("oldest", 2.0)],
)
def test_reuse_policy_picks_the_defined_instance(reuse: str, picked_idle_s: float) -> None:
    """mru takes the instance idle most recently, newest the last created, oldest the first."""
    # the chosen instance now idles from 5.0 instead of picked_idle_s
    assert _three_idle_instances(reuse) == pytest.approx(5.0 - picked_idle_s)


@pytest.mark.parametrize(("u", "picked_idle_s"), [(0.1, 2.0), (0.5, 3.5), (0.9, 1.5)])
def test_random_reuse_picks_by_the_uniform_draw(u: float, picked_idle_s: float) -> None:
    """random takes candidate floor(u * n) in instance-id order (A, B, C)."""
    uniforms = [0.0, 0.0, 0.0, u]
    assert _three_idle_instances("random", uniforms) == pytest.approx(5.0 - picked_idle_s)


def test_instance_concurrency_two_packs_requests() -> None:
    """Two slots per instance and no cold start: 3 overlapping requests use 2 instances.

    Busy time counts 1/2 of an instance per request.
    """
    p = serverless(instance_concurrency=2, cold_start=fixed(0.0))
    out = run_serverless(p, [0.0, 0.25, 0.5], 1.0)
    assert out.counters.cold_starts == 2
    assert out.max_instances == 2
    assert out.busy_s == pytest.approx(1.5)
    assert out.capacity_per_instance == 2


def test_instance_concurrency_waits_for_init_before_sharing() -> None:
    """An initialising instance takes no second request; that one starts its own instance."""
    p = serverless(instance_concurrency=2, cold_start=fixed(1.0))
    out = run_serverless(p, [0.0, 0.5, 2.5], 1.0)
    assert out.counters.cold_starts == 2
    # at 2.5 both are warm and idle: no third instance
    assert out.max_instances == 2


@pytest.mark.parametrize(
    ("granularity_s", "minimum_s", "duration_s", "billed_s"),
    [
        (0.001, 0.0, 0.1234, 0.124),
        (0.001, 0.0, 0.3, 0.3),  # an exact multiple is not pushed to 301 ms by float noise
        (0.1, 0.0, 0.1234, 0.2),
        (0.1, 0.0, 0.3, 0.3),
        (0.001, 0.1, 0.0123, 0.1),  # billing minimum
    ],
)
def test_billing_rounds_duration_up_to_granularity(
    granularity_s: float, minimum_s: float, duration_s: float, billed_s: float
) -> None:
    """Billed compute is each warm request's duration rounded up (1 ms and 100 ms), from the
    whole-millisecond duration meter."""
    out = run_serverless(serverless(), [0.0, 10.0, 20.0], duration_s)
    q = quantities(out, round(granularity_s * 1000), round(minimum_s * 1000))
    assert q["compute_s"] == pytest.approx(3 * billed_s)


@pytest.mark.parametrize(("granularity_s", "billed_init_s"), [(0.001, 0.051), (0.1, 0.1)])
def test_init_is_rounded_up_to_granularity(granularity_s: float, billed_init_s: float) -> None:
    """Init time is rounded like duration (without the per-request minimum)."""
    out = run_serverless(serverless(cold_start=fixed(0.0501)), [0.0], 0.5)
    q = quantities(out, round(granularity_s * 1000), 1000)
    assert q["init_s"] == pytest.approx(billed_init_s)
    assert q["compute_s"] == 1.0


def test_served_after_the_horizon_are_counted() -> None:
    """A request still running at the horizon completes and is counted served."""
    out = run_serverless(serverless(), [9.0], 5.0, horizon_s=10.0)
    assert out.counters.served == 1
    assert out.busy_s == pytest.approx(1.0)  # only the part inside the horizon
    assert out.bins.served.sum() == 1


def test_bins_count_arrivals_and_cold_starts_where_they_happen() -> None:
    """Arrivals and cold starts land in the bin of their arrival time."""
    p = serverless(keep_alive_s=1.0)
    out = run_serverless(p, [5.0, 15.0, 15.5, 95.0], 0.125, horizon_s=100.0, n_bins=10)
    assert out.bins.arrivals.tolist() == [1, 2, 0, 0, 0, 0, 0, 0, 0, 1]
    assert out.bins.cold_starts.tolist() == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert not math.isnan(out.latency.mean_s())


def test_meters_of_three_requests_one_second_apart() -> None:
    """The first hand case as meters: 3 durations of 100 ms, one 250 ms init, one instance alive
    602.1 s, three active periods (the cold one from its arrival: 350 ms)."""
    out = run_serverless(serverless(), [0.0, 1.0, 2.0], 0.1, horizon_s=1000.0)
    m = out.meters
    assert hist(out, "duration_ms") == {100: 3}
    assert hist(out, "init_ms") == {250: 1}
    assert hist(out, "instance_lifetime_ms") == {602100: 1}
    assert hist(out, "active_period_ms") == {100: 2, 350: 1}
    assert hist(out, "provisioned_duration_ms") == hist(out, "provisioned_active_period_ms") == {}
    assert m.totals["alive_instance_s"] == pytest.approx(602.1)
    assert m.totals["active_instance_s"] == pytest.approx(0.55)
    assert m.totals["busy_instance_s"] == pytest.approx(0.55)
    assert m.counts["arrived"] == m.counts["served"] == 3
    assert m.counts["instances_launched"] == 1
    assert m.config == {"memory_mb": 1024.0, "instance_concurrency": 1, "provisioned": 0}


def test_active_period_spans_overlapping_requests_of_one_instance() -> None:
    """Two requests per instance, no cold start: requests at 0 (1 s) and 0.5 (1 s) share one
    instance, busy from 0 to 1.5 s: one active period of 1,500 ms, busy 1 s (two halves)."""
    out = run_serverless(serverless(instance_concurrency=2, cold_start=fixed(0.0)), [0.0, 0.5], 1.0)
    assert out.counters.cold_starts == 1
    assert hist(out, "active_period_ms") == {1500: 1}
    assert out.meters.totals["active_instance_s"] == pytest.approx(1.5)
    assert out.busy_s == pytest.approx(1.0)


def test_requests_back_to_back_on_one_instance_are_one_active_period() -> None:
    """Periods closer than the meters' 1 ms resolution are one (serverless_rules,
    ACTIVE_PERIOD_GAP_S): a request starting as the last ended (at 0.1 s, or 0.5 ms after it)
    continues the period; one after a 1 ms gap starts a new one. No cold start, one instance:
    requests at 0, 0.1, 0.2005 (100 ms each) make one period of 300.5 ms, then one at 0.3015
    (a 1 ms gap) a period of 100 ms."""
    p = serverless(cold_start=fixed(0.0))
    out = run_serverless(p, [0.0, 0.1, 0.2005, 0.3015], 0.1)
    assert out.counters.cold_starts == 1
    assert hist(out, "active_period_ms") == {301: 1, 100: 1}
    assert out.meters.totals["active_instance_s"] == pytest.approx(0.4005)


def test_float_noise_between_arrival_and_completion_does_not_split_a_period() -> None:
    """Microsoft Learn's Flex example in miniature: 40 req/s of 250 ms on instances that serve
    one at a time. Arrivals (k + 0.5) * 0.025 and completions ten arrivals earlier plus 0.25 s
    differ by ulps either way. An early completion (34 here) must not end a period; a late one
    (15) makes the arrival take a spare instance, which starts one more period."""
    arr = (np.arange(4000) + 0.5) * 0.025
    late = int(((arr[:-10] + 0.25) > arr[10:]).sum())
    early = int(((arr[:-10] + 0.25) < arr[10:]).sum())
    assert late > 0 and early > 0
    p = serverless(cold_start=fixed(0.0))
    out = run_serverless(p, arr.tolist(), 0.25, horizon_s=100.0)
    periods = hist(out, "active_period_ms")
    assert sum(periods.values()) <= out.counters.cold_starts + late
    assert out.meters.totals["active_instance_s"] == pytest.approx(10 * 100.0, rel=1e-3)


def test_long_instance_lifetimes_are_exact_past_the_dense_range() -> None:
    """Lifetimes of days are kept to the millisecond (beyond the compiled dense array)."""
    out = run_serverless(serverless(keep_alive_s=200_000.0), [0.0], 0.1, horizon_s=300_000.0)
    assert hist(out, "instance_lifetime_ms") == {200_000_350: 1}


def test_timeout_cuts_a_long_request_and_counts_it_timed_out() -> None:
    """Timeout 1 s: a 5 s request holds its instance 1 s (after a 250 ms init), is recorded at
    1,000 ms and counted timed_out, not served, and leaves the latency histogram; a request at
    1.0 s still finds the instance busy (cold), one at 2.0 s reuses it."""
    p = serverless(timeout_s=1.0)
    out = run_serverless(p, [0.0, 1.0, 2.0], [5.0, 0.5, 1.0], horizon_s=100.0)
    c = out.counters
    assert (c.arrived, c.served, c.timed_out, c.cold_starts) == (3, 2, 1, 2)
    assert c.arrived == c.served + c.throttled + c.dropped + c.timed_out
    assert hist(out, "duration_ms") == {500: 1, 1000: 2}
    assert out.latency.values == [0.75, 1.0]  # type: ignore[attr-defined]
    assert out.meters.counts["timed_out"] == 1
    assert out.busy_s == pytest.approx(1.25 + 0.75 + 1.0)


def test_request_exactly_as_long_as_the_timeout_completes() -> None:
    """A duration equal to the timeout is served."""
    out = run_serverless(serverless(timeout_s=1.0), [0.0], 1.0)
    assert (out.counters.served, out.counters.timed_out) == (1, 0)


def _tied_pick(reuse: str, arrivals_s: list[float], durations_s: list[float]) -> dict[int, int]:
    """Two instances tied on the policy's key, then one request at 3 s of 1 s: the lifetimes
    (keep-alive 100 s) show which instance it took."""
    p = serverless(reuse=reuse, cold_start=fixed(0.0), keep_alive_s=100.0)
    out = run_serverless(p, [*arrivals_s, 3.0], [*durations_s, 1.0], horizon_s=1000.0)
    assert out.counters.cold_starts == 2
    return hist(out, "instance_lifetime_ms")


def test_mru_breaks_an_idle_time_tie_to_the_highest_id() -> None:
    """A (id 0, created 0, 2 s) and B (id 1, created 1, 1 s) are both idle from 2 s: mru takes
    B, which then lives 1 -> 104 s; A lives 0 -> 102 s."""
    assert _tied_pick("mru", [0.0, 1.0], [2.0, 1.0]) == {102_000: 1, 103_000: 1}


@pytest.mark.parametrize(("reuse", "lifetimes"), [
    ("newest", {101_000: 1, 104_000: 1}),  # takes B (id 1): A 0 -> 101, B 0 -> 104
    ("oldest", {102_000: 1, 104_000: 1}),  # takes A (id 0): A 0 -> 104, B 0 -> 102
])  # fmt: skip
def test_newest_and_oldest_break_a_creation_tie_by_id(reuse: str, lifetimes: dict) -> None:
    """A (id 0) and B (id 1) both created at 0, idle from 1 s and 2 s."""
    assert _tied_pick(reuse, [0.0, 0.0], [1.0, 2.0]) == lifetimes
