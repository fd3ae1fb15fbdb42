"""Public serverless traces: Azure Functions 2019 and 2021, Huawei public cloud 2023.

A whole file is calibrated as one workload (all functions in it together); to calibrate one
function, cut its rows out first. Public traces are clean, so a malformed row stops the read with
``FILE:LINE: column: message`` rather than being skipped.

* ``azure-2019``: ``invocations_per_function_md.anon.dNN.csv`` (per-minute counts);
* ``azure-2019-durations``: ``function_durations_percentiles.anon.dNN.csv`` (see
  :mod:`costsim.traffic.azure` for what its percentiles mean);
* ``azure-2019-memory``: ``app_memory_percentiles.anon.dNN.csv``;
* ``azure-2021``: ``AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt``
  (``app,func,end_timestamp,duration`` [s]);
* ``huawei-2023``: a ``requests_minute/day_NN.csv`` or ``requests_second/day_NNN.csv`` table of
  sir-lab/data-release: ``day``, ``time`` [s from the trace start], then one column of request
  counts per function id (empty where none).
"""

from __future__ import annotations

import math

import numpy as np

from costsim.calibrate.evidence import CountSeries, Evidence, Requests
from costsim.calibrate.sources import Reader, Selection
from costsim.errors import InputError
from costsim.traffic import trace_io
from costsim.traffic.azure import DURATION_CAVEAT, azure_2019_durations, azure_2019_memory_mb

ALL = Selection()


def read_azure_2019(path: str, sel: Selection = ALL) -> Evidence:
    """Per-minute counts of the selected functions (all by default) in one Azure 2019 day file."""
    top = None if (sel.function or sel.app) else 10**9
    counts, hashes = trace_io.read_azure_2019([path], sel.function, sel.app, top)
    return Evidence(
        series=[CountSeries("azure-2019", 0.0, 60.0, counts.astype(np.float64))],
        used={path: len(hashes)},
    )


def read_azure_2019_durations(path: str, sel: Selection = ALL) -> Evidence:
    """The duration mixture of the selected functions in one Azure 2019 durations file."""
    functions = _select_rows(path, sel, "HashFunction")
    dist = azure_2019_durations(path, functions)
    return Evidence(durations=[(path, dist)], notes=[DURATION_CAVEAT], used={path: 1})


def read_azure_2019_memory(path: str, sel: Selection = ALL) -> Evidence:
    """Mean allocated memory of the selected app (all by default) in an Azure 2019 memory file."""
    apps = None if sel.app is None else {sel.app}
    return Evidence(memory_mb=[(path, azure_2019_memory_mb(path, apps))], used={path: 1})


def _select_rows(path: str, sel: Selection, key: str) -> set[str] | None:
    """The ``key`` values of the rows matching the selection (None: no selection)."""
    if sel.function is None and sel.app is None:
        return None
    chosen = {
        row[key]
        for _, row in trace_io._open_rows(path)
        if (sel.function is None or row.get("HashFunction") == sel.function)
        and (sel.app is None or row.get("HashApp") == sel.app)
    }
    if not chosen:
        raise InputError("no row matches --function/--app", file=path)
    return chosen


def read_azure_2021(path: str, sel: Selection = ALL) -> Evidence:
    """Invocations (start, duration) of the Azure 2021 trace (the selected app/function)."""
    starts, durations = trace_io.read_azure_2021([path], sel.app, sel.function)
    nan = np.full(len(starts), math.nan)
    req = Requests(
        "azure-2021", starts, durations * 1000.0, nan, nan.copy(), nan.copy(), nan.copy()
    )
    return Evidence(requests=[req], used={path: len(starts)})


def read_huawei(path: str, sel: Selection = ALL) -> Evidence:
    """A Huawei 2023 request table: the selected function's column, or the sum over all."""
    times: list[float] = []
    totals: list[float] = []
    for line, row in trace_io._open_rows(path):
        if "time" not in row:
            raise InputError(
                "no 'time' column; is this a Huawei requests table?", file=path, line=1
            )
        times.append(trace_io._number(row["time"], path, line, "time", minimum=0.0))
        total = 0.0
        if sel.function is not None and sel.function not in row:
            raise InputError(f"no function column {sel.function!r}", file=path, line=1)
        for key, value in row.items():
            if key in ("day", "time", "") or value in ("", "nan", "NaN"):
                continue
            if sel.function is not None and key != sel.function:
                continue
            total += trace_io._number(value, path, line, key, minimum=0.0)
        totals.append(total)
    if len(times) < 2:
        raise InputError("needs at least two rows", file=path, line=1)
    t = np.asarray(times)
    interval = float(np.median(np.diff(t)))
    if interval <= 0:
        raise InputError("times must increase", file=path, line=1)
    idx = np.round((t - t[0]) / interval).astype(np.int64)
    counts = np.zeros(int(idx[-1]) + 1)
    np.add.at(counts, idx, totals)
    return Evidence(
        series=[CountSeries("huawei-2023", float(t[0]), interval, counts)], used={path: len(t)}
    )


def _header(head: str) -> str:
    return head.splitlines()[0] if head else ""


#: the formats this module reads, in sniffing order
FORMATS: tuple[Reader, ...] = (
    Reader(
        "azure-2019",
        "Azure Functions 2019 invocations per function (per-minute counts)",
        lambda head, name: _header(head).startswith("HashOwner,HashApp,HashFunction,Trigger"),
        read_azure_2019,
        read_azure_2019,
    ),
    Reader(
        "azure-2019-durations",
        "Azure Functions 2019 duration percentiles",
        lambda head, name: "percentile_Average_" in _header(head),
        read_azure_2019_durations,
        read_azure_2019_durations,
    ),
    Reader(
        "azure-2019-memory",
        "Azure Functions 2019 app memory percentiles",
        lambda head, name: "AverageAllocatedMb" in _header(head),
        read_azure_2019_memory,
        read_azure_2019_memory,
    ),
    Reader(
        "azure-2021",
        "Azure Functions 2021 invocation trace",
        lambda head, name: _header(head).replace(" ", "").startswith("app,func,end_timestamp"),
        read_azure_2021,
        read_azure_2021,
    ),
    Reader(
        "huawei-2023",
        "Huawei public cloud 2023 request table (per minute or per second)",
        lambda head, name: _header(head).startswith("day,time,"),
        read_huawei,
        read_huawei,
    ),
)
