"""Access logs: API Gateway JSON access logs, ALB logs, nginx/Apache combined with request time.

* ``apigw-json``: one JSON object per line, as an API Gateway access-log format writes it. The
  arrival is ``requestTimeEpoch`` [ms] or ``requestTime`` (``10/Oct/2000:13:55:36 +0000``); the
  duration is ``integrationLatency`` [ms] (the backend's time; ``responseLatency`` when absent).
* ``alb``: Application Load Balancer access logs (space-separated, quoted fields). The arrival is
  ``request_creation_time`` (field 22); the duration is ``target_processing_time`` [s]
  (field 7). A request never sent to a target (``-1``) is counted as a bad line.
* ``combined``: the nginx/Apache combined format with the request time appended:
  ``... "$http_user_agent" $request_time``. A number with a decimal point is nginx's
  ``$request_time`` [s], logged when the response ends (arrival = time - duration); a whole number
  is Apache's ``%D`` [us], whose ``%t`` is the arrival. Combined-format times have one-second
  resolution, so arrivals within a second keep their order but not their spacing.
"""

from __future__ import annotations

import json
import math
import re
import shlex

from costsim.calibrate.evidence import BadLine, Evidence, Requests
from costsim.calibrate.sources import Reader, clf_epoch_s, epoch_s, finite, read_text

NAN = math.nan
Row = tuple[float, float, float, float, float, float]


def _finish(path: str, source: str, rows: list[Row], bad: list[BadLine]) -> Evidence:
    ev = Evidence(bad=bad, used={path: len(rows)})
    if rows:
        ev.requests.append(Requests.from_rows(source, rows))
    return ev


def _row(start_s: float, duration_ms: float) -> Row:
    if duration_ms < 0:
        raise ValueError(f"a duration must be >= 0, got {duration_ms:g} ms")
    return (finite(start_s), finite(duration_ms), NAN, NAN, NAN, NAN)


# -- API Gateway -------------------------------------------------------------------------------
def read_apigw(path: str) -> Evidence:
    """Read API Gateway JSON access logs (one object per line)."""
    rows: list[Row] = []
    bad: list[BadLine] = []
    for n, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if "requestTimeEpoch" in rec:
                epoch = float(rec["requestTimeEpoch"])
                # milliseconds as documented; a value below 1e11 can only be seconds
                start = epoch / 1000.0 if epoch >= 1e11 else epoch
            else:
                start = clf_epoch_s(str(rec["requestTime"]))
            latency = rec.get("integrationLatency", rec.get("responseLatency"))
            if latency in (None, "-", ""):
                raise ValueError("no integrationLatency or responseLatency")
            rows.append(_row(start, float(latency)))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            bad.append(BadLine(path, n, f"unusable access-log record: {exc}"))
    return _finish(path, "apigw-json", rows, bad)


# -- ALB -----------------------------------------------------------------------------------------
def read_alb(path: str) -> Evidence:
    """Read ALB access logs."""
    rows: list[Row] = []
    bad: list[BadLine] = []
    for n, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            fields = shlex.split(line)
            target_s = float(fields[6])
            if target_s < 0:
                raise ValueError("not sent to a target (target_processing_time -1)")
            if len(fields) > 21 and fields[21] not in ("-", ""):
                start = epoch_s(fields[21])
            else:
                spent = sum(max(float(x), 0.0) for x in fields[5:8])
                start = epoch_s(fields[1]) - spent
            rows.append(_row(start, target_s * 1000.0))
        except (IndexError, ValueError) as exc:
            bad.append(BadLine(path, n, f"unusable ALB record: {exc}"))
    return _finish(path, "alb", rows, bad)


# -- combined --------------------------------------------------------------------------------------
_COMBINED = re.compile(
    r'^(\S+) \S+ \S+ \[([^\]]+)\] "(?:[^"\\]|\\.)*" (\d{3}) \S+(?: "(?:[^"\\]|\\.)*"){2}'
    r"(?:\s+(\S+))+\s*$"
)


def read_combined(path: str) -> Evidence:
    """Read nginx/Apache combined logs with a trailing request time."""
    rows: list[Row] = []
    bad: list[BadLine] = []
    for n, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        match = _COMBINED.match(line)
        try:
            if match is None:
                raise ValueError("not combined format with a request time at the end")
            when = clf_epoch_s(match.group(2))
            last = match.group(4)
            if "." in last:  # nginx $request_time [s], logged at the end of the response
                duration_ms = float(last) * 1000.0
                rows.append(_row(when - duration_ms / 1000.0, duration_ms))
            else:  # Apache %D [us]; %t is the time the request was received
                rows.append(_row(when, int(last) / 1000.0))
        except ValueError as exc:
            bad.append(BadLine(path, n, str(exc)))
    return _finish(path, "combined", rows, bad)


def _is_apigw(head: str, name: str) -> bool:
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    return first.startswith("{") and ("requestTime" in first or "integrationLatency" in first)


def _is_alb(head: str, name: str) -> bool:
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    return bool(re.match(r"(http|https|h2|grpcs|ws|wss) \d{4}-\d\d-\d\dT", first))


def _is_combined(head: str, name: str) -> bool:
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    return bool(re.match(r"^\S+ \S+ \S+ \[\d\d/\w{3}/\d{4}:", first))


#: the formats this module reads, in sniffing order
FORMATS: tuple[Reader, ...] = (
    Reader("apigw-json", "API Gateway JSON access logs", _is_apigw, read_apigw),
    Reader("alb", "Application Load Balancer access logs", _is_alb, read_alb),
    Reader(
        "combined",
        "nginx/Apache combined access logs with request time",
        _is_combined,
        read_combined,
    ),
)
