"""The ``provisioned_schedule`` of a serverless option: windows of provisioned concurrency.

Each entry is one window with its own ``count`` (see :mod:`costsim.platforms.schedule` for how
windows combine: the largest count open, at least ``provisioned_concurrency``)::

    provisioned_schedule:
      - {count: 100, start: 0h, end: 8h}                       # a dated range (launch day)
      - {count: 10, at: "08:00", until: "18:00", days: [mon, tue, wed, thu, fri]}  # weekly
      - {count: 2, at: "22:00", until: "06:00"}                # daily, over midnight
      - {count: 50, cron: "0 9 * * 1-5", duration: 2h}         # cron, open 2 h per firing

Simulated time 0 is a Monday 00:00 (cron dates: Monday 2024-01-01).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator
from pydantic.functional_validators import BeforeValidator

from costsim.fields import MAX_INSTANCES, MAX_SPAN_S, DurationS, Strict
from costsim.platforms.schedule import WEEKDAYS, Window, parse_cron
from costsim.units import clock_time_s


def _weekday(value: object) -> int:
    text = str(value).strip().lower()[:3]
    if not isinstance(value, str) or text not in WEEKDAYS:
        raise ValueError(f"unknown weekday {value!r}; use one of {', '.join(WEEKDAYS)}")
    return WEEKDAYS.index(text)


ClockS = Annotated[float, BeforeValidator(clock_time_s)]
Weekday = Annotated[int, BeforeValidator(_weekday)]


class ScheduleWindow(Strict):
    """One window of provisioned concurrency: ``count`` instances while it is open.

    Give exactly one of: ``start`` and ``end`` (a dated range, from the start of the run);
    ``at`` and ``until`` (``HH:MM``, every day or on ``days``; ``until`` before ``at`` ends the
    next day); ``cron`` (5 fields, minute hour day month weekday) and ``duration``.
    """

    count: int = Field(ge=0, le=MAX_INSTANCES)
    start_s: DurationS | None = Field(default=None, ge=0, le=MAX_SPAN_S, alias="start")
    end_s: DurationS | None = Field(default=None, gt=0, le=MAX_SPAN_S, alias="end")
    at: ClockS | None = None
    until: ClockS | None = None
    days: list[Weekday] | None = Field(default=None, min_length=1, max_length=7)
    cron: str | None = Field(default=None, max_length=200)
    duration_s: DurationS | None = Field(default=None, gt=0, le=MAX_SPAN_S, alias="duration")

    @model_validator(mode="after")
    def _one_kind(self) -> ScheduleWindow:
        kinds = [
            name
            for name, given in (
                ("start/end", self.start_s is not None or self.end_s is not None),
                ("at/until", self.at is not None or self.until is not None),
                ("cron", self.cron is not None),
            )
            if given
        ]
        if len(kinds) != 1:
            raise ValueError(
                "a window needs exactly one of start/end (a dated range), at/until (a daily or "
                f"weekly time range) or cron with duration; got {' and '.join(kinds) or 'none'}"
            )
        if kinds[0] == "start/end":
            if self.start_s is None or self.end_s is None:
                raise ValueError("a dated window needs both start and end")
            if self.end_s <= self.start_s:
                raise ValueError(
                    f"the window ends ({self.end_s:g} s) before it starts ({self.start_s:g} s)"
                )
        if kinds[0] == "at/until":
            if self.at is None or self.until is None:
                raise ValueError("a daily window needs both at and until (HH:MM)")
            if self.at == self.until:
                raise ValueError("a daily window's until must differ from its at")
        elif self.days is not None:
            raise ValueError("days applies to an at/until window only")
        if kinds[0] == "cron":
            assert self.cron is not None
            parse_cron(self.cron)  # a bad field is a ValueError naming it
            if self.duration_s is None:
                raise ValueError("a cron window needs a duration (how long it stays open)")
        elif self.duration_s is not None:
            raise ValueError("duration applies to a cron window only")
        return self

    def window(self) -> Window:
        """The window in plain numbers, for :func:`costsim.platforms.schedule.provisioned_steps`."""
        return Window(
            count=self.count,
            start_s=self.start_s,
            end_s=self.end_s,
            at_s=self.at,
            until_s=self.until,
            days=tuple(sorted(set(self.days or ()))),
            cron=self.cron,
            duration_s=self.duration_s,
        )
