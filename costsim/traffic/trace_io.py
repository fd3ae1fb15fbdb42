"""Reading trace files, with ``FILE:LINE: column: message`` for every malformed row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterator

import numpy as np

from costsim.errors import InputError
from costsim.fileio import MAX_TRACE_BYTES, check_regular, open_regular
from costsim.stats.distributions import MAX_DURATION_S

TIME_COLUMNS = ("timestamp", "time", "t", "arrival_s")
AZURE_2019_PERCENTILES = (0, 1, 25, 50, 75, 99, 100)


def _open_rows(path: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) of a CSV file with a header; errors name the file.

    A byte-order mark (as spreadsheet exports write) is skipped.
    """
    raw = open_regular(path, MAX_TRACE_BYTES, "trace file")
    with io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        try:
            if not reader.fieldnames:
                raise InputError("empty trace file: no header row", file=path, line=1)
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    raise InputError(
                        f"expected {len(reader.fieldnames)} columns",
                        file=path,
                        line=reader.line_num,
                    )
                yield reader.line_num, row
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason})", file=path) from None
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", file=path, line=reader.line_num) from None


def _number(text: str, path: str, line: int, column: str, minimum: float = -math.inf) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"not a number: {text!r}", file=path, line=line, field=column) from None
    if not math.isfinite(value) or value < minimum:
        raise InputError(
            f"must be a finite number >= {minimum:g}, got {text!r}",
            file=path,
            line=line,
            field=column,
        )
    return value


def _check_duration(seconds: float, text: str, path: str, line: int, column: str) -> None:
    if seconds > MAX_DURATION_S:
        raise InputError(
            f"a request duration must be at most {MAX_DURATION_S:g} s, got {text!r}",
            file=path,
            line=line,
            field=column,
        )


def _time_value(text: str, path: str, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(value) or value < 0:
            raise InputError(
                f"a time must be a finite number of seconds >= 0, got {text!r}",
                file=path,
                line=line,
                field=column,
            )
        return value
    try:
        stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"not a time in seconds or ISO 8601: {text!r}", file=path, line=line, field=column
        ) from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.timestamp()


def _need_files(files: list[str]) -> None:
    if not files:
        raise InputError("give at least one trace file", field="traffic.path")


def read_timestamps(files: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """Read request logs: arrival times [s] relative to the first row, and durations [s] or None."""
    _need_files(files)
    times: list[float] = []
    durations: list[float] = []
    has_duration: bool | None = None
    t0: float | None = None
    last = -math.inf
    for path in files:
        rows = _parquet_rows(path) if path.endswith(".parquet") else _open_rows(path)
        for line, row in rows:
            col = next((c for c in TIME_COLUMNS if c in row), None)
            if col is None:
                raise InputError(
                    f"no time column; name one of {', '.join(TIME_COLUMNS)}", file=path, line=1
                )
            t = _time_value(row[col], path, line, col)
            if t < last:
                raise InputError(
                    f"timestamps must not decrease ({row[col]} after an earlier, later time); "
                    "sort the log by time",
                    file=path,
                    line=line,
                    field=col,
                )
            last = t
            t0 = t if t0 is None else t0
            times.append(t - t0)
            dur_col = (
                "duration_s"
                if "duration_s" in row
                else "duration_ms"
                if "duration_ms" in row
                else None
            )
            if has_duration is None:
                has_duration = dur_col is not None
            if dur_col is not None:
                d = _number(row[dur_col], path, line, dur_col, minimum=0.0)
                d = d / 1000.0 if dur_col == "duration_ms" else d
                _check_duration(d, row[dur_col], path, line, dur_col)
                durations.append(d)
    if not times:
        raise InputError("the trace has no requests", file=files[0] if files else None)
    arr = np.asarray(times, dtype=np.float64)
    return arr, (np.asarray(durations, dtype=np.float64) if has_duration else None)


def _parquet_rows(path: str) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        raise InputError("reading Parquet needs pyarrow; pip install pyarrow", file=path) from None
    check_regular(path, MAX_TRACE_BYTES, "trace file")
    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise InputError(f"not a readable Parquet file ({exc})", file=path) from None
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    for i in range(table.num_rows):
        # "line" is the 1-based row number, counting a header as line 1 like CSV
        yield i + 2, {k: str(v[i]) for k, v in columns.items()}


def read_counts(path: str) -> np.ndarray:
    """Read a per-interval count series (column ``count``)."""
    counts: list[float] = []
    for line, row in _open_rows(path):
        if "count" not in row:
            raise InputError("no 'count' column", file=path, line=1)
        value = _number(row["count"], path, line, "count", minimum=0.0)
        if value != int(value):
            raise InputError(
                f"a count must be whole, got {row['count']!r}", file=path, line=line, field="count"
            )
        counts.append(value)
    if not counts:
        raise InputError("the count series is empty", file=path)
    return np.asarray(counts)


def read_azure_2019(
    files: list[str], function: str | None, app: str | None, top: int | None
) -> tuple[np.ndarray, set[str]]:
    """Per-minute invocation counts over the day files, for the selected functions.

    Returns
    -------
    (counts per minute across all days, selected function hashes)
    """
    _need_files(files)
    days: list[dict[str, np.ndarray]] = []
    apps: dict[str, str] = {}
    for path in files:
        per_function: dict[str, np.ndarray] = {}
        for line, row in _open_rows(path):
            for col in ("HashOwner", "HashApp", "HashFunction", "Trigger"):
                if col not in row:
                    raise InputError(
                        f"missing column {col!r}; is this an Azure 2019 invocations file?",
                        file=path,
                        line=1,
                    )
            try:
                minutes = np.array([float(row[str(m)]) for m in range(1, 1441)])
            except KeyError:
                raise InputError("expected minute columns 1..1440", file=path, line=1) from None
            except ValueError:
                bad = next(str(m) for m in range(1, 1441) if not _is_number(row[str(m)]))
                raise InputError(
                    f"not a count: {row[bad]!r}", file=path, line=line, field=bad
                ) from None
            if np.any(minutes < 0) or not np.all(np.isfinite(minutes)):
                raise InputError("counts must be finite and >= 0", file=path, line=line)
            key = row["HashFunction"]
            apps[key] = row["HashApp"]
            per_function[key] = per_function.get(key, 0) + minutes
        days.append(per_function)
    totals: dict[str, float] = {}
    for day in days:
        for key, minutes in day.items():
            totals[key] = totals.get(key, 0.0) + float(minutes.sum())
    if function is not None:
        chosen = {function} if function in totals else set()
    elif app is not None:
        chosen = {k for k, a in apps.items() if a == app}
    else:
        assert top is not None
        chosen = set(sorted(totals, key=lambda k: (-totals[k], k))[:top])
    if not chosen:
        what = f"function {function!r}" if function else f"app {app!r}"
        raise InputError(
            f"{what} is not in the trace", file=files[0], field="function" if function else "app"
        )
    series = [sum((day[k] for k in chosen if k in day), np.zeros(1440)) for day in days]
    return np.concatenate(series), chosen


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_azure_2021(
    files: list[str], app: str | None, function: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Start times [s] (sorted) and durations [s] from the Azure 2021 invocation trace."""
    _need_files(files)
    starts: list[float] = []
    durations: list[float] = []
    for path in files:
        for line, row in _open_rows(path):
            for col in ("app", "func", "end_timestamp", "duration"):
                if col not in row:
                    raise InputError(
                        f"missing column {col!r}; is this the Azure 2021 trace?", file=path, line=1
                    )
            if app is not None and row["app"] != app:
                continue
            if function is not None and row["func"] != function:
                continue
            end = _number(row["end_timestamp"], path, line, "end_timestamp")
            dur = _number(row["duration"], path, line, "duration", minimum=0.0)
            _check_duration(dur, row["duration"], path, line, "duration")
            starts.append(end - dur)
            durations.append(dur)
    if not starts:
        raise InputError("no invocations match the selection", file=files[0])
    s = np.asarray(starts)
    order = np.argsort(s, kind="stable")
    s = s[order]
    return s - s[0], np.asarray(durations)[order]
