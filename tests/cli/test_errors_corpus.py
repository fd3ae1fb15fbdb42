"""The malformed-input corpus (``tests/fixtures/malformed``): zero tracebacks.

Every file must give a valid run (exit 0, finite outputs) or exactly one ``error:`` line and exit
code 2. Regenerate the corpus with ``tests/fixtures/make_malformed.py``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures import fuzzlib

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "malformed"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".yaml", ".csv"))


@pytest.fixture(scope="module", autouse=True)
def _environment() -> Iterator[None]:
    with fuzzlib.fuzz_environment():
        yield


def _args(path: Path, tmp: Path) -> list[str]:
    if path.name.startswith("scenario-"):
        return [str(path)]
    scenario = tmp / "scenario.yaml"
    if path.name.startswith("catalog-"):
        scenario.write_text(fuzzlib.to_yaml(fuzzlib.CATALOG_SCENARIO))
        return [str(scenario), "--catalog", str(path)]
    kind = path.stem.removeprefix("trace-").rsplit("-", 1)[0]
    scenario.write_text(fuzzlib.to_yaml(fuzzlib.trace_scenario(kind, path)))
    return [str(scenario)]


def test_corpus_is_large_enough() -> None:
    """The bar of issue 9: at least 200 malformed inputs."""
    assert len(FILES) >= 200


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_malformed_input_gives_one_line_or_a_valid_run(path: Path) -> None:
    """exit 0 with finite outputs, or exit 2 with one ``error:`` line; never a traceback."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        args = ["run", *_args(path, Path(tmp)), "--engine", "simpy", "--no-charts"]
        outcome = fuzzlib.run_cli([*args, "--out", str(out)])
        problem = outcome.problem()
        if problem is None and outcome.code == 0:
            problem = fuzzlib.check_outputs(out)
    assert problem is None, problem
    if outcome.code == 2 and path.name.startswith(("scenario-", "catalog-", "trace-")):
        # the line names a file
        assert ".yaml" in outcome.err or ".csv" in outcome.err, outcome.err
