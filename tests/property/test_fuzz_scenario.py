"""Fuzzing scenario files: every mutation ends in a valid run or in the one-line error.

Each mutated scenario runs through the CLI on the compiled engine (``--engine fast``); a valid
one runs on the SimPy reference too, and the two summaries must agree byte for byte.
Mutations delete keys, change types, put in extreme numbers (0, negative, 1e308, NaN, huge
horizons), unicode, and truncate or corrupt the text. ``costsim run`` must then exit 0 with
finite outputs, or exit 2 with exactly one ``error: FILE:LINE: field: message`` line: never a
traceback, an internal error, a warning, or a hang.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures import fuzzlib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=fuzzlib.examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=fuzzlib.DERANDOMIZE,
)


@pytest.fixture(scope="module", autouse=True)
def _catalogs() -> Iterator[None]:
    with fuzzlib.fuzz_environment():
        yield


@st.composite
def scenarios(draw: st.DrawFn) -> str:
    """A base scenario with one to three data mutations and maybe a text mutation."""
    data: Any = copy.deepcopy(fuzzlib.BASE_SCENARIO)
    traffic = draw(st.sampled_from([None, *fuzzlib.TRAFFIC_VARIANTS]))
    if traffic is not None:
        data["traffic"] = copy.deepcopy(traffic)
    duration = draw(st.sampled_from([None, *fuzzlib.DURATION_VARIANTS]))
    if duration is not None:
        data["workload"]["duration"] = copy.deepcopy(duration)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(fuzzlib.paths_of(data))
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["delete", "replace", "replace", "wrap", "rename", "add"]))
        value = draw(
            st.one_of(
                st.sampled_from(fuzzlib.EXTREMES),
                st.floats(allow_nan=True, allow_infinity=True),
                st.integers(-(2**70), 2**70),
                st.text(max_size=12),
            )
        )
        data = fuzzlib.mutate(data, path, op, value)
    text = fuzzlib.to_yaml(data)
    if draw(st.booleans()):
        op = draw(st.sampled_from(["truncate", "insert", "delete"]))
        at = draw(st.floats(0, 1))
        text = fuzzlib.mutate_text(text, op, at, draw(st.sampled_from(fuzzlib.PIECES)))
    return text


def run_scenario_text(text: str, *extra: str) -> fuzzlib.Outcome:
    """Write ``text`` to a scenario file, run it, and check the contract."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        out = Path(tmp) / "out"
        # the compiled engine, end to end through the CLI, held to the SimPy reference
        outcome, problem = fuzzlib.run_both_engines(["run", str(path), "--no-charts", *extra], out)
    assert problem is None, f"{problem}\n--- scenario ---\n{text}"
    return outcome


@FUZZ
@given(text=scenarios())
def test_mutated_scenarios_run_or_fail_in_one_line(text: str) -> None:
    """A mutated scenario either runs with finite outputs or fails with one line and exit 2."""
    run_scenario_text(text)


@settings(max_examples=fuzzlib.examples(60), deadline=None, derandomize=fuzzlib.DERANDOMIZE)
@given(text=st.text(max_size=200))
def test_arbitrary_text_is_never_a_traceback(text: str) -> None:
    """Any text at all, given as a scenario file, fails cleanly (or, by luck, runs)."""
    run_scenario_text(text)
