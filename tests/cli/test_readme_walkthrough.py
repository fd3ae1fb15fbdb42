"""The README's first-hour walk-through runs, command by command, in a fresh folder.

The block under "Your first hour" is read from README.md itself, so the test follows the
README. In the default (CI) run, ``sweep`` and ``breakeven`` get ``--horizon 2h`` appended (the
last ``--horizon`` wins) to keep the suite quick; the ``slow`` variant runs every command exactly
as written.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import pytest

from costsim.cli import main

ROOT = Path(__file__).resolve().parents[2]


def walkthrough() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    block = text.split("Your first hour", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    joined = block.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            commands.append(shlex.split(line))
    return commands


def run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "argv", args)
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    return int(info.value.code or 0)


def _walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    commands = walkthrough()
    assert [c[1] for c in commands] == [
        "new",
        "validate",
        "run",
        "report",
        "breakeven",
        "sweep",
        "report",
    ]
    for args in commands:
        assert args[0] == "costsim"
        if fast and args[1] in ("sweep", "breakeven"):
            args = [*args, "--horizon", "2h"]
        assert run(args, monkeypatch) == 0, " ".join(args)
    assert (tmp_path / "out" / "my-api" / "report.md").exists()
    assert (tmp_path / "out" / "sweep" / "report.md").exists()


def test_readme_first_hour_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _walk(tmp_path, monkeypatch, fast=True)


@pytest.mark.slow
def test_readme_first_hour_runs_verbatim(tmp_path, monkeypatch) -> None:
    _walk(tmp_path, monkeypatch, fast=False)
