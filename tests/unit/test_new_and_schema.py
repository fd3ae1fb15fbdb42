"""``costsim new`` templates run as written; ``costsim schema`` accepts every example scenario;
docs/SCENARIO.md is generated from the models and current (issue 16)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from costsim.cli import main
from costsim.cli.new import TEMPLATES, template_text
from costsim.reference import scenario_reference
from costsim.schema import FIELD_DOCS, field_doc, scenario_schema

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_each_template_validates_and_runs(kind: str, tmp_path: Path) -> None:
    """The written file passes every check and simulates (over an hour, to keep tests quick)."""
    from costsim.checks import checked_scenario
    from costsim.simulate import simulate

    path = tmp_path / f"{kind}.yaml"
    path.write_text(template_text(kind, f"my-{kind}"))
    scn = checked_scenario(path, size=True)
    assert scn.name == f"my-{kind}"
    assert path.read_text().startswith("# Question:")
    result = simulate(scn.model_copy(update={"horizon": 3600.0}))
    assert all(o.arrived == o.served + o.throttled + o.dropped for o in result.options)


def test_cli_new_writes_and_refuses_to_overwrite(tmp_path, monkeypatch, capsys) -> None:
    target = tmp_path / "shop.yaml"
    for expected in (0, 2):
        monkeypatch.setattr(sys, "argv", ["costsim", "new", "app", "--out", str(target)])
        with pytest.raises(SystemExit) as info:
            main()
            raise SystemExit(0)
        assert info.value.code == expected
    assert "name: shop" in target.read_text()
    assert "exists" in capsys.readouterr().err


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_schema_accepts_every_example_scenario(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(yaml.safe_load(path.read_text()), scenario_schema())


def test_schema_refuses_a_bare_duration_and_an_unknown_field() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    doc = yaml.safe_load(SCENARIOS[0].read_text())
    bad = dict(doc, horizon=7)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, scenario_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(dict(doc, horizn="7d"), scenario_schema())


def test_every_field_has_a_meaning() -> None:
    from costsim.scenario import _models
    from costsim.traffic.mmpp import MmppState

    missing = [
        f"{m.__name__}.{name}"
        for m in [*_models(), MmppState]
        for name, info in m.model_fields.items()
        if not info.exclude and not field_doc(m, name)
    ]
    assert missing == [], f"add these to costsim.schema.FIELD_DOCS: {missing}"
    assert len(FIELD_DOCS) > 80


def test_scenario_reference_is_current() -> None:
    """docs/SCENARIO.md is `costsim schema --markdown`; regenerate it when a field changes."""
    page = (ROOT / "docs" / "SCENARIO.md").read_text()
    assert page == scenario_reference(), (
        "docs/SCENARIO.md is stale: run `costsim schema --markdown > docs/SCENARIO.md`"
    )
    assert "| `keep_alive` | duration | `10min` |" in page


def test_schema_states_units_and_human_defaults() -> None:
    props = scenario_schema()["$defs"]["ServerlessOption"]["properties"]
    assert props["keep_alive"]["default"] == "10min"
    assert "e.g. 250ms, 10min" in props["keep_alive"]["description"]
    assert props["memory"]["default"] == "128MB"
    assert json.dumps(scenario_schema())  # serialisable
