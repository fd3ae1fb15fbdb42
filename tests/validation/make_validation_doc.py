"""Run every validation check at full size and write docs/VALIDATION.md (atomically).

Usage: ``python tests/validation/make_validation_doc.py [--jobs N] [--out PATH] [CHECK ...]``.
Replications run in a process pool of ``--jobs`` workers (default: all cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vcheck import CHECKS, ORDER, Row
from vcheck.report import render

ROOT = Path(__file__).resolve().parents[2]


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("checks", nargs="*", help=f"checks to run (default: all of {ORDER})")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "VALIDATION.md")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.checks) - set(ORDER))
    if unknown:
        parser.error(f"unknown checks {unknown}; choose from {ORDER}")
    rows: list[Row] = []
    runtime: dict[str, float] = {}
    with ProcessPoolExecutor(args.jobs) as pool:
        for name in args.checks or ORDER:
            t0 = time.perf_counter()
            got = CHECKS[name]("full", pool.map)
            runtime[name] = time.perf_counter() - t0
            print(f"{name}: {len(got)} rows in {runtime[name]:.0f} s", flush=True)
            rows.extend(got)
    env = {p: version(p) for p in ("costsim", "numpy", "numba", "simpy", "simfaas", "pacsltk")}
    text = render(rows, runtime, env)
    write_atomically(args.out, text)
    bad = [r for r in rows if r.verdict(len(rows)) == "DISAGREES"]
    for r in bad:
        print(f"DISAGREES: {r.check} {r.quantity} {r.model}", file=sys.stderr)
    print(f"wrote {args.out} ({len(rows)} rows, {len(bad)} disagreeing)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
