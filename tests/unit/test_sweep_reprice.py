"""``costsim reprice`` on a sweep: each point's stored meters priced again give the same files
as re-running the sweep with those catalogs (DESIGN.md, "Meters")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from costsim import InputError, scenario_from_text
from costsim.sweep import run_sweep
from costsim.sweep.reprice import reprice_sweep

SCENARIO = """
name: swr
horizon: 30min
seed: 4
traffic: {profile: constant, mean_rps: 1}
workload:
  duration: {dist: lognormal, median: 40ms, p99: 300ms}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda, memory: 256MB}
  - {name: run, kind: serverless, provider: gcp-cloud-run, plan: request-based,
     instance_concurrency: 8}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 4}
slo: {p99: 500ms}
"""

CATALOG = """\
catalog: hetzner-cloud
version: "2099-01"
title: dearer Hetzner
kind: vm
provider: Hetzner
region: fsn1
currency: USD
as_of: 2099-01-01
source: test
key_prefix: hetzner-
billing: {granularity_s: 3600, minimum_s: 3600, monthly_cap: true}
items:
  cx33: {vcpu: 4, memory_gb: 8, usd_per_hour: 1.0, usd_per_month: 500}
"""

FILES = ("summary.json", "crossovers.json", "sweep.csv", "sweep.parquet")
AXES = {"traffic.scale": [0.5, 2.0]}


def run(tmp: Path, name: str, files: list[Path] | None = None) -> Path:
    out = tmp / name
    run_sweep(
        scenario_from_text(SCENARIO),
        AXES,
        replications=2,
        out=out,
        workers=1,
        charts=False,
        catalog_files=list(files or []),
    )
    return out


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run(tmp_path_factory.mktemp("swr"), "a")


def test_sweep_reprice_unchanged_is_byte_identical(stored: Path, tmp_path: Path) -> None:
    copy = tmp_path / "c"
    shutil.copytree(stored, copy)
    reprice_sweep(copy, charts=False)
    for name in FILES:
        assert (copy / name).read_bytes() == (stored / name).read_bytes(), name


def test_sweep_reprice_with_a_catalog_equals_a_rerun(stored: Path, tmp_path: Path) -> None:
    cat = tmp_path / "cat.yaml"
    cat.write_text(CATALOG, encoding="utf-8")
    copy = tmp_path / "c"
    shutil.copytree(stored, copy)
    reprice_sweep(copy, [cat], charts=False)
    rerun = run(tmp_path, "r", [cat])
    for name in FILES:
        assert (copy / name).read_bytes() == (rerun / name).read_bytes(), name
    assert (copy / "summary.json").read_bytes() != (stored / "summary.json").read_bytes()


def test_sweep_point_without_meters_is_input_error(stored: Path, tmp_path: Path) -> None:
    copy = tmp_path / "c"
    shutil.copytree(stored, copy)
    (copy / "points" / "p0001-r00.json").write_text('{"options": []}\n', encoding="utf-8")
    with pytest.raises(InputError, match="no stored meters"):
        reprice_sweep(copy, charts=False)
