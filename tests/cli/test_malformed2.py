"""Issue 17's bar: a fresh corpus of known-bad inputs, every one refused in one line.

Each case of ``tests/fixtures/make_malformed2.py`` runs through the CLI in this process. It must
exit 2 with exactly one ``error:`` line that matches the case's ``where`` (file, line and field
when the problem sits in a file; the flag when it is a flag): no traceback, no internal error,
no hang, and never exit 0 (a bad input accepted). A case given to ``run`` is also given to
``validate``, which must refuse it too: ``validate`` makes every check ``run`` makes.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures import fuzzlib
from fixtures.make_malformed2 import Case, cases, materialise

CASES = cases()


@pytest.fixture(scope="module", autouse=True)
def _environment() -> Iterator[None]:
    with fuzzlib.fuzz_environment():
        yield


def test_corpus_has_every_class_and_at_least_400_cases() -> None:
    """At least 400 cases, and every class of input represented."""
    classes = Counter(c.name.split("-", 1)[0] for c in CASES)
    assert len(CASES) >= 400, classes
    assert set(classes) == {"scenario", "catalog", "trace", "file", "flag", "folder"}, classes
    assert all(n >= 10 for n in classes.values()), classes


def _validate_args(args: list[str]) -> list[str] | None:
    if args[0] != "run":
        return None
    out: list[str] = ["validate"]
    skip = False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a == "--out":
            skip = True
            continue
        if a != "--no-charts":
            out.append(a)
    return out


def _check(case: Case, args: list[str]) -> str | None:
    outcome = fuzzlib.run_cli(args, timeout_s=60)
    problem = outcome.problem()
    if problem is not None:
        return problem
    if outcome.code == 0:
        return f"bad input accepted (exit 0): costsim {' '.join(args)}\n{outcome.out[-800:]}"
    line = outcome.err.strip()
    if case.where is not None and not re.search(case.where, line):
        return f"the error line does not match {case.where!r}: {line}"
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_refused_in_one_line(case: Case) -> None:
    """Exit 2 and one line naming the file, line and field (or the flag); validate agrees."""
    folder = Path(tempfile.mkdtemp(prefix="costsim-malformed2-"))
    try:
        args = materialise(case, folder)
        problem = _check(case, args)
        assert problem is None, problem
        check = _validate_args(args)
        if check is not None and case.name.split("-", 1)[0] != "flag":
            problem = _check(case, check)
            assert problem is None, f"validate: {problem}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
