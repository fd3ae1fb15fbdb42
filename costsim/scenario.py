"""The Scenario: traffic, workload and the hosting options to compare.

Scenario files are YAML with human units (see ``../shared/DESIGN.md``). :func:`load_scenario`
validates them with pydantic and turns every error into one ``FILE:LINE: field: message`` line.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from costsim.errors import InputError
from costsim.platforms.rules import BALANCERS, REUSE_POLICIES
from costsim.stats.distributions import Distribution, Lognormal
from costsim.traffic.compose import Profile
from costsim.units import UNITS_REQUIRED, duration_field, parse_size_mb
from costsim.yamlio import LineMap, child_of, load_yaml, load_yaml_text

DurationS = Annotated[float, BeforeValidator(duration_field)]
SizeMB = Annotated[float, BeforeValidator(parse_size_mb)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
PriceOverrides = dict[str, Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]]

#: Longest simulated horizon [s]: ten years. Longer runs need more memory for the rate grid
#: and time bins than is reasonable, and no price list is valid that long.
MAX_HORIZON_S = 10 * 365 * 86400.0
#: Shortest horizon [s]: usage is scaled to a month, and shorter runs scale noise into nonsense.
MIN_HORIZON_S = 1.0
#: Largest fleet, serverless concurrency or scale burst a scenario may ask for.
MAX_INSTANCES = 100_000


class _OneOf:
    """A validator accepting one name of a policy registry, with a did-you-mean otherwise.

    The registry (``costsim.platforms.rules``) is the only list of the names: the engines index
    it, and the schema reads it here, so a new policy is added in one place.

    Parameters
    ----------
    names : sequence of str
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


#: Reuse policy of warm serverless instances: a name of ``REUSE_POLICIES``.
ReusePolicy = Annotated[
    str,
    BeforeValidator(_OneOf(tuple(REUSE_POLICIES), "reuse policy")),
    WithJsonSchema({"type": "string", "enum": list(REUSE_POLICIES)}),
]
#: Balancer of a fleet: a name of ``BALANCERS``.
Balancer = Annotated[
    str,
    BeforeValidator(_OneOf(tuple(BALANCERS), "balancer")),
    WithJsonSchema({"type": "string", "enum": list(BALANCERS)}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


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


class ScaleRate(_Strict):
    """A token bucket on new instances: at most ``instances`` new ones per ``per`` seconds.

    AWS Lambda allows 1,000 new execution environments every 10 s per function.
    """

    instances: int = Field(ge=1, le=MAX_INSTANCES)
    per: DurationS = Field(gt=0)


class Extra(_Strict):
    """A priced add-on of a serverless option, billed alongside each invocation.

    Written as a plain add-on key (``api-gateway-http``) or as a mapping. ``key`` names an add-on
    catalog item; ``catalog`` + ``item`` name any catalog item, e.g. ``{catalog:
    aws-step-functions, item: standard}``. ``per_request`` multiplies every quantity the extra is
    rated on: 6 state transitions per execution, or 0.05 authorizer calls per API call when 95 %
    hit the authorizer cache. ``transitions`` is the option's requests (one workflow execution
    each) before the multiplier. ``free_tier`` overrides the option's setting for this extra.
    """

    key: str | None = None
    catalog: str | None = None
    item: str | None = None
    per_request: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    free_tier: bool | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Extra:
        if (self.key is None) == (self.catalog is None):
            raise ValueError("an extra needs either key or catalog (with item), not both")
        if self.catalog is not None and self.item is None:
            raise ValueError(f"extra from catalog {self.catalog!r} needs an item")
        return self

    @property
    def label(self) -> str:
        """How the extra is named in outputs: its key, or ``catalog/item``, with the factor."""
        name = self.key if self.key is not None else f"{self.catalog}/{self.item}"
        return name if self.per_request == 1.0 else f"{name} x{self.per_request:g}"


def _extra(value: Any) -> Any:
    return {"key": value} if isinstance(value, str) else value


ExtraSpec = Annotated[Extra, BeforeValidator(_extra)]


class ServerlessOption(_Strict):
    """Functions billed per invocation (AWS Lambda, Azure Functions, Cloud Run, ...)."""

    name: Name
    kind: Literal["serverless"]
    provider: str = "aws-lambda"
    arch: Literal["x86_64", "arm64"] = "x86_64"
    #: The priced variant of the provider's catalog, for products that are not split by
    #: architecture (``consumption`` for azure-functions, ``request-based`` for gcp-cloud-run,
    #: ``standard`` for cloudflare-workers); ``arch`` chooses it otherwise.
    plan: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    memory: SizeMB = Field(default=128.0, gt=0)
    cold_start: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", median=0.25, p99=0.9)
    )
    keep_alive: DurationS = Field(default=600.0, ge=0)
    concurrency_limit: int = Field(default=1000, ge=1, le=MAX_INSTANCES)
    scale_rate: ScaleRate | None = None
    reuse: ReusePolicy = "mru"
    provisioned_concurrency: int = Field(default=0, ge=0)
    instance_concurrency: int = Field(default=1, ge=1, le=1000)
    # products bill in steps of 1 ms to 1 min; an hour is a generous bound that keeps billed
    # durations (and their sums) finite
    billing_granularity: DurationS | None = Field(default=None, gt=0, le=3600)
    init_billed: bool | None = None
    free_tier: bool = True
    ephemeral_storage: SizeMB = Field(default=512.0, ge=0)
    extras: list[ExtraSpec] = Field(default_factory=list)
    prices: PriceOverrides = Field(default_factory=dict)

    @model_validator(mode="after")
    def _provisioned_within_limit(self) -> ServerlessOption:
        if self.provisioned_concurrency > self.concurrency_limit:
            raise ValueError("provisioned_concurrency cannot exceed concurrency_limit")
        return self


class Autoscale(_Strict):
    """Target tracking on utilisation, with boot delay and cooldown."""

    min: int = Field(default=1, ge=0, le=MAX_INSTANCES)
    max: int = Field(default=10, ge=1, le=MAX_INSTANCES)
    target_utilization: float = Field(default=0.6, gt=0, le=1)
    boot_time: DurationS = Field(default=60.0, ge=0)
    cooldown: DurationS = Field(default=300.0, ge=0)
    evaluation_period: DurationS = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _min_below_max(self) -> Autoscale:
        if self.min > self.max:
            raise ValueError(f"autoscale min ({self.min}) is above max ({self.max})")
        return self


class _FleetOption(_Strict):
    name: Name
    workers: int = Field(default=1, ge=1, le=100_000)
    balancer: Balancer = "shared_queue"
    queue_limit: int | None = Field(default=None, ge=0, le=10**9)
    queue_timeout: DurationS | None = Field(default=None, ge=0)
    prices: PriceOverrides = Field(default_factory=dict)


class VpsOption(_FleetOption):
    """Rented virtual machines: a fixed ``count`` or an ``autoscale`` group."""

    kind: Literal["vps"]
    instance: str = "hetzner-cx33"
    count: int | None = Field(default=None, ge=1, le=MAX_INSTANCES)
    autoscale: Autoscale | None = None
    savings_plan_discount: float = Field(default=0.0, ge=0, lt=1)

    @model_validator(mode="after")
    def _count_or_autoscale(self) -> VpsOption:
        if self.count is not None and self.autoscale is not None:
            raise ValueError("give either count or autoscale, not both")
        return self

    @property
    def fixed_count(self) -> int:
        """Instances in a fixed fleet (1 when neither count nor autoscale is given)."""
        return self.count if self.count is not None else 1


class BareMetalOption(_FleetOption):
    """Owned or dedicated servers: a fixed fleet, sized by hand or for the peak."""

    kind: Literal["bare_metal"]
    server: str = "hetzner-ax42"
    count: int | None = Field(default=None, ge=1, le=MAX_INSTANCES)
    sizing_utilization: float = Field(default=0.6, gt=0, le=1)
    commitment_months: int = Field(default=12, ge=1, le=1200)
    ops_usd_per_server_month: float = Field(default=0.0, ge=0, le=1e9, allow_inf_nan=False)


Option = Annotated[ServerlessOption | VpsOption | BareMetalOption, Field(discriminator="kind")]


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

    def option(self, name: str) -> ServerlessOption | VpsOption | BareMetalOption:
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
    from costsim.stats import distributions
    from costsim.traffic import compose

    return [
        Scenario,
        Workload,
        ServerlessOption,
        VpsOption,
        BareMetalOption,
        Autoscale,
        ScaleRate,
        Slo,
        Extra,
        compose.Sum,
        *compose.PROFILES.values(),
        *distributions.DISTRIBUTIONS.values(),
    ]


def _field_names() -> set[str]:
    return {name for model in _models() for name in model.model_fields}


def _tagged_models() -> dict[str, type[BaseModel]]:
    """Models of the tagged unions by tag: option kinds, traffic profiles, distributions."""
    from costsim.traffic import compose, distributions

    tags: dict[str, type[BaseModel]] = {
        "serverless": ServerlessOption,
        "vps": VpsOption,
        "bare_metal": BareMetalOption,
    }
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
    try:
        scenario = Scenario.model_validate(data, context={UNITS_REQUIRED: True})
    except ValidationError as exc:
        raise_all(_located_errors(exc, data, line_map))
        raise  # unreachable: a ValidationError holds at least one error
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
