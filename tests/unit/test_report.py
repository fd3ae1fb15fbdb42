"""Decision records: MADR sections, reproducible bytes, sweeps from JSON, and priced extras."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costsim.output import write_run_outputs
from costsim.report.adr import usd, write_report
from costsim.scenario import scenario_from_text
from costsim.simulate import simulate

SCENARIO = """\
name: tiny
description: a tiny scenario for the report tests
horizon: 20min
seed: 3
traffic: {profile: constant, mean_rps: 2}
workload:
  duration: {dist: lognormal, median: 40ms, p99: 300ms}
options:
  - {name: lambda, kind: serverless, provider: aws-lambda, memory: 128MB, extras: [api-gateway-http]}
  - {name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 4}
slo: {p99: 500ms}
"""

MADR = [
    "## Context and Problem Statement",
    "## Decision Drivers",
    "## Considered Options",
    "## Decision Outcome",
    "### Consequences",
    "## Pros and Cons of the Options",
    "## More Information",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    write_run_outputs(simulate(scenario_from_text(SCENARIO)), out)
    return out


def test_run_report_has_madr_sections_charts_and_html(run_dir: Path) -> None:
    """report.md carries front matter, every MADR section in order, and links to charts."""
    write_report(run_dir)
    md = (run_dir / "report.md").read_text()
    assert md.startswith("---\nstatus: proposed\ndate: ")
    positions = [md.index(h) for h in MADR]
    assert positions == sorted(positions)
    assert 'Chosen option: "' in md and "because" in md
    for stem in ("cost", "latency", "latency_cdf", "instances"):
        assert f"]({stem}.svg)" in md
        assert (run_dir / f"{stem}.png").exists() and (run_dir / f"{stem}.svg").exists()
    assert "### lambda" in md and "### vps" in md
    assert "costsim report" in md and "aws-lambda | 2026-10" in md
    page = (run_dir / "report.html").read_text()
    assert "data:image/png;base64," in page and 'src="cost.svg"' not in page


def test_report_twice_gives_identical_bytes(run_dir: Path, tmp_path: Path) -> None:
    """The same folder gives byte-identical report files and charts."""
    write_report(run_dir)
    first = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}
    for name in ("cost.svg", "cost.png", "latency_cdf.svg"):
        (run_dir / name).unlink()  # redrawn from summary.json and the CSVs
    write_report(run_dir)
    second = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}
    assert first["report.md"] == second["report.md"]
    assert first["report.html"] != b"" and second["report.md"] == first["report.md"]
    assert b"<dc:date>" not in second["cost.svg"]


def test_run_outputs_keep_the_latency_distribution(run_dir: Path) -> None:
    """latency_cdf.csv holds a non-decreasing cumulative share per option, ending at 1."""
    rows = (run_dir / "latency_cdf.csv").read_text().splitlines()
    assert rows[0] == "option,latency_ms,cumulative_fraction"
    lam = [float(r.split(",")[2]) for r in rows[1:] if r.startswith("lambda,")]
    assert lam == sorted(lam) and lam[-1] == pytest.approx(1.0)


def _sweep_dir(tmp_path: Path) -> Path:
    def opt(name: str, kind: str, cost: float, p99: float) -> dict[str, object]:
        return {
            "name": name,
            "kind": kind,
            "cost_usd": {"mean": cost, "ci95": [cost * 0.95, cost * 1.05]},
            "p99_ms": {"mean": p99, "ci95": [p99 * 0.9, p99 * 1.1]},
            "utilization": {"mean": 0.1, "ci95": [0.09, 0.11]},
            # every metric of a sweep point is a mean with its interval (sweep.analysis.aggregate)
            "cold_start_rate": {"mean": 0.01 if kind == "serverless" else 0.0, "ci95": [0, 0.02]},
            "throttle_rate": {"mean": 0.0, "ci95": [0.0, 0.0]},
            "drop_rate": {"mean": 0.0, "ci95": [0.0, 0.0]},
        }

    scales = [0.1, 1.0, 10.0]
    summary = {
        "kind": "sweep",
        "scenario": "tiny",
        "seed": 3,
        "horizon_s": 3600.0,
        "engine": "fast",
        "catalogs": {"aws-lambda": "2026-10", "hetzner-cloud": "2026-10"},
        "catalog_as_of": {"aws-lambda": "2026-10-01", "hetzner-cloud": "2026-05-27"},
        "costsim_version": "0.1.0",
        "vary": [{"path": "traffic.scale", "values": scales}],
        "replications": 2,
        "points": [
            {
                "params": {"traffic.scale": s},
                "options": [opt("lambda", "serverless", 3.0 * s, 300), opt("vps", "vps", 14.0, 80)],
            }
            for s in scales
        ],
    }
    cross = {
        "variable": "traffic.scale",
        "crossovers": [{"a": "lambda", "b": "vps", "at": 4.67, "ci95": [4.2, 5.1]}],
        "winners": [
            {"option": "lambda", "from": 0.1, "to": 4.67},
            {"option": "vps", "from": 4.67, "to": 10.0},
        ],
        "slo_winners": [
            {"params": {"traffic.scale": s}, "option": o}
            for s, o in zip(scales, ["lambda", "lambda", "vps"], strict=True)
        ],
        "idle_fraction": {"lambda": [0.0, 0.0, 0.0], "vps": [0.99, 0.95, 0.6]},
    }
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "crossovers.json").write_text(json.dumps(cross))
    return folder


def test_sweep_report_from_json(tmp_path: Path) -> None:
    """A sweep folder without charts gets its cost and p99 charts and a record with break-even."""
    folder = _sweep_dir(tmp_path)
    write_report(folder, date="2026-11-01")
    md = (folder / "report.md").read_text()
    positions = [md.index(h) for h in MADR]
    assert positions == sorted(positions)
    assert "date: 2026-11-01" in md
    assert 'Chosen option: "lambda"' in md
    assert "**Break-even** with vps at traffic.scale = 4.67 (95 % interval 4.2 to 5.1)" in md
    assert "costsim sweep scenarios/tiny.yaml --vary traffic.scale=0.1,1.0,10.0" in md
    for stem in ("sweep_cost", "sweep_p99"):
        assert (folder / f"{stem}.svg").exists() and (folder / f"{stem}.png").exists()
    before = (folder / "report.md").read_bytes(), (folder / "report.html").read_bytes()
    write_report(folder, date="2026-11-01")
    assert before == ((folder / "report.md").read_bytes(), (folder / "report.html").read_bytes())


def test_money_formatting() -> None:
    """Credits read as -$0.20, sub-cent amounts keep four decimals."""
    assert usd(-0.2) == "-$0.20"
    assert usd(0.003) == "$0.0030"
    assert usd(1234.5) == "$1,234.50"


def test_extras_per_request_scales_the_addon_and_old_syntax_still_works() -> None:
    """An extra with per_request: 3 costs three times the plain extra; transitions = requests."""
    base = SCENARIO.replace("extras: [api-gateway-http]", "extras: [EXTRA], free_tier: false")

    def line(extra: str, component: str) -> float:
        scn = scenario_from_text(base.replace("EXTRA", extra))
        return float(simulate(scn).option("lambda").cost.components[component])

    plain = line("api-gateway-http", "api gateway (HTTP)")
    assert line("{key: api-gateway-http, per_request: 3}", "api gateway (HTTP)") == pytest.approx(
        3 * plain, rel=1e-9
    )
    one = line("{catalog: aws-step-functions, item: standard}", "state transitions")
    seven = line(
        "{catalog: aws-step-functions, item: standard, per_request: 7}", "state transitions"
    )
    assert seven == pytest.approx(7 * one, rel=1e-9)
    # $0.025 per 1,000 transitions, one per request before the multiplier
    requests = line("api-gateway-http", "requests") / 0.20 * 1e6
    assert one == pytest.approx(requests * 0.025 / 1000, rel=1e-6)


def test_extra_needs_key_or_catalog() -> None:
    """An extra with neither key nor catalog is a located input error."""
    from costsim.errors import InputError

    with pytest.raises(InputError, match="either key or catalog"):
        scenario_from_text(SCENARIO.replace("[api-gateway-http]", "[{per_request: 2}]"))


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml")), ids=str
)
def test_every_example_scenario_validates_and_states_its_question(path: Path) -> None:
    """Each scenario opens with a comment stating its question and resolves every catalog key."""
    from costsim.scenario import load_scenario
    from costsim.simulate import check_scenario

    assert path.read_text().startswith("# Question:")
    check_scenario(load_scenario(path))
