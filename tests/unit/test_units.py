"""Human units: parsing durations, sizes and rates."""

import math

import pytest

from costsim.units import format_duration, parse_duration_s, parse_rate_per_s, parse_size_mb


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250ms", 0.25),
        ("10min", 600.0),
        ("30d", 30 * 86400.0),
        ("1.5h", 5400.0),
        ("2s", 2.0),
        ("500us", 0.0005),
        (" 7 d ", 7 * 86400.0),
        (3, 3.0),
        (0.5, 0.5),
        ("1e3ms", 1.0),
    ],
)
def test_durations_parse_to_seconds(text, seconds):
    assert parse_duration_s(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "mb"),
    [("128MB", 128.0), ("1.5GB", 1536.0), ("10GiB", 10240.0), ("512KB", 0.5), (256, 256.0)],
)
def test_sizes_parse_to_mb_with_binary_gigabytes(text, mb):
    assert parse_size_mb(text) == pytest.approx(mb)


def test_rates_parse_to_per_second():
    assert parse_rate_per_s("5rps") == 5.0
    assert parse_rate_per_s("120rpm") == pytest.approx(2.0)
    assert parse_rate_per_s(7) == 7.0


@pytest.mark.parametrize("bad", ["ten seconds", "10 parsecs", "", "ms", True, None, [1], "nan s"])
def test_bad_durations_raise_value_error_with_example(bad):
    with pytest.raises(ValueError):
        parse_duration_s(bad)


def test_infinite_values_are_refused():
    with pytest.raises(ValueError, match="finite"):
        parse_duration_s(math.inf)


def test_format_duration_round_trips_common_values():
    for text in ["7d", "2h", "10min", "250ms", "3s"]:
        assert format_duration(parse_duration_s(text)) == text
