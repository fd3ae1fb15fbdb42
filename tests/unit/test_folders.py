"""Result folders replaced whole or not at all (``costsim.folders``, issue 17).

Hand-made cases of each way a write can end: completed, interrupted mid-way, out of disk space,
killed between the renames of the swap; and the ``--out`` values that must be refused.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from costsim import folders
from costsim.errors import InputError
from costsim.folders import MANIFEST, mismatches, recover, replaced_folder


def _write(stage: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (stage / name).parent.mkdir(parents=True, exist_ok=True)
        (stage / name).write_text(text)


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_new_result_replaces_the_old_one_whole(tmp_path: Path) -> None:
    """Old loose files (charts, report.md) go; a manifest lists every new file's digest."""
    out = tmp_path / "out"
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": "{}", "cost.svg": "old chart"})
    (out / "report.md").write_text("about the old result")
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": '{"new": 1}'})
    tree = _tree(out)
    assert set(tree) == {"summary.json", MANIFEST}
    doc = json.loads(tree[MANIFEST])
    assert set(doc["files"]) == {"summary.json"} and len(doc["run_id"]) == 16
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # nothing left beside it


def test_subfolders_and_sweep_identity_are_carried_over(tmp_path: Path) -> None:
    """A run's sweep/ subfolder and a sweep's points/ survive a new result of the folder."""
    out = tmp_path / "out"
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": "{}"})
    _write(out, {"sweep/summary.json": '{"kind": "sweep"}', ".costsim-sweep.json": "{}"})
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": "[]"})
    assert _tree(out)["sweep/summary.json"] == '{"kind": "sweep"}'
    assert (out / ".costsim-sweep.json").exists()


def test_an_interrupted_write_keeps_the_previous_result(tmp_path: Path) -> None:
    """Ctrl-C half-way through staging: the old folder byte for byte, no staging left."""
    out = tmp_path / "out"
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": "old", "timeseries.csv": "old"})
    before = _tree(out)
    with pytest.raises(KeyboardInterrupt), replaced_folder(out) as stage:
        _write(stage, {"summary.json": "new"})
        raise KeyboardInterrupt
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_full_disk_is_one_line_and_the_old_result_survives(tmp_path: Path) -> None:
    """ENOSPC while writing: exit-2 error naming --out and what to do; the old folder intact."""
    out = tmp_path / "out"
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": "old"})
    before = _tree(out)
    with pytest.raises(InputError) as info, replaced_folder(out) as stage:
        _write(stage, {"summary.json": "new"})
        raise OSError(errno.ENOSPC, "No space left on device")
    assert "no space left" in str(info.value) and "--out" in str(info.value)
    assert "previous result there is unchanged" in str(info.value)
    assert _tree(out) == before


def test_a_kill_between_the_two_renames_is_recovered(tmp_path: Path) -> None:
    """Without renameat2, a kill between the renames leaves no NAME: recover() puts the
    previous complete folder back."""
    out = tmp_path / "out"
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": "old"})
    before = _tree(out)
    old = tmp_path / ".out.costsim-old-999999999-abcd"  # a pid that cannot be alive
    os.rename(out, old)
    recover(out)
    assert _tree(out) == before


def test_a_killed_staging_is_removed_and_never_swapped_in(tmp_path: Path) -> None:
    """A staged folder without its manifest (killed while writing) is incomplete: removed."""
    out = tmp_path / "out"
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": "old"})
    partial = tmp_path / ".out.costsim-new-999999999-xyz"
    _write(partial, {"summary.json": "half"})
    recover(out)
    assert _tree(out)["summary.json"] == "old" and not partial.exists()


def test_the_plain_rename_fallback_gives_the_same_result(tmp_path: Path, monkeypatch) -> None:
    """Where the kernel lacks RENAME_EXCHANGE, two renames give the same folder."""
    monkeypatch.setattr(folders, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": "old"})
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": "new"})
    assert _tree(out)["summary.json"] == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "give a folder name"),
        (".", "give a folder name"),
        ("link", "symbolic link"),
        ("file", "not a folder"),
        ("mine", "not a costsim result"),
    ],
)
def test_out_values_that_cannot_hold_a_result_are_refused(
    tmp_path: Path, monkeypatch, name: str, message: str
) -> None:
    """``--out ''``, a symlink (never followed), a file, or someone else's folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "target").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "target")
    (tmp_path / "file").write_text("")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("years of work")
    with pytest.raises(InputError, match=message):
        folders.check_out(Path(name))
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "years of work"
    assert not any((tmp_path / "target").iterdir())


def test_an_edited_file_is_a_mismatch_a_deleted_chart_is_not(tmp_path: Path) -> None:
    """``report`` refuses mixed folders, and redraws deleted charts."""
    out = tmp_path / "out"
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": "{}", "cost.svg": "chart"})
    (out / "cost.svg").unlink()
    assert mismatches(out) == []
    (out / "summary.json").write_text('{"edited": true}')
    assert mismatches(out) == ["summary.json changed after the run wrote it"]


def test_the_new_folder_gets_a_plain_folder_mode(tmp_path: Path) -> None:
    """The staging folder is made 0700; the result gets the mode mkdir would give."""
    out = tmp_path / "out"
    with replaced_folder(out) as stage:
        _write(stage, {"summary.json": "{}"})
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask
