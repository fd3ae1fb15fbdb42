"""Replaying logs and the Azure traces: counts reproduce exactly, bad rows get FILE:LINE."""

from pathlib import Path

import numpy as np
import pytest

from costsim import InputError, load_scenario
from costsim.traffic import request_chunks

REPO = Path(__file__).resolve().parents[2]
TRACES = REPO / "scenarios" / "traces"


def scenario(tmp_path, traffic, horizon="3d"):
    path = tmp_path / "s.yaml"
    path.write_text(
        f"""
name: r
horizon: {horizon}
seed: 3
traffic: {traffic}
workload:
  duration: {{dist: fixed, value: 10ms}}
options: [{{name: v, kind: vps}}]
"""
    )
    return load_scenario(path)


def requests(s):
    chunks = list(request_chunks(s, chunk_size=5000))
    return np.concatenate([c.arrival_s for c in chunks]), np.concatenate(
        [c.duration_s for c in chunks]
    )


def minute_counts_2019(files, functions):
    import csv

    series = []
    for f in files:
        with open(f) as fh:
            rows = [r for r in csv.DictReader(fh) if r["HashFunction"] in functions]
        series.append(np.sum([[int(r[str(m)]) for m in range(1, 1441)] for r in rows], axis=0))
    return np.concatenate(series)


@pytest.mark.parametrize("spread", ["uniform", "equidistant"])
def test_azure_2019_per_minute_counts_are_reproduced_exactly(tmp_path, spread):
    files = sorted(TRACES.glob("invocations_per_function_md.anon.d0*.csv"))
    s = scenario(
        tmp_path,
        f"{{profile: replay, format: azure-2019, path: '{TRACES}/invocations_per_function_md.anon.d0*.csv', "
        f"app: appA, spread: {spread}}}",
    )
    t, _ = requests(s)
    got = np.bincount((t // 60).astype(int), minlength=2880)
    assert np.array_equal(got, minute_counts_2019(files, {"f_http_busy", "f_http_quiet"}))


def test_azure_2019_top_n_and_durations_from_percentiles(tmp_path):
    s = scenario(
        tmp_path,
        f"{{profile: replay, format: azure-2019, path: '{TRACES}/invocations_per_function_md.anon.d01.csv', "
        f"top: 1, durations_path: '{TRACES}/function_durations_percentiles.anon.d01.csv'}}",
        horizon="1d",
    )
    t, d = requests(s)
    assert np.array_equal(
        np.bincount((t // 60).astype(int), minlength=1440),
        minute_counts_2019([TRACES / "invocations_per_function_md.anon.d01.csv"], {"f_http_busy"}),
    )
    # f_http_busy: median 120 ms, bounds 12 ms .. 1080 ms
    assert np.median(d) == pytest.approx(0.120, rel=0.05)
    assert d.min() >= 0.012 - 1e-12 and d.max() <= 1.080 + 1e-12


def test_azure_2021_replay_reproduces_count_and_mean_duration(tmp_path):
    import csv

    with open(TRACES / "azure2021_invocations.txt") as fh:
        rows = list(csv.DictReader(fh))
    s = scenario(
        tmp_path,
        f"{{profile: replay, format: azure-2021, path: '{TRACES}/azure2021_invocations.txt'}}",
    )
    t, d = requests(s)
    assert len(t) == len(rows)
    assert d.mean() == pytest.approx(np.mean([float(r["duration"]) for r in rows]), rel=1e-12)
    assert np.all(np.diff(t) >= 0) and t[0] == 0


def test_timestamp_log_with_iso_times_and_durations(tmp_path):
    import csv

    with open(TRACES / "requests.csv") as fh:
        rows = list(csv.DictReader(fh))
    s = scenario(
        tmp_path, f"{{profile: replay, format: timestamps, path: '{TRACES}/requests.csv'}}"
    )
    t, d = requests(s)
    assert len(t) == len(rows)
    assert d[0] == pytest.approx(float(rows[0]["duration_ms"]) / 1000)


def test_counts_series_is_reproduced_per_interval(tmp_path):
    import csv

    with open(TRACES / "counts_per_minute.csv") as fh:
        expected = [int(r["count"]) for r in csv.DictReader(fh)]
    s = scenario(
        tmp_path,
        f"{{profile: replay, format: counts, path: '{TRACES}/counts_per_minute.csv', interval: 1min}}",
    )
    t, _ = requests(s)
    assert np.array_equal(np.bincount((t // 60).astype(int), minlength=len(expected)), expected)


def test_parquet_request_log(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table({"arrival_s": [0.0, 1.5, 1.5, 4.0], "duration_s": [0.1, 0.2, 0.3, 0.4]}),
        tmp_path / "log.parquet",
    )
    s = scenario(tmp_path, "{profile: replay, format: timestamps, path: log.parquet}")
    t, d = requests(s)
    assert t.tolist() == [0.0, 1.5, 1.5, 4.0] and d.tolist() == [0.1, 0.2, 0.3, 0.4]


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        ("timestamp\n1\n2\nabc\n", 4, "not a time"),
        ("timestamp\n1\n5\n3\n", 4, "must not decrease"),
        ("timestamp,duration_ms\n1,5\n2,-1\n", 3, ">= 0"),
        ("timestamp,duration_ms\n1,5\n2\n", 3, "columns"),
        ("when\n1\n", 1, "no time column"),
        ("timestamp\n", None, "no requests"),
        ("", 1, "empty"),
    ],
)
def test_malformed_log_rows_name_file_and_line(tmp_path, content, line, words):
    (tmp_path / "log.csv").write_text(content)
    with pytest.raises(InputError) as info:
        requests(scenario(tmp_path, "{profile: replay, format: timestamps, path: log.csv}"))
    err = info.value
    assert err.file.endswith("log.csv") and err.line == line and words in err.message


def test_missing_trace_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        requests(scenario(tmp_path, "{profile: replay, format: timestamps, path: nope.csv}"))


def test_azure_2019_needs_exactly_one_selection(tmp_path):
    with pytest.raises(InputError, match="exactly one"):
        scenario(tmp_path, "{profile: replay, format: azure-2019, path: x.csv}")
