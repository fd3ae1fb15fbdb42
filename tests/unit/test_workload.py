"""Workload: the CPU-bound share of a duration scales with the CPU that memory buys."""

import pytest

from costsim import scenario_from_text, simulate
from costsim.platforms.serverless import duration_factor, usable_vcpus


def test_usable_vcpus_follow_memory_and_cap_at_six_and_threads():
    assert usable_vcpus(1769, threads=1) == pytest.approx(1.0)
    assert usable_vcpus(884.5, threads=1) == pytest.approx(0.5)
    assert usable_vcpus(3538, threads=1) == pytest.approx(1.0)  # single-threaded gains nothing
    assert usable_vcpus(3538, threads=4) == pytest.approx(2.0)
    assert usable_vcpus(10240, threads=16) == pytest.approx(10240 / 1769)
    assert usable_vcpus(20000, threads=16) == pytest.approx(6.0)


def test_duration_factor_scales_only_the_cpu_bound_part():
    # half the memory -> the CPU half takes twice as long: 0.5 + 0.5 * 2 = 1.5
    assert duration_factor(884.5, 1769, cpu_bound=0.5, threads=1) == pytest.approx(1.5)
    assert duration_factor(128, 1769, cpu_bound=0.0, threads=1) == 1.0
    assert duration_factor(3538, 1769, cpu_bound=1.0, threads=1) == 1.0
    assert duration_factor(3538, 1769, cpu_bound=1.0, threads=2) == pytest.approx(0.5)


SCENARIO = """
name: w
horizon: 1h
seed: 5
traffic: {{profile: constant, mean_rps: 5}}
workload:
  duration: {{dist: fixed, value: 100ms}}
  cpu_bound: {cpu}
  payload: 10KB
options:
  - {{name: small, kind: serverless, memory: 442.25MB, cold_start: {{dist: fixed, value: 0ms}}, extras: [internet-egress]}}
  - {{name: ref, kind: serverless, memory: 1769MB, cold_start: {{dist: fixed, value: 0ms}}}}
"""


def test_smaller_memory_runs_cpu_bound_work_longer_in_the_simulation():
    result = simulate(scenario_from_text(SCENARIO.format(cpu=0.8)))
    small, ref = result.options
    # 0.2 + 0.8 * 4 = 3.4 times longer at a quarter of the reference memory
    assert small.latency_ms.p50 == pytest.approx(340.0, rel=0.01)
    assert ref.latency_ms.p50 == pytest.approx(100.0, rel=0.01)


def test_payload_becomes_egress_gigabytes():
    result = simulate(scenario_from_text(SCENARIO.format(cpu=0)))
    small = result.options[0]
    assert small.meters.totals["bytes_out"] == pytest.approx(small.served * 10 * 1024)  # 10 KB each
    assert "data transfer out" in small.cost.components or "data transfer out free tier" in "".join(
        small.cost.components
    )
