"""Fuzzing catalog files (``--catalog``) and replayed traces, through the CLI on the compiled
engine (and on SimPy for the valid ones: the same summary, byte for byte).

A mutated catalog or trace must give a valid run (finite outputs) or the one-line error with exit
code 2, naming the file and, where it can, the line: never a traceback, a warning or a hang.
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
    max_examples=fuzzlib.examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=fuzzlib.DERANDOMIZE,
)

values = st.one_of(
    st.sampled_from(fuzzlib.EXTREMES),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
    st.text(max_size=12),
)


@pytest.fixture(scope="module", autouse=True)
def _environment() -> Iterator[None]:
    with fuzzlib.fuzz_environment():
        yield


def _check(args: list[str], out: Path, shown: str) -> fuzzlib.Outcome:
    """Run on the compiled engine (and, when valid, on SimPy too: the same summary)."""
    outcome, problem = fuzzlib.run_both_engines(args, out)
    assert problem is None, f"{problem}\n--- input ---\n{shown[:3000]}"
    return outcome


@st.composite
def catalogs(draw: st.DrawFn) -> tuple[str, str]:
    """(kind, YAML text) of a user catalog with data and text mutations."""
    kind = draw(st.sampled_from(sorted(fuzzlib.CATALOGS)))
    data: Any = copy.deepcopy(fuzzlib.CATALOGS[kind])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(fuzzlib.paths_of(data))))
        op = draw(st.sampled_from(["delete", "replace", "replace", "wrap", "rename", "add"]))
        data = fuzzlib.mutate(data, path, op, draw(values))
    text = fuzzlib.to_yaml(data)
    if draw(st.booleans()):
        op = draw(st.sampled_from(["truncate", "insert", "delete"]))
        text = fuzzlib.mutate_text(
            text, op, draw(st.floats(0, 1)), draw(st.sampled_from(fuzzlib.PIECES))
        )
    return kind, text


def run_catalog_text(text: str) -> fuzzlib.Outcome:
    """Run the catalog scenario with ``text`` as an extra ``--catalog`` file."""
    with tempfile.TemporaryDirectory() as tmp:
        cat = Path(tmp) / "catalog.yaml"
        cat.write_text(text, encoding="utf-8", errors="surrogatepass")
        scenario = Path(tmp) / "scenario.yaml"
        scenario.write_text(fuzzlib.to_yaml(fuzzlib.CATALOG_SCENARIO))
        out = Path(tmp) / "out"
        args = ["run", str(scenario), "--catalog", str(cat), "--no-charts"]
        outcome = _check(args, out, text)
    return outcome


@FUZZ
@given(catalog=catalogs())
def test_mutated_catalogs_run_or_fail_in_one_line(catalog: tuple[str, str]) -> None:
    """A mutated --catalog file either prices the run or fails with one line and exit 2."""
    run_catalog_text(catalog[1])


@st.composite
def traces(draw: st.DrawFn) -> tuple[str, str]:
    """(trace kind, CSV text) with row-level and text-level mutations."""
    kind = draw(st.sampled_from(sorted(fuzzlib.TRACES)))
    lines = fuzzlib.TRACES[kind][0].splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1)) if lines else 0
        op = draw(st.sampled_from(["cell", "drop", "dup", "swap", "text"]))
        if not lines:
            break
        if op == "cell":
            cells = lines[i].rstrip("\n").split(",")
            j = draw(st.integers(0, len(cells) - 1))
            cells[j] = str(draw(values))
            lines[i] = ",".join(cells) + "\n"
        elif op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap" and len(lines) > 2:
            k = draw(st.integers(1, len(lines) - 1))
            lines[i], lines[k] = lines[k], lines[i]
        else:
            piece = draw(st.sampled_from(fuzzlib.PIECES))
            lines[i] = fuzzlib.mutate_text(lines[i], "insert", draw(st.floats(0, 1)), piece)
    text = "".join(lines)
    if draw(st.booleans()):
        text = fuzzlib.mutate_text(text, "truncate", draw(st.floats(0, 1)))
    return kind, text


def run_trace_text(kind: str, text: str) -> fuzzlib.Outcome:
    """Run a tiny scenario replaying ``text`` as a trace of ``kind``."""
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace.csv"
        trace.write_text(text, encoding="utf-8", errors="surrogatepass")
        scenario = Path(tmp) / "scenario.yaml"
        scenario.write_text(fuzzlib.to_yaml(fuzzlib.trace_scenario(kind, trace)))
        out = Path(tmp) / "out"
        args = ["run", str(scenario), "--no-charts"]
        outcome = _check(args, out, f"[{kind}]\n{text}")
    return outcome


@FUZZ
@given(trace=traces())
def test_mutated_traces_run_or_fail_in_one_line(trace: tuple[str, str]) -> None:
    """A mutated trace (bad cells, lost or doubled rows, truncated mid-row) runs or fails cleanly."""
    run_trace_text(*trace)
