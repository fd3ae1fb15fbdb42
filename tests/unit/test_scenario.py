"""Scenario validation: every error is one FILE:LINE: field: message."""

import textwrap
from pathlib import Path

import pytest

from costsim import InputError, load_scenario, scenario_from_text
from costsim.scenario import BareMetalOption, ServerlessOption, VpsOption

REPO = Path(__file__).resolve().parents[2]

BASE = """\
name: t
horizon: 1h
traffic: {profile: constant, mean_rps: 1}
workload:
  duration: {dist: fixed, value: 10ms}
options:
  - name: fn
    kind: serverless
    memory: 256MB
    keep_alive: 5min
  - name: vm
    kind: vps
    count: 2
    workers: 4
  - name: box
    kind: bare_metal
"""


def test_valid_scenario_parses_units_and_defaults():
    s = scenario_from_text(BASE)
    assert s.horizon_s == 3600.0
    fn, vm, box = s.options
    assert isinstance(fn, ServerlessOption) and fn.memory_mb == 256.0 and fn.keep_alive_s == 300.0
    assert fn.reuse == "mru" and fn.concurrency_limit == 1000
    assert isinstance(vm, VpsOption) and vm.fixed_count == 2
    assert isinstance(box, BareMetalOption) and box.count is None


def test_example_scenarios_load():
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        assert load_scenario(path).options, path


def _error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        scenario_from_text(textwrap.dedent(text), file="s.yaml")
    return info.value


@pytest.mark.parametrize(
    ("edit", "line", "field", "words"),
    [
        # unknown key, with a suggestion
        (("keep_alive: 5min", "keep_alvie: 5min"), 10, "options.0.keep_alvie", "did you mean"),
        # wrong type
        (("workers: 4", "workers: four"), 14, "options.1.workers", "expected a whole number"),
        # out of range
        (("mean_rps: 1", "mean_rps: -1"), 3, "traffic.mean_rps", "greater than or equal"),
        # bad unit
        (("memory: 256MB", "memory: 256 potatoes"), 9, "options.0.memory", "unknown size unit"),
        # unknown kind
        (("kind: bare_metal", "kind: mainframe"), 16, "options.2.kind", "unknown kind 'mainframe'"),
        # unknown distribution
        (("dist: fixed", "dist: pareto"), 5, "workload.duration.dist", "unknown dist"),
        # unknown profile
        (("profile: constant", "profile: sawtooth"), 3, "traffic", "sawtooth"),
        # contradictory options
        (("count: 2", "count: 2\n    autoscale: {min: 1, max: 3}"), 11, "options.1", "not both"),
    ],
)
def test_bad_field_is_reported_with_file_line_and_path(edit, line, field, words):
    err = _error(BASE.replace(*edit))
    assert err.file == "s.yaml"
    assert err.line == line
    assert err.field == field
    assert words in err.message
    assert err.one_line().startswith(f"s.yaml:{line}: {field}: ")


def test_missing_field_names_the_field():
    err = _error(BASE.replace("workload:\n  duration: {dist: fixed, value: 10ms}\n", ""))
    assert err.field == "workload" and "missing" in err.message


def test_duplicate_option_names_are_refused():
    err = _error(BASE.replace("name: vm", "name: fn"))
    assert "unique" in err.message


def test_duplicate_yaml_keys_are_refused_with_line():
    err = _error(BASE.replace("horizon: 1h\n", "horizon: 1h\nhorizon: 2h\n"))
    assert err.line == 3 and "duplicate key" in err.message


def test_yaml_syntax_error_has_line():
    err = _error("name: t\ntraffic: {profile: constant\nworkload:\n")
    assert err.line is not None and "YAML syntax error" in err.message


def test_non_mapping_document_is_refused():
    assert "mapping" in _error("- just\n- a list\n").message


def test_lognormal_p99_below_median_is_refused():
    err = _error(
        BASE.replace("{dist: fixed, value: 10ms}", "{dist: lognormal, median: 50ms, p99: 10ms}")
    )
    assert "p99" in err.message


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_scenario(tmp_path / "nope.yaml")
