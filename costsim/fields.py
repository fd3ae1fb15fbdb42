"""Field types of the scenario schema, with human units: the ground the option kinds stand on.

Every option kind (:mod:`costsim.kinds`) and the scenario itself build their pydantic models
from these, so ``250ms`` and ``128MB`` are read one way everywhere.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

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


class Strict(BaseModel):
    """A frozen model that refuses unknown fields (so a typo is an error, not a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


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
