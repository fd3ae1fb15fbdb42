"""One sweep per folder: an identity file that names the sweep, and a lock while it runs.

A sweep folder keeps ``.costsim-sweep.json`` (scenario, swept paths, engine and a digest of
everything that shapes the results). A rerun of the same sweep resumes from ``points/``; a
different sweep refuses the folder and names the one that owns it. While a sweep runs it holds an
exclusive ``flock`` on ``.costsim-sweep.lock``, so two processes never write one folder at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from costsim.errors import InputError
from costsim.folders import check_out, write_error
from costsim.output import write_atomic

IDENTITY = ".costsim-sweep.json"
LOCK = ".costsim-sweep.lock"


def sweep_identity(
    scenario: dict[str, Any],
    axes: list[tuple[str, tuple[Any, ...]]],
    engine: str,
    catalog_files: tuple[str, ...],
) -> dict[str, Any]:
    """What makes two sweeps the same one (replications may grow: a rerun with more resumes).

    Parameters
    ----------
    scenario : dict
        The base scenario as data (internal units, seed included).
    axes : list of (path, values)
        The swept fields and their values.
    engine : str
        Engine name.
    catalog_files : tuple of str
        Extra catalog files (resolved paths).
    """
    blob = json.dumps([scenario, axes, engine, catalog_files], sort_keys=True, default=str)
    return {
        "scenario": scenario.get("name"),
        "vary": [f"{path} ({len(values)} values)" for path, values in axes],
        "engine": engine,
        "digest": hashlib.sha256(blob.encode()).hexdigest()[:16],
    }


def _describe(identity: dict[str, Any]) -> str:
    vary = ", ".join(str(v) for v in identity.get("vary", [])) or "?"
    return f"scenario {identity.get('scenario')!r} varying {vary}, engine {identity.get('engine')}"


def _read_identity(folder: Path) -> dict[str, Any] | None:
    path = folder / IDENTITY
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _refuse_run_folder(folder: Path) -> None:
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(summary, dict) and summary.get("kind") != "sweep":
        raise InputError(
            "holds the result of a run, not of a sweep; give the sweep its own folder "
            "(e.g. --out FOLDER/sweep)",
            file=str(folder),
            field="--out",
        )


@contextlib.contextmanager
def sweep_folder_lock(folder: Path, identity: dict[str, Any]) -> Iterator[None]:
    """Own ``folder`` for the sweep ``identity`` while the block runs.

    Raises
    ------
    InputError
        If another process runs a sweep into ``folder`` now, or ``folder`` holds a different
        sweep (named in the message) or a run.
    """
    import fcntl

    check_out(folder)
    _refuse_run_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise write_error(exc, folder) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = _read_identity(folder) or {}
            raise InputError(
                f"another costsim sweep (pid {other.get('pid', '?')}) is writing this folder "
                "now; wait for it or choose another --out",
                file=str(folder),
                field="--out",
            ) from None
        held = _read_identity(folder)
        if held is not None and held.get("digest") != identity["digest"]:
            what = _describe(held) if held else "an unreadable sweep identity"
            raise InputError(
                f"holds another sweep ({what}); choose another --out, or delete the folder to "
                "start over",
                file=str(folder),
                field="--out",
            )
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        doc = {**identity, "pid": os.getpid(), "started": stamp}
        try:
            write_atomic(folder / IDENTITY, json.dumps(doc, indent=1, sort_keys=True) + "\n")
        except OSError as exc:
            raise write_error(exc, folder) from None
        yield
    finally:
        os.close(fd)
