"""All problems of a scenario file at once, each ``FILE:LINE: field: message``, readable.

Issue 16: errors came one at a time ("and 2 more error(s)" undercounted, catalog keys were
checked in a later stage), so fixing one file took 8 rounds; raw validator text leaked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from costsim import InputError
from costsim.checks import checked_scenario
from costsim.scenario import ScenarioErrors

BAD = """\
name: bad
horizon: 7
traffic: {profile: constant, mean_rps: 30 req/s}
workload:
  duration: {dist: fixed, value: 40ms}
options:
  - {name: lambda, kind: serverless, provider: aws-lamda, cold_start: 300ms}
  - {name: vps, kind: vps, instance: hetzner-cx3, workers: 8, queue_timeout: 30s}
  - {name: metal, kind: bare_metal, server: hetzner-ax42, count: 1x, reuse: mru}
slo: {p99: 500}
"""


@pytest.fixture
def problems(tmp_path: Path) -> list[str]:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    with pytest.raises(ScenarioErrors) as info:
        checked_scenario(path)
    return info.value.one_line().splitlines()


def test_every_problem_is_reported_with_its_line(problems: list[str]) -> None:
    fields = [line.split(": ")[1] for line in problems]
    lines = [int(line.split(":")[1]) for line in problems]
    assert lines == sorted(lines)
    assert set(fields) >= {
        "horizon",
        "options.0.cold_start",
        "options.1.instance",
        "options.2.count",
        "options.2.reuse",
        "slo.p99",
    }
    assert all(line.split(":")[0].endswith("bad.yaml") for line in problems)


def test_catalog_keys_are_checked_in_the_same_pass(problems: list[str]) -> None:
    """The vps option's key is checked although other options (and the file) are invalid."""
    text = "\n".join(problems)
    assert "options.1.instance: unknown catalog key 'hetzner-cx3'" in text


def test_messages_say_what_to_write_not_validator_internals(problems: list[str]) -> None:
    text = "\n".join(problems)
    assert "Input should be" not in text
    assert "options.0.cold_start: expected a distribution such as {dist: lognormal" in text
    assert "options.2.count: expected a whole number, got '1x'" in text
    # the suggestion comes from the bare_metal kind's own fields, not from every model
    reuse = next(line for line in problems if "'reuse'" in line)
    assert "unknown field 'reuse'; this mapping takes " in reuse and "balancer" in reuse
    assert "did you mean 'reuse'" not in text


def test_a_single_problem_is_a_plain_input_error(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(
        BAD.replace("horizon: 7", "horizon: 7d")
        .split("  - {name: vps")[0]
        .replace(", cold_start: 300ms", "")
    )
    with pytest.raises(InputError) as info:
        checked_scenario(path)
    assert not isinstance(info.value, ScenarioErrors)
    assert info.value.field == "options.0.provider"
