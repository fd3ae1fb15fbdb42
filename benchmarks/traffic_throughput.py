"""Traffic generation: requests generated per second, and peak memory against the horizon.

Each measurement runs in its own process, so its peak resident memory (ru_maxrss) is its own.
Prints one row per (profile, horizon) and the memory ratio of 30 days to 1 day, which should stay
near 1: the stream holds one chunk at a time, whatever the horizon.

Usage::

    .venv/bin/python benchmarks/traffic_throughput.py            # 1,000 req/s, 1 and 30 days
    .venv/bin/python benchmarks/traffic_throughput.py --rps 100  # quicker
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from costsim import scenario_from_text
    from costsim.traffic import request_chunks
    profile, rps, days = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    traffic = {
        "constant": f"{{profile: constant, mean_rps: {rps}}}",
        "diurnal": f"{{profile: diurnal, mean_rps: {rps}, peak_to_trough: 4}}",
    }[profile]
    s = scenario_from_text(f'''
    name: bench
    horizon: {days}d
    traffic: {traffic}
    workload: {{duration: {{dist: lognormal, median: 40ms, p99: 300ms}}}}
    options: [{{name: v, kind: vps}}]
    ''')
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    n = 0
    for chunk in request_chunks(s):
        n += len(chunk)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"n": n, "s": elapsed, "peak_mb": peak / 1024, "import_mb": base / 1024}))
    """
)


def measure(profile: str, rps: float, days: float) -> dict[str, float]:
    """Run one generation in a fresh process and return its figures."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, profile, str(rps), str(days)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout))


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rps", type=float, default=1000.0, help="mean arrival rate [1/s]")
    args = parser.parse_args()
    print(f"{'profile':<10}{'days':>6}{'requests':>16}{'seconds':>10}{'Mreq/s':>9}{'peak MB':>10}")
    for profile in ("constant", "diurnal"):
        peaks = {}
        for days in (1.0, 30.0):
            r = measure(profile, args.rps, days)
            peaks[days] = r["peak_mb"]
            print(
                f"{profile:<10}{days:>6g}{r['n']:>16,}{r['s']:>10.1f}"
                f"{r['n'] / r['s'] / 1e6:>9.1f}{r['peak_mb']:>10.0f}"
            )
        print(f"{'':<10}peak memory 30 d / 1 d = {peaks[30.0] / peaks[1.0]:.2f}")


if __name__ == "__main__":
    main()
