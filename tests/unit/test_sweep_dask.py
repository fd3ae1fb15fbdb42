"""A sweep through a real Dask cluster (scheduler + 2 workers on 127.0.0.1) equals the local one."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from costsim import scenario_from_text
from costsim.sweep import run_sweep

distributed = pytest.importorskip("distributed")

SCENARIO = """
name: dsk
horizon: 20min
seed: 8
traffic: {profile: constant, mean_rps: 2}
workload:
  duration: {dist: exponential, mean: 50ms}
options:
  - {name: lambda, kind: serverless, memory: 256MB}
  - {name: vps, kind: vps, count: 1, workers: 2, queue_limit: 20}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def cluster(tmp_path: Path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    logs = (tmp_path / "dask.log").open("w")
    procs = [
        subprocess.Popen(
            [*dask, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=logs,
            stderr=logs,
        )
    ]
    try:
        client = None
        deadline = time.monotonic() + 60
        while client is None:
            try:
                client = distributed.Client(address, timeout=2)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        worker = [sys.executable, "-m", "distributed.cli.dask_worker", address]
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [*worker, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                    stdout=logs,
                    stderr=logs,
                )
            )
        client.wait_for_workers(2, timeout=60)
        client.close()
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        logs.close()


def test_dask_sweep_is_bit_identical_to_local(cluster, tmp_path):
    scenario = scenario_from_text(SCENARIO)
    vary = {"traffic.scale": [0.5, 1.0, 4.0]}
    local = run_sweep(
        scenario, vary, replications=2, out=tmp_path / "local", workers=1, charts=False
    )
    remote = run_sweep(
        scenario, vary, replications=2, out=tmp_path / "dask", scheduler=cluster, charts=False
    )
    assert local.records == remote.records
    for name in ("summary.json", "crossovers.json", "sweep.csv"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()
