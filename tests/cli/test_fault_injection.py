"""Fault injection: ``run`` and ``sweep`` killed with SIGKILL at random points (issue 17).

After every kill, the output folder holds the previous result or the complete new one, byte for
byte: never a mix, never a stray temporary file inside it. Half of the kills fall anywhere in
the command's life, half in its writing phase (once the staged folder appears beside the
output). A killed sweep's workers end with it, and the sweep resumes to the same bytes as an
uninterrupted one. Trials are seeded, so a failure reproduces.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import costsim

SCENARIO = """\
name: faults
horizon: 20min
seed: 5
traffic: {profile: diurnal, mean_rps: 3, peak_to_trough: 3}
workload:
  duration: {dist: lognormal, median: 40ms, p99: 300ms}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda, memory: 256MB, keep_alive: 2min}
  - {name: vps, kind: vps, instance: hetzner-cx33, workers: 4, count: 1}
"""
TRIALS = 10
RNG_SEED = 17
ROOT = Path(costsim.__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["SOURCE_DATE_EPOCH"] = "1767225600"
    return env


def _costsim(*args: str) -> list[str]:
    return [sys.executable, "-m", "costsim.cli", *args]


def _snapshot(folder: Path, skip_dirs: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``folder`` (dot files of the sweep identity aside), by relative path."""
    if not folder.is_dir():
        return {}
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if rel.parts[0] in skip_dirs or rel.name.startswith(".costsim-sweep"):
            continue
        if path.is_file():
            out[rel.as_posix()] = path.read_bytes()
    return out


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _kill_at(
    cmd: list[str], out: Path, delay_s: float, in_write: bool, with_workers: bool = False
) -> list[int]:
    """Start ``cmd``, SIGKILL it after ``delay_s`` (counted from the staged folder's appearance
    when ``in_write``, from its first child process when ``with_workers``); returns the pids of
    its children at the moment of the kill."""
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.monotonic()
    if with_workers:
        while proc.poll() is None and time.monotonic() - start < 60 and not _children(proc.pid):
            time.sleep(0.01)
    if in_write:
        prefix = f".{out.name}.costsim-new-"
        while proc.poll() is None and time.monotonic() - start < 60:
            if any(p.name.startswith(prefix) for p in out.parent.iterdir()):
                break
            time.sleep(0.005)
    deadline = time.monotonic() + delay_s
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    kids = _children(proc.pid)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    return kids


def _timed(cmd: list[str]) -> float:
    start = time.monotonic()
    subprocess.run(cmd, env=_env(), check=True, capture_output=True)
    return time.monotonic() - start


@pytest.fixture()
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    return path


def test_killed_run_leaves_the_previous_result_or_the_complete_new_one(
    scenario: Path, tmp_path: Path
) -> None:
    """10 kills of ``run --out`` over an earlier result: old or new, byte for byte."""
    old_ref, new_ref, out = tmp_path / "old", tmp_path / "new", tmp_path / "out"
    subprocess.run(
        _costsim("run", str(scenario), "--seed", "1", "--out", str(old_ref)),
        env=_env(),
        check=True,
        capture_output=True,
    )
    cmd_new = _costsim("run", str(scenario), "--seed", "2", "--out", str(out))
    shutil.copytree(old_ref, out)
    full_s = _timed(cmd_new)
    shutil.move(out, new_ref)
    old, new = _snapshot(old_ref), _snapshot(new_ref)
    assert old != new and "cost.svg" in old and "costsim-manifest.json" in new
    rng = random.Random(RNG_SEED)
    seen = {"old": 0, "new": 0}
    for trial in range(TRIALS):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(old_ref, out)
        in_write = trial % 2 == 1
        delay = rng.uniform(0, 0.6) if in_write else rng.uniform(0.2, 1.05) * full_s
        _kill_at(cmd_new, out, delay, in_write)
        now = _snapshot(out)
        assert now in (old, new), (
            f"trial {trial} (kill at {delay:.2f} s{' into writing' if in_write else ''}): "
            f"a mixed folder: {sorted(now)}"
        )
        seen["old" if now == old else "new"] += 1
    # the next run tidies what the kills left beside the folder
    subprocess.run(cmd_new, env=_env(), check=True, capture_output=True)
    assert _snapshot(out) == new
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    print(f"run: {TRIALS} kills, previous result kept {seen['old']}, new result {seen['new']}")


SWEEP_VARY = ["--vary", "traffic.scale=0.5,1,2,4"]


def test_killed_sweep_keeps_a_whole_result_stops_its_workers_and_resumes(
    scenario: Path, tmp_path: Path
) -> None:
    """10 kills in a row of a sweep growing from 1 to 2 replications: its result folder is the
    old or the new one, its workers die with it, and the resumed sweep equals an uninterrupted
    one byte for byte, points included."""
    ref1, ref2, out = tmp_path / "ref1", tmp_path / "ref2", tmp_path / "out"

    def sweep(folder: Path, reps: int) -> list[str]:
        return _costsim(
            "sweep",
            str(scenario),
            *SWEEP_VARY,
            "--replications",
            str(reps),
            "--workers",
            "2",
            "--no-charts",
            "--out",
            str(folder),
        )

    subprocess.run(sweep(ref1, 1), env=_env(), check=True, capture_output=True)
    subprocess.run(sweep(ref2, 2), env=_env(), check=True, capture_output=True)
    old = _snapshot(ref1, skip_dirs=("points",))
    new = _snapshot(ref2, skip_dirs=("points",))
    assert old != new and "summary.json" in new
    rng = random.Random(RNG_SEED + 1)
    orphans: list[int] = []
    workers_seen = 0
    seen = {"old": 0, "new": 0}
    shutil.copytree(ref1, out)
    # odd kills fall in the writing phase and chain (each sweep resumes from what the one
    # before left in points/); even kills start again from the old result and fall while the
    # workers compute
    for trial in range(TRIALS):
        in_write = trial % 2 == 1
        if not in_write:
            shutil.rmtree(out)
            shutil.copytree(ref1, out)
        delay = rng.uniform(0, 0.3) if in_write else rng.uniform(0, 0.5)
        kids = _kill_at(sweep(out, 2), out, delay, in_write, with_workers=not in_write)
        now = _snapshot(out, skip_dirs=("points",))
        assert now in (old, new), f"trial {trial}: a mixed sweep folder: {sorted(now)}"
        seen["old" if now == old else "new"] += 1
        limit = time.monotonic() + 5
        while any(_alive(k) for k in kids) and time.monotonic() < limit:
            time.sleep(0.05)
        orphans += [k for k in kids if _alive(k)]
        workers_seen += len(kids)
    subprocess.run(sweep(out, 2), env=_env(), check=True, capture_output=True)
    assert _snapshot(out) == _snapshot(ref2), "the resumed sweep differs from an uninterrupted one"
    print(
        f"sweep: {TRIALS} kills ({workers_seen} workers running at the kills, none left), "
        f"previous result kept {seen['old']}, new result {seen['new']}"
    )
    assert workers_seen, "no kill caught the sweep with its workers running"
    assert not orphans, f"workers outlived their sweep: {orphans}"
