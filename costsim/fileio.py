"""Opening input files safely: regular files only, and a size cap checked before reading.

``/dev/zero`` would be read forever and a named pipe blocks an ``open()`` until someone writes
to it; both are refused by type before a byte is read (a pipe is opened non-blocking to look).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from costsim.errors import InputError

#: Largest scenario or catalog file [bytes]: hand-written YAML is kilobytes.
MAX_YAML_BYTES = 8 * 1024 * 1024
#: Largest trace file [bytes] (an Azure 2019 day of invocations is about 150 MB).
MAX_TRACE_BYTES = 4 * 1024 * 1024 * 1024


def open_regular(path: str | Path, max_bytes: int, what: str) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file of at most ``max_bytes``.

    Parameters
    ----------
    path : str or Path
        The file.
    max_bytes : int
        Size cap [bytes].
    what : str
        What the file is, for messages (``trace file``, ``YAML file``).

    Raises
    ------
    InputError
        Naming the file: missing, a folder, a device or pipe, too big, or unreadable.
    """
    name = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError("file not found; check the path", file=name) from None
    except IsADirectoryError:
        raise InputError(f"is a folder, expected a {what}", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", file=name) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"is a folder, expected a {what}", file=name)
        if not stat.S_ISREG(info.st_mode):
            kind = "a named pipe" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
            raise InputError(f"is {kind}, not a regular file; give a {what}", file=name)
        if info.st_size > max_bytes:
            raise InputError(
                f"is {info.st_size / 2**20:,.0f} MB, more than the {max_bytes / 2**20:,.0f} MB "
                f"a {what} may have",
                file=name,
            )
        # reads of a regular file never block; clear O_NONBLOCK anyway for plain semantics
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_text(path: str | Path, max_bytes: int, what: str) -> str:
    """The UTF-8 text of a regular file (a byte-order mark is dropped), see :func:`open_regular`."""
    with open_regular(path, max_bytes, what) as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"grew beyond {max_bytes:,} bytes while being read", file=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1]
        raise InputError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start}, {byte!r}); save the file as UTF-8",
            file=str(path),
            line=line,
        ) from None


def check_regular(path: str | Path, max_bytes: int, what: str) -> None:
    """Raise the :func:`open_regular` error for ``path``, if any, without reading it."""
    open_regular(path, max_bytes, what).close()


def display_path(path: str | Path | None) -> str:
    """``path`` relative to the working folder when it lies inside it (portable), else as
    given: how a run, a sweep and a reprice record the files they read."""
    if not path:
        return ""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
