"""Charts you can paste: no overlapping text, unique styles, titles whose claim holds.

Every run chart is drawn for every example scenario (over a short horizon), and the sweep and
sensitivity charts for small sweeps; before each figure is saved, the extents of every visible
text (titles, labels, tick labels, legends, annotations, the source line) are taken from
matplotlib's own renderer and no two may overlap.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from costsim.report import app_charts, app_diagram, charts, crossover_chart, sweep_charts, tornado
from costsim.report.style import HATCHES, PALETTE, extreme_claim, series_style

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


def visible_texts(fig: Figure) -> list[tuple[Text, Any]]:
    """Every drawn, non-empty text of ``fig`` with its window extent."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    hidden: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                loc = tick.get_loc()
                if not lo - 1e-9 * abs(hi - lo) <= loc <= hi + 1e-9 * abs(hi - lo):
                    hidden.update({id(tick.label1), id(tick.label2)})
    out = []
    for t in fig.findobj(Text):
        if id(t) in hidden or not t.get_visible() or not t.get_text().strip():
            continue
        box = t.get_window_extent(renderer)
        if box.width > 0 and box.height > 0:
            out.append((t, box))
    return out


def overlaps(fig: Figure) -> list[str]:
    found = []
    for (a, ba), (b, bb) in itertools.combinations(visible_texts(fig), 2):
        # a pixel of slack: glyph boxes of neighbouring tick labels may touch
        if ba.shrunk(0.99, 0.9).overlaps(bb.shrunk(0.99, 0.9)):
            found.append(f"{a.get_text()!r} overlaps {b.get_text()!r}")
    return found


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """Replace the charts' ``save`` by one that records the overlaps of each figure."""
    seen: list[tuple[str, list[str]]] = []

    def save(fig: Figure, out: Path, stem: str) -> list[Path]:
        seen.append((stem, overlaps(fig)))
        matplotlib.pyplot.close(fig)
        return []

    for module in (charts, sweep_charts, tornado, app_charts, app_diagram, crossover_chart):
        monkeypatch.setattr(module, "save", save)
    return seen


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_run_charts_of_every_example_have_no_overlapping_text(
    path: Path, checked: list[tuple[str, list[str]]], tmp_path: Path
) -> None:
    from costsim.scenario import load_scenario
    from costsim.simulate import simulate

    scn = load_scenario(path)
    scn = scn.model_copy(update={"horizon_s": min(scn.horizon_s, 7200.0), "warmup_s": 0.0})
    # applications run on the reference engine only (for now)
    is_app = getattr(scn, "application", None) is not None
    charts.run_charts(simulate(scn, engine="simpy" if is_app else "fast"), tmp_path)
    # an application's run adds per-route latency, cost by service and function, its diagram
    extra = ["route_latency", "app_cost", "app_diagram"] if is_app else []
    assert [stem for stem, _ in checked] == ["cost", "latency", "latency_cdf", "instances", *extra]
    assert [(stem, o) for stem, o in checked if o] == []


def test_sweep_charts_have_no_overlapping_text(
    checked: list[tuple[str, list[str]]], tmp_path: Path
) -> None:
    """Two crossovers close together (lambda = vps, lambda = metal) are labelled apart."""
    from costsim.scenario import load_scenario
    from costsim.sweep import parse_vary, run_sweep

    scn = load_scenario(SCENARIOS[0].parent / "hello-api.yaml")
    scn = scn.model_copy(update={"horizon": 3600.0})
    result = run_sweep(
        scn, [parse_vary("traffic.mean_rps=log:0.5rps:40rps:5")], replications=2, workers=1
    )
    sweep_charts.sweep_charts(result.summary, result.crossovers, tmp_path)
    assert {"sweep_cost", "sweep_p99", "sweep_winners"} <= {s for s, _ in checked}
    assert [(stem, o) for stem, o in checked if o] == []


def test_duration_axis_reads_in_human_units(checked, tmp_path: Path) -> None:
    """A keep-alive sweep's axis says 10 min, not 600 (s) or 600000 (ms)."""
    summary = json.loads(
        json.dumps(
            {
                "scenario": "t",
                "vary": [{"path": "options.lambda.keep_alive", "values": ["1min", "10min", "1h"]}],
                "points": [
                    {
                        "params": {},
                        "options": [
                            {
                                "name": "lambda",
                                "kind": "serverless",
                                "cost_usd": {"mean": v, "ci95": [v, v]},
                                "p99_ms": {"mean": 100.0, "ci95": [100, 100]},
                            }
                        ],
                    }
                    for v in (1.0, 2.0, 3.0)
                ],
            }
        )
    )
    captured: dict[str, list[str]] = {}

    def grab(fig: Figure, out: Path, stem: str) -> list[Path]:
        fig.canvas.draw()
        captured[stem] = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
        matplotlib.pyplot.close(fig)
        return []

    sweep_charts.save = grab  # type: ignore[assignment]  # restored by the fixture's monkeypatch
    sweep_charts.metric_chart(summary, {}, tmp_path, "cost_usd", "c", "cost", "t")
    assert "10 min" in captured["c"] and not any("600" in t for t in captured["c"])


def test_tornado_has_no_overlapping_text(checked, tmp_path: Path) -> None:
    sens = {
        "baseline": {"a": 5.0, "b": 12.0},
        "factors": [
            {"label": "free tier off", "costs_usd": {"a": 13.0, "b": 12.0}, "cheapest": "b"},
            {"label": "cold start x2", "costs_usd": {"a": 5.1, "b": 12.0}, "cheapest": "a"},
            {"label": "savings plan 30 %", "costs_usd": {"a": 5.0, "b": 8.4}, "cheapest": "a"},
        ],
    }
    tornado.tornado_chart(sens, "a", "b", tmp_path)
    assert checked == [("sensitivity", [])]


def test_crossover_sensitivity_chart_has_no_overlapping_text(checked, tmp_path: Path) -> None:
    """Shifts both ways, one moved beyond the searched range, on a log axis."""
    doc = {
        "variable": "traffic.mean_rps",
        "unit": "req/s",
        "span": 3.0,
        "crossovers": [
            {
                "a": "lambda",
                "b": "vps",
                "at": 4.5,
                "baseline": {"at": 4.52, "cheaper_below": "lambda"},
                "factors": [
                    {"label": "free tier off", "at": 4.04, "shift": -0.1},
                    {"label": "savings plan 30 %", "at": 3.19, "shift": -0.29},
                    {"label": "duration +30 %", "at": 4.9, "shift": 0.08},
                    {"label": "ops cost $150/server-month", "at": None,
                     "cheaper_throughout": "lambda"},
                ],
            }
        ],
    }  # fmt: skip
    crossover_chart.crossover_chart(doc, tmp_path, log=True)
    assert checked == [("crossover_sensitivity", [])]


def test_component_styles_are_unique_for_64_series() -> None:
    """Issue 16: cost.png reused colour and hatch for different components past eight."""
    styles = [series_style(j) for j in range(len(PALETTE) * len(HATCHES))]
    assert len(set(styles)) == len(styles)


def test_titles_claim_only_what_holds() -> None:
    """Issue 16: 'lambda has the slowest p99 (298 ms)' when all three were 298 ms."""
    same = extreme_claim({"lambda": 298, "vps": 298, "metal": 297}, "p99", "ms", "slowest")
    assert same == "all options have about the same p99 (298 ms)"
    one = extreme_claim({"lambda": 900, "vps": 298}, "p99", "ms", "slowest")
    assert one == "lambda has the slowest p99 (900 ms)"
    two = extreme_claim({"a": 900, "b": 890, "c": 100}, "p99", "ms", "slowest")
    assert two.startswith("a and b have the slowest p99")
