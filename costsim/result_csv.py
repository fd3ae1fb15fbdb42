"""The CSV texts of a run: ``timeseries.csv``, ``timeseries_functions.csv`` and
``latency_cdf.csv``, from the options' results (:class:`costsim.results.Result` writes them
through these)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from costsim.result_format import _cell, _cell_or_blank

if TYPE_CHECKING:
    from costsim.results import OptionResult

#: Columns of ``timeseries_functions.csv`` (applications) after ``option`` and ``function``.
FUNCTION_TIMESERIES_COLUMNS = (
    "t_start_s",
    "arrivals",
    "invocations",
    "cold_starts",
    "throttled",
    "dropped",
    "timed_out",
    "instances",
    "busy",
)

#: Columns of ``timeseries.csv`` after ``option``, one row per time bin.
TIMESERIES_COLUMNS = (
    "t_start_s",
    "arrivals",
    "served",
    "cold_starts",
    "throttled",
    "dropped",
    "instances",
    "busy",
    "cost_usd_cumulative",
)


def timeseries_csv(options: list[OptionResult]) -> str:
    """``timeseries.csv`` text: one row per time bin and option."""
    buf = io.StringIO()
    columns = ["option", *TIMESERIES_COLUMNS]
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for opt in options:
        ts = opt.timeseries
        for i in range(len(ts.get("t_start_s", []))):
            writer.writerow([opt.name] + [_cell(ts[c][i]) for c in columns[1:]])
    return buf.getvalue()


def function_timeseries_csv(options: list[OptionResult]) -> str | None:
    """``timeseries_functions.csv`` text of an application run (None for a single
    function): one row per option, function and time bin; an empty cell is a quantity that
    does not apply (a fleet's functions own no instances)."""
    if not any(o.function_timeseries for o in options):
        return None
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["option", "function", *FUNCTION_TIMESERIES_COLUMNS])
    for opt in options:
        for fn, ts in opt.function_timeseries.items():
            for i in range(len(ts["t_start_s"])):
                cells = [ts[c][i] for c in FUNCTION_TIMESERIES_COLUMNS]
                writer.writerow([opt.name, fn, *(_cell_or_blank(v) for v in cells)])
    return buf.getvalue()


def latency_cdf_csv(options: list[OptionResult]) -> str:
    """``latency_cdf.csv`` text: per option, the latency histogram as a cumulative curve.

    One row per non-empty histogram bucket: ``option``, ``latency_ms`` (the bucket's value,
    within 1 % of the latencies in it) and ``cumulative_fraction`` of served requests at or
    below it.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["option", "latency_ms", "cumulative_fraction"])
    for opt in options:
        lat_s, frac = opt.latency_cdf
        for v, f in zip(lat_s, frac, strict=True):
            writer.writerow([opt.name, _cell(float(v) * 1000.0), _cell(f)])
    return buf.getvalue()
