"""Field types of the scenario schema, with human units: the ground the option kinds stand on.

Every option kind (:mod:`costsim.kinds`) and the scenario itself build their pydantic models
from these, so ``250ms`` and ``128MB`` are read one way everywhere.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

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
        for key in {name, field.alias or name}:
            if isinstance(out.get(key), bool) and _numeric(field.annotation):
                out[key] = "true" if out[key] else "false"
    return out


class Strict(BaseModel):
    """A frozen model that refuses unknown fields (so a typo is an error, not a default), and
    booleans where it expects a number."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans(cls, data: Any) -> Any:
        return refuse_booleans(cls, data)


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
