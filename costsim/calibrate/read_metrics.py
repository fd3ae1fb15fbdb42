"""CloudWatch metric exports (CSV) and AWS Lambda Power Tuning results (JSON).

* ``cloudwatch-csv``: one row per period, a time column (``Timestamp``, ``timestamp``, ``time``
  or ``Time``; ISO 8601) and any of the columns ``Invocations`` (Sum), ``Duration`` (a column
  whose name starts with ``Duration`` and names the statistic, e.g. ``Duration (Average)``; the
  average is used, or the first Duration column), and ``ConcurrentExecutions`` (Maximum). This is
  what ``aws cloudwatch get-metric-data`` gives after flattening to one column per query id, and
  what a metric graph's "Download as CSV" gives with the columns renamed to the metric names.
  The period is the most common spacing of the rows.
* ``power-tuning``: the output of the aws-lambda-power-tuning state machine run with
  ``includeOutputResults: true``: ``stats`` is a list of ``{value: MB, averageDuration: ms,
  averagePrice: USD}``. A bare list of such objects is read too.
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np

from costsim.calibrate.evidence import BadLine, CountSeries, Evidence, PowerCurve
from costsim.calibrate.sources import Reader, epoch_s, read_text

TIME_COLUMNS = ("Timestamp", "timestamp", "time", "Time")


def _pick(fields: list[str], prefix: str) -> str | None:
    found = [f for f in fields if f.strip().lower().startswith(prefix.lower())]
    preferred = [f for f in found if "average" in f.lower() or "avg" in f.lower()]
    return (preferred or found)[0] if found else None


def read_cloudwatch_csv(path: str) -> Evidence:
    """Read a per-period CloudWatch metric CSV export."""
    reader = csv.DictReader(io.StringIO(read_text(path)))
    fields = list(reader.fieldnames or [])
    time_col = next((c for c in TIME_COLUMNS if c in fields), None)
    inv_col = _pick(fields, "Invocations")
    if time_col is None or inv_col is None:
        return Evidence(bad=[BadLine(path, 1, "needs a Timestamp and an Invocations column")])
    dur_col = _pick(fields, "Duration")
    conc_col = _pick(fields, "ConcurrentExecutions")
    times: list[float] = []
    counts: list[float] = []
    durations: list[float] = []
    conc: list[float] = []
    bad: list[BadLine] = []
    for row in reader:
        try:
            t_row = epoch_s(row[time_col])
            n = float(row[inv_col] or 0.0)
            if not math.isfinite(n) or n < 0:
                raise ValueError(f"Invocations must be >= 0, got {row[inv_col]!r}")
            d = float(row[dur_col]) if dur_col and row.get(dur_col) else math.nan
            c = float(row[conc_col]) if conc_col and row.get(conc_col) else math.nan
        except (TypeError, ValueError) as exc:
            bad.append(BadLine(path, reader.line_num, f"unusable row: {exc}"))
            continue
        times.append(t_row)
        counts.append(n)
        durations.append(d)
        conc.append(c)
    if len(times) < 2:
        return Evidence(bad=bad or [BadLine(path, 2, "needs at least two periods")])
    order = np.argsort(times, kind="stable")
    t = np.asarray(times)[order]
    steps, freq = np.unique(np.round(np.diff(t)), return_counts=True)
    period = float(steps[np.argmax(freq)]) if len(steps) else 60.0
    if period <= 0:
        return Evidence(bad=[*bad, BadLine(path, 2, "duplicate timestamps; one row per period")])
    n_bins = round((t[-1] - t[0]) / period) + 1
    idx = np.round((t - t[0]) / period).astype(np.int64)
    series = np.zeros(n_bins)
    np.add.at(series, idx, np.asarray(counts)[order])
    dur = np.full(n_bins, np.nan)
    dur[idx] = np.asarray(durations)[order]
    con = np.full(n_bins, np.nan)
    con[idx] = np.asarray(conc)[order]
    return Evidence(
        series=[
            CountSeries(
                "cloudwatch-csv",
                float(t[0]),
                period,
                series,
                dur if np.isfinite(dur).any() else None,
                con if np.isfinite(con).any() else None,
            )
        ],
        bad=bad,
        used={path: len(times)},
    )


def read_power_tuning(path: str) -> Evidence:
    """Read an aws-lambda-power-tuning result."""
    try:
        doc = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        return Evidence(bad=[BadLine(path, exc.lineno, f"not JSON: {exc.msg}")])
    stats = doc.get("stats") if isinstance(doc, dict) else doc
    if not isinstance(stats, list):
        return Evidence(
            bad=[
                BadLine(path, 1, "no 'stats' list; run the state machine with includeOutputResults")
            ]
        )
    mem, dur, cost = [], [], []
    bad: list[BadLine] = []
    for i, item in enumerate(stats):
        try:
            m = float(item.get("value", item.get("power")))
            d = float(item.get("averageDuration", item.get("duration")))
            c = float(item.get("averagePrice", item.get("cost", math.nan)))
            if not (m > 0 and d > 0):
                raise ValueError("memory and duration must be > 0")
        except (AttributeError, TypeError, ValueError) as exc:
            bad.append(BadLine(path, 1, f"stats[{i}]: {exc}"))
            continue
        mem.append(m)
        dur.append(d)
        cost.append(c)
    if not mem:
        return Evidence(bad=bad)
    order = np.argsort(mem)
    curve = PowerCurve(
        "power-tuning",
        np.asarray(mem)[order],
        np.asarray(dur)[order],
        np.asarray(cost)[order],
    )
    return Evidence(power=[curve], bad=bad, used={path: len(mem)})


def _is_cloudwatch(head: str, name: str) -> bool:
    first = head.splitlines()[0] if head else ""
    return "Invocations" in first and any(c in first for c in TIME_COLUMNS)


def _is_power_tuning(head: str, name: str) -> bool:
    return head.lstrip().startswith(("{", "[")) and ("averageDuration" in head or '"power"' in head)


#: the formats this module reads, in sniffing order
FORMATS: tuple[Reader, ...] = (
    Reader("cloudwatch-csv", "CloudWatch metric export (CSV)", _is_cloudwatch, read_cloudwatch_csv),
    Reader(
        "power-tuning", "AWS Lambda Power Tuning result (JSON)", _is_power_tuning, read_power_tuning
    ),
)
