"""Writing run outputs atomically: a file is either its old self or complete, never partial."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from costsim.results import Result


def _file_mode(path: Path) -> int:
    """The existing file's mode, or the default for new files (0666 less the umask)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600 files; give the result the permissions a plain open() would
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_run_outputs(result: Result, out: Path) -> list[Path]:
    """Write ``summary.json``, ``timeseries.csv``, ``latency_cdf.csv`` and ``meters.json``
    into ``out``.

    Charts are the report layer's (:func:`costsim.report.charts.run_charts`): this module sits
    below it and draws nothing.

    Returns
    -------
    list of Path
        The files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "summary.json", out / "timeseries.csv", out / "latency_cdf.csv"]
    write_atomic(written[0], result.summary_json())
    write_atomic(written[1], result.timeseries_csv())
    write_atomic(written[2], result.latency_cdf_csv())
    if any(o.meters is not None for o in result.options):
        # what `costsim reprice` prices again, without simulating
        written.append(out / "meters.json")
        write_atomic(written[-1], result.meters_json())
    return written
