"""The Scenario: traffic, workload and the hosting options to compare.

Scenario files are YAML with human units (see ``../shared/DESIGN.md``). :func:`load_scenario`
validates them with pydantic and turns every error into one ``FILE:LINE: field: message`` line.
"""

from __future__ import annotations

import difflib
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

from costsim.application.schema import Application
from costsim.errors import InputError
from costsim.fields import MAX_INSTANCES, DurationS, Name, PriceOverrides, SizeMB
from costsim.fields import Strict as _Strict
from costsim.kinds import KINDS
from costsim.kinds.bare_metal import BareMetalOption
from costsim.kinds.fleet import Balancer
from costsim.kinds.serverless import Extra, ExtraSpec, ReusePolicy, ScaleRate, ServerlessOption
from costsim.kinds.vps import Autoscale, VpsOption
from costsim.stats.distributions import Distribution, Fixed
from costsim.traffic.compose import Profile, Sum
from costsim.traffic.profiles import Schedule
from costsim.units import UNITS_REQUIRED
from costsim.yamlio import LineMap, child_of, load_yaml, load_yaml_text

# Names kept importable from here, where they were defined before the kinds package.
__all__ = [
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
    arm64_speedup : float
        How many times faster a request runs on an arm64 (Graviton) function than on x86_64,
        where ``duration`` was measured [1]. 1.0 (the default) takes them as equal, so ``arch``
        changes only the price; measure your code on both before setting it.
    """

    duration: Distribution
    cpu_bound: float = Field(default=0.0, ge=0, le=1)
    reference_memory: SizeMB = Field(default=1769.0, gt=0)
    threads: int = Field(default=1, ge=1, le=64)
    payload: SizeMB = Field(default=0.0, ge=0, le=1024.0**2)
    cpu_time: DurationS | None = Field(default=None, ge=0, le=3600.0)
    arm64_speedup: float = Field(default=1.0, gt=0.1, le=10.0, allow_inf_nan=False)


class Slo(_Strict):
    """Service-level objectives an option must meet."""

    p99: DurationS | None = Field(default=None, gt=0)
    throttle_rate: float | None = Field(default=None, ge=0, le=1)
    drop_rate: float | None = Field(default=None, ge=0, le=1)


#: Most batches a run tallies (each is a row of five numbers and an entry of summary.json).
MAX_BATCHES = 10_000


class Batch(_Strict):
    """Jobs released in batches, each of which must be done within a window.

    Batch ``k`` is every request arriving in ``[offset + k * every, offset + (k + 1) * every)``;
    it must be served by ``offset + k * every + window``. ``every`` and ``offset`` default to a
    ``schedule`` traffic profile's; other traffic needs them.
    """

    window: DurationS = Field(gt=0, le=MAX_HORIZON_S)
    every: DurationS | None = Field(default=None, gt=0, le=MAX_HORIZON_S)
    offset: DurationS | None = Field(default=None, ge=0, le=MAX_HORIZON_S)


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
    horizon: DurationS = Field(default=30 * 86400.0, ge=MIN_HORIZON_S, le=MAX_HORIZON_S)
    #: Requests arriving before this time are left out of latency statistics (a warm-up, so
    #: that an empty start does not skew percentiles); counts and costs still include them.
    warmup: DurationS = Field(default=0.0, ge=0, le=MAX_HORIZON_S)
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
        if self.warmup >= self.horizon:
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
        counts = [r.traffic.expected_count(0.0, self.horizon) for r in app.routes]
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
        every = b.every if b is not None else None
        offset = b.offset if b is not None else None
        if isinstance(self.traffic, Schedule):
            every = self.traffic.every if every is None else every
            offset = self.traffic.offset if offset is None else offset
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


def _hint(error: dict[str, Any], data: Any) -> str:
    """A readable message naming what to write, for the error types users meet."""
    kind = error.get("type", "")
    loc = tuple(error.get("loc", ()))
    msg = str(error.get("msg", "invalid value"))
    field = next((str(p) for p in reversed(loc) if isinstance(p, str) and p in _field_names()), "")
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        known = _known_fields(loc, data)
        close = difflib.get_close_matches(key, known, n=1)
        tip = f"; did you mean {close[0]!r}?" if close else ""
        if not close and known:
            tip = f"; this mapping takes {', '.join(known)}"
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
        if not isinstance(value, dict):
            return f"expected {_MAPPING_FORMS['traffic']}, got {value!r}"
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
    return models + _application_models()


def _application_models() -> list[type[BaseModel]]:
    # listed, not walked: the workflow states nest recursively
    from costsim.application import schema

    return [
        schema.Application,
        schema.FunctionSpec,
        schema.FunctionSettings,
        schema.Route,
        schema.Authorizer,
        schema.QueueSpec,
        schema.Workflow,
        schema.Retry,
        schema.CallStep,
        schema.SendStep,
        schema.CallState,
        schema.MapState,
        schema.ParallelState,
        schema.ChoiceState,
        schema.ChoiceBranch,
    ]


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


def _field_names() -> set[str]:
    return {name for model in _models() for name in model.model_fields}


def _tagged_models() -> dict[str, type[BaseModel]]:
    """Models of the tagged unions by tag: option kinds, traffic profiles, distributions."""
    from costsim.stats import distributions
    from costsim.traffic import compose

    tags: dict[str, type[BaseModel]] = {name: k.model for name, k in KINDS.items()}
    tags.update(compose.PROFILES)
    tags.update(distributions.DISTRIBUTIONS)
    return tags


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The one pydantic model inside an annotation (``X | None``, ``list[X]``), if unique."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    found = {m for arg in typing.get_args(annotation) if (m := _nested_model(arg)) is not None}
    return found.pop() if len(found) == 1 else None


def _known_fields(loc: tuple[Any, ...], data: Any) -> list[str]:
    """The fields the mapping holding ``loc[-1]`` accepts (every field, if it is unclear)."""
    model: type[BaseModel] | None = Scenario
    node = data
    tags = _tagged_models()
    for part in loc[:-1]:
        found, child = child_of(node, part)
        if found:
            node = child
        if isinstance(part, str) and part in tags and not found:
            model = tags[part]
            continue
        if isinstance(part, int):
            if isinstance(node, dict):
                tagged = next(
                    (tags[v] for v in node.values() if isinstance(v, str) and v in tags), None
                )
                model = tagged or model
            continue
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            model = None
            continue
        model = _nested_model(model.model_fields[part].annotation)
        if model is None and isinstance(node, dict):
            model = next((tags[v] for v in node.values() if isinstance(v, str) and v in tags), None)
    if model is None:
        return sorted(_field_names())
    return sorted(name for name, f in model.model_fields.items() if not f.exclude)


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


def _located_errors(exc: ValidationError, data: Any, line_map: LineMap) -> list[InputError]:
    out: list[InputError] = []
    seen: set[tuple[int | None, str, str]] = set()
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            # point at the discriminator itself, e.g. the `kind:` line of an option
            disc = str(err.get("ctx", {}).get("discriminator", "")).strip("'")
            if disc:
                loc = (*loc, disc)
        line, path = line_map.line_of(loc, data)
        message = _hint(dict(err), data)
        key = (line, path, message)
        if key in seen:
            continue
        seen.add(key)
        out.append(InputError(message, file=line_map.file, line=line or 1, field=path or None))
    return sorted(out, key=lambda e: e.line or 0)


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
    _one_shape(data, line_map)
    try:
        scenario = Scenario.model_validate(data, context={UNITS_REQUIRED: True})
    except ValidationError as exc:
        raise_all(_located_errors(exc, data, line_map))
        raise  # unreachable: a ValidationError holds at least one error
    scenario = scenario.model_copy(
        update={"base_dir": base_dir, "source_file": line_map.file, "line_map": line_map}
    )
    _check_application(scenario)
    _check_batch(scenario)
    return scenario


def _check_batch(scenario: Scenario) -> None:
    """A ``batch:`` needs single-function traffic and a release period, located at the field."""
    if scenario.batch is None:
        return
    if scenario.application is not None:
        raise scenario.error(
            "batch windows are not measured for application scenarios yet", "batch"
        )
    every_s, _ = scenario.batch_releases()
    if every_s is None:
        raise scenario.error(
            "batch.every is required unless the traffic is a schedule: write when batches "
            "are released, e.g. batch: {window: 2h, every: 1d, offset: 2h}",
            "batch",
        )
    if scenario.horizon / every_s > MAX_BATCHES:
        raise scenario.error(
            f"{scenario.horizon / every_s:,.0f} batches over the horizon; at most "
            f"{MAX_BATCHES:,} are tallied: release them less often or simulate less",
            "batch",
        )


def _one_shape(data: dict[str, Any], line_map: LineMap) -> None:
    """Exactly one of traffic + workload or an application, located at the offending key."""

    def at(key: str, message: str) -> InputError:
        line, _ = line_map.line_of((key,), data)
        return InputError(message, file=line_map.file, line=line or 1, field=key)

    if "application" in data:
        for key in ("traffic", "workload"):
            if key in data:
                raise at(
                    key,
                    f"a scenario with an application takes no top-level {key}; give each "
                    "route its traffic and each function its duration",
                )
        return
    for key in ("traffic", "workload"):
        if key not in data:
            raise at(key, "required field is missing (or describe an application instead)")


def _check_application(scenario: Scenario) -> None:
    """Graph checks of the application, and options' per-function settings against it."""
    from costsim.application.checks import check_application, did_you_mean

    app = scenario.application
    for i, opt in enumerate(scenario.options):
        names = getattr(opt, "functions", None) or {}
        if app is None and names:
            raise scenario.error(
                "functions: needs an application scenario", "options", i, "functions"
            )
        if app is None and getattr(opt, "background_workers", None):
            raise scenario.error(
                "background_workers needs an application scenario",
                "options",
                i,
                "background_workers",
            )
        for name in names:
            if app is not None and name not in app.functions:
                raise scenario.error(
                    f"unknown function {name!r}" + did_you_mean(name, list(app.functions)),
                    "options",
                    i,
                    "functions",
                    name,
                )
    if app is not None:
        check_application(app, scenario.error)


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
