"""Every source format read back exactly from fixtures generated with known contents.

The fixtures come from ``tests/fixtures/make_logs.py``, which simulates the invocations itself and
writes the same ones in each format, with a known number of malformed lines mixed in.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from fixtures import make_logs

from costsim.calibrate import read_source
from costsim.calibrate.formats import readers
from costsim.calibrate.read_lambda import parse_report
from costsim.errors import InputError

LOGS = Path(make_logs.__file__).resolve().parent / "logs"
TRUTH = make_logs.Truth()
INV = make_logs.invocations(TRUTH)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("lambda-filter-log-events.json", "lambda-json"),
        ("lambda-tail.txt", "lambda-tail"),
        ("lambda-insights.csv", "lambda-insights"),
        ("apigw-access.jsonl", "apigw-json"),
        ("alb-access.log", "alb"),
        ("nginx-access.log", "combined"),
        ("cloudwatch-metrics.csv", "cloudwatch-csv"),
        ("power-tuning.json", "power-tuning"),
        ("huawei-requests-minute.csv", "huawei-2023"),
    ],
)
def test_each_fixture_is_recognised_as_its_format(name: str, fmt: str) -> None:
    """Sniffing picks the right reader, and forcing that reader gives the same evidence."""
    head = (LOGS / name).read_text(encoding="utf-8")[:8192]
    found = [r.name for r in readers().values() if r.sniff(head, name)]
    assert found[0] == fmt
    assert read_source(str(LOGS / name)).used == read_source(str(LOGS / name), fmt).used


@pytest.mark.parametrize(
    "name", ["lambda-filter-log-events.json", "lambda-tail.txt", "lambda-insights.csv"]
)
def test_lambda_reports_read_back_every_invocation(name: str) -> None:
    """Counts, cold starts, billed duration, memory and arrivals equal what was generated."""
    ev = read_source(str(LOGS / name))
    req = ev.all_requests()
    assert req is not None
    assert len(req) == len(INV["start_s"])
    assert len(ev.bad) == make_logs.BAD_LINES[name]
    assert all(b.file.endswith(name) and b.line > 1 for b in ev.bad)
    assert int(req.cold.sum()) == int(np.isfinite(INV["init_ms"]).sum())
    assert req.billed_ms.sum() == INV["billed_ms"].sum()
    assert set(req.memory_mb) == {float(TRUTH.memory_mb)}
    np.testing.assert_allclose(np.sort(req.duration_ms), np.sort(INV["duration_ms"]), atol=0.006)
    # arrivals are rebuilt from the log time (the end, to 1 ms) minus the durations
    np.testing.assert_allclose(req.start_s, np.sort(INV["start_s"]), atol=2e-3)


def test_the_json_reader_points_at_the_line_of_the_bad_event() -> None:
    """The reported line of the malformed event holds its message."""
    ev = read_source(str(LOGS / "lambda-filter-log-events.json"))
    lines = (LOGS / "lambda-filter-log-events.json").read_text().splitlines()
    assert "Duration: ms" in lines[ev.bad[0].line - 1]


@pytest.mark.parametrize("name", ["apigw-access.jsonl", "alb-access.log", "nginx-access.log"])
def test_access_logs_give_arrivals_and_backend_durations(name: str) -> None:
    """300 requests, each with its backend time (ms rounding) and arrival (1 s for nginx)."""
    ev = read_source(str(LOGS / name))
    req = ev.all_requests()
    assert req is not None
    n = make_logs.ACCESS_LINES
    assert len(req) == n
    assert len(ev.bad) == make_logs.BAD_LINES[name]
    truth_ms = INV["duration_ms"][:n] + np.nan_to_num(INV["init_ms"][:n])
    np.testing.assert_allclose(np.sort(req.duration_ms), np.sort(truth_ms), atol=0.51)
    tolerance_s = 1.0 if name.startswith("nginx") else 2e-3
    np.testing.assert_allclose(req.start_s, np.sort(INV["start_s"][:n]), atol=tolerance_s)


def test_cloudwatch_export_gives_a_count_series() -> None:
    """Five-minute periods over two days; the malformed row is counted and skipped."""
    ev = read_source(str(LOGS / "cloudwatch-metrics.csv"))
    (series,) = ev.series
    assert series.interval_s == 300.0
    assert len(series.counts) == 2 * 288
    assert len(ev.bad) == 1 and ev.bad[0].line == 6
    assert series.duration_ms is not None and series.concurrency is not None


def test_power_tuning_result_gives_the_memory_curve() -> None:
    """The stats list (includeOutputResults) in memory order."""
    (curve,) = read_source(str(LOGS / "power-tuning.json")).power
    assert list(curve.memory_mb) == [128, 256, 512, 1024, 1536, 3008]
    assert np.all(np.diff(curve.duration_ms) <= 0)


def test_huawei_table_sums_functions_and_skips_empty_cells() -> None:
    """The per-minute total over function columns, empty cells as zero."""
    (series,) = read_source(str(LOGS / "huawei-requests-minute.csv")).series
    total = 0
    for row in (LOGS / "huawei-requests-minute.csv").read_text().splitlines()[1:]:
        total += sum(int(v) for v in row.split(",")[2:] if v)
    assert series.interval_s == 60.0 and series.counts.sum() == total


def test_json_platform_report_record_is_read() -> None:
    """The JSON log format's platform.report record gives the same metrics as a REPORT line."""
    record = {
        "time": "2026-11-02T00:00:00.000Z",
        "type": "platform.report",
        "record": {
            "requestId": "r",
            "metrics": {
                "durationMs": 12.5,
                "billedDurationMs": 13,
                "memorySizeMB": 256,
                "maxMemoryUsedMB": 70,
                "initDurationMs": 150.25,
            },
        },
    }
    assert parse_report(json.dumps(record)) == {
        "duration": 12.5,
        "billed": 13.0,
        "memory": 256.0,
        "max_memory": 70.0,
        "init": 150.25,
    }
    text = "REPORT RequestId: r\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB"
    assert parse_report(text) == {"duration": 12.5, "billed": 13.0, "memory": 256.0}
    assert parse_report("START RequestId: r Version: $LATEST") is None


def test_a_file_with_no_usable_line_is_an_input_error(tmp_path: Path) -> None:
    """One line naming the file and the first bad line, never a traceback."""
    bad = tmp_path / "tail.txt"
    bad.write_text("2026-11-02T00:00:00Z s REPORT RequestId: x\tBilled Duration: 3 ms\n")
    with pytest.raises(InputError) as info:
        read_source(str(bad))
    assert info.value.file == str(bad)
    assert f"{bad}:1:" in info.value.one_line()


def test_an_unknown_file_asks_for_format(tmp_path: Path) -> None:
    """A file no reader recognises names --format and the known formats."""
    odd = tmp_path / "odd.txt"
    odd.write_text("hello\n")
    with pytest.raises(InputError, match="--format"):
        read_source(str(odd))


def test_memory_size_in_insights_bytes_becomes_mb() -> None:
    """Insights reports @memorySize in bytes (10^6 per MB as Lambda configures it)."""
    req = read_source(str(LOGS / "lambda-insights.csv")).all_requests()
    assert req is not None and set(req.memory_mb) == {512.0}
    assert math.isclose(float(np.nanmax(req.max_memory_mb)), float(INV["max_memory_mb"].max()))


def test_selection_picks_one_function_of_a_public_trace() -> None:
    """--function keeps that function's counts (Azure 2019 minutes, Huawei column) only."""
    from costsim.calibrate import Selection

    traces = Path(__file__).resolve().parents[2] / "scenarios" / "traces"
    day = traces / "invocations_per_function_md.anon.d01.csv"
    (series,) = read_source(str(day), selection=Selection(function="f_http_quiet")).series
    row = next(r for r in day.read_text().splitlines() if ",f_http_quiet," in r)
    assert series.counts.sum() == sum(float(v) for v in row.split(",")[4:])
    huawei = LOGS / "huawei-requests-minute.csv"
    (one,) = read_source(str(huawei), selection=Selection(function="1")).series
    rows = huawei.read_text().splitlines()[1:]
    assert one.counts.sum() == sum(int(r.split(",")[3]) for r in rows if r.split(",")[3])
    with pytest.raises(InputError, match="no function column"):
        read_source(str(huawei), selection=Selection(function="99"))


def test_azure_app_memory_file_sets_the_memory(tmp_path: Path) -> None:
    """app_memory_percentiles: the SampleCount-weighted mean of AverageAllocatedMb, rounded up
    to a whole MB and at least Lambda's 128 MB."""
    from costsim.calibrate import calibrate, read_sources

    mem = tmp_path / "app_memory_percentiles.anon.d01.csv"
    head = "HashOwner,HashApp,SampleCount,AverageAllocatedMb," + ",".join(
        f"AverageAllocatedMb_pct{p}" for p in (1, 5, 25, 50, 75, 95, 99, 100)
    )
    mem.write_text(head + "\no1,appA,30,200,1,2,3,4,5,6,7,8\no1,appB,10,120.5,1,2,3,4,5,6,7,8\n")
    ev = read_sources([str(mem)])
    assert ev.memory_mb == [(str(mem), (30 * 200 + 10 * 120.5) / 40)]
    traces = Path(__file__).resolve().parents[2] / "scenarios" / "traces"
    both = read_sources([str(traces / "function_durations_percentiles.anon.d01.csv"), str(mem)])
    assert calibrate(both).memory_mb == math.ceil((30 * 200 + 10 * 120.5) / 40)


def test_report_lines_win_over_an_access_log_of_the_same_calls() -> None:
    """A gateway log and the function's REPORT lines are the same invocations: counted once."""
    from costsim.calibrate import calibrate, read_sources

    both = calibrate(
        read_sources([str(LOGS / "lambda-tail.txt"), str(LOGS / "apigw-access.jsonl")])
    )
    assert both.requests is not None and len(both.requests) == len(INV["start_s"])
    assert any("apigw-json" in n for n in both.notes)
