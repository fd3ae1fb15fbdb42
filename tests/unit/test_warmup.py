"""Warm-up: requests arriving before ``warmup`` are left out of latency statistics only."""

import pytest

from costsim import scenario_from_text, simulate

SCENARIO = """
name: w
horizon: 2h
warmup: {warmup}
seed: 1
traffic: {{profile: constant, mean_rps: 1}}
workload:
  duration: {{dist: fixed, value: 100ms}}
options:
  - {{name: fn, kind: serverless, memory: 512MB, keep_alive: 1h, cold_start: {{dist: fixed, value: 2s}}}}
  - {{name: vm, kind: vps, count: 1, workers: 1}}
"""


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_warmup_drops_the_cold_start_from_latency_but_not_from_counts(engine):
    cold = simulate(scenario_from_text(SCENARIO.format(warmup="0s")), engine=engine)
    warm = simulate(scenario_from_text(SCENARIO.format(warmup="10min")), engine=engine)
    a, b = cold.option("fn"), warm.option("fn")
    assert (
        a.arrived == b.arrived and a.cold_starts == b.cold_starts and a.cost.total == b.cost.total
    )
    # the first requests waited for a 2 s init; after ten minutes the pool is warm
    assert a.latency_ms.mean > b.latency_ms.mean
    assert b.latency_ms.mean == pytest.approx(100.0, rel=2e-3)
    assert warm.option("vm").latency_ms.mean <= cold.option("vm").latency_ms.mean + 1e-9


def test_warmup_must_be_shorter_than_the_horizon():
    from costsim import InputError

    with pytest.raises(InputError, match="warmup"):
        scenario_from_text(SCENARIO.format(warmup="3h"))
