"""Names carry units in code, files keep theirs (issue 13, item 6; STYLE.md "names with units").

A scenario field holding a duration, size or rate is named with its unit in Python
(``keep_alive_s``, ``memory_mb``, ``rate_rps``); the name files use (``keep_alive``) is its alias,
so scenario files, ``--vary`` paths, dumps and the JSON Schema do not change.
"""

from __future__ import annotations

import pytest

from costsim.fields import file_fields
from costsim.scenario import _models, scenario_from_text
from costsim.schema import unit_kind
from costsim.stats import distributions
from costsim.traffic.mmpp import MmppState

#: Suffix of a Python field name, by the unit kind of the field's validator.
SUFFIX = {"duration": "_s", "size": "_mb", "rate": "_rps"}
#: Distributions are left as they are: one distribution type holds durations [s] or, in a
#: workflow's map state, a count of items (no unit), so ``value`` / ``mean`` name no unit.
EXEMPT = set(distributions.DISTRIBUTIONS.values()) | {distributions._Component}

HELLO = """
name: t
horizon: 1h
traffic: {profile: constant, mean_rps: 1}
workload: {duration: {dist: fixed, value: 10ms}}
options:
  - {name: lambda, kind: serverless, keep_alive: 5min, memory: 256MB}
"""


def test_every_field_with_a_unit_names_it() -> None:
    """Each duration, size or rate field of the schema ends in its unit; its file name is the
    alias (or the Python name, where that already carries the unit, as ``mean_rps``)."""
    wrong = []
    for model in [*_models(), MmppState]:
        if model in EXEMPT:
            continue
        for name, info in model.model_fields.items():
            kind = unit_kind(info)
            if kind is not None and not name.endswith(SUFFIX[kind]):
                wrong.append(f"{model.__name__}.{name} ({kind}: end it in {SUFFIX[kind]})")
    assert wrong == []


def test_python_names_and_file_names_both_work_in_code() -> None:
    """Files and dumps use the file names; code reads and copies by either name."""
    scn = scenario_from_text(HELLO)
    lam = scn.option("lambda")
    assert (scn.horizon_s, lam.keep_alive_s, lam.memory_mb) == (3600.0, 300.0, 256.0)
    dumped = scn.model_dump(mode="json", exclude={"base_dir", "source_file", "line_map"})
    assert dumped["horizon"] == 3600.0 and "horizon_s" not in dumped
    assert dumped["options"][0]["keep_alive"] == 300.0
    assert scn.model_copy(update={"horizon": 60.0}).horizon_s == 60.0
    assert scn.model_copy(update={"horizon_s": 90.0}).horizon_s == 90.0
    with pytest.raises(ValueError, match="no field horizn"):
        scn.model_copy(update={"horizn": 60.0})


def test_files_take_only_the_file_names() -> None:
    """A file that writes the Python name is refused, pointing at the file's name."""
    from costsim.errors import InputError

    with pytest.raises(InputError) as info:
        scenario_from_text(HELLO.replace("keep_alive:", "keep_alive_s:"))
    assert info.value.field == "options.0.keep_alive_s"
    assert "did you mean 'keep_alive'" in info.value.message


def test_file_fields_are_the_aliases() -> None:
    from costsim.kinds.serverless import ServerlessOption

    names = file_fields(ServerlessOption)
    assert "keep_alive" in names and "keep_alive_s" not in names
    assert names["memory"] is ServerlessOption.model_fields["memory_mb"]


def test_the_json_schema_names_only_file_names() -> None:
    """Every model's properties in ``costsim schema`` are its file names, none a Python name."""
    from costsim.schema import scenario_schema

    schema = scenario_schema()
    compared = 0
    for model in [*_models(), MmppState]:
        target = schema if model.__name__ == "Scenario" else schema["$defs"].get(model.__name__)
        if target is None:
            continue
        compared += 1
        shown = set(target.get("properties", {}))
        files = {name for name, info in file_fields(model).items() if not info.exclude}
        assert shown == files, model.__name__
    assert compared > 30
