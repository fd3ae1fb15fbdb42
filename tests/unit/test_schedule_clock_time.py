"""``schedule`` traffic at a clock time (``at: "02:00"``), as /work/shared/DESIGN.md writes it.

DESIGN.md's application example has ``{profile: schedule, every: 1d, at: "02:00", ...}``; time 0
of every simulation is Monday 00:00 (costsim/traffic/profiles.py), so ``at`` is the offset from
midnight on day one.
"""

import numpy as np
import pytest

from costsim import InputError, scenario_from_text
from costsim.traffic.context import StreamContext
from costsim.units import span_words

BASE = """
name: nightly
traffic: {profile: schedule, every: 1d, count: 500, window: 1h, %s}
workload: {duration: {dist: fixed, value: 100ms}}
horizon: 3 days
options:
  - {name: lambda, kind: serverless, provider: aws-lambda}
"""


def test_at_places_every_batch_in_its_clock_window():
    scn = scenario_from_text(BASE % 'at: "02:00"')
    assert scn.traffic.offset_s == 7200.0
    ctx = StreamContext(seed=1, key=(0,), horizon_s=3 * 86400.0, chunk_size=1 << 12)
    t = np.concatenate([a for a, _ in scn.traffic.requests(ctx)])
    assert len(t) == 1500
    hour_of_day = np.mod(t, 86400.0) / 3600.0
    assert hour_of_day.min() >= 2.0 and hour_of_day.max() < 3.0
    assert "from 02:00" in scn.traffic.describe()


@pytest.mark.parametrize(
    ("field", "needle"),
    [
        ('at: "25:00"', "traffic.at: a time of day is written HH:MM"),
        ('at: "2am"', "traffic.at: a time of day is written HH:MM"),
        ('at: "02:00", offset: 1h', "give either at (a clock time) or offset"),
    ],
)
def test_bad_clock_times_are_located_errors(field, needle):
    with pytest.raises(InputError) as err:
        scenario_from_text(BASE % field, file="nightly.yaml")
    assert "nightly.yaml:3:" in str(err.value)
    assert needle in str(err.value)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (86400, "1 day"),
        (7 * 86400, "7 days"),
        (1800, "30 minutes"),
        (5400, "1.5 hours"),
        (1, "1 second"),
        (0.25, "250 ms"),
    ],
)
def test_span_words(seconds, words):
    assert span_words(seconds) == words


def test_unquoted_clock_times_stay_clock_times():
    """YAML 1.1 reads an unquoted ``14:30`` as the base-60 integer 870; costsim's loader keeps
    it as text (as YAML 1.2 does), so ``at: 14:30`` means half past two in the afternoon."""
    scn = scenario_from_text(BASE % "at: 14:30")
    assert scn.traffic.offset_s == 14.5 * 3600
