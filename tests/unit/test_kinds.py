"""Option kinds: one adapter each (costsim.kinds), and nothing else names a kind.

Issue 13: kinds were dispatched by if/isinstance chains in six modules, so a new kind touched
about 14 files. These tests hold the registry to the schema and scan the package so that a
kind name cannot creep back into a comparison, an isinstance or a per-kind table elsewhere.
"""

from __future__ import annotations

import ast
import typing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from costsim import scenario_from_text
from costsim.kinds import KINDS, adapter, kind_of, option_context
from costsim.kinds.base import OptionKind
from costsim.meters import Meters, MsHistogram
from costsim.scenario import Scenario

PACKAGE = Path(__file__).resolve().parents[2] / "costsim"
MODEL_NAMES = {k.model.__name__ for k in KINDS.values()}

#: Modules allowed to name a kind, with why. costsim/kinds/ is the home of kinds.
ALLOWED: dict[str, str] = {
    "calibrate/backtest.py": "replays Lambda REPORT logs, which only a serverless option can",
    "scenario.py": "re-exports the option models from where they were defined before kinds/",
}

SCENARIO = """\
name: t
horizon: 1h
traffic: {profile: constant, mean_rps: 2}
workload: {duration: {dist: fixed, value: 100ms}}
options:
  - {name: fn, kind: serverless, memory: 512MB, provisioned_concurrency: 2}
  - {name: vm, kind: vps, autoscale: {min: 1, max: 7, evaluation_period: 30s}, workers: 4}
  - {name: box, kind: bare_metal, workers: 2, sizing_utilization: 0.5}
"""


def test_registry_tags_are_the_schema_tags() -> None:
    """Each adapter's name is its model's ``kind`` literal, and the scenario accepts them all."""
    for name, kind in KINDS.items():
        assert kind.name == name
        assert typing.get_args(kind.model.model_fields["kind"].annotation) == (name,)
    options_schema = Scenario.model_json_schema()["$defs"]
    assert set(options_schema) >= MODEL_NAMES


def test_unknown_kind_names_the_known_ones() -> None:
    """Looking up a misspelt kind says which kinds exist."""
    with pytest.raises(KeyError, match=r"did you mean 'bare_metal'\?.*serverless, vps, bare_metal"):
        adapter("bare-metal")


def test_every_option_of_a_scenario_has_its_adapter() -> None:
    """Validation gives each option the model of its kind, and kind_of finds the adapter."""
    s = scenario_from_text(SCENARIO)
    for opt in s.options:
        kind = kind_of(opt)
        assert isinstance(kind, OptionKind) and isinstance(opt, kind.model)


def test_size_estimates_follow_each_kind() -> None:
    """Hand-computed guard sizes: provisioned + min(limit, requests); autoscale max and its
    evaluations; bare metal sized for the peak, ceil(2 rps x 0.1 s / (2 x 0.5)) = 1 server."""
    s = scenario_from_text(SCENARIO)
    sizes = [kind_of(o).estimate(o, option_context(s, i), 7200.0) for i, o in enumerate(s.options)]
    assert sizes[0].instances == 2 + 1000 and sizes[0].fleet_size is None
    assert sizes[1].instances == 7 and sizes[1].fleet_size == 7
    # evaluations until the horizon plus a drain of 20 mean durations: (3600 + 2) / 30
    assert sizes[1].events == pytest.approx(3602.0 / 30.0)
    assert sizes[2].instances == 1 and sizes[2].queued == 0.0


def test_idle_share_by_kind() -> None:
    """A fleet's paid idle share is 1 - utilization; on-demand serverless pays for none; with
    100 s of provisioned instances busy 40 s beside 60 s on demand, 60 / (100 + 60) is idle."""

    def hist(total_ms: int) -> MsHistogram:
        return MsHistogram(np.array([total_ms], dtype=np.int64), np.array([1], dtype=np.int64))

    @dataclass
    class Option:
        utilization: float
        meters: Meters

    on_demand = Meters(
        kind="serverless",
        horizon_s=3600.0,
        histograms={"duration_ms": hist(60_000), "provisioned_duration_ms": MsHistogram()},
    )
    provisioned = Meters(
        kind="serverless",
        horizon_s=3600.0,
        histograms={"duration_ms": hist(60_000), "provisioned_duration_ms": hist(40_000)},
        totals={"provisioned_instance_s": 100.0},
    )
    assert adapter("vps").paid_idle_fraction(Option(0.25, on_demand)) == 0.75
    assert adapter("bare_metal").paid_idle_fraction(Option(0.25, on_demand)) == 0.75
    assert adapter("serverless").paid_idle_fraction(Option(0.25, on_demand)) == 0.0
    share = adapter("serverless").paid_idle_fraction(Option(0.25, provisioned))
    assert share == pytest.approx(60.0 / 160.0)


def _kind_mentions(path: Path) -> list[str]:
    """Places in a module that name a kind: comparisons with a kind tag, isinstance on an
    option model, dict literals keyed by kind tags, calls given a kind tag, and imports of an
    option model."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def is_tag(node: ast.AST) -> bool:
        return isinstance(node, ast.Constant) and node.value in KINDS

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            tags = [o for o in operands if is_tag(o)]
            tags += [
                e
                for o in operands
                if isinstance(o, ast.Tuple | ast.List | ast.Set)
                for e in o.elts
                if is_tag(e)
            ]
            if tags:
                found.append(f"{path.name}:{node.lineno}: compares with a kind tag")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance"
            and any(isinstance(n, ast.Name) and n.id in MODEL_NAMES for n in ast.walk(node.args[1]))
        ):
            found.append(f"{path.name}:{node.lineno}: isinstance on an option model")
        elif isinstance(node, ast.Dict) and sum(is_tag(k) for k in node.keys if k) >= 2:
            found.append(f"{path.name}:{node.lineno}: a table keyed by kind tags")
        if isinstance(node, ast.Call) and any(is_tag(a) for a in node.args):
            found.append(f"{path.name}:{node.lineno}: passes a kind tag")
        if isinstance(node, ast.alias) and node.name in MODEL_NAMES:
            found.append(f"{path.name}:{node.lineno}: imports an option model")
    return found


def test_scanner_sees_each_way_of_naming_a_kind(tmp_path: Path) -> None:
    """The scan below reports a comparison, an isinstance, a per-kind table, a tag passed and
    an option model imported."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        "if opt.kind == 'vps':\n    pass\n"
        "ok = isinstance(opt, ServerlessOption)\n"
        "WORDS = {'serverless': 'functions', 'vps': 'VMs'}\n"
        "usage = Usage('bare_metal', 3600.0)\n"
        "from costsim.kinds import VpsOption\n"
    )
    assert len(_kind_mentions(planted)) == 5


def test_nothing_outside_kinds_names_a_kind() -> None:
    """Only costsim/kinds/ compares with kind tags, isinstance-checks option models or keeps
    tables by kind (the modules in ALLOWED say why they still do)."""
    mentions = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("kinds/") or rel in ALLOWED:
            continue
        mentions += [f"{rel}: {m}" for m in _kind_mentions(path)]
    assert mentions == []
