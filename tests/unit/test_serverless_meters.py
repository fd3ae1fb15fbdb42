"""Serverless meters against the per-request billing they replaced.

Theory: a duration rounded up to 1 ms and then to any granularity that is a multiple of 1 ms
is billed as the raw duration rounded to that granularity (``ceil(ceil(x) / g) = ceil(x / g)``
for whole ``g``), so a whole-millisecond histogram prices every product exactly. These tests
hold the engine's duration and init meters, priced with :meth:`MsHistogram.billed_ms`, to
per-request rounding with :func:`costsim.platforms.rules.billed_duration_s`, the rule the
engines applied before meters.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_serverless, serverless

from costsim import InputError, scenario_from_text, simulate
from costsim.platforms.rules import billed_duration_s


@pytest.mark.parametrize(
    ("granularity_ms", "minimum_ms"), [(1, 0), (100, 0), (1, 100), (100, 1000), (1000, 0)]
)
def test_histograms_bill_as_per_request_rounding(granularity_ms: int, minimum_ms: int) -> None:
    """Lambda (1 ms), Cloud Run (100 ms), Azure Consumption (1 ms, 100 ms minimum), Azure Flex
    (100 ms, 1 s minimum) and per-second rounding: billed compute and init from the histograms
    equal the sum of each request's rounded duration."""
    g = np.random.default_rng(5)
    arrivals = np.sort(g.uniform(0.0, 200.0, 400))
    durations = g.lognormal(np.log(0.12), 1.2, 400)
    p = serverless(keep_alive_s=5.0, provisioned=1)
    out = run_serverless(p, arrivals.tolist(), durations.tolist(), horizon_s=250.0)
    h = out.meters.histograms
    on_demand, prov, init = h["duration_ms"], h["provisioned_duration_ms"], h["init_ms"]
    gran_s, min_s = granularity_ms / 1000.0, minimum_ms / 1000.0
    billed_s = sum(billed_duration_s(d, gran_s, min_s) for d in durations)
    meters_ms = on_demand.billed_ms(granularity_ms, minimum_ms) + prov.billed_ms(
        granularity_ms, minimum_ms
    )
    assert meters_ms / 1000 == pytest.approx(billed_s, rel=1e-12)
    assert on_demand.count + prov.count == 400 and prov.count > 0
    assert init.count == out.counters.cold_starts
    assert init.billed_ms(granularity_ms, 0) / 1000 == pytest.approx(
        out.counters.cold_starts * billed_duration_s(0.25, gran_s), rel=1e-12
    )
    assert out.meters.totals["provisioned_instance_s"] == 250.0


SCENARIO = """
name: gran
horizon: 1h
traffic: {profile: constant, mean_rps: 1}
workload: {duration: {dist: fixed, value: 20ms}}
options:
  - name: fn
    kind: serverless
    billing_granularity: 1.5ms
"""


def test_billing_granularity_must_be_whole_milliseconds() -> None:
    """Meters count whole milliseconds, so a granularity of 1.5 ms cannot be priced exactly:
    one line naming the field, not a silent approximation."""
    with pytest.raises(InputError, match="whole number of milliseconds") as info:
        simulate(scenario_from_text(SCENARIO, "s.yaml"), engine="simpy")
    assert "options.0.billing_granularity" in str(info.value)
