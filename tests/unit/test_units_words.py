"""Unit words (singular, plural, any case), req/s rates, and bare numbers refused in files.

Issue 16: ``7 days`` was accepted but ``10 minutes``, ``24 hours``, ``1 week`` and ``30 req/s``
were not, although every output prints "req/s"; ``horizon: 7`` silently meant 7 seconds.
"""

from __future__ import annotations

import pytest

from costsim import InputError, scenario_from_text
from costsim.units import bare_duration_message, parse_duration_s, parse_rate_per_s


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10 minutes", 600.0),
        ("1 minute", 60.0),
        ("24 hours", 86400.0),
        ("1 hour", 3600.0),
        ("1 week", 7 * 86400.0),
        ("2 weeks", 14 * 86400.0),
        ("30 seconds", 30.0),
        ("1 second", 1.0),
        ("250 milliseconds", 0.25),
        ("10MIN", 600.0),
        ("3 Days", 3 * 86400.0),
    ],
)
def test_duration_words_singular_and_plural(text: str, seconds: float) -> None:
    assert parse_duration_s(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "per_s"),
    [("30 req/s", 30.0), ("30req/s", 30.0), ("120 req/min", 2.0), ("7200 requests/h", 2.0)],
)
def test_rates_in_the_units_outputs_print(text: str, per_s: float) -> None:
    assert parse_rate_per_s(text) == pytest.approx(per_s)


def test_size_units_stay_case_sensitive() -> None:
    """``Mb`` (megabit) is not ``MB``: sizes are not matched case-free."""
    from costsim.units import parse_size_mb

    with pytest.raises(ValueError, match="unknown size unit"):
        parse_size_mb("128mb")


BASE = """\
name: u
horizon: 1h
traffic: {profile: constant, mean_rps: 1}
workload:
  duration: {dist: fixed, value: 40ms}
options:
  - {name: lambda, kind: serverless, keep_alive: 10min}
slo: {p99: 500ms}
"""


@pytest.mark.parametrize(
    ("edit", "field", "suggestion"),
    [
        (("horizon: 1h", "horizon: 7"), "horizon", "7d or 7s"),
        (("p99: 500ms", "p99: 500"), "slo.p99", "500ms"),
        (("value: 40ms", "value: 40"), "workload.duration.value", "40ms"),
        (("keep_alive: 10min", "keep_alive: 10"), "options.0.keep_alive", "10s or 10min"),
    ],
)
def test_bare_number_for_a_duration_is_an_error_suggesting_units(
    edit: tuple[str, str], field: str, suggestion: str
) -> None:
    """Regression: ``horizon: 7`` priced 2 x t3.medium at $520.59 instead of $60.74 (7 s)."""
    with pytest.raises(InputError) as info:
        scenario_from_text(BASE.replace(*edit), "s.yaml")
    assert info.value.field == field
    assert "has no unit" in info.value.message and suggestion in info.value.message


def test_zero_needs_no_unit_and_words_work_in_files() -> None:
    scn = scenario_from_text(
        BASE.replace("keep_alive: 10min", "keep_alive: 0").replace("1h", "2 hours")
    )
    assert scn.horizon_s == 7200.0 and scn.options[0].keep_alive_s == 0.0


def test_bare_duration_message_names_the_likely_units() -> None:
    assert bare_duration_message(7, "horizon") == "7 has no unit; write it with one, e.g. 7d or 7s"
