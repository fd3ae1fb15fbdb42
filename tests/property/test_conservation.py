"""Property tests: accounting and bounds that hold for every small random case.

Engines: arrived = served + throttled + dropped + timed_out; no latency below the request's duration; no
NaN anywhere. Chain: costs are never negative and the total is the sum of the components;
serverless cost does not fall when traffic is added.
"""

from __future__ import annotations

import math

import numpy as np
from conftest import RecordingHistogram, fixed, fleet, run_fleet, run_serverless, serverless
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import costsim
from costsim.engine import simpy_fleet, simpy_serverless
from costsim.platforms.fleet import AutoscalePolicy

SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# requests as (gap to the previous arrival, duration), both [s], on a coarse grid so ties occur
requests = st.lists(
    st.tuples(
        st.sampled_from([0.0, 0.25, 0.5, 1.0, 3.0, 10.0]),
        st.floats(0.0, 5.0, allow_nan=False).map(lambda x: round(x, 3)),
    ),
    min_size=0,
    max_size=30,
)


def _unzip(reqs: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    arrivals = np.cumsum([g for g, _ in reqs]).tolist() if reqs else []
    return arrivals, [d for _, d in reqs]


def _latencies_cover_durations(lat: list[float], durations: list[float]) -> bool:
    """Whether some served subset of requests can have these latencies, each >= its duration.

    If every served request's latency is at least its duration, the i-th smallest latency is at
    least the i-th smallest duration of the served requests, hence of all requests.
    """
    return all(x >= d - 1e-9 for x, d in zip(sorted(lat), sorted(durations), strict=False))


def _check_engine_output(out: object, durations: list[float], horizon_s: float) -> None:
    c = out.counters  # type: ignore[attr-defined]
    assert c.arrived == len(durations)
    assert c.arrived == c.served + c.throttled + c.dropped + c.timed_out
    assert out.latency.count == c.served  # type: ignore[attr-defined]
    meters = out.meters  # type: ignore[attr-defined]
    if meters.kind == "serverless":
        h = meters.histograms
        started = h["duration_ms"].count + h["provisioned_duration_ms"].count
        assert started == c.served + c.timed_out
        assert h["init_ms"].count == c.cold_starts
        assert meters.counts["provisioned_served"] <= c.served
    assert out.bins.arrivals.sum() == c.arrived  # type: ignore[attr-defined]
    assert out.bins.served.sum() == c.served  # type: ignore[attr-defined]
    values = [
        out.alive_s,  # type: ignore[attr-defined]
        out.busy_s,  # type: ignore[attr-defined]
        out.latency.total_s,  # type: ignore[attr-defined]
        *out.meters.totals.values(),  # type: ignore[attr-defined]
        *out.bins.alive_s,  # type: ignore[attr-defined]
        *out.bins.busy_s,  # type: ignore[attr-defined]
    ]
    assert all(math.isfinite(v) and v >= 0 for v in values)
    # busy instance-equivalents never exceed instances alive
    assert out.busy_s <= out.alive_s + 1e-9  # type: ignore[attr-defined]
    assert out.alive_s <= out.max_instances * horizon_s + 1e-9  # type: ignore[attr-defined]


@SETTINGS
@given(
    reqs=requests,
    cold_s=st.sampled_from([0.0, 0.25, 1.0]),
    keep_alive_s=st.sampled_from([0.0, 1.0, 5.0, 600.0]),
    limit=st.integers(1, 4),
    burst=st.sampled_from([1.0, 2.0, math.inf]),
    reuse=st.sampled_from(["mru", "newest", "oldest", "random"]),
    provisioned=st.integers(0, 2),
    conc=st.integers(1, 3),
)
def test_serverless_accounts_for_every_request(
    monkeypatch: object,
    reqs: list[tuple[float, float]],
    cold_s: float,
    keep_alive_s: float,
    limit: int,
    burst: float,
    reuse: str,
    provisioned: int,
    conc: int,
) -> None:
    """arrived = served + throttled; latency >= duration; nothing negative or NaN."""
    monkeypatch.setattr(simpy_serverless, "LatencyHistogram", RecordingHistogram)  # type: ignore[attr-defined]
    p = serverless(
        cold_start=fixed(cold_s),
        keep_alive_s=keep_alive_s,
        concurrency_limit=max(limit, provisioned),
        scale_burst=burst,
        scale_rate_per_s=0.5 if burst < math.inf else math.inf,
        reuse=reuse,
        provisioned=provisioned,
        instance_concurrency=conc,
    )
    arrivals, durations = _unzip(reqs)
    horizon_s = (arrivals[-1] if arrivals else 0.0) + 1.0
    out = run_serverless(p, arrivals, durations, horizon_s=horizon_s)
    _check_engine_output(out, durations, horizon_s)
    assert out.counters.dropped == 0
    lat = out.latency.values  # type: ignore[attr-defined]
    assert len(lat) == out.counters.served
    assert _latencies_cover_durations(lat, durations)
    if out.counters.throttled == 0:
        # recorded in arrival order: latency is the duration, plus the init when cold
        extra = [x - d for x, d in zip(lat, durations, strict=True)]
        assert all(abs(e) < 1e-9 or abs(e - cold_s) < 1e-9 for e in extra)
        assert sum(abs(e) >= 1e-9 for e in extra) == out.counters.cold_starts or cold_s == 0
    assert out.max_instances <= max(limit, provisioned)
    assert out.counters.cold_starts <= out.counters.served


@SETTINGS
@given(
    reqs=requests,
    count=st.integers(1, 3),
    workers=st.integers(1, 3),
    balancer=st.sampled_from(["shared_queue", "round_robin", "random", "least_connections"]),
    queue_limit=st.sampled_from([None, 0, 1, 3]),
    queue_timeout_s=st.sampled_from([None, 0.0, 0.5, 2.0]),
    scale=st.booleans(),
)
def test_fleet_accounts_for_every_request(
    monkeypatch: object,
    reqs: list[tuple[float, float]],
    count: int,
    workers: int,
    balancer: str,
    queue_limit: int | None,
    queue_timeout_s: float | None,
    scale: bool,
) -> None:
    """arrived = served + dropped (the run drains); latency >= duration; nothing NaN."""
    monkeypatch.setattr(simpy_fleet, "LatencyHistogram", RecordingHistogram)  # type: ignore[attr-defined]
    policy = AutoscalePolicy(0, 3, 0.5, 2.0, 5.0, 4.0) if scale else None
    p = fleet(
        count=0 if scale else count,
        workers=workers,
        balancer=balancer,
        queue_limit=queue_limit,
        queue_timeout_s=queue_timeout_s,
        autoscale=policy,
    )
    arrivals, durations = _unzip(reqs)
    horizon_s = (arrivals[-1] if arrivals else 0.0) + 1.0
    out = run_fleet(p, arrivals, durations, horizon_s=horizon_s)
    _check_engine_output(out, durations, horizon_s)
    assert out.counters.throttled == 0
    lat = out.latency.values  # type: ignore[attr-defined]
    assert len(lat) == out.counters.served
    assert _latencies_cover_durations(lat, durations)
    if queue_timeout_s is not None and queue_limit is None and not scale:
        assert all(x <= queue_timeout_s + max(durations) + 1e-9 for x in lat)


SCENARIO = """
name: prop
horizon: {horizon}s
seed: {seed}
traffic: {{profile: constant, mean_rps: {rps}}}
workload:
  duration: {{dist: exponential, mean: {mean_ms}ms}}
options:
  - name: lambda
    kind: serverless
    memory: 256MB
    cold_start: {{dist: fixed, value: 200ms}}
    keep_alive: {keep_alive}s
    concurrency_limit: {limit}
    free_tier: {free}
    init_billed: {init}
  - {{name: vps, kind: vps, instance: hetzner-cx33, workers: 2, queue_limit: 5,
      autoscale: {{min: 1, max: 3, boot_time: 5s, cooldown: 10s, evaluation_period: 10s}}}}
  - {{name: metal, kind: bare_metal, server: hetzner-ax42, workers: 4}}
"""


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 1000),
    rps=st.sampled_from([0.5, 2.0, 5.0]),
    mean_ms=st.sampled_from([20, 200, 1000]),
    keep_alive=st.sampled_from([1, 60]),
    limit=st.integers(1, 5),
    free=st.booleans(),
)
def test_costs_are_non_negative_and_add_up(
    seed: int, rps: float, mean_ms: int, keep_alive: int, limit: int, free: bool
) -> None:
    """Total cost >= 0 and equal to the sum of its lines; only free-tier lines are negative."""
    text = SCENARIO.format(
        horizon=120,
        seed=seed,
        rps=rps,
        mean_ms=mean_ms,
        keep_alive=keep_alive,
        limit=limit,
        free=str(free).lower(),
        init="true",
    )
    result = costsim.simulate(costsim.scenario_from_text(text))
    for o in result.options:
        assert o.arrived == o.served + o.throttled + o.dropped
        lines = o.cost.components
        assert o.cost.total == sum(lines.values())
        assert o.cost.total >= 0
        assert all(v >= 0 for k, v in lines.items() if "free tier" not in k)
        assert all(math.isfinite(x) for x in vars(o.latency_ms).values())


@settings(max_examples=6, deadline=None)
@given(
    seed=st.integers(0, 1000),
    rps=st.sampled_from([0.2, 1.0, 4.0]),
    factor=st.sampled_from([2.0, 5.0]),
    free=st.booleans(),
)
def test_serverless_cost_does_not_fall_when_traffic_rises(
    seed: int, rps: float, factor: float, free: bool
) -> None:
    """More requests never make the serverless option cheaper (same seed, higher rate).

    With the same seed a higher constant rate replays the same requests compressed in time, plus
    more: billed requests and GB-s can only grow. Init is left unbilled here, because more
    traffic can genuinely mean fewer cold starts (more instances stay warm).
    """

    def cost(rate: float) -> object:
        text = SCENARIO.format(
            horizon=300,
            seed=seed,
            rps=rate,
            mean_ms=100,
            keep_alive=60,
            limit=1000,
            free=str(free).lower(),
            init="false",
        )
        scenario = costsim.scenario_from_text(text)
        scenario = scenario.model_copy(update={"options": scenario.options[:1]})
        return costsim.simulate(scenario).options[0].cost.total

    assert cost(rps * factor) >= cost(rps)  # type: ignore[operator]
