"""An application on an autoscaled VPS fleet scales as a single function's fleet does.

Source: the single-function SimPy fleet (:mod:`costsim.engine.simpy_fleet`) is the reference
model of target tracking (AWS EC2 Auto Scaling target tracking: capacity = ceil(current x
metric / target), evaluated every period, a cooldown before scale-in, a boot delay before a new
instance serves; see docs/SCENARIO.md ``autoscale``). An application of one function and one
route whose function makes no calls is that single function: the same servers launch and
retire at the same times, the same requests wait, are served or dropped.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import autoscale, fleet, run_fleet
from test_application_pools import _one_function_app

import costsim
from costsim.engine.app import FleetPlan, run_fleet_app
from costsim.engine.metrics import TimeBins
from costsim.errors import InputError
from costsim.platforms.rules import BALANCERS

#: (balancer, workers, min, max, boot [s], cooldown [s], evaluation period [s], queue limit,
#: queue timeout [s]); ``random`` is left out: the two engines draw its uniforms from
#: different streams.
SCALED = [
    ("shared_queue", 2, 1, 4, 0.5, 1.0, 1.0, None, None),
    ("round_robin", 1, 1, 5, 1.0, 0.0, 0.5, None, None),
    ("least_connections", 2, 0, 3, 0.25, 2.0, 1.0, None, None),
    ("shared_queue", 1, 1, 3, 2.0, 1.0, 1.0, 3, None),
    ("shared_queue", 1, 1, 3, 1.0, 1.0, 1.0, None, 0.5),
    ("least_connections", 1, 1, 3, 1.0, 1.0, 1.0, None, 0.5),
    ("round_robin", 1, 1, 3, 1.0, 1.0, 1.0, 2, 0.2),
]


@pytest.mark.parametrize(
    ("balancer", "workers", "lo", "hi", "boot_s", "cool_s", "period_s", "limit", "timeout_s"),
    SCALED,
)
def test_one_function_application_scales_like_the_single_function_fleet(
    balancer: str,
    workers: int,
    lo: int,
    hi: int,
    boot_s: float,
    cool_s: float,
    period_s: float,
    limit: int | None,
    timeout_s: float | None,
) -> None:
    """Bursty arrivals (a quiet second, a busy one, repeated) on an autoscaled fleet: the
    application's service launches and retires the same servers as the single-function fleet
    (same launches, lifetimes, alive time), and serves and drops the same requests with the
    same latencies, with queue limits and timeouts. Arrivals on a 1/64 s grid; the 0.3 s duration keeps completions off the
    evaluation and boot times."""
    g = np.random.default_rng(3)
    busy = [np.sort(g.uniform(k, k + 1.0, 30)) for k in range(1, 12, 2)]
    arrivals = np.sort(np.round(np.concatenate(busy) * 64.0) / 64.0)
    dur_s, horizon_s = 0.3, 14.0
    policy = autoscale(
        minimum=lo,
        maximum=hi,
        target_utilization=0.6,
        boot_time_s=boot_s,
        cooldown_s=cool_s,
        evaluation_period_s=period_s,
    )
    ref = run_fleet(
        fleet(
            count=lo,
            workers=workers,
            balancer=balancer,
            queue_limit=limit,
            queue_timeout_s=timeout_s,
            autoscale=policy,
        ),
        arrivals.tolist(),
        dur_s,
        horizon_s,
    )
    plan = FleetPlan(
        servers=lo,
        workers=workers,
        balancer_code=BALANCERS.index(balancer),
        queue_limit=limit,
        queue_timeout_s=timeout_s,
        autoscale=policy,
    )
    app = _one_function_app(dur_s, arrivals)
    out = run_fleet_app(plan, app, horizon_s, 0.0, 1, 7, TimeBins(horizon_s, 10))
    r = out.routes["r"]
    c = ref.counters
    assert (r.arrived, r.served, r.dropped) == (c.arrived, c.served, c.dropped)
    assert out.servers == ref.meters.counts["instances_launched"] > max(lo, 1)
    lifetimes = ref.meters.histograms["instance_lifetime_ms"]
    assert out.lifetime_ms is not None
    assert out.lifetime_ms.values_ms.tolist() == lifetimes.values_ms.tolist()
    assert out.lifetime_ms.counts.tolist() == lifetimes.counts.tolist()
    assert out.alive_s == pytest.approx(ref.alive_s, rel=1e-12)
    assert out.busy_s == pytest.approx(ref.busy_s, rel=1e-9)
    assert out.max_instances == ref.max_instances
    assert np.array_equal(r.latency.counts, ref.latency.counts)


TRAFFIC = """
        sum:
          - {profile: schedule, every: 4h, window: 4h, count: 14400, spread: equidistant}
          - {profile: schedule, every: 4h, offset: 1h, window: 1h, count: 90000,
             spread: equidistant}"""
VPS = """
  - name: vps
    kind: vps
    instance: hetzner-cx33
    workers: 4
    autoscale: {min: 1, max: 8, target_utilization: 0.6, boot_time: 60s, cooldown: 300s,
                evaluation_period: 60s}"""


def test_an_autoscaled_application_costs_what_the_single_function_fleet_costs() -> None:
    """The same deterministic traffic (1 req/s for 4 h plus 25 req/s in the second hour,
    evenly spaced) and fixed 150 ms work, as a single-function scenario and as an application
    of one function and one route, on an autoscaled hetzner-cx33 group (hourly, rounded up,
    monthly cap): the same servers launch and retire, so the bills are equal to the cent and
    the detail says it autoscales and how many servers it launched."""
    single = f"""\
name: scaled-single
horizon: 4h
seed: 3
traffic:{TRAFFIC.replace("        ", "  ")}
workload: {{duration: {{dist: fixed, value: 150ms}}}}
options:{VPS}
"""
    app = f"""\
name: scaled-app
horizon: 4h
seed: 3
application:
  functions:
    api: {{duration: {{dist: fixed, value: 150ms}}}}
  routes:
    - name: r
      gateway: null
      steps: [{{call: api}}]
      traffic:{TRAFFIC}
options:{VPS}
"""
    ref = costsim.simulate(costsim.scenario_from_text(single, "a.yaml"), engine="simpy")
    res = costsim.simulate(costsim.scenario_from_text(app, "b.yaml"), engine="simpy")
    a, b = ref.options[0], res.options[0]
    assert (b.arrived, b.served, b.dropped) == (a.arrived, a.served, a.dropped)
    assert b.detail["autoscale"] is True and b.detail["servers"] > 2
    assert b.detail["servers"] == a.meters.counts["instances_launched"]
    assert b.cost.total == a.cost.total > 0


def test_bare_metal_has_no_autoscale_for_applications() -> None:
    """Bare metal takes no ``autoscale`` field at all: a located schema error, exit code 2."""
    text = """\
name: bad
horizon: 1h
application:
  functions: {f: {duration: {dist: fixed, value: 10ms}}}
  routes: [{name: r, traffic: {profile: constant, mean_rps: 1}, steps: [{call: f}]}]
options:
  - {name: m, kind: bare_metal, autoscale: {min: 1, max: 2}}
"""
    with pytest.raises(InputError) as info:
        costsim.simulate(costsim.scenario_from_text(text, "s.yaml"), engine="simpy")
    assert "options.0.autoscale" in str(info.value)
