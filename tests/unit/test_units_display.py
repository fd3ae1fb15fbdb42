"""How numbers, swept values and elapsed times are shown to people (tables, records)."""

from __future__ import annotations

import pytest

from costsim.units import elapsed_words, short_number, short_value


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("3.06389rps", "3.06rps"),  # a log grid's value, not 6 digits of noise
        ("0.0389754rps", "0.039rps"),
        (0.176894, "0.177"),
        (2000, "2,000"),  # not 2e+03
        (19040.3, "19,000"),
        ("128MB", "128MB"),
        ("10min", "10min"),
        ("mru", "mru"),
    ],
)
def test_short_value(value, shown) -> None:
    assert short_value(value) == shown


def test_short_number_keeps_four_digits_for_crossovers() -> None:
    assert (short_number(19040.3, 4), short_number(4.508, 4)) == ("19,040", "4.508")


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.25, "250 ms"),
        (4.2, "4.2 s"),
        (1801.5, "30 min 2 s"),  # rounded to the second above a minute
        (4320.0, "1 h 12 min"),
        (3599.6, "1 h"),
        (93600.0, "1 d 2 h"),
    ],
)
def test_elapsed_words(seconds, words) -> None:
    assert elapsed_words(seconds) == words


def test_record_latencies_switch_to_larger_units_from_ten_seconds() -> None:
    """The decision record says "p99 1 min 24 s", not "84,151 ms"; short ones stay in ms."""
    from costsim.report.adr_common import ms

    assert [ms(40.25), ms(850.0), ms(9_999.0), ms(30_000.0), ms(84_151.0)] == [
        "40.2 ms", "850 ms", "9,999 ms", "30 s", "1 min 24 s",
    ]  # fmt: skip
