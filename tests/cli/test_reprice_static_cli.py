"""``costsim reprice DIR`` on an application with a static site: the site's CloudFront and S3
lines priced again from meters.json, byte-identical to a re-run with the same catalogs
(DESIGN.md, "Meters": a run is re-priceable without simulating again)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.test_reprice_cli import cli

SCENARIO = """\
name: reprice-static
horizon: 1h
seed: 5
application:
  functions:
    api: {duration: {dist: lognormal, median: 30ms, p99: 150ms}, memory: 256MB}
  routes:
    - name: get
      traffic: {profile: constant, mean_rps: 2}
      steps: [{call: api}]
  static:
    - name: spa
      traffic: {profile: constant, mean_rps: 30}
      response_size: {dist: lognormal, median: 25KB, p99: 400KB}
      cache_hit_ratio: 0.92
      storage: 8MB
options:
  - {name: lambda, kind: serverless, memory: 256MB}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 8}
"""

# dearer CloudFront: data out and requests at ten times the page's rates, no tiers
CLOUDFRONT = """\
catalog: aws-cloudfront
version: "2099-01"
title: dearer CloudFront
kind: addon
provider: AWS
region: global
currency: USD
as_of: 2099-01-01
source: test
key_prefix: "cloudfront-"
items:
  us:
    components:
      - {name: cloudfront data out, metric: egress_gb, usd_per_gb: 0.85, free_per_month: 1024}
      - {name: cloudfront requests, metric: requests, usd_per_million_requests: 10.0,
         free_per_month: 10000000}
"""

FILES = ("summary.json", "timeseries.csv", "timeseries_functions.csv", "meters.json")


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reprice-static")
    (root / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    (root / "cf.yaml").write_text(CLOUDFRONT, encoding="utf-8")
    mp = pytest.MonkeyPatch()
    import sys

    from costsim.cli import main

    args = ["costsim", "run", str(root / "s.yaml"), "--engine", "simpy", "--no-charts"]
    mp.setattr(sys, "argv", [*args, "--out", str(root / "a")])
    with pytest.raises(SystemExit) as info:
        main()
        raise SystemExit(0)
    mp.undo()
    assert info.value.code in (0, None)
    return root


def test_reprice_with_a_static_site_is_byte_identical(monkeypatch, capsys, stored, tmp_path):
    copy = tmp_path / "c"
    shutil.copytree(stored / "a", copy)
    code, _, err = cli(monkeypatch, capsys, "reprice", str(copy), "--no-charts")
    assert code == 0, err
    for name in FILES:
        assert (stored / "a" / name).read_bytes() == (copy / name).read_bytes(), name


def test_reprice_of_the_site_equals_a_rerun_with_a_dearer_cdn(
    monkeypatch, capsys, stored, tmp_path
):
    """The site's lines and block change on every option exactly as a re-run gives them; the
    functions, gateway and servers keep theirs; the services still sum to each total."""
    copy = tmp_path / "c"
    shutil.copytree(stored / "a", copy)
    cats = ["--catalog", str(stored / "cf.yaml")]
    code, _, err = cli(monkeypatch, capsys, "reprice", str(copy), *cats, "--no-charts")
    assert code == 0, err
    rerun = tmp_path / "r"
    args = ["run", str(stored / "s.yaml"), "--engine", "simpy", "--no-charts", *cats]
    code, _, err = cli(monkeypatch, capsys, *args, "--out", str(rerun))
    assert code == 0, err
    for name in FILES:
        assert (rerun / name).read_bytes() == (copy / name).read_bytes(), name
    before = {
        o["name"]: o for o in json.loads((stored / "a" / "summary.json").read_text())["options"]
    }
    after = json.loads((copy / "summary.json").read_text())
    for o in after["options"]:
        was = before[o["name"]]
        assert o["services_usd"]["static site"] > was["services_usd"]["static site"]
        assert o["static"][0]["cost_usd"]["total"] > was["static"][0]["cost_usd"]["total"]
        assert o["static"][0]["requests"] == was["static"][0]["requests"]
        for service, usd in was["services_usd"].items():
            if service != "static site":
                assert o["services_usd"][service] == usd
        assert sum(o["services_usd"].values()) == pytest.approx(o["cost_usd"]["total"], abs=1e-5)
    assert after["catalogs"]["aws-cloudfront"] == "2099-01"
