"""Traffic profiles that a fuzz of hello-api.yaml (session 5) located on the wrong line or
explained with a self-contradicting message; each now names the offending key.

- ``profile: diurnall`` was located at the ``traffic:`` line, not the ``profile:`` line;
- ``{profile: sum, ...}`` (the sum form guessed) said "unknown field 'profile'; did you mean
  'profile'?";
- an error inside ``{sum: [...]}`` was located at ``traffic.sum.sum.1.constant.phase`` (the
  union's tag ``sum`` is also the key after it).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures import fuzzlib

HEAD = """\
name: slips
horizon: 1h
workload: {duration: {dist: fixed, value: 100ms}}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda}
"""


@pytest.fixture(scope="module", autouse=True)
def _environment() -> Iterator[None]:
    with fuzzlib.fuzz_environment():
        yield


def _validate(tmp_path: Path, traffic: str) -> fuzzlib.Outcome:
    path = tmp_path / "slips.yaml"
    path.write_text(HEAD + textwrap.dedent(traffic))
    return fuzzlib.run_cli(["validate", str(path)], timeout_s=60)


@pytest.mark.parametrize(
    ("traffic", "line"),
    [
        (
            "traffic:\n  profile: diurnall\n  mean_rps: 2\n",
            "slips.yaml:7: traffic.profile: unknown traffic profile 'diurnall'",
        ),
        (
            "traffic:\n  profile: sum\n  parts: [{profile: constant, mean_rps: 1}]\n",
            "slips.yaml:7: traffic.profile: a sum of profiles is written {sum: [profile, ...]}",
        ),
        (
            "traffic:\n  sum:\n    - {profile: constant, mean_rps: 1}\n"
            "    - {profile: constant, mean_rps: 1, phase: 3}\n",
            "slips.yaml:9: traffic.sum.1.phase: unknown field 'phase'",
        ),
    ],
)
def test_traffic_slips_name_the_offending_key(tmp_path: Path, traffic: str, line: str) -> None:
    outcome = _validate(tmp_path, traffic)
    assert outcome.problem() is None, outcome.problem()
    assert outcome.code == 2
    assert line in outcome.err, outcome.err
    assert "did you mean 'profile'" not in outcome.err


def test_a_function_named_like_its_mapping_is_still_located(tmp_path: Path) -> None:
    """A key repeated in a location because the data nests it (a function named ``functions``)
    is not mistaken for a union's tag."""
    path = tmp_path / "app.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            name: slips
            horizon: 1h
            application:
              functions:
                functions: {duration: {dist: fixed, value: 5ms}, memory: 10}
              routes:
                - name: api
                  traffic: {profile: constant, mean_rps: 1}
                  steps: [{call: functions}]
            options:
              - {name: lambda, kind: serverless, provider: aws-lambda}
            """
        )
    )
    outcome = fuzzlib.run_cli(["validate", str(path)], timeout_s=60)
    assert outcome.code == 2
    assert "app.yaml:5: application.functions.functions.memory:" in outcome.err, outcome.err


def test_a_mapping_missing_two_required_fields_is_one_line(tmp_path: Path) -> None:
    """``scale_rate: {}`` gave two lines (``instances`` and ``per`` each missing); one mapping
    is one line naming both (the house rule: bad input gets one clear line)."""
    path = tmp_path / "sr.yaml"
    path.write_text(
        HEAD.replace("provider: aws-lambda}", "provider: aws-lambda, scale_rate: {}}")
        + "traffic: {profile: constant, mean_rps: 1}\n"
    )
    outcome = fuzzlib.run_cli(["validate", str(path)], timeout_s=60)
    assert outcome.code == 2
    lines = [x for x in outcome.err.splitlines() if x.strip()]
    assert len(lines) == 1, outcome.err
    assert "options.0.scale_rate: required fields instances and per are missing" in lines[0]
