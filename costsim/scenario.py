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
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from costsim.application.schema import Application, FunctionSettings
from costsim.errors import InputError
from costsim.traffic.compose import Profile, Sum
from costsim.traffic.distributions import Distribution, Fixed, Lognormal
from costsim.units import parse_duration_s, parse_size_mb
from costsim.yamlio import LineMap, child_of, load_yaml, load_yaml_text

DurationS = Annotated[float, BeforeValidator(parse_duration_s)]
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
    """

    duration: Distribution
    cpu_bound: float = Field(default=0.0, ge=0, le=1)
    reference_memory: SizeMB = Field(default=1769.0, gt=0)
    threads: int = Field(default=1, ge=1, le=64)
    payload: SizeMB = Field(default=0.0, ge=0, le=1024.0**2)


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
    reuse: Literal["mru", "newest", "oldest", "random"] = "mru"
    provisioned_concurrency: int = Field(default=0, ge=0)
    instance_concurrency: int = Field(default=1, ge=1, le=1000)
    billing_granularity: DurationS | None = Field(default=None, gt=0)
    init_billed: bool | None = None
    free_tier: bool = True
    ephemeral_storage: SizeMB = Field(default=512.0, ge=0)
    extras: list[ExtraSpec] = Field(default_factory=list)
    prices: PriceOverrides = Field(default_factory=dict)
    #: Per-function settings for an application scenario: ``{ingest: {memory: 1GB}}``.
    functions: dict[str, FunctionSettings] = Field(default_factory=dict)

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


Balancer = Literal["shared_queue", "round_robin", "random", "least_connections"]


class _FleetOption(_Strict):
    name: Name
    workers: int = Field(default=1, ge=1, le=100_000)
    balancer: Balancer = "shared_queue"
    queue_limit: int | None = Field(default=None, ge=0, le=10**9)
    queue_timeout: DurationS | None = Field(default=None, ge=0)
    prices: PriceOverrides = Field(default_factory=dict)
    #: For an application scenario: slots per server kept for asynchronous jobs (queued sends);
    #: without them, jobs share the ``workers`` with requests.
    background_workers: int | None = Field(default=None, ge=1, le=100_000)


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
    traffic, workload : Profile, Workload
        One function's traffic and work. For an ``application`` scenario both are derived:
        ``traffic`` is the sum of the routes' traffic and ``workload`` a fixed duration equal
        to the mean work one request causes. They serve estimates, previews and fleet sizing;
        the application engine reads the routes and functions themselves.
    application : Application or None
        Many functions and routes instead of one ``traffic`` + ``workload``.
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
        # The application engine would silently ignore them (dumps leave them out, so a
        # scenario dumped and validated again, as sweeps do, does not give them).
        if {"traffic", "workload"} & self.model_fields_set:
            raise ValueError(
                "an application scenario's traffic and workload are derived from its routes "
                "and functions; change application.routes.N.traffic or the functions instead"
            )
        # Frozen: set the derived fields in place, as validation builds this object anyway.
        object.__setattr__(self, "traffic", total)
        object.__setattr__(self, "workload", workload)
        return self

    @model_serializer(mode="wrap")
    def _without_derived(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self.application is not None and isinstance(data, dict):
            data.pop("traffic", None)
            data.pop("workload", None)
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

    def option(self, name: str) -> ServerlessOption | VpsOption | BareMetalOption:
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
    from costsim.traffic import compose, distributions

    models: list[type[BaseModel]] = [
        Scenario,
        Workload,
        ServerlessOption,
        VpsOption,
        BareMetalOption,
        Autoscale,
        ScaleRate,
        Slo,
        Extra,
        *_application_models(),
        compose.Sum,
        *compose.PROFILES.values(),
        *distributions.DISTRIBUTIONS.values(),
    ]
    names: set[str] = set()
    for model in models:
        names.update(model.model_fields)
    return sorted(names)


def _application_models() -> list[type[BaseModel]]:
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
    _one_shape(data, line_map)
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
    scenario = scenario.model_copy(
        update={"base_dir": base_dir, "source_file": line_map.file, "line_map": line_map}
    )
    _check_application(scenario)
    return scenario


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
        names = opt.functions if isinstance(opt, ServerlessOption) else {}
        if app is None and names:
            raise scenario.error(
                "functions: needs an application scenario", "options", i, "functions"
            )
        if app is None and not isinstance(opt, ServerlessOption) and opt.background_workers:
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
