"""Result folders replaced whole or not at all.

Everything a command writes for one result goes into a fresh sibling folder
(``.NAME.costsim-new-PID-XXXX``). When the last file is written, a manifest
(:data:`MANIFEST`: every file's size and SHA-256, and a run id derived from them) is added, and
the folder is swapped in place of ``NAME`` with one atomic ``renameat2(RENAME_EXCHANGE)`` (two
renames where the kernel lacks it). A kill at any moment leaves either the previous folder or
the complete new one under ``NAME``; :func:`recover` tidies what a kill left beside it.

Subfolders of the previous result that the new one does not write (a sweep's ``points/``, a
run's ``sweep/``) and costsim's own dot files (a sweep's identity) are carried over; loose files
of the previous result (charts, ``report.md``) are not, since they describe the old result.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from costsim.errors import InputError

#: The manifest of a result folder: which files belong together.
MANIFEST = "costsim-manifest.json"
#: Files or folders whose presence marks a folder as costsim's own (safe to replace).
MARKERS = (MANIFEST, "summary.json", ".costsim-sweep.json", "points")
_STAGE = ".costsim-new-"
_OLD = ".costsim-old-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100

#: What to tell the user for the OS errors that a full or read-only disk gives.
_OS_ADVICE = {
    errno.ENOSPC: "no space left on the device; free some space or choose another --out",
    errno.EDQUOT: "disk quota exceeded; free some space or choose another --out",
    errno.EACCES: "permission denied; choose a folder you can write (--out)",
    errno.EPERM: "operation not permitted; choose a folder you can write (--out)",
    errno.EROFS: "the file system is read-only; choose another --out",
    errno.ENAMETOOLONG: "the path is too long; choose a shorter --out",
    errno.ENOTDIR: "a part of the path is a file, not a folder; choose another --out",
    errno.EEXIST: "the path exists and is not a folder; choose another --out",
}


def write_error(exc: OSError, out: Path) -> InputError:
    """The one-line error for an OS error while writing a result into ``out``."""
    advice = _OS_ADVICE.get(exc.errno or 0, f"{exc.strerror or exc}; choose another --out")
    return InputError(
        f"cannot write the result: {advice}; the previous result there is unchanged",
        file=str(out),
        field="--out",
    )


def check_out(out: Path, kind: str | None = None) -> Path:
    """Refuse an ``--out`` that cannot hold a result: empty text, a symlink, a file, a folder
    with someone else's files in it, or (``kind="run"``) a sweep's folder.

    Returns
    -------
    Path
        ``out`` as given (not resolved: a symlinked parent is the user's choice).
    """
    if str(out).strip() in ("", "."):
        raise InputError("give a folder name, e.g. --out results/run1", field="--out")
    if out.name in ("", ".", ".."):
        raise InputError("give a folder name, not '.' or '..'", file=str(out), field="--out")
    if out.is_symlink():
        raise InputError(
            "is a symbolic link; costsim never writes through links: give the real folder",
            file=str(out),
            field="--out",
        )
    if out.exists() and not out.is_dir():
        raise InputError(
            "exists and is not a folder; choose another --out", file=str(out), field="--out"
        )
    if out.is_dir():
        try:
            names = {p.name for p in out.iterdir()}
        except OSError as exc:
            raise write_error(exc, out) from None
        if kind == "run" and ".costsim-sweep.json" in names:
            raise InputError(
                "holds a sweep, and a run would replace it; give the run its own folder",
                file=str(out),
                field="--out",
            )
        if names and not names & set(MARKERS):
            raise InputError(
                "holds files that are not a costsim result, and costsim replaces the whole "
                "folder; choose a new or empty folder",
                file=str(out),
                field="--out",
            )
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _siblings(out: Path) -> list[Path]:
    prefix = f".{out.name}."
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return []
    return sorted(
        p
        for p in entries
        if p.name.startswith(prefix)
        and (_STAGE in p.name or _OLD in p.name)
        and p.is_dir()
        and not p.is_symlink()
    )


def _owner_pid(path: Path) -> int | None:
    for marker in (_STAGE, _OLD):
        if marker in path.name:
            head = path.name.split(marker, 1)[1].split("-", 1)[0]
            return int(head) if head.isdigit() else None
    return None


def manifest_names(folder: Path) -> set[str]:
    """Top-level names listed in ``folder``'s manifest (empty when there is none)."""
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = doc["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    names = {str(f).split("/", 1)[0] for f in files} if isinstance(files, dict) else set()
    return names | {MANIFEST}


def _carry(old: Path, new: Path) -> None:
    """Move what the old result holds beyond its own files into the new folder."""
    own = manifest_names(old)
    for entry in sorted(old.iterdir()):
        if entry.name in own or (new / entry.name).exists() or entry.name == MANIFEST:
            continue
        if (entry.is_dir() and not entry.is_symlink()) or entry.name.startswith(".costsim-"):
            os.rename(entry, new / entry.name)


def recover(out: Path) -> None:
    """Tidy what a killed write left beside ``out``.

    A swapped-out previous result whose carried subfolders did not reach the new one gives them
    back; if ``out`` itself is missing (killed between two plain renames), the complete folder
    is put back. Folders still being written by a live process are left alone.
    """
    for side in _siblings(out):
        pid = _owner_pid(side)
        if pid is not None and pid != os.getpid() and _pid_alive(pid):
            continue
        # a staged folder is complete once its manifest is written; a swapped-out one may
        # predate manifests
        complete = (side / MANIFEST).exists() or (
            _OLD in side.name and (side / "summary.json").exists()
        )
        if not out.exists() and complete:
            os.rename(side, out)
            continue
        if out.is_dir():
            _carry(side, out)
        shutil.rmtree(side, ignore_errors=True)


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - not on Linux
        return None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2``); False where it is not supported."""
    libc = _libc()
    fn = getattr(libc, "renameat2", None) if libc is not None else None
    if fn is None:
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def file_digest(path: Path) -> str:
    """SHA-256 of a file, hex."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def manifest(folder: Path) -> dict[str, Any]:
    """The manifest document of every file under ``folder`` (run id: digest of the list)."""
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name != MANIFEST:
            rel = path.relative_to(folder).as_posix()
            files[rel] = {"bytes": path.stat().st_size, "sha256": file_digest(path)}
    listing = json.dumps(files, sort_keys=True).encode()
    return {"run_id": hashlib.sha256(listing).hexdigest()[:16], "files": files}


def mismatches(folder: Path) -> list[str]:
    """Why the files in ``folder`` do not match its manifest (empty: they belong together).

    A listed file that is missing is not a mismatch (reports redraw missing charts); a file
    whose bytes differ from the manifest's digest is.
    """
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = doc["files"]
        if not isinstance(files, dict):
            raise TypeError
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError):
        return [f"{MANIFEST} is not a costsim manifest"]
    problems = []
    for rel, meta in files.items():
        path = folder / str(rel)
        # a deleted chart is redrawn from the data files; only a changed file mixes results
        if path.is_file() and (
            not isinstance(meta, dict) or meta.get("sha256") != file_digest(path)
        ):
            problems.append(f"{rel} changed after the run wrote it")
    return problems


def _swap_in(stage: Path, out: Path) -> None:
    if not out.exists():
        os.rename(stage, out)
        _fsync_dir(out.parent)
        return
    if _exchange(stage, out):
        old = stage
    else:
        # two renames: a kill between them leaves no NAME, and recover() puts the old one back
        old = out.with_name(f".{out.name}{_OLD}{os.getpid()}-{os.urandom(4).hex()}")
        os.rename(out, old)
        os.rename(stage, out)
    _fsync_dir(out.parent)
    _carry(old, out)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def replaced_folder(out: Path, kind: str | None = None) -> Iterator[Path]:
    """Stage a new result for ``out``; swap it in whole when the block ends without error.

    Yields
    ------
    Path
        The staging folder to write every file of the result into.

    Raises
    ------
    InputError
        For ``--out`` values that cannot hold a result, a full disk or missing permissions
        (the previous result then stays as it was).
    """
    check_out(out, kind)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        recover(out)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}{_STAGE}{os.getpid()}-", dir=out.parent))
        # mkdtemp makes 0700 folders; give the result the mode the previous one had, or the
        # one a plain mkdir would give
        os.chmod(stage, _folder_mode(out))
    except OSError as exc:
        raise write_error(exc, out) from None
    try:
        yield stage
        body = json.dumps(manifest(stage), indent=1, sort_keys=True) + "\n"
        _write_new(stage / MANIFEST, body.encode())
        _fsync_dir(stage)
        _swap_in(stage, out)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise write_error(exc, out) from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _folder_mode(out: Path) -> int:
    try:
        return out.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o777 & ~mask


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (never following a link, never truncating an existing file)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o666)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
