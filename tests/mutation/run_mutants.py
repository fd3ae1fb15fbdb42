"""Apply small source mutants to a copy of the package and show that the tests catch each one.

Every ``tests/mutation/mutants_*.py`` lists mutants (:class:`mutant.Mutant`): a text that occurs
exactly once in a file of the package and what to put in its place, with the tests that must
fail on it. The script copies ``costsim/``, ``tests/`` and ``pyproject.toml`` to a temporary
folder, checks that every mutant's tests pass there unmutated, then for each mutant writes the
mutated file, runs its tests with ``PYTHONPATH`` on the copy and puts the file back. Each run
gets a fresh numba cache folder inside the copy: numba's cache is keyed by the file a compiled
function is defined in, not by the files of the functions it inlines or calls, so a cache kept
from one run to the next could hand a mutant's tests the unmutated machine code.

It prints ``mutant ID caught`` or ``mutant ID SURVIVED`` per mutant and exits 1 if any survived
(a test that cannot fail is a gap in the tests), 2 if a mutant is malformed.

Usage::

    .venv/bin/python tests/mutation/run_mutants.py            # every mutant
    .venv/bin/python tests/mutation/run_mutants.py --only sl-ignore-warmup --list
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from mutant import Mutant  # noqa: E402

#: pytest exit code when tests ran and some failed: the only outcome that counts as caught.
TESTS_FAILED = 1


def load_mutants() -> list[Mutant]:
    """Every mutant of every ``mutants_*.py`` beside this script, in file order."""
    out: list[Mutant] = []
    for path in sorted(HERE.glob("mutants_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out.extend(module.MUTANTS)
    return out


def check(mutants: list[Mutant]) -> list[str]:
    """Problems with the mutant lists: duplicate ids, ``old`` not exactly once, no tests."""
    problems = []
    seen: set[str] = set()
    for m in mutants:
        if m.id in seen:
            problems.append(f"{m.id}: duplicate mutant id")
        seen.add(m.id)
        path = ROOT / m.file
        if not path.is_file():
            problems.append(f"{m.id}: no file {m.file}")
            continue
        n = path.read_text().count(m.old)
        if n != 1:
            problems.append(f"{m.id}: the text to replace occurs {n} times in {m.file}, not once")
        if m.old == m.new:
            problems.append(f"{m.id}: old and new are the same")
        if not m.tests:
            problems.append(f"{m.id}: no tests")
    return problems


def copy_tree(dest: Path) -> None:
    """The package, the tests and the pytest configuration, without caches."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for name in ("costsim", "tests"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")


def run_tests(copy: Path, tests: tuple[str, ...] | list[str], name: str) -> tuple[int, str]:
    """Run ``tests`` on the copy, with numba's cache in a folder of its own (``name``); return
    pytest's exit code and the tail of its output."""
    env = dict(
        os.environ,
        PYTHONPATH=str(copy),
        NUMBA_CACHE_DIR=str(copy / ".numba-cache" / name),
        PYTHONDONTWRITEBYTECODE="1",
    )
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    proc = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True)
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
    return proc.returncode, tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="mutant ids to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    args = parser.parse_args()
    mutants = load_mutants()
    problems = check(mutants)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    if args.only:
        unknown = set(args.only) - {m.id for m in mutants}
        if unknown:
            print(f"unknown mutant ids: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        mutants = [m for m in mutants if m.id in args.only]
    if args.list:
        for m in mutants:
            print(f"{m.id:<32} {m.file}  ->  {' '.join(m.tests)}")
        return 0
    t0 = time.perf_counter()
    survived = []
    with tempfile.TemporaryDirectory(prefix="costsim-mutants-") as tmp:
        copy = Path(tmp)
        copy_tree(copy)
        every_test = list(dict.fromkeys(t for m in mutants for t in m.tests))
        rc, tail = run_tests(copy, every_test, "unmutated")
        if rc != 0:
            print(f"the mutants' tests fail on the unmutated code (pytest exit {rc}):\n{tail}")
            return 1
        print(f"unmutated: {len(every_test)} tests pass ({time.perf_counter() - t0:.0f} s)")
        for m in mutants:
            t_m = time.perf_counter()
            target = copy / m.file
            original = target.read_text()
            target.write_text(original.replace(m.old, m.new, 1))
            try:
                rc, tail = run_tests(copy, m.tests, m.id)
            finally:
                target.write_text(original)
            verdict = "caught" if rc == TESTS_FAILED else "SURVIVED"
            if rc not in (0, TESTS_FAILED):
                verdict = f"SURVIVED (pytest exit {rc}, not a test failure)"
            if verdict != "caught":
                survived.append(m.id)
            print(f"mutant {m.id:<32} {verdict:<8} ({time.perf_counter() - t_m:.0f} s)")
    print(
        f"{len(mutants) - len(survived)} of {len(mutants)} mutants caught "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
