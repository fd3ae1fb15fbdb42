"""The notebooks execute end to end, and are committed with current, portable outputs.

Issue 16, build item 7: notebooks are committed with their outputs (``make notebooks``, run by
``make reports``, executes them in place with ``notebooks/execute.py``) and still run by the
tests. Execution here uses nbmake on short horizons (``COSTSIM_QUICK=1``); the committed-output
checks read the files only, so they cost nothing.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
#: A code cell tagged so needs no output (none is tagged today).
OUTPUT_FREE_TAG = "output-free"
#: Text that ties an output to one machine or one run: absolute paths, object addresses.
NOT_PORTABLE = re.compile(r"(/work/|/tmp/|/home/|/root/|/Users/| at 0x[0-9a-f]{6,})")


def _executor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nb_execute", REPO / "notebooks" / "execute.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _output_text(output: nbformat.NotebookNode) -> str:
    if output.output_type == "stream":
        return str(output.text)
    data = output.get("data", {})
    return "".join(str(v) for k, v in data.items() if k.startswith("text/"))


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What makes a committed notebook's outputs missing, stale or machine-specific."""
    found = []
    code = [c for c in nb.cells if c.cell_type == "code"]
    for n, cell in enumerate(code, start=1):
        tags = cell.metadata.get("tags", [])
        if not cell.outputs and OUTPUT_FREE_TAG not in tags:
            found.append(f"code cell {n} has no output (run `make notebooks`)")
        if cell.execution_count != n:
            found.append(f"code cell {n} ran as [{cell.execution_count}], not top to bottom")
        if "execution" in cell.metadata:
            found.append(f"code cell {n} keeps execution timings")
        for output in cell.outputs:
            if output.output_type == "error" or output.get("name") == "stderr":
                found.append(f"code cell {n} has an error or stderr output")
            match = NOT_PORTABLE.search(_output_text(output))
            if match:
                found.append(f"code cell {n} output names {match.group(0)!r}")
    recorded = nb.metadata.get("costsim", {}).get("sources_sha256")
    if recorded != _executor().sources_sha256(nb):
        found.append("code changed since the outputs were made (run `make notebooks`)")
    if set(nb.metadata) != {"kernelspec", "language_info", "costsim"}:
        found.append(f"notebook metadata has {sorted(nb.metadata)}")
    return found


def test_there_are_notebooks() -> None:
    """The two tutorials and the own-workload exploration are all present."""
    names = [p.name for p in NOTEBOOKS]
    assert "03-your-own-workload.ipynb" in names and len(names) >= 3, names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_current_and_portable(path: Path) -> None:
    """Every code cell has an output from the code as committed, and no path or address."""
    assert problems(nbformat.read(path, as_version=4)) == []


def test_the_checks_catch_a_stale_or_empty_notebook() -> None:
    """The check above fails on an edited cell, a cleared output, a foreign path."""
    nb = nbformat.read(REPO / "notebooks" / "03-your-own-workload.ipynb", as_version=4)

    edited = copy.deepcopy(nb)
    next(c for c in edited.cells if c.cell_type == "code").source += "\n# changed"
    assert any("code changed" in p for p in problems(edited))

    cleared = copy.deepcopy(nb)
    [c for c in cleared.cells if c.cell_type == "code"][-1].outputs = []
    assert any("has no output" in p for p in problems(cleared))

    leaky = copy.deepcopy(nb)
    leaky_cell = next(c for c in leaky.cells if c.cell_type == "code")
    leaky_cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="/tmp/x.png\n")]
    assert any("/tmp/" in p for p in problems(leaky))


def test_own_workload_notebook_starts_from_a_scenario_file() -> None:
    """The first code cell names the scenario file, the one line a user edits."""
    nb = nbformat.read(REPO / "notebooks" / "03-your-own-workload.ipynb", as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code").source.splitlines()[0]
    assert first.startswith('SCENARIO_FILE = "../scenarios/hello-api.yaml"'), first
    assert "put your own file here" in first


def test_notebooks_execute() -> None:
    """Every notebook in notebooks/ runs without error under nbmake."""
    pytest.importorskip("nbmake")
    env = {**os.environ, "COSTSIM_QUICK": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbmake",
            "--nbmake-timeout=600",
            *[str(p) for p in NOTEBOOKS],
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
