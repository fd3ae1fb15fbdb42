"""The decision record states its assumptions (issue 16): free tier, default cold start, equal
durations, currency, mixed regions, stale catalogs, what is not included; one utilisation wording
for serverless."""

from __future__ import annotations

from pathlib import Path

import pytest

from costsim.output import write_run_outputs
from costsim.report.adr import write_report
from costsim.report.assumptions import assumptions
from costsim.scenario import load_scenario
from costsim.simulate import simulate

SCENARIO = """\
# Question: a tiny check of the assumptions section.
name: assume
horizon: 20min
seed: 3
traffic: {profile: constant, mean_rps: 2}
workload:
  duration: {dist: lognormal, median: 40ms, p99: 300ms}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda, memory: 128MB}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 4}
  - {name: metal, kind: bare_metal, server: hetzner-ax42, count: 1, workers: 8}
slo: {p99: 500ms}
"""


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("assume")
    path = folder / "assume.yaml"
    path.write_text(SCENARIO)
    out = folder / "out"
    write_run_outputs(simulate(load_scenario(path)), out)
    write_report(out, date="2026-12-02", html=False)
    return (out / "report.md").read_text()


def section(md: str) -> str:
    return md.split("## Assumptions and not included", 1)[1].split("\n## ", 1)[0]


def test_section_sits_before_more_information(record: str) -> None:
    assert record.index("## Assumptions and not included") < record.index("## More Information")


def test_free_tier_default_cold_start_and_equal_durations_are_stated(record: str) -> None:
    text = section(record)
    assert "**Free tier (lambda):**" in text and "available to this one function" in text
    assert "**Cold starts (lambda):** the default distribution" in text
    assert "**Equal durations:**" in text


def test_currency_regions_and_the_hetzner_price_rise_are_stated(record: str) -> None:
    """hetzner-dedicated's own notes: prices from before the 2026-04-01 increase of 20-37 %."""
    text = section(record)
    assert "EUR prices converted at 1.08 USD per EUR" in text
    assert "**Mixed regions:**" in text and "us-east-1" in text
    assert "**Possibly stale (hetzner-dedicated):**" in text and "20-37 %" in text


def test_not_included_and_operations(record: str) -> None:
    text = section(record)
    assert "**Not included:** data transfer out" in text and "logs" in text and "NAT" in text
    assert "no staff time" in text


def test_one_utilisation_wording_for_serverless(record: str) -> None:
    """No 'x % utilisation of what is paid for' or 'idle' percentages for a pay-per-use option."""
    lam = record.split("### lambda", 1)[1].split("\n### ", 1)[0]
    assert "billed per use, so no paid capacity sits idle" in lam
    assert "of what is paid for" not in lam and "% idle" not in lam


def test_explicit_settings_are_not_called_defaults(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        SCENARIO.replace(
            "memory: 128MB}",
            "memory: 128MB, free_tier: false, cold_start: {dist: fixed, value: 300ms}}",
        )
    )
    summary = {
        "scenario_file": str(path),
        "horizon_s": 1200.0,
        "catalogs": {},
        "options": [{"name": "lambda", "kind": "serverless", "cost_usd": {"components": {}}}],
    }
    text = "\n".join(assumptions(summary, "2026-12-02"))
    assert "Free tier" not in text and "default distribution" not in text
