"""Field types of the scenario schema, with human units: the ground the option kinds stand on.

Every option kind (:mod:`costsim.kinds`) and the scenario itself build their pydantic models
from these, so ``250ms`` and ``128MB`` are read one way everywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Annotated, Any, Self, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

from costsim.units import duration_field, parse_size_mb

#: A duration written with a unit (``250ms``, ``10min``), held in seconds [s].
DurationS = Annotated[float, BeforeValidator(duration_field)]
#: A size written with a unit (``128MB``, ``1.5GB``), held in megabytes [MB].
SizeMB = Annotated[float, BeforeValidator(parse_size_mb)]
#: A name users refer to an option by (in ``--vary options.NAME.field`` paths too).
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
#: Price overrides: component name -> price in the component's own unit.
PriceOverrides = dict[str, Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]]

#: Largest fleet, serverless concurrency or scale burst a scenario may ask for.
MAX_INSTANCES = 100_000
#: Longest of a span a scenario states [s]: ten years, the longest horizon.
MAX_SPAN_S = 10 * 365 * 86400.0
#: Longest boot time, cooldown or evaluation period of an autoscaling policy [s]: one day. A VM
#: boots in minutes and scaling policies act within hours; beyond a day a value is a typo, and it
#: stretches the simulated work (drains, evaluations).
MAX_PHASE_S = 86400.0


def _numeric(annotation: Any) -> bool:
    """Whether a field annotation is a number (``int``, ``float``, optional or annotated)."""
    if annotation is bool:
        return False
    if annotation in (int, float):
        return True
    args = get_args(annotation)
    return bool(args) and bool not in args and any(_numeric(a) for a in args)


def refuse_booleans(model: type[BaseModel], data: Any) -> Any:
    """Turn ``true``/``false`` given for a number field into text, so it fails as not a number.

    pydantic reads ``true`` as 1 for ``int`` and ``float`` fields; in a scenario ``workers:
    true`` or ``count: false`` is a slip, so the field's own check reports it ("expected a whole
    number, got 'true'"), located like any other error.

    Parameters
    ----------
    model : type of BaseModel
        The model being validated.
    data : Any
        Its raw input.

    Returns
    -------
    Any
        ``data``, with booleans of number fields replaced by ``"true"``/``"false"``.
    """
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, field in model.model_fields.items():
        if _reads_itself(field.metadata, field.annotation) or not _numeric(field.annotation):
            continue  # a field with its own reader (durations, sizes, ``off``) judges booleans
        for key in {name, field.alias or name}:
            if isinstance(out.get(key), bool):
                out[key] = "true" if out[key] else "false"
    return out


def _reads_itself(metadata: list[Any], annotation: Any) -> bool:
    """Whether a field's type has a reader of its own (a ``BeforeValidator``)."""
    if any(isinstance(m, BeforeValidator) for m in metadata):
        return True
    if get_origin(annotation) is Annotated:
        return _reads_itself(list(annotation.__metadata__), get_args(annotation)[0])
    return any(_reads_itself([], a) for a in get_args(annotation))


class FileNamed(BaseModel):
    """A frozen model whose Python names carry units and whose files keep their own names.

    A field with a unit is named with it in code (``keep_alive_s``) and has the name files use
    (``keep_alive``) as its alias. Validation takes either name (files are validated by alias
    only, see :func:`costsim.scenario.scenario_from_data`); dumps and the JSON Schema use the
    file's names, so stored scenarios and ``--vary`` paths read as the files do. Unknown fields
    are refused, so a typo is an error, not a default. A model's numpydoc ``Attributes`` use the
    file's names too: the JSON Schema shows them to people writing files.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True
    )

    @model_validator(mode="before")
    @classmethod
    def _no_booleans(cls, data: Any) -> Any:
        """Refuse ``true``/``false`` for number fields (see :func:`refuse_booleans`)."""
        return refuse_booleans(cls, data)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with ``update`` applied, its keys given by Python or file name.

        Parameters
        ----------
        update : mapping of str to object, optional
            New values by field name (``horizon_s``) or file name (``horizon``); not validated.
        deep : bool
            Copy nested objects too.

        Returns
        -------
        Self
            The copy.

        Raises
        ------
        ValueError
            If a key names no field (pydantic would set it silently and change nothing).
        """
        if not update:
            return super().model_copy(update=update, deep=deep)
        fields = type(self).model_fields
        names = {info.alias: name for name, info in fields.items() if info.alias}
        named = {names.get(key, key): value for key, value in update.items()}
        unknown = sorted(set(named) - set(fields))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no field {', '.join(unknown)}")
        return super().model_copy(update=named, deep=deep)


class Strict(FileNamed):
    """A :class:`FileNamed` model that may hold arbitrary types (a scenario's line map)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)


def file_fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """A model's fields by the names files use: the alias where a field has one.

    Python names carry units (``keep_alive_s``); scenario files, error locations, dumps and the
    JSON Schema use the file's name (``keep_alive``), which is the alias.

    Parameters
    ----------
    model : type of BaseModel
        The model.

    Returns
    -------
    dict of str to FieldInfo
        File name -> the field, in declaration order.
    """
    return {info.alias or name: info for name, info in model.model_fields.items()}


class OneOf:
    """A validator accepting one name of a registry, with a did-you-mean otherwise.

    A registry (``costsim.platforms.rules.BALANCERS``, ...) is the only list of its names: the
    engines index it, and the schema reads it through this validator, so a new policy is added
    in one place.

    Parameters
    ----------
    names : tuple of str
        The registered names, in registry order.
    what : str
        What a name chooses, for the message (``balancer``, ``reuse policy``).
    """

    def __init__(self, names: tuple[str, ...], what: str) -> None:
        self.names = names
        self.what = what

    def __call__(self, value: Any) -> str:
        """Return ``value`` if it is a registered name; raise ``ValueError`` naming them if not."""
        if isinstance(value, str) and value in self.names:
            return value
        close = difflib.get_close_matches(str(value), self.names, n=1)
        tip = f"; did you mean {close[0]!r}?" if close else ""
        names = ", ".join(self.names)
        raise ValueError(f"unknown {self.what} {value!r}{tip} (use one of {names})")
