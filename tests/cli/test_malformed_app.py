"""Issue 15's bar for application files: every malformed one refused in one located line.

Issue 15, "Done when": "Bad application files (a step naming an unknown function, a cycle of
synchronous calls, a map without items, a queue with no consumer) get one line with file, line
and field, and exit code 2." Each case of ``tests/fixtures/make_malformed_app.py`` goes through
``costsim validate`` and ``costsim run`` (in this process): exit 2, exactly one ``error:`` line
``FILE:LINE: field: message`` whose line is the one the case marks and whose field matches the
case's; never a traceback, a hang or exit 0. Found by fuzzing the application schema (session
5): cycles through sends and queues were accepted and hung ``run``; a map's ``items`` took
``3s`` and ``0.2``; errors inside steps and states named the line of the step, not the field; a
merge key moved the line of a field written beside it to the anchor's.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures import fuzzlib
from fixtures.make_malformed_app import BASE, CASES, VALID, AppCase

LINE = re.compile(r"^error: (?P<file>.+?):(?P<line>\d+): (?:(?P<field>[^\s:]+): )?(?P<msg>.+)$")


@pytest.fixture(scope="module", autouse=True)
def _environment() -> Iterator[None]:
    with fuzzlib.fuzz_environment():
        yield


@pytest.fixture()
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="costsim-malformed-app-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _refusal(case: AppCase, args: list[str], path: Path) -> str | None:
    """Why ``costsim ARGS`` broke the one-line contract for ``case``, or None."""
    outcome = fuzzlib.run_cli(args, timeout_s=60)
    problem = outcome.problem()
    if problem is not None:
        return problem
    if outcome.code != 2:
        return f"exit {outcome.code}, not 2: {outcome.out[-400:]}{outcome.err[-400:]}"
    lines = outcome.err.strip().splitlines()
    if len(lines) != 1:
        return f"{len(lines)} lines, not one: {outcome.err}"
    m = LINE.match(lines[0])
    if m is None or m["file"] != str(path):
        return f"not FILE:LINE: field: message: {lines[0]}"
    if int(m["line"]) != case.line:
        return f"line {m['line']}, not {case.line} (the line marked #!): {lines[0]}"
    if case.field and not re.search(case.field, m["field"] or ""):
        return f"field {m['field']!r} does not match {case.field!r}: {lines[0]}"
    return None


def test_the_base_is_valid_and_every_case_marks_its_line(folder: Path) -> None:
    """The base validates, so each case fails for its own edit; each case marks one line."""
    path = folder / "base.yaml"
    path.write_text(BASE)
    assert fuzzlib.run_cli(["validate", str(path)]).code == 0
    assert len({c.name for c in CASES}) == len(CASES) >= 100
    assert all(c.line is not None and c.text.count(b"#!") == 1 for c in CASES)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=c.xfail)) if c.xfail else c
        for c in CASES
    ],
    ids=[c.name for c in CASES],
)
def test_malformed_application_is_one_located_line(case: AppCase, folder: Path) -> None:
    """validate and run both exit 2 with one line at the marked line and the case's field."""
    path = folder / "app.yaml"
    path.write_bytes(case.text)
    problem = _refusal(case, ["validate", str(path)], path)
    assert problem is None, f"validate: {problem}"
    problem = _refusal(case, ["run", str(path), "--engine", "simpy", "--no-charts"], path)
    assert problem is None, f"run: {problem}"


@pytest.mark.parametrize(("name", "text"), VALID, ids=[n for n, _ in VALID])
def test_valid_edge_cases_still_validate(name: str, text: str, folder: Path) -> None:
    """What the checks must not refuse: a map over zero items and one parallel branch (AWS
    allows both), a queue named after its own consumer, a count written 3e0, deep nesting, a
    merge key overridden."""
    path = folder / "app.yaml"
    path.write_text(text)
    outcome = fuzzlib.run_cli(["validate", str(path)])
    assert outcome.problem() is None and outcome.code == 0, outcome.err
