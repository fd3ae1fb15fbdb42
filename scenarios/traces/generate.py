"""Regenerate the small synthetic traces in this folder (deterministic, seed 2026).

They follow the formats of the public Azure Functions traces exactly, at a tiny size:

* ``invocations_per_function_md.anon.d01.csv``, ``...d02.csv`` - Azure 2019 invocation counts
  (HashOwner, HashApp, HashFunction, Trigger, 1..1440 per-minute counts);
* ``function_durations_percentiles.anon.d01.csv`` - Azure 2019 duration percentiles [ms];
* ``azure2021_invocations.txt`` - Azure 2021 trace (app, func, end_timestamp, duration [s]);
* ``requests.csv`` - a request log with ISO timestamps and ``duration_ms``;
* ``counts_per_minute.csv`` - a per-minute count series.

Run: ``python scenarios/traces/generate.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
FUNCS = [
    ("o1", "appA", "f_http_busy", "http", 30.0, 120.0),
    ("o1", "appA", "f_http_quiet", "http", 0.5, 45.0),
    ("o2", "appB", "f_timer", "timer", 0.0, 900.0),
    ("o2", "appB", "f_queue", "queue", 4.0, 300.0),
    ("o3", "appC", "f_rare", "http", 0.02, 2000.0),
]


def minute_counts(rng: np.random.Generator, mean_per_min: float, trigger: str) -> np.ndarray:
    minutes = np.arange(1440)
    if trigger == "timer":
        return np.where(minutes % 30 == 0, 25, 0)
    shape = 1 + 0.7 * np.cos(2 * np.pi * (minutes - 14 * 60) / 1440)
    return rng.poisson(mean_per_min * shape)


def main() -> None:
    rng = np.random.default_rng(2026)
    for day in (1, 2):
        path = HERE / f"invocations_per_function_md.anon.d{day:02d}.csv"
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["HashOwner", "HashApp", "HashFunction", "Trigger", *range(1, 1441)])
            for owner, app, func, trig, mean, _ in FUNCS:
                w.writerow([owner, app, func, trig, *minute_counts(rng, mean, trig).tolist()])
    with (HERE / "function_durations_percentiles.anon.d01.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        pcts = [0, 1, 25, 50, 75, 99, 100]
        w.writerow(
            ["HashOwner", "HashApp", "HashFunction", "Average", "Count", "Minimum", "Maximum"]
            + [f"percentile_Average_{p}" for p in pcts]
        )
        for owner, app, func, _, mean, median_ms in FUNCS:
            q = [median_ms * f for f in (0.1, 0.2, 0.6, 1.0, 1.6, 5.0, 9.0)]
            count = int(mean * 1440) + 48
            w.writerow([owner, app, func, round(median_ms * 1.3, 1), count, q[0], q[-1], *q])
    with (HERE / "azure2021_invocations.txt").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["app", "func", "end_timestamp", "duration"])
        t = 0.0
        rows = []
        for _ in range(3000):
            t += rng.exponential(2.0)
            app = rng.choice(["a1", "a2"], p=[0.8, 0.2])
            dur = float(rng.lognormal(np.log(0.05), 1.0))
            rows.append((app, f"{app}-f{rng.integers(1, 3)}", round(t + dur, 6), round(dur, 6)))
        rows.sort(key=lambda r: r[2])
        w.writerows(rows)
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    with (HERE / "requests.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "duration_ms"])
        t = 0.0
        while t < 7200:
            t += rng.exponential(1 / (0.5 + 1.5 * (t > 3600)))
            stamp = start + dt.timedelta(seconds=round(t, 3))
            w.writerow(
                [stamp.isoformat().replace("+00:00", "Z"), round(float(rng.gamma(2, 20)), 1)]
            )
    with (HERE / "counts_per_minute.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["minute", "count"])
        for m in range(240):
            w.writerow([m, int(rng.poisson(60 + 40 * np.sin(m / 240 * 2 * np.pi)))])


if __name__ == "__main__":
    main()
