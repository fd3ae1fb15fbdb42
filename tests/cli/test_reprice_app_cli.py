"""``costsim reprice DIR`` on an application run: every pool, gateway, queue, topic and workflow
priced again from meters.json, byte-identical to a re-run with the same catalogs (DESIGN.md,
"Meters": a run must be re-priceable without simulating again; issue 15's closing note)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from costsim.cli import main
from costsim.folders import mismatches
from tests.cli.test_reprice_cli import cli

SCENARIO = """\
name: reprice-app
horizon: 1h
seed: 3
application:
  functions:
    auth: {duration: {dist: fixed, value: 5ms}}
    api: {duration: {dist: lognormal, median: 40ms, p99: 200ms}, memory: 256MB}
    ingest: {duration: {dist: exponential, mean: 100ms}, steps: [{send: alerts, via: queue}]}
    notify: {duration: {dist: fixed, value: 10ms}}
  queues:
    readings: {consumer: ingest, batch_size: 5}
    alerts: {consumer: notify, service: aws-sns, item: standard}
  routes:
    - name: get
      traffic: {profile: constant, mean_rps: 3}
      authorizer: {function: auth, cache_ttl: 1min, clients: 20}
      steps: [{call: api}, {send: readings, via: queue}]
    - name: batch
      traffic: {profile: constant, mean_rps: 0.02}
      gateway: null
      workflow:
        type: standard
        states:
          - {call: api}
          - {parallel: [{call: ingest}, {call: notify}]}
options:
  - {name: lambda, kind: serverless, memory: 512MB}
  - {name: express, kind: serverless, memory: 512MB, workflow_type: express, free_tier: false}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 8, background_workers: 2}
  - {name: metal, kind: bare_metal, server: hetzner-ax42, count: 1, workers: 16}
"""

LAMBDA = """\
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
    # the built-in catalog's platform limits: only the prices change (other limits change
    # what a re-run simulates, which re-pricing cannot)
    limits: {timeout_s: 900, scale_instances: 1000, scale_per_s: 10, max_lifetime_s: 7200,
             max_lifetime_source: test}
    components:
      - {name: requests, metric: all_requests, usd_per_million_requests: 2.0}
      - {name: compute, metric: compute_gb_s, usd_per_gb_s: 0.001}
"""

SQS = """\
catalog: aws-sqs
version: "2099-01"
title: dearer SQS
kind: addon
provider: AWS
region: us-east-1
currency: USD
as_of: 2099-01-01
source: test
key_prefix: "sqs-"
items:
  standard:
    components:
      - {name: sqs requests, metric: requests, usd_per_million_requests: 4.0}
"""

FILES = ("summary.json", "timeseries.csv", "timeseries_functions.csv", "meters.json")


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reprice-app")
    (root / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    (root / "lambda.yaml").write_text(LAMBDA, encoding="utf-8")
    (root / "sqs.yaml").write_text(SQS, encoding="utf-8")
    mp = pytest.MonkeyPatch()
    args = ["costsim", "run", str(root / "s.yaml"), "--engine", "simpy", "--no-charts"]
    mp.setattr(sys, "argv", [*args, "--out", str(root / "a")])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    mp.undo()
    assert info.value.code in (0, None)
    return root


def test_reprice_of_an_application_without_changes_is_byte_identical(
    monkeypatch, capsys, stored, tmp_path
):
    copy = tmp_path / "c"
    shutil.copytree(stored / "a", copy)
    code, _, err = cli(monkeypatch, capsys, "reprice", str(copy), "--no-charts")
    assert code == 0, err
    for name in FILES:
        assert (stored / "a" / name).read_bytes() == (copy / name).read_bytes(), name
    assert mismatches(copy) == []


def test_reprice_of_an_application_equals_a_rerun_with_the_catalogs(
    monkeypatch, capsys, stored, tmp_path
):
    """Dearer Lambda and SQS: the pools, each function's cost, the services and the cost column
    change exactly as a re-run with those catalogs gives them; the fleets keep their bills."""
    copy = tmp_path / "c"
    shutil.copytree(stored / "a", copy)
    cats = ["--catalog", str(stored / "lambda.yaml"), "--catalog", str(stored / "sqs.yaml")]
    code, _, err = cli(monkeypatch, capsys, "reprice", str(copy), *cats, "--no-charts")
    assert code == 0, err
    rerun = tmp_path / "r"
    args = ["run", str(stored / "s.yaml"), "--engine", "simpy", "--no-charts", *cats]
    code, _, err = cli(monkeypatch, capsys, *args, "--out", str(rerun))
    assert code == 0, err
    for name in FILES:
        assert (rerun / name).read_bytes() == (copy / name).read_bytes(), name
    before = json.loads((stored / "a" / "summary.json").read_text())
    after = json.loads((copy / "summary.json").read_text())
    old = {o["name"]: o for o in before["options"]}
    for o in after["options"]:
        if o["kind"] == "serverless":
            assert o["cost_usd"]["total"] > old[o["name"]]["cost_usd"]["total"]
            assert o["services_usd"]["queues"] > old[o["name"]]["services_usd"]["queues"]
            api = next(f for f in o["functions"] if f["name"] == "api")
            was = next(f for f in old[o["name"]]["functions"] if f["name"] == "api")
            assert api["cost_usd"]["total"] > was["cost_usd"]["total"]
        else:
            assert o["cost_usd"] == old[o["name"]]["cost_usd"]
        assert sum(o["services_usd"].values()) == pytest.approx(o["cost_usd"]["total"], abs=1e-5)
    assert after["catalogs"]["aws-lambda"] == "2099-01"
