"""Throughput and memory of the SimPy and fast engines on the same scenarios, in one process.

Each case is one option of a scenario, simulated end to end by :func:`simulate_option`: traffic
generation, the per-option draws, the engine and rating. Both engines run the same scenario; the
SimPy engine on a shorter horizon, since it is several hundred times slower. Requests/s is
simulated requests per second of wall time on one core; peak memory is the largest traced
allocation (``tracemalloc``, numpy buffers included) during the run. JIT compilation is excluded
(a warm-up run loads or compiles the kernels first).

Usage::

    .venv/bin/python benchmarks/engine_throughput.py            # full run (~3 min)
    .venv/bin/python benchmarks/engine_throughput.py --quick    # shorter horizons, no month run
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from costsim.scenario import Scenario, scenario_from_text
from costsim.simulate import catalogs_for, simulate_option

ROOT = Path(__file__).resolve().parents[1]

SERVERLESS = """  - name: fn
    kind: serverless
    provider: aws-lambda
    memory: 128MB
    keep_alive: 10min
    concurrency_limit: 1000
    scale_rate: {instances: 1000, per: 10s}"""
VPS = """  - name: vps
    kind: vps
    instance: hetzner-cx33
    count: 4
    workers: 16
    balancer: BALANCER"""
VPS_AUTOSCALED = """  - name: vps
    kind: vps
    instance: hetzner-cx33
    autoscale: {min: 2, max: 8, target_utilization: 0.5, boot_time: 30s, cooldown: 2min}
    workers: 16
    balancer: shared_queue"""

#: name, option block, mean rate [1/s], SimPy horizon, fast horizon, quick fast horizon
CASES = [
    ("serverless 10 rps", SERVERLESS, 10, "4h", "30d", "2d"),
    ("serverless 1,000 rps", SERVERLESS, 1000, "30s", "6h", "20min"),
    (
        "serverless 1,000 rps, 8 per inst",
        SERVERLESS + "\n    instance_concurrency: 8",
        1000,
        "30s",
        "6h",
        "20min",
    ),
    (
        "serverless 1,000 rps, oldest",
        SERVERLESS + "\n    reuse: oldest",
        1000,
        "30s",
        "6h",
        "20min",
    ),
    (
        "serverless 1,000 rps, random",
        SERVERLESS + "\n    reuse: random",
        1000,
        "30s",
        "6h",
        "20min",
    ),
    ("vps shared_queue 500 rps", VPS.replace("BALANCER", "shared_queue"), 500, "4min", "12h", "1h"),
    (
        "vps least_connections 500 rps",
        VPS.replace("BALANCER", "least_connections"),
        500,
        "4min",
        "12h",
        "1h",
    ),
    ("vps autoscaled 500 rps", VPS_AUTOSCALED, 500, "4min", "12h", "1h"),
]


def scenario(option: str, rate_rps: float, horizon: str) -> Scenario:
    """A one-option scenario: constant Poisson arrivals, lognormal 40 ms median durations."""
    return scenario_from_text(
        f"""
name: bench
horizon: {horizon}
seed: 7
traffic: {{profile: constant, mean_rps: {rate_rps}}}
workload:
  duration: {{dist: lognormal, median: 40ms, p99: 300ms}}
options:
{option}
"""
    )


def measure(scn: Scenario, engine: str, trace: bool) -> tuple[int, float, float]:
    """Simulate the option; return (requests, wall time [s], peak traced memory [MB])."""
    cats = catalogs_for(scn)
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    result, _, _ = simulate_option(scn, 0, cats, engine)
    wall_s = time.perf_counter() - t0
    peak_mb = 0.0
    if trace:
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return result.arrived, wall_s, peak_mb


def warm_cli_seconds() -> float:
    """Wall time [s] of a second ``costsim run`` of the hello-api scenario (warm JIT cache)."""
    exe = Path(sys.executable).with_name("costsim")
    cmd = [str(exe), "run", str(ROOT / "scenarios" / "hello-api.yaml"), "--no-charts"]
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, COLUMNS="120")
        subprocess.run([*cmd, "--out", out], check=True, capture_output=True, env=env)
        t0 = time.perf_counter()
        subprocess.run([*cmd, "--out", out], check=True, capture_output=True, env=env)
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short horizons, no month run")
    args = parser.parse_args()

    for _, option, rate, *_ in CASES:  # load or compile the kernels
        measure(scenario(option, rate, "10s"), "fast", trace=False)

    head = (
        f"{'case':<31} {'engine':<6} {'horizon':>7} {'requests':>12} {'wall s':>8} "
        f"{'req/s':>12} {'ratio':>7} {'peak MB':>8}"
    )
    print(head)
    print("-" * len(head))
    for name, option, rate, h_simpy, h_fast, h_quick in CASES:
        n_s, t_s, _ = measure(scenario(option, rate, h_simpy), "simpy", trace=False)
        _, _, mem_s = measure(scenario(option, rate, h_simpy), "simpy", trace=True)
        h = h_quick if args.quick else h_fast
        n_f, t_f, mem_f = measure(scenario(option, rate, h), "fast", trace=True)
        rps_s, rps_f = n_s / t_s, n_f / t_f
        print(
            f"{name:<31} {'simpy':<6} {h_simpy:>7} {n_s:>12,} {t_s:>8.2f} {rps_s:>12,.0f} "
            f"{'':>7} {mem_s:>8.1f}"
        )
        print(
            f"{'':<31} {'fast':<6} {h:>7} {n_f:>12,} {t_f:>8.2f} {rps_f:>12,.0f} "
            f"{rps_f / rps_s:>6.0f}x {mem_f:>8.1f}"
        )
    if not args.quick:
        n, wall_s, mem = measure(scenario(SERVERLESS, 100, "30d"), "fast", trace=True)
        print(
            f"{'serverless 100 rps, 30 days':<31} {'fast':<6} {'30d':>7} {n:>12,} "
            f"{wall_s:>8.2f} {n / wall_s:>12,.0f} {'':>7} {mem:>8.1f}"
        )
    warm_s = warm_cli_seconds()
    print(f"\nsecond `costsim run scenarios/hello-api.yaml` (warm JIT cache): {warm_s:.2f} s")


if __name__ == "__main__":
    main()
