"""The Scenario: traffic, workload and the hosting options to compare.

Scenario files are YAML with human units (see ``../shared/DESIGN.md``). :func:`load_scenario`
validates them with pydantic and turns every error into one ``FILE:LINE: field: message`` line.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import (
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from costsim.application.schema import APPLICATION_MODELS, KEY_TAGS, Application
from costsim.errors import InputError
from costsim.fields import MAX_INSTANCES, DurationS, Name, PriceOverrides, SizeMB
from costsim.fields import Strict as _Strict
from costsim.kinds import KINDS
from costsim.kinds.bare_metal import BareMetalOption
from costsim.kinds.fleet import Balancer
from costsim.kinds.serverless import Extra, ExtraSpec, ReusePolicy, ScaleRate, ServerlessOption
from costsim.kinds.vps import Autoscale, VpsOption
from costsim.scenario_checks import check_application_settings, check_one_shape
from costsim.scenario_errors import (
    ScenarioErrors,
    SchemaIndex,
    hint,
    located_errors,
    raise_all,
)
from costsim.scenario_parts import (
    MAX_BATCHES,
    MAX_HORIZON_S,
    MIN_HORIZON_S,
    Batch,
    Slo,
    Workload,
    batch_windows,
    check_batch,
)
from costsim.stats.distributions import Fixed
from costsim.traffic.compose import Profile, Sum
from costsim.traffic.profiles import Schedule
from costsim.units import UNITS_REQUIRED
from costsim.yamlio import LineMap, load_yaml, load_yaml_text

# Names kept importable from here, where they were defined before the kinds package.
__all__ = [
    "MAX_BATCHES",
    "MAX_HORIZON_S",
    "MAX_INSTANCES",
    "MIN_HORIZON_S",
    "Autoscale",
    "Balancer",
    "BareMetalOption",
    "Batch",
    "DurationS",
    "Extra",
    "ExtraSpec",
    "Name",
    "Option",
    "PriceOverrides",
    "ReusePolicy",
    "ScaleRate",
    "Scenario",
    "ScenarioErrors",
    "ServerlessOption",
    "SizeMB",
    "Slo",
    "VpsOption",
    "Workload",
    "batch_windows",
    "load_scenario",
    "raise_all",
    "scenario_from_data",
    "scenario_from_text",
]


# the option models live with their kinds (costsim.kinds), the only place that names a kind;
# the union below is built from that registry, so a new kind needs no edit here
if TYPE_CHECKING:
    Option = Any
else:
    Option = Annotated[
        Union[tuple(k.model for k in KINDS.values())],  # noqa: UP007
        Field(discriminator="kind"),
    ]


class Scenario(_Strict):
    """A whole scenario file.

    Attributes
    ----------
    horizon : float
        Simulated time [s].
    traffic, workload : Profile, Workload
        One function's traffic and work. For an ``application`` scenario both are derived:
        ``traffic`` is the sum of the routes' traffic and ``workload`` a fixed duration equal
        to the mean work one request causes. They serve estimates, previews and fleet sizing;
        the application engine reads the routes and functions themselves.
    application : Application or None
        Many functions and routes instead of one ``traffic`` + ``workload``.
    batch : Batch or None
        The window each released batch of jobs must finish in (``summary.json`` then reports,
        per option, whether it did and the makespan).
    """

    name: Name
    description: str = ""
    horizon_s: DurationS = Field(
        default=30 * 86400.0, ge=MIN_HORIZON_S, le=MAX_HORIZON_S, alias="horizon"
    )
    #: Requests arriving before this time are left out of latency statistics (a warm-up, so
    #: that an empty start does not skew percentiles); counts and costs still include them.
    warmup_s: DurationS = Field(default=0.0, ge=0, le=MAX_HORIZON_S, alias="warmup")
    seed: int = Field(default=0, ge=0, lt=2**63)
    # Required unless an application is given, which derives them (_derive_from_application):
    # typed as always present, because after validation they always are.
    traffic: Profile = Field(default=None)  # type: ignore[assignment]
    workload: Workload = Field(default=None)  # type: ignore[assignment]
    application: Application | None = None
    options: list[Option] = Field(min_length=1)
    slo: Slo = Field(default_factory=Slo)
    batch: Batch | None = None
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
        if self.warmup_s >= self.horizon_s:
            raise ValueError("warmup must be shorter than the horizon")
        return self

    @model_validator(mode="after")
    def _derive_from_application(self) -> Scenario:
        app = self.application
        if app is None:
            missing = [k for k in ("traffic", "workload") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"{missing[0]} is required (or an application instead)")
            return self
        # The application engine would silently ignore them (dumps leave them out, so a
        # scenario dumped and validated again, as sweeps do, does not give them).
        if {"traffic", "workload"} & self.model_fields_set:
            raise ValueError(
                "an application scenario's traffic and workload are derived from its routes "
                "and functions; change application.routes.N.traffic or the functions instead"
            )
        from costsim.application.checks import mean_demand_s

        parts: list[Any] = []
        for route in app.routes:
            traffic = route.traffic
            parts.extend(traffic._parts() if isinstance(traffic, Sum) else [traffic])
        total = parts[0] if len(parts) == 1 else Sum.model_validate({"sum": parts})
        demand = mean_demand_s(app)
        counts = [r.traffic.expected_count(0.0, self.horizon_s) for r in app.routes]
        weight = sum(counts)
        mean_s = sum(c * demand[r.name] for c, r in zip(counts, app.routes, strict=True))
        mean_s = mean_s / weight if weight > 0 else max(demand.values())
        workload = Workload(duration=Fixed(dist="fixed", value=mean_s))
        # Frozen: set the derived fields in place, as validation builds this object anyway.
        object.__setattr__(self, "traffic", total)
        object.__setattr__(self, "workload", workload)
        return self

    def batch_releases(self) -> tuple[float | None, float]:
        """The batches' release period and first release [s] (``batch.every`` and
        ``batch.offset``, else the schedule traffic's); period None when neither gives it."""
        b = self.batch
        every = b.every_s if b is not None else None
        offset = b.offset_s if b is not None else None
        traffic: Profile | None = self.traffic
        if self.application is not None and b is not None and b.route is not None:
            # the batch route's own schedule (an unknown route is refused by check_batch)
            traffic = next((r.traffic for r in self.application.routes if r.name == b.route), None)
        if isinstance(traffic, Schedule):
            every = traffic.every_s if every is None else every
            offset = traffic.offset_s if offset is None else offset
        return every, offset or 0.0

    @model_serializer(mode="wrap")
    def _without_derived(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self.application is not None and isinstance(data, dict):
            data.pop("traffic", None)
            data.pop("workload", None)
        # a scenario without batches dumps as before the field existed: stored sweep points
        # and sweep folders keyed by the dump still resume
        if self.batch is None and isinstance(data, dict):
            data.pop("batch", None)
        return data

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


#: What a field that must be a mapping expects, by the name of the field (readable forms).
def _models() -> list[type[BaseModel]]:
    """Every model of the schema: the scenario's, each kind's (nested ones included), the
    profiles' and the distributions'."""
    from costsim.stats import distributions
    from costsim.traffic import compose

    models: list[type[BaseModel]] = [
        Scenario,
        Workload,
        Slo,
        Batch,
        compose.Sum,
        *compose.PROFILES.values(),
        *distributions.DISTRIBUTIONS.values(),
    ]
    for kind in KINDS.values():
        models += _with_nested(kind.model)
    return models + list(APPLICATION_MODELS)


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


def _tagged_models() -> dict[str, type[BaseModel]]:
    """Models of the tagged unions by tag: option kinds, traffic profiles, distributions."""
    from costsim.stats import distributions
    from costsim.traffic import compose

    tags: dict[str, type[BaseModel]] = {name: k.model for name, k in KINDS.items()}
    tags.update(compose.PROFILES)
    tags.update(distributions.DISTRIBUTIONS)
    return tags


def _index() -> SchemaIndex:
    """The scenario schema as the error messages read it."""
    return SchemaIndex(Scenario, _models(), _tagged_models(), KEY_TAGS)


def _hint(error: dict[str, Any], data: Any) -> str:
    """A readable message for one pydantic error of a scenario file (see :func:`hint`)."""
    return hint(error, data, _index())


def scenario_from_data(data: Any, line_map: LineMap, base_dir: Path | None = None) -> Scenario:
    """Validate loaded YAML data into a :class:`Scenario`.

    Durations in the file must carry a unit (a bare number is refused with a suggestion).

    Raises
    ------
    InputError
        Located by file, line and field; a :class:`ScenarioErrors` when there are several.
    """
    if not isinstance(data, dict):
        raise InputError(
            "a scenario must be a YAML mapping with name, traffic, workload and options",
            file=line_map.file,
            line=1,
        )
    check_one_shape(data, line_map)
    try:
        # files use the files' names only (keep_alive, not the Python keep_alive_s)
        scenario = Scenario.model_validate(data, context={UNITS_REQUIRED: True}, by_name=False)
    except ValidationError as exc:
        raise_all(located_errors(exc, data, line_map, _index()))
        raise  # unreachable: a ValidationError holds at least one error
    scenario = scenario.model_copy(
        update={"base_dir": base_dir, "source_file": line_map.file, "line_map": line_map}
    )
    check_application_settings(scenario)
    check_batch(scenario)
    return scenario


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
