"""Slips a fuzz of the application scenarios found accepted (session 4), each refused in one line.

- ``workers: true`` / ``count: false``: pydantic reads a boolean as 1 or 0 for number fields;
- ``keep_alive: "10"``: a quoted bare number slipped past the rule that durations need a unit
  (issue 16: "Numbers without units silently mean seconds");
- an application function's ``memory: 10`` or ``1e308MB`` passed ``validate`` and failed only
  after simulating, located at the option instead of the function (issue 17: ``validate`` makes
  every check ``run`` makes).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures import fuzzlib

SINGLE = """\
name: slips
traffic: {profile: constant, mean_rps: 1}
workload: {duration: {dist: fixed, value: 100ms}}
horizon: 1h
options:
  - {name: lambda, kind: serverless, provider: aws-lambda, keep_alive: KEEP}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: COUNT, workers: WORKERS}
"""

APP = """\
name: slips
horizon: 1h
application:
  functions:
    auth: {duration: {dist: fixed, value: 5ms}, memory: MEMORY}
    api: {duration: {dist: fixed, value: 30ms}}
  routes:
    - name: api
      traffic: {profile: constant, mean_rps: 1}
      authorizer: {function: auth, cache_ttl: TTL, clients: 10}
      steps:
        - {call: api}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda}
"""


@pytest.fixture(scope="module", autouse=True)
def _environment() -> Iterator[None]:
    with fuzzlib.fuzz_environment():
        yield


def _validate(tmp_path: Path, text: str) -> fuzzlib.Outcome:
    path = tmp_path / "slips.yaml"
    path.write_text(textwrap.dedent(text))
    return fuzzlib.run_cli(["validate", str(path)], timeout_s=60)


def _single(keep: str = "10min", count: str = "2", workers: str = "4") -> str:
    return SINGLE.replace("KEEP", keep).replace("COUNT", count).replace("WORKERS", workers)


def _app(memory: str = "128MB", ttl: str = "5min") -> str:
    return APP.replace("MEMORY", memory).replace("TTL", ttl)


def test_the_bases_are_valid(tmp_path: Path) -> None:
    assert _validate(tmp_path, _single()).code == 0
    assert _validate(tmp_path, _app()).code == 0


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            _single(count="true"),
            "slips.yaml:7: options.1.count: expected a whole number, got 'true'",
        ),
        (_single(workers="false"), "slips.yaml:7: options.1.workers: expected a whole number"),
        (_single(keep='"10"'), "slips.yaml:6: options.0.keep_alive: 10 has no unit"),
        (
            _app(ttl="'300'"),
            "slips.yaml:10: application.routes.0.authorizer.cache_ttl: 300 has no unit",
        ),
        (
            _app(memory="10"),
            "slips.yaml:5: application.functions.auth.memory: auth: aws-lambda memory must be within 128-10240 MB",
        ),
        (_app(memory="1e308MB"), "slips.yaml:5: application.functions.auth.memory:"),
    ],
)
def test_slips_are_located_errors(tmp_path: Path, text: str, line: str) -> None:
    outcome = _validate(tmp_path, text)
    assert outcome.problem() is None, outcome.problem()
    assert outcome.code == 2
    assert line in outcome.err, outcome.err
