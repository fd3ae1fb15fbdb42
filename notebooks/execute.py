"""Execute every notebook in ``notebooks/`` in place, so they are committed with their outputs.

Run by ``make reports`` (``python notebooks/execute.py [NOTEBOOK ...]``). The result is
deterministic: no timings, no kernel version, cells numbered from 1 in order, and a hash of the
code cells in ``metadata.costsim.sources_sha256`` so that ``tests/test_notebooks.py`` can tell a
notebook whose code changed after it was executed. ``COSTSIM_NOTEBOOK_BATCH=1`` tells notebooks
to leave out widgets, whose ids are random.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
#: The notebook-level metadata kept; the kernel's own (Python version, ...) is machine-specific.
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def sources_sha256(nb: nbformat.NotebookNode) -> str:
    """The SHA-256 of the notebook's code cells' sources, in order [hex]."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode("utf-8") + b"\0")
    return digest.hexdigest()


def execute(path: Path, timeout_s: int = 600) -> None:
    """Execute ``path`` top to bottom in its own folder and write it back with outputs."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout_s,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata = nbformat.from_dict(
        {
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python"},
            "costsim": {"sources_sha256": sources_sha256(nb)},
        }
    )
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    """Execute the notebooks named in ``argv`` (default: all in this folder)."""
    # The committed outputs are the full ones, not the test suite's short horizons.
    os.environ.pop("COSTSIM_QUICK", None)
    # Widgets carry random model ids and need someone at a browser; notebooks print a hint.
    os.environ["COSTSIM_NOTEBOOK_BATCH"] = "1"
    paths = [Path(a).resolve() for a in argv] or sorted(HERE.glob("*.ipynb"))
    for path in paths:
        print(f"notebooks/{path.name}", flush=True)
        execute(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
