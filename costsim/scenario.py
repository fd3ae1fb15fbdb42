"""The Scenario: traffic, workload and the hosting options to compare.

Scenario files are YAML with human units (see ``../shared/DESIGN.md``). :func:`load_scenario`
validates them with pydantic and turns every error into one ``FILE:LINE: field: message`` line.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import BaseModel, Field, ValidationError, model_validator

from costsim.errors import InputError
from costsim.fields import MAX_INSTANCES, DurationS, Name, PriceOverrides, SizeMB
from costsim.fields import Strict as _Strict
from costsim.kinds import KINDS
from costsim.kinds.bare_metal import BareMetalOption
from costsim.kinds.fleet import Balancer
from costsim.kinds.serverless import Extra, ExtraSpec, ReusePolicy, ScaleRate, ServerlessOption
from costsim.kinds.vps import Autoscale, VpsOption
from costsim.stats.distributions import Distribution
from costsim.traffic.compose import Profile
from costsim.yamlio import LineMap, child_of, load_yaml, load_yaml_text

# Names kept importable from here, where they were defined before the kinds package.
__all__ = [
    "MAX_HORIZON_S",
    "MAX_INSTANCES",
    "MIN_HORIZON_S",
    "Autoscale",
    "Balancer",
    "BareMetalOption",
    "DurationS",
    "Extra",
    "ExtraSpec",
    "Name",
    "Option",
    "PriceOverrides",
    "ReusePolicy",
    "ScaleRate",
    "Scenario",
    "ServerlessOption",
    "SizeMB",
    "Slo",
    "VpsOption",
    "Workload",
    "load_scenario",
    "scenario_from_data",
    "scenario_from_text",
]

#: Longest simulated horizon [s]: ten years. Longer runs need more memory for the rate grid
#: and time bins than is reasonable, and no price list is valid that long.
MAX_HORIZON_S = 10 * 365 * 86400.0
#: Shortest horizon [s]: usage is scaled to a month, and shorter runs scale noise into nonsense.
MIN_HORIZON_S = 1.0

# the option models live with their kinds (costsim.kinds), the only place that names a kind;
# the union below is built from that registry, so a new kind needs no edit here
if TYPE_CHECKING:
    Option = Any
else:
    Option = Annotated[
        Union[tuple(k.model for k in KINDS.values())],  # noqa: UP007
        Field(discriminator="kind"),
    ]


class Workload(_Strict):
    """What one request does.

    Attributes
    ----------
    duration : Distribution
        Service time on the reference machine [s].
    cpu_bound : float
        Share of the duration that is CPU work. On serverless it scales with the CPU share that
        memory buys (1,769 MB = 1 vCPU, at most 6); the rest (waiting on I/O) does not.
    reference_memory : float
        Function memory at which ``duration`` was measured [MB].
    threads : int
        Threads the code can keep busy; single-threaded code gains nothing above 1 vCPU.
    payload : float
        Response size per request [MB], for data-transfer cost.
    cpu_time : float or None
        CPU time per request [s], for products that bill CPU time (Cloudflare Workers); when
        not given, the ``cpu_bound`` share of each duration is taken as CPU time.
    """

    duration: Distribution
    cpu_bound: float = Field(default=0.0, ge=0, le=1)
    reference_memory: SizeMB = Field(default=1769.0, gt=0)
    threads: int = Field(default=1, ge=1, le=64)
    payload: SizeMB = Field(default=0.0, ge=0, le=1024.0**2)
    cpu_time: DurationS | None = Field(default=None, ge=0, le=3600.0)


class Slo(_Strict):
    """Service-level objectives an option must meet."""

    p99: DurationS | None = Field(default=None, gt=0)
    throttle_rate: float | None = Field(default=None, ge=0, le=1)
    drop_rate: float | None = Field(default=None, ge=0, le=1)


class Scenario(_Strict):
    """A whole scenario file.

    Attributes
    ----------
    horizon : float
        Simulated time [s].
    """

    name: Name
    description: str = ""
    horizon: DurationS = Field(default=30 * 86400.0, ge=MIN_HORIZON_S, le=MAX_HORIZON_S)
    #: Requests arriving before this time are left out of latency statistics (a warm-up, so
    #: that an empty start does not skew percentiles); counts and costs still include them.
    warmup: DurationS = Field(default=0.0, ge=0, le=MAX_HORIZON_S)
    seed: int = Field(default=0, ge=0, lt=2**63)
    traffic: Profile
    workload: Workload
    options: list[Option] = Field(min_length=1)
    slo: Slo = Field(default_factory=Slo)
    catalogs: dict[str, str] = Field(default_factory=dict)

    #: Folder that relative paths in the scenario are resolved against (not a YAML field).
    base_dir: Path | None = Field(default=None, exclude=True)
    source_file: str | None = Field(default=None, exclude=True)
    line_map: LineMap | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique_names(self) -> Scenario:
        seen: set[str] = set()
        for option in self.options:
            if option.name in seen:
                raise ValueError(f"two options are named {option.name!r}; names must be unique")
            seen.add(option.name)
        if self.warmup >= self.horizon:
            raise ValueError("warmup must be shorter than the horizon")
        return self

    def error(self, message: str, *path: str | int) -> InputError:
        """An :class:`InputError` located at field ``path`` of this scenario's file."""
        line = None
        if self.line_map is not None:
            line, _ = self.line_map.line_of(path, None)
        return InputError(
            message,
            file=self.source_file,
            line=line,
            field=".".join(str(p) for p in path) or None,
        )

    def option(self, name: str) -> Any:
        """Return the option called ``name``."""
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(name)


def _hint(error: dict[str, Any], data: Any) -> str:
    """A 'did you mean' for unknown keys, and readable messages for common error types."""
    kind = error.get("type", "")
    loc = error.get("loc", ())
    msg = str(error.get("msg", "invalid value"))
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        known = _known_fields(loc)
        close = difflib.get_close_matches(key, known, n=1)
        tip = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown field {key!r}{tip}"
    if kind == "missing":
        return "required field is missing"
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


def _known_fields(loc: tuple[Any, ...]) -> list[str]:
    from costsim.stats import distributions
    from costsim.traffic import compose

    models: list[type[BaseModel]] = [
        Scenario,
        Workload,
        Slo,
        compose.Sum,
        *compose.PROFILES.values(),
        *distributions.DISTRIBUTIONS.values(),
    ]
    for kind in KINDS.values():
        models += _with_nested(kind.model)
    names: set[str] = set()
    for model in models:
        names.update(model.model_fields)
    return sorted(names)


def _with_nested(model: type[BaseModel]) -> list[type[BaseModel]]:
    """``model`` and the models its fields hold (``autoscale``, ``extras``, ...), recursively."""
    found = [model]
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            node = stack.pop()
            if isinstance(node, type) and issubclass(node, BaseModel):
                if node not in found:
                    found += _with_nested(node)
            else:
                stack.extend(typing.get_args(node))
    return found


def scenario_from_data(data: Any, line_map: LineMap, base_dir: Path | None = None) -> Scenario:
    """Validate loaded YAML data into a :class:`Scenario`.

    Raises
    ------
    InputError
        For the first validation error, located by file, line and field.
    """
    if not isinstance(data, dict):
        raise InputError(
            "a scenario must be a YAML mapping with name, traffic, workload and options",
            file=line_map.file,
            line=1,
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = tuple(first["loc"])
        if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
            # point at the discriminator itself, e.g. the `kind:` line of an option
            disc = str(first.get("ctx", {}).get("discriminator", "")).strip("'")
            if disc:
                loc = (*loc, disc)
        line, path = line_map.line_of(loc, data)
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise InputError(
            _hint(dict(first), data) + more, file=line_map.file, line=line or 1, field=path or None
        ) from None
    return scenario.model_copy(
        update={"base_dir": base_dir, "source_file": line_map.file, "line_map": line_map}
    )


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        The scenario YAML file.

    Raises
    ------
    InputError
        With ``FILE:LINE: field: message`` for any problem in the file.
    """
    data, line_map = load_yaml(path)
    return scenario_from_data(data, line_map, base_dir=Path(path).resolve().parent)


def scenario_from_text(text: str, file: str = "<string>") -> Scenario:
    """Validate a scenario given as YAML text (handy in notebooks and tests)."""
    data, line_map = load_yaml_text(text, file)
    return scenario_from_data(data, line_map)
