"""Writing results: a file is its old self or complete, and a result folder is replaced whole.

Every file of a run goes through :func:`write_run_outputs` into a staged folder that
:func:`costsim.folders.replaced_folder` swaps in at the end; a writer that adds files to a run
(meters, per-route tables) adds them there, and they join the folder's manifest.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from costsim.folders import replaced_folder
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


def write_run_outputs(
    result: Result, out: Path, charts: Callable[[Result, Path], list[Path]] | None = None
) -> list[Path]:
    """Replace ``out`` with ``summary.json``, ``timeseries.csv``, ``latency_cdf.csv``, charts
    and the manifest, all at once.

    ``charts(result, folder)`` draws the charts into the staged folder; it is passed in by the
    caller (the report layer draws, this module sits below it), so that charts are swapped in
    with the rest.

    Returns
    -------
    list of Path
        The files written (their final paths under ``out``).

    Raises
    ------
    InputError
        For an ``--out`` that cannot hold a result, a full disk or a permission error; the
        previous result in ``out`` then survives unchanged.
    """
    # the texts are built before anything is staged: a value JSON cannot hold fails here
    texts = {
        "summary.json": result.summary_json(),
        "timeseries.csv": result.timeseries_csv(),
        "latency_cdf.csv": result.latency_cdf_csv(),
    }
    functions_csv = result.function_timeseries_csv()
    if functions_csv is not None:
        texts["timeseries_functions.csv"] = functions_csv
    if any(o.meters is not None for o in result.options):
        # what `costsim reprice` prices again, without simulating
        texts["meters.json"] = result.meters_json()
    with replaced_folder(out, kind="run") as stage:
        for name, text in texts.items():
            write_atomic(stage / name, text)
        staged = [stage / name for name in texts]
        if charts is not None:
            staged += charts(result, stage)
    return [out / p.relative_to(stage) for p in staged]


def replace_run_files(
    folder: Path,
    files: dict[str, str | bytes],
    redraw: Callable[[Path], list[Path]] | None = None,
) -> list[Path]:
    """Replace a run's folder with ``files`` written over its current data files, at once.

    A re-priced run keeps its other data files (meters, latency distribution); its charts show
    the old bill and catalog dates, so they are redrawn by ``redraw`` (given the staged folder)
    or left out for ``costsim report`` to draw.

    Returns
    -------
    list of Path
        The files written or redrawn (their final paths under ``folder``).
    """
    import shutil

    from costsim.folders import MANIFEST

    with replaced_folder(folder) as stage:
        for path in sorted(folder.iterdir()):
            # charts, the record and the sensitivity runs all carry the old prices
            stale = path.suffix in (".png", ".svg") or path.name.startswith(
                ("report.", "sensitivity.")
            )
            if (
                path.is_file()
                and not path.is_symlink()
                and path.name not in files
                and path.name != MANIFEST
                and not path.name.startswith(".")
                and not stale
            ):
                shutil.copy2(path, stage / path.name)
        for name, data in files.items():
            write_atomic(stage / name, data)
        staged = [stage / name for name in files]
        if redraw is not None:
            staged += redraw(stage)
    return [folder / p.relative_to(stage) for p in staged]
