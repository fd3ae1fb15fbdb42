"""Readable, located messages for the validation errors of a scenario file.

pydantic's messages name types ("Input should be a valid dictionary"); a scenario's author needs
the field, its line and what to write instead. :func:`located_errors` turns one
``ValidationError`` into one ``FILE:LINE: field: message`` error per problem, with a
did-you-mean for unknown fields; :class:`SchemaIndex` tells it which fields each mapping takes.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from costsim.errors import InputError
from costsim.fields import file_fields
from costsim.yamlio import LineMap, child_of, without_key_tags

_MAPPING_FORMS = {
    "cold_start": "a distribution such as {dist: lognormal, median: 250ms, p99: 900ms} or "
    "{dist: fixed, value: 300ms}",
    "duration": "a distribution such as {dist: lognormal, median: 40ms, p99: 300ms} or "
    "{dist: fixed, value: 120ms}",
    "traffic": "a profile such as {profile: constant, mean_rps: 20}",
    "workload": "a mapping such as {duration: {dist: fixed, value: 120ms}}",
    "autoscale": "a mapping such as {min: 1, max: 10, target_utilization: 0.6}",
    "scale_rate": "a mapping such as {instances: 1000, per: 10s}",
    "slo": "a mapping such as {p99: 500ms}",
}

_TYPE_WORDS = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list such as [a, b]",
}


def hint(error: dict[str, Any], data: Any, index: SchemaIndex) -> str:
    """A readable message naming what to write, for the error types users meet.

    Parameters
    ----------
    error : dict
        One entry of ``ValidationError.errors()``.
    data : Any
        The file's data, for the value and the fields the mapping takes.
    index : SchemaIndex
        The schema's models.

    Returns
    -------
    str
        The message, without location.
    """
    kind = error.get("type", "")
    loc = tuple(error.get("loc", ()))
    msg = str(error.get("msg", "invalid value"))
    field = next(
        (str(p) for p in reversed(loc) if isinstance(p, str) and p in index.field_names()), ""
    )
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        mapping = _value_at(data, loc[:-1])
        kinds = [k for k in index.kind_keys() if isinstance(mapping, dict) and k in mapping]
        if key in kinds and len(kinds) > 1:
            return (
                f"a step or state is one of {', '.join(index.kind_keys())}; this one has "
                f"{' and '.join(kinds)}: split it in two"
            )
        known = [k for k in index.known_fields(loc, data) if k != key]
        close = difflib.get_close_matches(key, known, n=1)
        tip = f"; did you mean {close[0]!r}?" if close else ""
        if not close and known:
            tip = f"; this mapping takes {', '.join(known)}"
        return f"unknown field {key!r}{tip}"
    if kind == "missing":
        return "required field is missing"
    if kind == "too_short":
        least = error.get("ctx", {}).get("min_length", 1)
        return f"needs at least {least} entr{'y' if least == 1 else 'ies'}, got none"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "name":
        return (
            f"{_value_at(data, loc)!r} is not a valid name; use letters, digits, '_', '.' "
            "and '-', starting with a letter or digit"
        )
    if kind == "less_than_equal" and loc == ("horizon",):
        return "the horizon can be at most 10 years (3650d)"
    if kind == "greater_than_equal" and loc == ("horizon",):
        return "the horizon must be at least 1s"
    if kind == "unknown_profile":
        value = _value_at(data, loc)
        got = value.get("profile") if isinstance(value, dict) else value
        from costsim.traffic.compose import PROFILES

        names = ", ".join([*PROFILES, "sum"])
        if not isinstance(value, dict):
            return f"expected {_MAPPING_FORMS['traffic']}, got {value!r}"
        if got == "sum":
            return "a sum of profiles is written {sum: [profile, ...]}, with no profile key"
        return f"unknown traffic profile {got!r}; use one of {names}"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return (
            f"unknown {ctx.get('discriminator', 'kind').strip(chr(39))} "
            f"{ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
        )
    if kind == "union_tag_not_found":
        ctx = error.get("ctx", {})
        disc = str(ctx.get("discriminator", "kind")).strip("'")
        return f"missing {disc!r}, which says which kind this is"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        form = _MAPPING_FORMS.get(field, "a mapping of fields (key: value)")
        return f"expected {form}, got {error.get('input')!r}"
    if kind in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[kind]}, got {error.get('input')!r}"
    if kind == "literal_error":
        expected = str(error.get("ctx", {}).get("expected", ""))
        return f"{error.get('input')!r} is not allowed; use one of {expected}"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return msg


def _value_at(data: Any, loc: tuple[Any, ...]) -> Any:
    node = data
    for part in loc:
        found, child = child_of(node, part)
        if found:
            node = child
    return node


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The one pydantic model inside an annotation (``X | None``, ``list[X]``), if unique."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    found = {m for arg in typing.get_args(annotation) if (m := _nested_model(arg)) is not None}
    return found.pop() if len(found) == 1 else None


def _optional(annotation: Any) -> Any:
    """``X`` for ``X | None``, else ``annotation``."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    is_union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    return args[0] if is_union and len(args) == 1 else annotation


@dataclass(frozen=True)
class SchemaIndex:
    """The models of a schema, as error messages read them.

    Parameters
    ----------
    root : type of BaseModel
        The file's top model (:class:`costsim.scenario.Scenario`).
    models : list of type of BaseModel
        Every model of the schema, nested ones included.
    tags : dict of str to type of BaseModel
        Models of the tagged unions by tag (option kinds, traffic profiles, distributions).
    key_tags : dict of (str, str) to type of BaseModel
        Models of the unions told apart by a key, by (the list field holding them, the key):
        ``("steps", "send")`` is a send step, ``("states", "map")`` a map state.
    """

    root: type[BaseModel]
    models: list[type[BaseModel]]
    tags: dict[str, type[BaseModel]]
    key_tags: dict[tuple[str, str], type[BaseModel]] = field(default_factory=dict)

    def kind_keys(self) -> list[str]:
        """The keys that tell a step or state's kind (``call``, ``send``, ``map``, ...)."""
        return list(dict.fromkeys(key for _, key in self.key_tags))

    def field_names(self) -> set[str]:
        """Every field name a file may use, in any model."""
        return {name for model in self.models for name in file_fields(model)}

    def known_fields(self, loc: tuple[Any, ...], data: Any) -> list[str]:
        """The fields the mapping holding ``loc[-1]`` accepts (every field, if it is unclear)."""
        model: type[BaseModel] | None = self.root
        node = data
        tags = self.tags
        named = False  # the next part is a name the user chose (a key of dict[str, Model])
        last_field = ""
        for part in loc[:-1]:
            found, child = child_of(node, part)
            if found:
                node = child
            if named:
                named = False
                continue
            if isinstance(part, str) and part in tags and not found:
                model = tags[part]
                continue
            if isinstance(part, int):
                if isinstance(node, dict):
                    keys = [(last_field, k) for k in node if (last_field, k) in self.key_tags]
                    keyed = self.key_tags[keys[0]] if keys else None
                    tagged = next(
                        (tags[v] for v in node.values() if isinstance(v, str) and v in tags), None
                    )
                    model = keyed or tagged or model
                continue
            last_field = str(part)
            fields = file_fields(model) if model is not None else {}
            if not isinstance(part, str) or part not in fields:
                model = None
                continue
            annotation = fields[part].annotation
            named = typing.get_origin(_optional(annotation)) is dict
            model = _nested_model(annotation)
            if model is None and isinstance(node, dict):
                model = next(
                    (tags[v] for v in node.values() if isinstance(v, str) and v in tags), None
                )
        if model is None:
            return sorted(self.field_names())
        return sorted(name for name, f in file_fields(model).items() if not f.exclude)


class ScenarioErrors(InputError):
    """Every problem found in one scenario file, reported together.

    Behaves as its first error (``file``, ``line``, ``field``, ``message``) for code that handles
    one :class:`InputError`; :meth:`one_line` gives one ``FILE:LINE: field: message`` line per
    problem, so a file is fixed in one round instead of one per mistake.

    Parameters
    ----------
    errors : list of InputError
        The problems, in file order.
    """

    def __init__(self, errors: list[InputError]) -> None:
        first = errors[0]
        super().__init__(first.message, file=first.file, line=first.line, field=first.field)
        self.errors = list(errors)

    def one_line(self) -> str:
        """One ``FILE:LINE: field: message`` line per problem, joined by newlines."""
        return "\n".join(InputError.one_line(e) for e in self.errors)


def raise_all(errors: list[InputError]) -> None:
    """Raise ``errors`` as one :class:`ScenarioErrors` (or the single error); no-op if empty."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ScenarioErrors(errors)


def _without_misspelt_required(
    errors: list[dict[str, Any]], data: Any, index: SchemaIndex
) -> list[dict[str, Any]]:
    """``errors`` without "required field is missing" where an unknown field beside it is that
    field misspelt: ``route:`` for ``routes:`` is one problem, told once (did you mean)."""
    meant: set[tuple[Any, ...]] = set()
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden" and loc:
            known = index.known_fields(loc, data)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            if close:
                meant.add((*loc[:-1], close[0]))
    return [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in meant)]


def located_errors(
    exc: ValidationError, data: Any, line_map: LineMap, index: SchemaIndex
) -> list[InputError]:
    """One located :class:`InputError` per distinct problem of ``exc``, in file order.

    Parameters
    ----------
    exc : pydantic.ValidationError
        What validation raised.
    data : Any
        The file's data.
    line_map : LineMap
        Where each key of the file is.
    index : SchemaIndex
        The schema's models, for the messages.

    Returns
    -------
    list of InputError
        Sorted by line.
    """
    out: list[InputError] = []
    seen: set[tuple[int | None, str, str]] = set()
    errors = [{**e, "loc": without_key_tags(e["loc"], data)} for e in exc.errors()]
    for err in _without_misspelt_required(errors, data, index):
        loc = tuple(err["loc"])
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            # point at the discriminator itself, e.g. the `kind:` line of an option
            disc = str(err.get("ctx", {}).get("discriminator", "")).strip("'")
            if disc:
                loc = (*loc, disc)
        if err["type"] == "unknown_profile" and isinstance(_value_at(data, loc), dict):
            # a mapping with an unknown `profile:`: point at that line
            loc = (*loc, "profile")
        line, path = line_map.line_of(loc, data)
        message = hint(dict(err), data, index)
        key = (line, path, message)
        if key in seen:
            continue
        seen.add(key)
        out.append(InputError(message, file=line_map.file, line=line or 1, field=path or None))
    return sorted(_one_line_per_mapping(out), key=lambda e: e.line or 0)


def _one_line_per_mapping(errors: list[InputError]) -> list[InputError]:
    """Required fields missing from one mapping (``scale_rate: {}``) as one error naming them
    all, at the mapping, instead of one line each."""
    missing: dict[tuple[int | None, str], list[str]] = {}
    for e in errors:
        if e.message == "required field is missing" and e.field and "." in e.field:
            parent, name = e.field.rsplit(".", 1)
            missing.setdefault((e.line, parent), []).append(name)
    out: list[InputError] = []
    done: set[tuple[int | None, str]] = set()
    for e in errors:
        if e.message == "required field is missing" and e.field and "." in e.field:
            parent = e.field.rsplit(".", 1)[0]
            names = missing[(e.line, parent)]
            if len(names) > 1:
                if (e.line, parent) not in done:
                    done.add((e.line, parent))
                    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
                    out.append(
                        InputError(
                            f"required fields {listed} are missing",
                            file=e.file,
                            line=e.line,
                            field=parent,
                        )
                    )
                continue
        out.append(e)
    return out
