"""Fuzzing command-line flags end to end (issue 17): ``run``, ``validate``, ``sweep``, ``quote``.

Hypothesis draws flag values (numbers of every size and sign, NaN, text, paths, sweep specs);
every call must exit 0 or exit 2 with one ``error:`` line, and never write outside ``--out``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures import fuzzlib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=fuzzlib.examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=fuzzlib.DERANDOMIZE,
)

numbers = st.one_of(
    st.sampled_from(["0", "-1", "1", "1e308", "-1e308", "nan", "inf", "1e-300", str(2**64)]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(2**70), 2**70).map(str),
    st.text(alphabet="0123456789.eE-+xa", max_size=8),
)
specs = st.one_of(
    st.builds(
        lambda k, a, b, n: f"{k}:{a}:{b}:{n}",
        st.sampled_from(["log", "lin"]),
        numbers,
        numbers,
        numbers,
    ),
    st.lists(numbers, min_size=1, max_size=4).map(",".join),
)
paths = st.sampled_from(
    [
        "traffic.scale",
        "traffic.mean_rps",
        "seed",
        "horizon",
        "options.lambda.memory",
        "options.vps.workers",
        "options.nope.memory",
        "workload.duration.median",
        "",
        "a..b",
    ]
)


@pytest.fixture(scope="module", autouse=True)
def _environment() -> Iterator[None]:
    with fuzzlib.fuzz_environment():
        yield


def _scenario(folder: Path) -> Path:
    path = folder / "s.yaml"
    path.write_text(fuzzlib.to_yaml(fuzzlib.BASE_SCENARIO))
    return path


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).parts[0] for p in folder.rglob("*")}


def _ok(args: list[str], folder: Path) -> fuzzlib.Outcome:
    before = _files(folder)
    outcome = fuzzlib.run_cli(args, timeout_s=120)
    problem = outcome.problem()
    assert problem is None, f"{problem}\ncostsim {' '.join(args)}"
    new = _files(folder) - before - {"out"}
    # staged folders beside --out are removed once swapped in or refused
    assert not new, f"files written outside --out: {new}"
    return outcome


@FUZZ
@given(
    seed=numbers,
    engine=st.sampled_from(["fast", "simpy", "warp", ""]),
    out=st.sampled_from(["out", "", ".", "s.yaml", "out/sub", "../x"]),
)
def test_run_flags(seed: str, engine: str, out: str) -> None:
    """``run`` with any --seed, --engine and --out: a result or one line."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "w"
        folder.mkdir()
        scenario = _scenario(folder)
        target = "" if out == "" else str(folder / out) if out != "../x" else str(folder / "out")
        _ok(
            [
                "run",
                str(scenario),
                "--no-charts",
                "--seed",
                seed,
                "--engine",
                engine,
                "--out",
                target,
            ],
            folder,
        )


@FUZZ
@given(path=paths, spec=specs, reps=numbers, workers=st.sampled_from(["1", "0", "-1", "x"]))
def test_sweep_flags(path: str, spec: str, reps: str, workers: str) -> None:
    """``sweep`` with any --vary spec, --replications and --workers: a result or one line."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "w"
        folder.mkdir()
        scenario = _scenario(folder)
        _ok(
            [
                "sweep",
                str(scenario),
                "--vary",
                f"{path}={spec}",
                "--replications",
                reps,
                "--workers",
                workers,
                "--no-charts",
                "--out",
                str(folder / "out"),
            ],
            folder,
        )


QUOTE_FLAGS = {
    "aws-lambda": [
        "--requests",
        "--duration-ms",
        "--memory-mb",
        "--provisioned-concurrency",
        "--provisioned-hours",
        "--ephemeral-storage-mb",
    ],
    "vm": ["--hours", "--count", "--savings-plan-discount"],
    "addon": ["--requests", "--egress-gb"],
    "cloud-run": ["--vcpu", "--instances", "--hours"],
}


@FUZZ
@given(product=st.sampled_from(sorted(QUOTE_FLAGS)), data=st.data())
def test_quote_flags(product: str, data: st.DataObject) -> None:
    """``quote`` with any numbers in its flags: a bill or one line, never an overflow."""
    flags = data.draw(
        st.lists(st.sampled_from(QUOTE_FLAGS[product]), min_size=1, max_size=3, unique=True)
    )
    args = ["quote", product]
    if product == "vm":
        args.append("hetzner-cx33")
    if product == "addon":
        args.append("api-gateway-http")
    for flag in flags:
        args += [flag, data.draw(numbers)]
    with tempfile.TemporaryDirectory() as tmp:
        _ok(args, Path(tmp))
