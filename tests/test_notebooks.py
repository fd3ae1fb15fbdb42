"""The notebooks execute end to end (nbmake), on short horizons (COSTSIM_QUICK=1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


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
            str(REPO / "notebooks"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
