"""The scenario's JSON Schema (for editor completion) and its reference page, docs/SCENARIO.md.

Both come from the pydantic models themselves, so they cannot drift from what ``validate``
accepts: fields, types, bounds and defaults are the models'; units come from the validators a
field carries (durations, sizes, rates are written with units); the meaning of each field is
:data:`costsim.field_docs.FIELD_DOCS`. ``costsim schema`` prints the schema; ``costsim schema
--markdown`` prints the reference page, and a test checks that docs/SCENARIO.md is current.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from costsim.field_docs import FIELD_DOCS
from costsim.fields import file_fields
from costsim.units import format_duration

__all__ = [
    "FIELD_DOCS",
    "UNIT_FORMS",
    "field_doc",
    "field_info",
    "human_default",
    "scenario_schema",
    "schema_text",
    "unit_kind",
]

#: Unit kind of a field, by the validator function that parses it.
_UNIT_OF_VALIDATOR = {
    "duration_field": "duration",
    "lifetime_or_off": "duration",
    "parse_duration_s": "duration",
    "parse_size_mb": "size",
    "parse_rate_per_s": "rate",
}
#: How a value of each unit kind is written, for the schema and the reference.
UNIT_FORMS = {
    "duration": (
        "250ms, 10min, 7d, 2 hours",
        r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*[A-Za-zµ]+\s*$",
    ),
    "size": ("128MB, 1.5GB", r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*[A-Za-z]*\s*$"),
    "rate": (
        "5rps, 300rpm, 30 req/s",
        r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*[A-Za-z/]*\s*$",
    ),
}


def unit_kind(info: Any) -> str | None:
    """The unit kind a field is written in (``duration``, ``size``, ``rate``), or None.

    Parameters
    ----------
    info : FieldInfo
        The field; its validators (directly or in its annotation) name the unit.

    Returns
    -------
    str or None
        The unit kind, read from the parsing validator the field carries.
    """
    for meta in getattr(info, "metadata", []):
        func = getattr(meta, "func", None)
        name = getattr(func, "__name__", "")
        if name in _UNIT_OF_VALIDATOR:
            return _UNIT_OF_VALIDATOR[name]
    import typing

    for arg in typing.get_args(info.annotation):
        for meta in getattr(arg, "__metadata__", ()):
            name = getattr(getattr(meta, "func", None), "__name__", "")
            if name in _UNIT_OF_VALIDATOR:
                return _UNIT_OF_VALIDATOR[name]
    return None


def docstring_attributes(model: type[BaseModel]) -> dict[str, str]:
    """The numpydoc ``Attributes`` section of a model's docstring: field name -> its text."""
    import inspect
    import re

    doc = inspect.cleandoc(model.__doc__ or "")
    if "Attributes\n----------" not in doc:
        return {}
    section = doc.split("Attributes\n----------", 1)[1]
    section = re.split(r"\n\S[^\n]*\n-{3,}", section, maxsplit=1)[0]
    out: dict[str, str] = {}
    current: list[str] = []
    for line in section.splitlines():
        if line and not line.startswith(" "):
            current = [f.strip() for f in line.split(":", 1)[0].split(",")]
            out.update({f: "" for f in current})
        elif line.strip() and current:
            for f in current:
                out[f] = (out[f] + " " + line.strip()).strip()
    return out


def field_info(model: type[BaseModel], name: str) -> tuple[str, str, FieldInfo]:
    """``(file name, Python name, FieldInfo)`` of a field given by either name.

    Parameters
    ----------
    model : type of BaseModel
        The model.
    name : str
        The field's file name (``keep_alive``) or Python name (``keep_alive_s``).

    Returns
    -------
    tuple of (str, str, FieldInfo)
        Both names and the field.
    """
    info = file_fields(model).get(name) or model.model_fields[name]
    python = next(n for n, i in model.model_fields.items() if i is info)
    return info.alias or python, python, info


def field_doc(model: type[BaseModel], name: str) -> str:
    """The meaning of ``model.name``: :data:`FIELD_DOCS`, else the model's own numpydoc
    ``Attributes`` entry, else the field's description (empty if undocumented).

    ``name`` is the file's name of the field (``keep_alive``) or its Python name
    (``keep_alive_s``); :data:`FIELD_DOCS` is keyed by the file's names.
    """
    file_name, python, info = field_info(model, name)
    attributes = docstring_attributes(model)
    return (
        FIELD_DOCS.get(f"{model.__name__}.{file_name}")
        or attributes.get(python)
        or attributes.get(file_name)
        or FIELD_DOCS.get(file_name)
        or (info.description or "")
    )


def human_default(kind: str | None, value: Any) -> Any:
    """A default as a file would write it: ``600.0`` [s] as ``10min``, ``128.0`` [MB] as ``128MB``.

    Parameters
    ----------
    kind : str or None
        The field's unit kind (:func:`unit_kind`).
    value : object
        The default in internal units.

    Returns
    -------
    object
        The written form, or ``value`` unchanged when it has no unit.
    """
    if kind == "duration" and isinstance(value, (int, float)) and value:
        return format_duration(float(value))
    if kind == "size" and isinstance(value, (int, float)) and value:
        return f"{value:g}MB" if value < 1024 or value % 1024 else f"{value / 1024:g}GB"
    if kind == "rate" and isinstance(value, (int, float)):
        return f"{value:g}rps"
    return value


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, as users write it (with units)."""
    from costsim.scenario import Scenario, _models

    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "costsim scenario"
    defs = schema.setdefault("$defs", {})
    defs.pop("LineMap", None)
    from costsim.application.static import StaticSite
    from costsim.traffic.mmpp import MmppState

    models: list[type[BaseModel]] = [*_models(), MmppState]
    for model in models:
        target = schema if model is Scenario else defs.get(model.__name__)
        if target is None:
            continue
        props = target.get("properties", {})
        for name, info in file_fields(model).items():
            if info.exclude:
                props.pop(name, None)
                continue
            prop = props.get(name)
            if prop is None:
                continue
            kind = unit_kind(info)
            doc = field_doc(model, name)
            if kind is not None:
                example, pattern = UNIT_FORMS[kind]
                unit_schema = {"anyOf": [{"type": "string", "pattern": pattern}, {"const": 0}]}
                if kind != "duration":
                    unit_schema["anyOf"][1] = {"type": "number", "minimum": 0}
                keep = {k: prop[k] for k in ("default", "title") if k in prop}
                nullable = any(a.get("type") == "null" for a in prop.get("anyOf", []))
                prop.clear()
                prop.update(
                    unit_schema if not nullable else {"anyOf": [unit_schema, {"type": "null"}]}
                )
                prop.update(keep)
                if "default" in prop:
                    prop["default"] = human_default(kind, prop["default"])
                doc = f"{doc} A {kind} with its unit, e.g. {example}.".strip()
            if doc:
                prop["description"] = doc
        target.get("required", [])
    items = defs.get("MapState", {}).get("properties", {}).get("items")
    if items is not None:
        # a count distribution: its values have no unit, unlike the duration distributions
        items.clear()
        items.update(
            {
                "anyOf": [{"type": "object", "required": ["dist"]}, {"type": "null"}],
                "default": None,
                "description": FIELD_DOCS["MapState.items"],
            }
        )
    size = defs.get("StaticSite", {}).get("properties", {}).get("response_size")
    if size is not None:
        # a size, or a distribution whose size fields carry units (not durations)
        example, pattern = UNIT_FORMS["size"]
        size.clear()
        size.update(
            {
                "anyOf": [
                    {"type": "string", "pattern": pattern},
                    {"type": "object", "required": ["dist"]},
                ],
                "description": field_doc(StaticSite, "response_size")
                + f" A size with its unit, e.g. {example}, or {{dist: ...}} of sizes.",
            }
        )
    parallel = defs.get("ParallelState", {}).get("properties", {}).get("parallel")
    if parallel is not None and isinstance(parallel.get("items"), dict):
        # a branch is one state or a list of states run in sequence
        branch = parallel["items"]
        parallel["items"] = {"anyOf": [branch, branch.get("items", {})]}
    extras = defs.get("ServerlessOption", {}).get("properties", {}).get("extras")
    if extras is not None:
        # an extra may be written as its bare key (extras: [api-gateway-http])
        extras["items"] = {"anyOf": [{"type": "string"}, extras.get("items", {})]}
    lifetime = defs.get("ServerlessOption", {}).get("properties", {}).get("max_lifetime")
    if lifetime is not None and "anyOf" in lifetime:
        # a duration, or off (never recycled)
        lifetime["anyOf"].insert(0, {"const": "off"})
    for key in ("base_dir", "source_file", "line_map"):
        schema.get("properties", {}).pop(key, None)
    return schema


def schema_text() -> str:
    """The schema as stable, indented JSON text."""
    return json.dumps(scenario_schema(), indent=2, sort_keys=True) + "\n"
