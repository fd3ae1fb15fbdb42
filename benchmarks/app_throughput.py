"""Throughput and memory of the SimPy and compiled engines on applications, in one process.

Each case is the ``lambda`` option of ``scenarios/planet9-platform.yaml`` (seven functions,
three routes: an authorizer with a cache, a queue with reserved concurrency feeding an SNS
topic, a nightly Step Functions workflow with a 200-item map and a parallel state), simulated
end to end by :func:`simulate_option`: traffic, the engine and rating. ``x5`` scales the
dashboard traffic and the half-hourly meter-reading bursts by five, so that all routes
together pass 50 req/s at peak (the target of issue 15). Requests/s counts route requests
(each is several function invocations) per second of wall time on one core; peak memory is
the largest traced allocation (``tracemalloc``) during the run. JIT compilation is excluded (a
warm-up run loads or compiles the kernels first).

The month run (``x5``, 30 days, compiled) is timed without tracing, in a fresh process whose
peak resident memory (``ru_maxrss``: the interpreter, numba and LLVM included) is reported.
Only the serverless option is measured (the fleet options run on the same compiled loop).

Usage::

    .venv/bin/python benchmarks/app_throughput.py            # full run (~10 min: the month)
    .venv/bin/python benchmarks/app_throughput.py --quick    # no month run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from costsim.scenario import Scenario, scenario_from_text
from costsim.simulate import catalogs_for, simulate_option

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "planet9-platform.yaml"

#: name, traffic scale, SimPy horizon, compiled horizon, quick compiled horizon
CASES = [
    ("planet9-platform lambda", 1, "6h", "7d", "2d"),
    ("planet9-platform lambda x5", 5, "2h", "2d", "12h"),
]


def scenario(scale: int, horizon: str) -> Scenario:
    """planet9-platform with its traffic scaled by ``scale``, its lambda option only."""
    text = SCENARIO.read_text()
    text = text.replace("mean_rps: 4,", f"mean_rps: {4 * scale},")
    text = text.replace("count: 1500,", f"count: {1500 * scale},")
    text = text.replace("horizon: 1d", f"horizon: {horizon}")
    scn = scenario_from_text(text)
    return scn.model_copy(update={"options": scn.options[:1]})


def measure(scn: Scenario, engine: str, trace: bool) -> tuple[int, float, float]:
    """Simulate the option; return (route requests, wall time [s], peak traced memory [MB])."""
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


def month() -> None:
    """The 30-day x5 run on the compiled engine; prints JSON (requests, wall s, peak RSS MB)."""
    measure(scenario(5, "1h"), "fast", trace=False)  # load the kernels
    n, wall_s, _ = measure(scenario(5, "30d"), "fast", trace=False)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"requests": n, "wall_s": wall_s, "rss_mb": rss_mb}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter horizons, no month run")
    parser.add_argument("--month", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.month:
        month()
        return
    measure(scenario(1, "1h"), "fast", trace=False)  # load or compile the kernels
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores; a shared machine)")
    head = (
        f"{'case':<28} {'engine':<6} {'horizon':>7} {'requests':>12} {'wall s':>8} "
        f"{'req/s':>10} {'ratio':>7} {'peak MB':>8}"
    )
    print(head)
    print("-" * len(head))
    for name, scale, h_simpy, h_fast, h_quick in CASES:
        n_s, t_s, _ = measure(scenario(scale, h_simpy), "simpy", trace=False)
        _, _, mem_s = measure(scenario(scale, h_simpy), "simpy", trace=True)
        h = h_quick if args.quick else h_fast
        n_f, t_f, _ = measure(scenario(scale, h), "fast", trace=False)
        _, _, mem_f = measure(scenario(scale, h), "fast", trace=True)
        rps_s, rps_f = n_s / t_s, n_f / t_f
        print(
            f"{name:<28} {'simpy':<6} {h_simpy:>7} {n_s:>12,} {t_s:>8.2f} {rps_s:>10,.0f} "
            f"{'':>7} {mem_s:>8.1f}"
        )
        print(
            f"{'':<28} {'fast':<6} {h:>7} {n_f:>12,} {t_f:>8.2f} {rps_f:>10,.0f} "
            f"{rps_f / rps_s:>6.0f}x {mem_f:>8.1f}"
        )
    if not args.quick:
        cmd = [sys.executable, __file__, "--month"]
        got = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)
        print(
            f"\nplanet9-platform lambda x5, 30 days, compiled: {got['requests']:,} route "
            f"requests in {got['wall_s']:.1f} s ({got['requests'] / got['wall_s']:,.0f} req/s), "
            f"peak RSS {got['rss_mb']:.0f} MB; load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
