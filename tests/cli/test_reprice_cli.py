"""``costsim reprice DIR``: a stored run priced again from meters.json, byte-identical to a
re-run with the same catalogs (DESIGN.md, "Meters": a run must be re-priceable without
simulating again)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from costsim.cli import main
from costsim.folders import mismatches

SCENARIO = """\
name: reprice
horizon: 2h
seed: 11
traffic: {profile: constant, mean_rps: 3}
workload:
  duration: {dist: lognormal, median: 60ms, p99: 400ms}
  cpu_bound: 0.5
options:
  - {name: lambda, kind: serverless, memory: 256MB, extras: [api-gateway-http]}
  - {name: scheduled, kind: serverless, memory: 512MB, provisioned_concurrency: 1,
     provisioned_schedule: [{count: 4, start: 10min, end: 47min},
                            {count: 2, cron: "30 0 * * *", duration: 7min}]}
  - {name: run, kind: serverless, provider: gcp-cloud-run, plan: request-based, memory: 512MB,
     instance_concurrency: 10}
  - {name: runi, kind: serverless, provider: gcp-cloud-run, plan: instance-based, memory: 512MB,
     instance_concurrency: 10}
  - {name: flex, kind: serverless, provider: azure-functions, plan: flex-consumption,
     memory: 2048MB, instance_concurrency: 4}
  - {name: premium, kind: serverless, provider: azure-functions, plan: premium-ep1,
     memory: 3584MB, instance_concurrency: 8}
  - {name: workers, kind: serverless, provider: cloudflare-workers, plan: standard}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 8}
  - {name: metal, kind: bare_metal, server: hetzner-ax42, count: 1, workers: 16}
"""

CATALOG = """\
catalog: aws-lambda
version: "2099-01"
title: dearer Lambda
kind: function
provider: AWS
region: us-east-1
currency: USD
as_of: 2099-01-01
source: test
items:
  x86_64:
    billing: {model: per_request, granularity_ms: 1, init_billed: true}
    # the same platform limits as the built-in catalog: only the prices change (a catalog
    # with other limits changes what a re-run simulates, which re-pricing cannot)
    limits: {timeout_s: 900, scale_instances: 1000, scale_per_s: 10, max_lifetime_s: 7200,
             max_lifetime_source: test}
    components:
      - {name: requests, metric: all_requests, usd_per_million_requests: 2.0}
      - {name: compute, metric: compute_gb_s, usd_per_gb_s: 0.001}
"""


def cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["costsim", *args])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run of the scenario, shared by the tests (they copy it before changing it)."""
    root = tmp_path_factory.mktemp("reprice")
    (root / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    (root / "cat.yaml").write_text(CATALOG, encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setattr(sys, "argv", ["costsim", "run", str(root / "s.yaml"), "--out", str(root / "a")])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    mp.undo()
    assert info.value.code in (0, None)
    return root


def same_files(a: Path, b: Path) -> None:
    for name in ("summary.json", "timeseries.csv", "latency_cdf.csv", "meters.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    # the re-priced folder's manifest lists what is in it (reports trust it)
    assert mismatches(b) == []


def test_reprice_without_changes_is_byte_identical(monkeypatch, capsys, stored, tmp_path):
    copy = tmp_path / "c"
    shutil.copytree(stored / "a", copy)
    code, _, err = cli(monkeypatch, capsys, "reprice", str(copy))
    assert code == 0, err
    same_files(stored / "a", copy)


def test_reprice_with_a_catalog_equals_a_rerun_with_it(monkeypatch, capsys, stored, tmp_path):
    copy = tmp_path / "c"
    shutil.copytree(stored / "a", copy)
    cat = str(stored / "cat.yaml")
    code, _, err = cli(monkeypatch, capsys, "reprice", str(copy), "--catalog", cat)
    assert code == 0, err
    rerun = tmp_path / "r"
    code, _, err = cli(
        monkeypatch, capsys, "run", str(stored / "s.yaml"), "--catalog", cat, "--out", str(rerun)
    )
    assert code == 0, err
    same_files(rerun, copy)
    assert (copy / "summary.json").read_bytes() != (stored / "a" / "summary.json").read_bytes()
    # and pinning the built-in version back restores the original bill
    code, _, err = cli(monkeypatch, capsys, "reprice", str(copy), "--pin", "aws-lambda=2026-10")
    assert code == 0, err
    for name in ("summary.json", "timeseries.csv"):
        assert (stored / "a" / name).read_bytes() == (copy / name).read_bytes(), name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["reprice", "{tmp}/missing"], "is not a folder written by 'costsim run --out'"),
        (["reprice", "{tmp}"], "no summary.json here"),
        (["reprice", "{run}", "--pin", "aws-lambda"], "expected NAME=VERSION"),
        (["reprice", "{run}", "--pin", "aws-lambda=1999-01"], "has no version '1999-01'"),
    ],
)
def test_reprice_bad_input_is_one_line_exit_2(monkeypatch, capsys, stored, tmp_path, args, message):
    run = tmp_path / "c"
    shutil.copytree(stored / "a", run)
    argv = [a.format(tmp=tmp_path, run=run) for a in args]
    code, _, err = cli(monkeypatch, capsys, *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
