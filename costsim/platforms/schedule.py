"""Provisioned-concurrency schedules: windows and cron expressions -> a count over time.

A schedule is a base count (``provisioned_concurrency``) and windows, each with its own count.
At any time the provisioned count is the largest count of the windows open then, and at least
the base (windows do not add up: like AWS Application Auto Scaling's scheduled actions, each
states the capacity it wants).

Time: simulated time 0 is a Monday 00:00 (costsim's day 0, as the diurnal profile's weekends
assume). Cron's day-of-month and month fields need a calendar: day 0 is taken to be
:data:`EPOCH`, Monday 2024-01-01.

Windows:

* a dated range: ``[start_s, end_s)`` from the start of the run (a launch day);
* a daily or weekly time range: from ``at_s`` to ``until_s`` seconds after midnight on the
  given weekdays (every day when none are given); ``until_s < at_s`` ends the next day;
* a cron window: opens at every minute a 5-field cron expression matches and stays open
  ``duration_s``.

Everything here is a pure function of plain numbers; both serverless engines read the result,
the change points of :func:`provisioned_steps`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass

#: Calendar date of simulated day 0 (a Monday), for cron's day-of-month and month fields.
EPOCH = dt.date(2024, 1, 1)
DAY_S = 86400.0
WEEK_S = 7 * DAY_S
#: Weekday names, Monday first (index = days since a Monday).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_CRON_DOW = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
#: (name, lowest, highest, names) of the five cron fields.
CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _CRON_DOW),
)
#: Most cron windows one schedule may open over a run (a firing every minute for 10 weeks).
MAX_CRON_WINDOWS = 100_000


@dataclass(frozen=True)
class Cron:
    """A parsed 5-field cron expression: the values each field matches.

    ``dom_any`` / ``dow_any``: the field was ``*``; as in Vixie cron, when both day fields are
    restricted a day matches if either does. Day of week 0 and 7 are Sunday.
    """

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    dom_any: bool
    dow_any: bool

    def day_matches(self, day: dt.date) -> bool:
        """Whether the day fields match ``day``."""
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if day.month not in self.months:
            return False
        if self.dom_any or self.dow_any:
            return dom and dow
        return dom or dow


def _cron_value(text: str, name: str, names: tuple[str, ...], lo: int) -> int:
    low = text.lower()
    if low in names:
        return names.index(low) + (1 if name == "month" else 0)
    if not low.isdigit():
        raise ValueError(f"cron {name} {text!r} is not a number or a name")
    return int(low)


def _cron_field(text: str, name: str, lo: int, hi: int, names: tuple[str, ...]) -> set[int]:
    """The values one cron field matches (``*``, ``a``, ``a-b``, ``*/n``, ``a-b/n``, lists)."""
    out: set[int] = set()
    for part in text.split(","):
        rng, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ValueError(f"cron {name} step {step_text!r} must be a whole number >= 1")
            step = int(step_text)
        if rng == "*":
            a, b = lo, hi
        elif "-" in rng:
            left, _, right = rng.partition("-")
            a, b = _cron_value(left, name, names, lo), _cron_value(right, name, names, lo)
        else:
            a = _cron_value(rng, name, names, lo)
            b = hi if step_text else a
        if not (lo <= a <= hi and lo <= b <= hi):
            raise ValueError(f"cron {name} {part!r} is outside {lo}-{hi}")
        if b < a:
            raise ValueError(f"cron {name} range {part!r} ends before it starts")
        out.update(range(a, b + 1, step))
    return out


def parse_cron(expr: str) -> Cron:
    """Parse a 5-field cron expression (minute hour day-of-month month day-of-week).

    Raises
    ------
    ValueError
        Naming the field that is wrong (a value out of range, a bad step, a wrong field count).
    """
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(
            f"a cron expression has 5 fields (minute hour day month weekday), got {len(fields)}"
        )
    sets = [
        _cron_field(text, name, lo, hi, names)
        for text, (name, lo, hi, names) in zip(fields, CRON_FIELDS, strict=True)
    ]
    weekdays = frozenset(d % 7 for d in sets[4])
    return Cron(
        frozenset(sets[0]),
        frozenset(sets[1]),
        frozenset(sets[2]),
        frozenset(sets[3]),
        weekdays,
        dom_any=fields[2] == "*",
        dow_any=fields[4] == "*",
    )


def cron_firings_s(cron: Cron, t0_s: float, t1_s: float) -> list[float]:
    """Times [s] in ``[t0_s, t1_s)`` at which ``cron`` fires (whole minutes of simulated time)."""
    out: list[float] = []
    first_day = math.floor(t0_s / DAY_S)
    last_day = math.ceil(t1_s / DAY_S)
    minutes = sorted(cron.minutes)
    for d in range(first_day, last_day + 1):
        if not cron.day_matches(EPOCH + dt.timedelta(days=d)):
            continue
        for h in sorted(cron.hours):
            for m in minutes:
                t = d * DAY_S + h * 3600.0 + m * 60.0
                if t0_s <= t < t1_s:
                    out.append(t)
                    if len(out) > MAX_CRON_WINDOWS:
                        raise ValueError(
                            f"the cron expression opens more than {MAX_CRON_WINDOWS:,} windows "
                            "over the run; fire less often"
                        )
    return out


@dataclass(frozen=True)
class Window:
    """One window of a schedule, in plain numbers (see the module docstring).

    Exactly one of: ``start_s``/``end_s`` (dated), ``at_s``/``until_s`` (+ ``days``, daily or
    weekly), ``cron``/``duration_s``.
    """

    count: int
    start_s: float | None = None
    end_s: float | None = None
    at_s: float | None = None
    until_s: float | None = None
    days: tuple[int, ...] = ()  # 0 = Monday; empty: every day
    cron: str | None = None
    duration_s: float | None = None

    def intervals(self, horizon_s: float) -> list[tuple[float, float]]:
        """The ``[open, close)`` intervals [s] of this window that reach into ``[0, horizon_s)``."""
        if self.start_s is not None and self.end_s is not None:
            return [(self.start_s, self.end_s)] if self.start_s < horizon_s else []
        if self.at_s is not None and self.until_s is not None:
            length_s = (self.until_s - self.at_s) % DAY_S or DAY_S
            out = []
            for d in range(-1, math.ceil(horizon_s / DAY_S) + 1):
                if self.days and d % 7 not in self.days:
                    continue
                t = d * DAY_S + self.at_s
                if t < horizon_s and t + length_s > 0:
                    out.append((max(t, 0.0), t + length_s))
            return out
        assert self.cron is not None and self.duration_s is not None
        cron = parse_cron(self.cron)
        return [
            (max(t, 0.0), t + self.duration_s)
            for t in cron_firings_s(cron, -self.duration_s, horizon_s)
        ]


def provisioned_steps(
    base: int, windows: tuple[Window, ...], horizon_s: float
) -> tuple[tuple[float, int], ...]:
    """The provisioned count over ``[0, horizon_s)`` as change points.

    Returns
    -------
    tuple of (float, int)
        ``(t_s, count)`` pairs, ``t_s`` rising from 0.0: the count is ``count`` from ``t_s``
        to the next change (or the horizon). Consecutive counts differ.
    """
    edges: dict[float, list[tuple[int, int]]] = {}
    for w in windows:
        for t_open, t_close in w.intervals(horizon_s):
            edges.setdefault(t_open, []).append((+1, w.count))
            if t_close < horizon_s:
                edges.setdefault(t_close, []).append((-1, w.count))
    open_counts: Counter[int] = Counter()
    steps: list[tuple[float, int]] = [(0.0, base)]
    for t in sorted(edges):
        for sign, count in edges[t]:
            open_counts[count] += sign
            if open_counts[count] == 0:
                del open_counts[count]
        level = max([base, *open_counts])
        if t == steps[-1][0]:
            steps[-1] = (t, level)
            if len(steps) > 1 and steps[-2][1] == level:
                steps.pop()
        elif level != steps[-1][1]:
            steps.append((t, level))
    return tuple(steps)


def provisioned_periods(
    steps: tuple[tuple[float, int], ...], horizon_s: float
) -> list[tuple[float, float, int]]:
    """Each provisioned instance's enabled periods: ``(start_s, end_s, instances)``.

    The count over time is split in layers: the ``k``-th instance is enabled while the count
    is at least ``k``, from the change that raised the count to ``k`` to the one that lowered
    it below (or the horizon), as Lambda meters provisioned concurrency "from the time you
    enable it until you disable it". Instances enabled and disabled together are one entry.
    """
    stack: list[list[float]] = []  # [start_s, instances] of the enabled layers, lowest first
    out: list[tuple[float, float, int]] = []
    level = 0
    for t, count in steps:
        if count > level:
            stack.append([t, float(count - level)])
        else:
            drop = level - count
            while drop > 0:
                start_s, n = stack[-1]
                take = min(int(n), drop)
                if start_s < t:
                    out.append((start_s, t, take))
                if take == n:
                    stack.pop()
                else:
                    stack[-1][1] = n - take
                drop -= take
        level = count
    for start_s, n in stack:
        if start_s < horizon_s:
            out.append((start_s, horizon_s, int(n)))
    return out


def provisioned_instance_s(steps: tuple[tuple[float, int], ...], horizon_s: float) -> float:
    """Provisioned instance time [s] over ``[0, horizon_s)``: the integral of the count."""
    total = 0.0
    for i, (t, count) in enumerate(steps):
        end = steps[i + 1][0] if i + 1 < len(steps) else horizon_s
        total += count * (min(end, horizon_s) - min(t, horizon_s))
    return total
