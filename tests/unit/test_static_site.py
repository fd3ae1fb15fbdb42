"""Static sites of an application (``application.static``): counted, sized, priced, checked.

Rates are the CloudFront pricing page's (pricing-facts.md section 15a: data out $0.085/GB for
the first 10 TB, $0.080 next 40 TB, $0.060 next 100 TB; always free 1 TB and 10,000,000
requests a month; stored page copy), its HTTPS request rates ($0.0100 per 10,000 in the US,
$0.012 in Europe: infracost golden cloudfront_distribution_test 2024-07, secondary) and S3
Standard's (GET $0.0004 per 1,000, storage $0.023 per GB-month: infracost golden s3_bucket_test
2024-07, secondary). Sizes are binary as everywhere in costsim: 1 KB = 1,024 bytes,
1 GB = 1,024^3 bytes, 1 TB = 1,024 GB.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from costsim import InputError, scenario_from_text, simulate
from costsim.appsim.static import BYTES_PER_GB, rate_static, site_usage
from costsim.pricing.quote import FunctionUsage, quote_addon
from costsim.pricing.rate import MONTH_S
from costsim.pricing.registry import CatalogSet
from costsim.simulate import check_scenario
from costsim.traffic import route_stream_key
from costsim.traffic.context import StreamContext

CATS = CatalogSet.builtin()

BASE = """\
name: static
horizon: 1h
seed: 11
application:
  functions:
    api: {duration: {dist: fixed, value: 20ms}}
  routes:
    - name: get
      traffic: {profile: constant, mean_rps: 2}
      steps: [{call: api}]
  static:
    - name: spa
      traffic: {profile: diurnal, mean_rps: 20, peak_to_trough: 4}
      response_size: 200KB
      cache_hit_ratio: 0.9
      storage: 12MB
options:
  - {name: lambda, kind: serverless, memory: 256MB}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 8}
"""


def _edit(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def _use(requests: int, bytes_out: int, origin_requests: int = 0, **kw: object) -> dict:
    use = {
        "name": "spa",
        "cdn": "cloudfront-us",
        "origin": None,
        "free_tier": True,
        "requests": requests,
        "origin_requests": origin_requests,
        "bytes_out": bytes_out,
        "storage_mb": 0.0,
    }
    use.update(kw)
    return use


def _lines(usage: list[dict]) -> dict[str, Decimal]:
    bill = rate_static(usage, CATS, MONTH_S, lambda m, *p: InputError(m))
    out: dict[str, Decimal] = {}
    for name, amount in bill.lines:
        out[name] = out.get(name, Decimal(0)) + amount
    return out


def test_cloudfront_bill_of_20m_requests_of_200kb_against_the_page_rates() -> None:
    """20,000,000 requests x 200 KB in a month, US, HTTPS (CloudFront pricing page rates).

    Data out: 20e6 x 204,800 B = 4.096e12 B = 3,814.697 GB (3.73 TB); less the free 1 TB
    (1,024 GB) leaves 2,790.697 GB x $0.085 = $237.21. Requests: 20e6 - 10e6 free = 10e6 x
    $0.0100 / 10,000 = $10.00. Total $247.21. ``costsim quote addon`` gives the same bill.
    """
    n = 20_000_000
    lines = _lines([_use(n, n * 200 * 1024)])
    assert lines["cloudfront data out"] == Decimal("3814.697265625") * Decimal("0.085")
    assert lines["cloudfront data out free tier"] == Decimal("-87.04")
    assert lines["cloudfront requests"] == Decimal("20.00")
    assert lines["cloudfront requests free tier"] == Decimal("-10.00")
    total = sum(lines.values(), Decimal(0))
    assert total.quantize(Decimal("0.01")) == Decimal("247.21")
    quoted = quote_addon(CATS, "cloudfront-us", FunctionUsage(requests=n, egress_gb=3814.697265625))
    assert quoted.total == total


def test_cloudfront_tiers_and_europe_requests() -> None:
    """60 TB out of Europe, 1e9 HTTPS requests (page: Europe data out as US; $0.012/10,000).

    Data out 61,440 GB: 10,240 x 0.085 + 40,960 x 0.080 + 10,240 x 0.060 = 870.40 + 3,276.80 +
    614.40, less 1,024 x 0.085 = 87.04 free: $4,674.56. Requests (1e9 - 1e7) x 0.012 / 1e4 =
    $1,188.00.
    """
    lines = _lines([_use(10**9, 61_440 * BYTES_PER_GB, cdn="cloudfront-europe")])
    assert lines["cloudfront data out"] == Decimal("870.400")
    assert lines["cloudfront data out tier 2"] == Decimal("3276.800")
    assert lines["cloudfront data out tier 3"] == Decimal("614.400")
    out = sum((v for k, v in lines.items() if k.startswith("cloudfront data out")), Decimal(0))
    assert out == Decimal("4674.560")
    assert lines["cloudfront requests"] + lines["cloudfront requests free tier"] == Decimal(
        "1188.00"
    )


def test_s3_origin_fetches_and_storage() -> None:
    """1,000,000 cache misses x $0.0004 / 1,000 = $0.40; 10 GB stored x $0.023 = $0.23; no free
    tier applied (S3's is 12 months for new accounts only)."""
    use = _use(0, 0, origin_requests=1_000_000, origin="s3-standard", storage_mb=10 * 1024.0)
    lines = _lines([use])
    assert lines == {"s3 GET requests": Decimal("0.40"), "s3 storage": Decimal("0.23")}


def test_sites_on_one_item_share_its_tiers_and_free_allowance() -> None:
    """Two sites of 6M requests each on cloudfront-us: 12M requests, 10M of them free once
    (not twice); each site's own cost is before the allowance."""
    a = _use(6_000_000, 0)
    b = {**_use(6_000_000, 0), "name": "docs"}
    bill = rate_static([a, b], CATS, MONTH_S, lambda m, *p: InputError(m))
    assert sum((v for _, v in bill.lines), Decimal(0)) == Decimal("2.00")
    assert bill.per_site["spa"].total == Decimal("6.00")


def test_a_site_counts_the_requests_of_its_traffic_stream() -> None:
    """Its count is the replayed traffic's (the stream keyed by its name as a route's is),
    the same on every option, and equals a route's of the same name and traffic in the
    application engine; another seed gives another count."""
    s = scenario_from_text(BASE)
    assert s.application is not None
    site = s.application.static[0]
    ctx = StreamContext(seed=11, key=route_stream_key("spa"), horizon_s=3600.0)
    expected = sum(len(t) for t, _ in site.traffic.requests(ctx))
    res = simulate(s, engine="simpy")
    counts = {o.name: o.static[0]["requests"] for o in res.options if o.static}
    assert counts == {"lambda": expected, "vps": expected}
    head, _, tail = BASE.partition("  static:\n")
    route = "      traffic: {profile: constant, mean_rps: 2}"
    as_route = head.replace("name: get", "name: spa").replace(route, tail.splitlines()[1])
    text = as_route + "options:" + tail.split("options:")[1]
    routed = simulate(scenario_from_text(text), engine="simpy")
    assert routed.options[0].routes is not None
    assert routed.options[0].routes[0]["requests"]["arrived"] == expected
    other = simulate(scenario_from_text(BASE.replace("seed: 11", "seed: 12")), engine="simpy")
    assert other.options[0].static is not None
    assert other.options[0].static[0]["requests"] != expected


def test_fixed_size_bytes_and_cache_misses_are_exact() -> None:
    """200 KB is 204,800 bytes per request; misses are requests less round-half-up(0.9 x n)."""
    s = scenario_from_text(BASE)
    assert s.application is not None
    use = site_usage(s.application.static[0], 11, 3600.0, None)
    n = use["requests"]
    assert use["bytes_out"] == n * 204_800
    assert use["origin_requests"] == n - math.floor(n * 0.9 + 0.5)
    assert use["storage_mb"] == 12.0


def test_drawn_sizes_average_to_the_distribution_mean() -> None:
    """Lognormal sizes (median 20 KB, p99 60 KB: sigma = ln 3 / 2.326 = 0.472, mean 22.4 KB):
    the mean bytes per request over ~72,000 requests is within 1% of the analytic mean (the
    standard error is 0.5 / sqrt(72,000) = 0.19%); sizes are drawn from the site's own stream,
    so the same seed gives the same bytes."""
    text = _edit(
        "response_size: 200KB", "response_size: {dist: lognormal, median: 20KB, p99: 60KB}"
    )
    site = scenario_from_text(text).application.static[0]  # type: ignore[union-attr]
    use = site_usage(site, 11, 3600.0, None)
    mean_b = site.response_size_mb.mean_s * 1024 * 1024
    assert use["bytes_out"] / use["requests"] == pytest.approx(mean_b, rel=0.01)
    assert site_usage(site, 11, 3600.0, None) == use
    assert site_usage(site, 12, 3600.0, None)["bytes_out"] != use["bytes_out"]


def test_the_site_costs_the_same_on_every_option_and_services_sum_to_totals() -> None:
    res = simulate(scenario_from_text(BASE), engine="simpy")
    static = {o.name: o.services["static site"] for o in res.options if o.services}
    assert len(set(static.values())) == 1 and len(static) == 2
    for o in res.options:
        assert o.services is not None
        assert sum(o.services.values(), Decimal(0)) == o.cost.total
    assert {"aws-cloudfront", "aws-s3"} <= set(res.catalogs)
    assert np.isfinite(float(res.options[0].cost.total))


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("response_size: 200KB", "response_size: 200", 14, "application.static.0.response_size",
         "with its unit"),
        ("response_size: 200KB", "response_size: -5KB", 14, "application.static.0.response_size",
         "within 0 .. 30GB"),
        ("response_size: 200KB", "response_size: {dist: empirical, samples: [1KB]}", 14,
         "application.static.0.response_size", "dist one of fixed"),
        ("response_size: 200KB", "response_size: {dist: lognormal, median: 20KB, p99: 5KB}", 14,
         "application.static.0.response_size", "p99"),
        ("cache_hit_ratio: 0.9", "cache_hit_ratio: 1.5", 15,
         "application.static.0.cache_hit_ratio", "less than or equal to 1"),
        ("    - name: spa\n", "    - name: get\n", 12, "application.static.0.name",
         "names must be unique"),
        ("      storage: 12MB\n", "      storage: 12MB\n      bandwidth: 1GB\n", 17,
         "application.static.0.bandwidth", "unknown field"),
    ],
)  # fmt: skip
def test_bad_static_site_is_one_located_line(
    old: str, new: str, line: int, field: str, words: str
) -> None:
    with pytest.raises(InputError) as info:
        scenario_from_text(_edit(old, new), file="s.yaml")
    err = info.value
    assert (err.file, err.line, err.field) == ("s.yaml", line, field), err.one_line()
    assert words in err.message, err.one_line()
    assert "\n" not in err.one_line()


@pytest.mark.parametrize(
    ("new", "field", "words"),
    [
        ("      cdn: cloudfront-usa\n", "application.static.0.cdn", "did you mean 'cloudfront-us'"),
        ("      cdn: s3-standard\n", "application.static.0.cdn", "bills storage_gb_months"),
        ("      origin: s3-glacier\n", "application.static.0.origin", "unknown catalog key"),
    ],
)
def test_unknown_or_unfit_catalog_items_are_located(new: str, field: str, words: str) -> None:
    """Checked before simulating (``costsim validate``), at the site's field and line."""
    s = scenario_from_text(_edit("      storage: 12MB\n", "      storage: 12MB\n" + new), "s.yaml")
    with pytest.raises(InputError) as info:
        check_scenario(s)
    assert info.value.field == field, info.value.one_line()
    assert info.value.line == 17
    assert words in info.value.message, info.value.one_line()


def test_cli_validate_exit_2_for_a_bad_site(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import sys

    from costsim.cli import main

    path = tmp_path / "bad.yaml"
    path.write_text(_edit("cache_hit_ratio: 0.9", "cache_hit_ratio: lots"))
    monkeypatch.setattr(sys, "argv", ["costsim", "validate", str(path)])
    with pytest.raises(SystemExit) as info:
        main()
    out = capsys.readouterr()
    assert info.value.code == 2
    assert (
        f"{path}:15: application.static.0.cache_hit_ratio: expected a number" in out.out + out.err
    )
    assert "Traceback" not in out.out + out.err


def test_sweeps_scale_static_sites_with_the_routes() -> None:
    """``--vary traffic.scale=3`` on an application: the site's visitors are the routes' users,
    so its traffic scales too (the dumped scenario validates again with sizes in MB)."""
    from costsim.sweep.grid import apply_point

    point = apply_point(scenario_from_text(BASE), {"traffic.scale": 3})
    assert point.application is not None
    assert point.application.static[0].traffic.scale == 3
    assert point.application.routes[0].traffic.scale == 3
    assert point.application.static[0].response_size_mb.mean_s == pytest.approx(200 / 1024)


def test_the_functions_free_tier_worth_leaves_out_the_static_sites_allowance() -> None:
    """The record's "free tier taken as this function's own (worth $X a month)" is what the
    sensitivity's "free tier off" adds back: the Lambda and queue allowances, not CloudFront's
    1 TB + 10M requests, which the static site gets next to every option (planet9-platform:
    $6.04 of free-tier lines on lambda besides CloudFront's $97.04)."""
    import json
    from pathlib import Path

    from costsim.kinds import KINDS

    root = Path(__file__).resolve().parents[2]
    summary = json.loads((root / "reports/planet9-platform/summary.json").read_text())
    lam = next(o for o in summary["options"] if o["name"] == "lambda")
    free = {k: v for k, v in lam["cost_usd"]["components"].items() if "free tier" in k}
    own = -sum(v for k, v in free.items() if not k.startswith("cloudfront"))
    (line,) = [a for a in KINDS["serverless"].assumptions("lambda", lam, {}) if "Free tier" in a]
    assert f"worth ${own:,.2f} a month" in line
    assert own < 10 < -sum(free.values())
