"""The further published pricing examples (tests/unit/test_pricing_examples_pages.py),
reproduced by a scenario run.

Sources: AWS Lambda pricing page (https://aws.amazon.com/lambda/pricing/, 2026 copy),
Lambda@Edge, tenant isolation and SnapStart examples; Cloudflare Workers pricing
(https://developers.cloudflare.com/workers/platform/pricing/, cloudflare/cloudflare-docs at
07acbb6), Examples 1-3.

A run of a fraction of the 730-hour month is scaled to the month by rating, so each run
replays the fraction of the example's requests. Where an example counts new execution
environments (tenant isolation, SnapStart restores) the run makes them happen: waves of
simultaneous arrivals open that many environments, each then serves its share of the requests
back to back (a 2 s request every 2 s, its environment just freed), and the gap between waves
is longer than the keep-alive, so every wave starts cold. Cold starts take 0 ms and INIT is not
billed: the examples bill none.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import costsim
from costsim.results import OptionResult

COUNTS_SCENARIO = """\
name: example
horizon: {horizon}
seed: 1
traffic: {{profile: replay, format: counts, path: counts.csv, interval: {horizon},
  spread: equidistant}}
workload: {workload}
options:
  - {option}
"""

WAVES_SCENARIO = """\
name: example
horizon: {horizon_s}s
seed: 1
traffic: {{profile: replay, format: timestamps, path: arrivals.csv}}
workload: {{duration: {{dist: fixed, value: 1999.5ms}}}}
options:
  - {{name: f, kind: serverless, memory: 1024MB, init_billed: false, keep_alive: 10s,
     cold_start: {{dist: fixed, value: 0ms}}, free_tier: false,
     extras: [{{catalog: aws-lambda, item: {extra}}}]}}
"""


def _run(path: Path) -> OptionResult:
    return costsim.simulate(costsim.load_scenario(path)).options[0]


COUNTS_EXAMPLES = [
    pytest.param(
        "438min",
        100_000,
        "{duration: {dist: fixed, value: 10ms}}",
        "{name: f, kind: serverless, provider: aws-lambda, plan: edge-x86_64, memory: 128MB,"
        " keep_alive: 1h}",
        "6.63",
        id="lambda-edge-10m-x-10ms",
    ),
    pytest.param(
        "438min",
        150_000,
        "{duration: {dist: fixed, value: 20ms}, cpu_time: 7ms}",
        "{name: f, kind: serverless, provider: cloudflare-workers, plan: standard, keep_alive: 1h}",
        "8.00",
        id="cloudflare-example-1-15m-x-7ms",
    ),
    pytest.param(
        "438min",
        30_000,
        "{duration: {dist: fixed, value: 20ms}, cpu_time: 7ms}",
        "{name: f, kind: serverless, provider: cloudflare-workers, plan: standard, keep_alive: 1h}",
        "5.00",
        id="cloudflare-example-2-3m-worker-requests",
    ),
    pytest.param(
        "730h",
        720,
        "{duration: {dist: fixed, value: 180s}, cpu_time: 180000ms}",
        "{name: f, kind: serverless, provider: cloudflare-workers, plan: standard, keep_alive: 1h}",
        "6.99",
        id="cloudflare-example-3-hourly-cron",
    ),
]


@pytest.mark.parametrize(("horizon", "count", "workload", "option", "published"), COUNTS_EXAMPLES)
def test_published_example_in_a_run(
    tmp_path: Path, horizon: str, count: int, workload: str, option: str, published: str
) -> None:
    """Lambda@Edge: 100,000 requests in 438 minutes (10M a month) of 10 ms: $6.63. Cloudflare
    Examples 1-2 at a hundredth of the month (150,000 and 30,000 requests at 7 ms CPU): $8.00
    and $5.00; Example 3, the hourly cron, over the whole month (720 requests of 180 s CPU
    spread evenly over 730 h): $6.99."""
    (tmp_path / "counts.csv").write_text(f"count\n{count}\n", encoding="utf-8")
    path = tmp_path / "s.yaml"
    text = COUNTS_SCENARIO.format(horizon=horizon, workload=workload, option=option)
    path.write_text(text, encoding="utf-8")
    opt = _run(path)
    assert opt.served == count
    assert opt.cost.total.quantize(Decimal("0.01")) == Decimal(published)


def _waves(
    tmp_path: Path, waves: int, environments: int, per_environment: int, horizon_s: float
) -> Path:
    """Arrivals: ``waves`` waves spread over the horizon, each ``environments`` simultaneous
    requests every 2 s, ``per_environment`` times."""
    period_s = horizon_s / waves
    assert period_s > per_environment * 2.0 + 10.0, "waves must not overlap the keep-alive"
    rows = ["arrival_s"]
    for w in range(waves):
        for j in range(per_environment):
            rows += [f"{w * period_s + j * 2.0:.3f}"] * environments
    (tmp_path / "arrivals.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path / "s.yaml"


def test_tenant_isolation_example_in_a_run(tmp_path: Path) -> None:
    """Tenant isolation (Lambda pricing page): a thousandth of the month, 43.8 minutes, with
    10,000 requests of 2 s at 1,024 MB and 200 new environments (2%): 20 waves of 10
    environments serving 50 requests each. Scaled to the month: 10M requests, 20M GB-s, 200K
    environments: $2 + $333.334 + $33.40 = $368.73 (the page prints $368.74, its compute line
    rounded up)."""
    horizon_s = 2628.0
    path = _waves(tmp_path, waves=20, environments=10, per_environment=50, horizon_s=horizon_s)
    path.write_text(
        WAVES_SCENARIO.format(horizon_s=horizon_s, extra="tenant-isolation"), encoding="utf-8"
    )
    opt = _run(path)
    assert (opt.served, opt.cold_starts) == (10_000, 200)
    assert opt.cost.components["tenant isolation"] == Decimal("33.4")
    assert opt.cost.total.quantize(Decimal("0.01")) == Decimal("368.73")


def test_snapstart_example_in_a_run(tmp_path: Path) -> None:
    """SnapStart (Lambda pricing page): a hundredth of the 730-hour month, 438 minutes, with
    74,400 requests of 2 s at 1 GB and 744 restores (1%): 93 waves of 8 environments serving
    100 requests each. Scaled to the month: requests $1.49, compute $248.00, restores $10.40,
    and the cache of one version for costsim's 730-hour month, $3.95: $263.84. The page caches
    the version for a 31-day month (744 h, $4.03): $263.92; a quote with
    ``snapstart_version_hours=744`` gives that (tests/unit/test_pricing_examples_pages.py)."""
    horizon_s = 26_280.0
    path = _waves(tmp_path, waves=93, environments=8, per_environment=100, horizon_s=horizon_s)
    path.write_text(WAVES_SCENARIO.format(horizon_s=horizon_s, extra="snapstart"), encoding="utf-8")
    opt = _run(path)
    assert (opt.served, opt.cold_starts) == (74_400, 744)
    cents = {k: v.quantize(Decimal("0.01")) for k, v in opt.cost.components.items()}
    assert cents["snapstart restore"] == Decimal("10.40")
    assert cents["snapstart cache"] == Decimal("3.95")
    assert opt.cost.total.quantize(Decimal("0.01")) == Decimal("263.84")
