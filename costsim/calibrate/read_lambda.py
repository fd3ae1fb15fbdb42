"""AWS Lambda ``REPORT`` lines, from three places people get them.

A REPORT line, written by the Lambda runtime at the end of every invocation::

    REPORT RequestId: 8f5...  Duration: 12.34 ms  Billed Duration: 13 ms  Memory Size: 128 MB
    Max Memory Used: 18 MB  Init Duration: 120.50 ms

(tab-separated, one line; ``Init Duration`` only on a cold start). With the JSON log format the
runtime writes a ``platform.report`` record instead, with ``metrics.durationMs``,
``billedDurationMs``, ``memorySizeMB``, ``maxMemoryUsedMB`` and ``initDurationMs``. Both are read.

* ``lambda-json``: ``aws logs filter-log-events --log-group-name /aws/lambda/F > f.json``
  (``{"events": [{"timestamp": ms, "message": ...}]}``; several pages concatenated are fine);
* ``lambda-tail``: ``aws logs tail /aws/lambda/F --since 1d > f.txt`` (each line starts with an
  ISO 8601 time, then the stream name, then the message);
* ``lambda-insights``: a CloudWatch Logs Insights result exported as CSV, with ``@timestamp`` and
  either ``@message`` or the discovered fields ``@duration``, ``@billedDuration``,
  ``@memorySize`` and ``@maxMemoryUsed`` (in bytes, as Insights reports them) and
  ``@initDuration``.

The log time of a REPORT line is the end of the invocation, so the arrival is taken as that time
minus ``Duration`` and ``Init Duration``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re

from costsim.calibrate.evidence import BadLine, Evidence, Requests
from costsim.calibrate.sources import Reader, epoch_s, finite, read_text

NAN = math.nan
_FIELD = re.compile(r"([A-Z][A-Za-z ]*?): ([0-9.]+) (ms|MB)")
_KEYS = {
    "Duration": "duration",
    "Billed Duration": "billed",
    "Memory Size": "memory",
    "Max Memory Used": "max_memory",
    "Init Duration": "init",
}
_JSON_KEYS = {
    "durationMs": "duration",
    "billedDurationMs": "billed",
    "memorySizeMB": "memory",
    "maxMemoryUsedMB": "max_memory",
    "initDurationMs": "init",
}
Row = tuple[float, float, float, float, float, float]


def parse_report(message: str) -> dict[str, float] | None:
    """The metrics of a REPORT message (text or JSON ``platform.report``); None if not one.

    Raises ValueError when the message is a REPORT but its Duration is missing or malformed.
    """
    text = message.strip()
    if text.startswith("{") and "platform.report" in text:
        record = json.loads(text).get("record", {})
        metrics = record.get("metrics", {})
        out = {_JSON_KEYS[k]: float(v) for k, v in metrics.items() if k in _JSON_KEYS}
    elif "REPORT RequestId:" in text:
        out = {_KEYS[k.strip()]: float(v) for k, v, _ in _FIELD.findall(text) if k.strip() in _KEYS}
    else:
        return None
    if "duration" not in out:
        raise ValueError("a REPORT line without 'Duration: N ms'")
    for key, value in out.items():
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{key} must be a number >= 0, got {value}")
    return out


def report_row(end_s: float, m: dict[str, float]) -> Row:
    """The request row of a REPORT logged at ``end_s`` [s]."""
    init = m.get("init", NAN)
    start = end_s - (m["duration"] + (0.0 if math.isnan(init) else init)) / 1000.0
    return (
        start,
        m["duration"],
        m.get("billed", NAN),
        m.get("memory", NAN),
        m.get("max_memory", NAN),
        init,
    )


def _finish(path: str, source: str, rows: list[Row], bad: list[BadLine]) -> Evidence:
    ev = Evidence(bad=bad, used={path: len(rows)})
    if rows:
        ev.requests.append(Requests.from_rows(source, rows))
    return ev


# -- aws logs filter-log-events ------------------------------------------------------------
def _json_documents(text: str) -> list[object]:
    """One or more JSON documents written one after another (paginated CLI output)."""
    decoder = json.JSONDecoder()
    docs: list[object] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return docs
        doc, pos = decoder.raw_decode(text, pos)
        docs.append(doc)


def read_filter_log_events(path: str) -> Evidence:
    """Read ``aws logs filter-log-events`` JSON output."""
    text = read_text(path)
    try:
        docs = _json_documents(text)
    except json.JSONDecodeError as exc:
        return _finish(
            path, "lambda-report", [], [BadLine(path, exc.lineno, f"not JSON: {exc.msg}")]
        )
    # the CLI prints one key per line, so the k-th '"message":' line belongs to the k-th event
    message_lines = [i + 1 for i, ln in enumerate(text.splitlines()) if '"message":' in ln]
    rows: list[Row] = []
    bad: list[BadLine] = []
    k = 0
    for doc in docs:
        events = doc.get("events", []) if isinstance(doc, dict) else []
        for event in events:
            line = message_lines[k] if k < len(message_lines) else 1
            k += 1
            try:
                metrics = parse_report(str(event["message"]))
                if metrics is None:
                    continue
                rows.append(report_row(finite(float(event["timestamp"])) / 1000.0, metrics))
            except (KeyError, TypeError, ValueError) as exc:
                bad.append(BadLine(path, line, f"unusable event: {exc}"))
    return _finish(path, "lambda-report", rows, bad)


# -- aws logs tail ------------------------------------------------------------------------------
def read_tail(path: str) -> Evidence:
    """Read ``aws logs tail`` text output (``TIME [STREAM] MESSAGE`` per line)."""
    rows: list[Row] = []
    bad: list[BadLine] = []
    for n, line in enumerate(read_text(path).splitlines(), start=1):
        if "REPORT" not in line and "platform.report" not in line:
            continue
        stamp, _, rest = line.partition(" ")
        try:
            metrics = parse_report(rest)
            if metrics is None:
                continue
            rows.append(report_row(epoch_s(stamp), metrics))
        except ValueError as exc:
            bad.append(BadLine(path, n, f"unusable REPORT line: {exc}"))
    return _finish(path, "lambda-report", rows, bad)


# -- Logs Insights CSV export --------------------------------------------------------------------
_INSIGHTS_BYTES = {"@memorySize": "memory", "@maxMemoryUsed": "max_memory"}
_INSIGHTS_MS = {"@duration": "duration", "@billedDuration": "billed", "@initDuration": "init"}


def read_insights_csv(path: str) -> Evidence:
    """Read a CloudWatch Logs Insights CSV export of REPORT events."""
    reader = csv.DictReader(io.StringIO(read_text(path)))
    rows: list[Row] = []
    bad: list[BadLine] = []
    if not reader.fieldnames or "@timestamp" not in reader.fieldnames:
        return _finish(path, "lambda-report", [], [BadLine(path, 1, "no @timestamp column")])
    for row in reader:
        n = reader.line_num
        try:
            if row.get("@message"):
                metrics = parse_report(row["@message"])
                if metrics is None:
                    continue
            else:
                metrics = {k: float(row[c]) for c, k in _INSIGHTS_MS.items() if row.get(c)}
                # Insights reports memory in bytes; Lambda configures it in MB of 10^6 bytes
                metrics |= {
                    k: round(float(row[c]) / 1e6) for c, k in _INSIGHTS_BYTES.items() if row.get(c)
                }
                if "duration" not in metrics:
                    raise ValueError("no @duration")
            rows.append(report_row(epoch_s(row["@timestamp"]), metrics))
        except (TypeError, ValueError) as exc:
            bad.append(BadLine(path, n, f"unusable row: {exc}"))
    return _finish(path, "lambda-report", rows, bad)


def _is_events_json(head: str, name: str) -> bool:
    return head.lstrip().startswith("{") and '"events"' in head


def _is_tail(head: str, name: str) -> bool:
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    return bool(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", first)) and (
        "RequestId" in head or "platform." in head
    )


def _is_insights(head: str, name: str) -> bool:
    return head.lstrip().startswith(("@timestamp", '"@timestamp"')) or (
        "@timestamp" in head.splitlines()[0] if head else False
    )


#: the formats this module reads, in sniffing order
FORMATS: tuple[Reader, ...] = (
    Reader(
        "lambda-json",
        "aws logs filter-log-events JSON (REPORT lines)",
        _is_events_json,
        read_filter_log_events,
    ),
    Reader("lambda-tail", "aws logs tail text (REPORT lines)", _is_tail, read_tail),
    Reader(
        "lambda-insights",
        "CloudWatch Logs Insights CSV export of REPORT events",
        _is_insights,
        read_insights_csv,
    ),
)
