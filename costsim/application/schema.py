"""The ``application`` block of a scenario file: functions, routes, queues and workflows.

The shape follows ``../shared/DESIGN.md`` ("Applications"). Step and state kinds are told apart by
their one distinguishing key (``call``, ``send``, ``parallel``, ``map``, ``choice``), as users
write them. Checks that need the whole application (names that must exist, cycles) live in
:mod:`costsim.application.checks`, so that each error can point at the offending line.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Discriminator, Field, Tag, TypeAdapter

from costsim.application.static import StaticSite
from costsim.fields import DurationS, Name, SizeMB
from costsim.fields import Strict as _Strict
from costsim.stats.distributions import Distribution, Fixed
from costsim.traffic.compose import Profile

#: Largest reserved or provisioned concurrency of one function.
MAX_CONCURRENCY = 100_000
#: Default maximum age of an asynchronous event [s]: 6 h (AWS Lambda ``MaximumEventAgeInSeconds``).
DEFAULT_MAX_EVENT_AGE_S = 6 * 3600.0


# -- steps a route or a function makes -------------------------------------------------------
class CallStep(_Strict):
    """``{call: f}``: a synchronous call; the caller waits for ``f`` to answer."""

    call: Name


class SendStep(_Strict):
    """``{send: target, via: queue|async}``: an asynchronous message; the caller does not wait.

    ``target`` is a function (``via: async`` is the function's own event queue, ``via: queue`` a
    message queue named after the function) or a queue declared under ``application.queues``.
    """

    send: Name
    via: Literal["queue", "async"] = "async"


def _step_tag(value: Any) -> str | None:
    keys = ("call", "send")
    if isinstance(value, dict):
        return next((k for k in keys if k in value), None)
    return next((k for k in keys if hasattr(value, k)), None)


Step = Annotated[
    Annotated[CallStep, Tag("call")] | Annotated[SendStep, Tag("send")],
    Discriminator(
        _step_tag,
        custom_error_type="unknown_step",
        custom_error_message="a step is {call: FUNCTION} or {send: TARGET, via: queue|async}",
    ),
]


# -- workflow states -------------------------------------------------------------------------
class Retry(_Strict):
    """Retries of a failed workflow task: ``attempts`` in all, waits growing by ``backoff``.

    Attributes
    ----------
    error_rate : float
        Probability that one attempt fails (on top of throttles, which are always retried).
    max_attempts : int
        Attempts in all, the first included (Step Functions ``MaxAttempts`` + 1).
    interval : float
        Wait before the first retry [s].
    backoff : float
        Factor by which each further wait grows.
    """

    error_rate: float = Field(default=0.0, ge=0, lt=1)
    max_attempts: int = Field(default=3, ge=1, le=100)
    interval_s: DurationS = Field(default=1.0, ge=0, alias="interval")
    backoff: float = Field(default=2.0, ge=1, le=100)


class CallState(_Strict):
    """``{call: f}``: run function ``f`` and wait for it."""

    call: Name
    retry: Retry | None = None


class ParallelState(_Strict):
    """``{parallel: [branch, ...]}``: run every branch at once and wait for all of them."""

    parallel: list[Branch] = Field(min_length=1, max_length=64)


def _has_text(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_text(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_text(v) for v in value)
    if not isinstance(value, str):
        return False
    try:
        float(value)  # YAML 1.1 reads 1e6 as text: a number all the same
    except ValueError:
        return True
    return False


def _item_count(value: Any) -> Any:
    # a count, not a duration: validated without the scenario's "durations need a unit" rule,
    # and refused with a unit (``value: 3s`` would otherwise read as 3)
    if not isinstance(value, dict):
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(
                f"items is a distribution of the count, e.g. {{dist: fixed, value: {value:g}}}"
            )
        return value
    for key, part in value.items():
        if key != "dist" and _has_text(part):
            raise ValueError(
                f"items is a count, not a duration: write {key}: as a number without a unit, "
                "e.g. {dist: fixed, value: 25}"
            )
    dist = TypeAdapter(Distribution).validate_python(value)
    if isinstance(dist, Fixed) and dist.value != round(dist.value):
        raise ValueError(f"a fixed item count is a whole number, got {dist.value:g}")
    return dist  # zero items is allowed: a Step Functions Map over an empty array succeeds


ItemCount = Annotated[Distribution, BeforeValidator(_item_count)]


class MapState(_Strict):
    """``{map: f, items: <distribution>, max_concurrency: n}``: run ``f`` once per item.

    ``items`` is a distribution of the item count (``{dist: fixed, value: 25}``), rounded to a
    whole number per execution; ``max_concurrency`` caps the items in flight (none: all at once).
    """

    map: Name
    items: ItemCount | None = None
    max_concurrency: int | None = Field(default=None, ge=1, le=MAX_CONCURRENCY)
    retry: Retry | None = None


class ChoiceBranch(_Strict):
    """One branch of a choice: taken with probability ``p``."""

    p: float = Field(ge=0, le=1)
    states: list[State] = Field(default_factory=list, max_length=256)


class ChoiceState(_Strict):
    """``{choice: [{p, states}, ...]}``: take one branch at random; the ``p`` sum to 1."""

    choice: list[ChoiceBranch] = Field(min_length=1, max_length=64)


def _state_tag(value: Any) -> str | None:
    keys = ("call", "parallel", "map", "choice")
    if isinstance(value, dict):
        return next((k for k in keys if k in value), None)
    return next((k for k in keys if hasattr(value, k)), None)


State = Annotated[
    Annotated[CallState, Tag("call")]
    | Annotated[ParallelState, Tag("parallel")]
    | Annotated[MapState, Tag("map")]
    | Annotated[ChoiceState, Tag("choice")],
    Discriminator(
        _state_tag,
        custom_error_type="unknown_state",
        custom_error_message="a state is {call}, {parallel: [...]}, {map: F, items} or {choice}",
    ),
]


def _branch(value: Any) -> Any:
    # a branch is one state or a list of states run in sequence
    return value if isinstance(value, list) else [value]


Branch = Annotated[list[State], BeforeValidator(_branch)]


class Workflow(_Strict):
    """A Step Functions style workflow.

    ``standard`` workflows are billed per state transition, ``express`` ones per execution and
    for their duration (rounded up to 100 ms) at ``memory`` (billed in 64 MB chunks).
    """

    type: Literal["standard", "express"] = "standard"
    states: list[State] = Field(min_length=1, max_length=256)
    retry: Retry | None = None
    memory_mb: SizeMB = Field(default=64.0, gt=0, le=10240, alias="memory")


# -- routes, functions, queues ---------------------------------------------------------------
class Authorizer(_Strict):
    """A custom authorizer in front of a route, with a per-client result cache.

    ``clients`` distinct callers (tokens) share the route's traffic evenly; a caller's cached
    result is valid for ``cache_ttl`` from the authorizer's response.
    """

    function: Name
    cache_ttl_s: DurationS = Field(default=0.0, ge=0, le=3600.0, alias="cache_ttl")
    clients: int = Field(default=1, ge=1, le=10**7)


class Route(_Strict):
    """An entry point with its own traffic: ``steps`` (calls and sends) or a ``workflow``.

    ``gateway`` names the add-on catalog item that bills each request on a serverless option
    (every request that reaches it, throttled ones included); ``null`` for routes that no
    gateway fronts (a schedule, an event source).
    """

    name: Name
    traffic: Profile
    authorizer: Authorizer | None = None
    steps: list[Step] | None = Field(default=None, max_length=256)
    workflow: Workflow | None = None
    gateway: str | None = "api-gateway-http"


class FunctionSpec(_Strict):
    """One function of the application.

    Attributes
    ----------
    duration : Distribution
        Its own run time per invocation [s], calls it makes not included.
    memory : float or None
        Memory on serverless [MB]; the option's ``memory`` when omitted.
    keep_alive : float or None
        Idle time before an instance is reclaimed [s]; the option's when omitted.
    reserved_concurrency : int or None
        Concurrent executions reserved for (and capping) this function; none shares the account.
    provisioned : int
        Instances kept warm all the time.
    error_rate : float
        Probability that an invocation fails (asynchronous events and queue messages are then
        retried; a synchronous caller gets the error).
    async_retries : int
        Retries of a failed asynchronous event (AWS default 2).
    max_event_age : float
        Longest an asynchronous event waits through throttles before it is dead-lettered [s].
    steps : list
        Calls and sends the function itself makes after its own work, in order.
    """

    duration: Distribution
    memory_mb: SizeMB | None = Field(default=None, gt=0, alias="memory")
    keep_alive_s: DurationS | None = Field(default=None, ge=0, alias="keep_alive")
    reserved_concurrency: int | None = Field(default=None, ge=0, le=MAX_CONCURRENCY)
    provisioned: int = Field(default=0, ge=0, le=MAX_CONCURRENCY)
    error_rate: float = Field(default=0.0, ge=0, lt=1)
    async_retries: int = Field(default=2, ge=0, le=2)
    max_event_age_s: DurationS = Field(
        default=DEFAULT_MAX_EVENT_AGE_S, ge=60, le=21600, alias="max_event_age"
    )
    steps: list[Step] = Field(default_factory=list, max_length=256)


class QueueSpec(_Strict):
    """A message queue between a sender and its ``consumer`` function.

    Attributes
    ----------
    consumer : str
        The function that processes the messages.
    batch_size : int
        Most messages one consumer invocation takes (its duration is the sum of theirs).
    batching_window : float
        Longest the oldest waiting message is held to fill a batch [s] (SQS
        ``MaximumBatchingWindowInSeconds``); 0 invokes as soon as a message is there.
    max_concurrency : int or None
        Most consumer invocations in flight for this queue (SQS ``MaximumConcurrency``).
    visibility_timeout : float
        Time before a message whose processing failed can be received again [s].
    max_receives : int
        Receives before a failing message goes to the dead-letter queue.
    service : str
        The catalog that prices the queue's requests: ``aws-sqs``, ``aws-sns`` or
        ``aws-eventbridge``.
    item : str
        The item of that catalog.
    """

    consumer: Name | None = None
    batch_size: int = Field(default=1, ge=1, le=10_000)
    batching_window_s: DurationS = Field(default=0.0, ge=0, le=300, alias="batching_window")
    max_concurrency: int | None = Field(default=None, ge=1, le=MAX_CONCURRENCY)
    visibility_timeout_s: DurationS = Field(
        default=30.0, ge=0, le=43200, alias="visibility_timeout"
    )
    max_receives: int = Field(default=3, ge=1, le=1000)
    service: str = "aws-sqs"
    item: str = "standard"


class Application(_Strict):
    """``application: {functions, routes, queues, static}``; ``static`` holds the sites a CDN
    serves on every option (:mod:`costsim.application.static`)."""

    functions: dict[Name, FunctionSpec] = Field(min_length=1, max_length=1000)
    routes: list[Route] = Field(min_length=1, max_length=1000)
    queues: dict[Name, QueueSpec] = Field(default_factory=dict, max_length=1000)
    static: list[StaticSite] = Field(default_factory=list, max_length=100)


ParallelState.model_rebuild()
ChoiceBranch.model_rebuild()
ChoiceState.model_rebuild()
Workflow.model_rebuild()

#: Every model of the application schema, for the error messages and the JSON Schema; listed,
#: not walked, because the workflow states nest recursively.
APPLICATION_MODELS: tuple[type[BaseModel], ...] = (
    Application,
    FunctionSpec,
    Route,
    Authorizer,
    QueueSpec,
    Workflow,
    Retry,
    CallStep,
    SendStep,
    CallState,
    MapState,
    ParallelState,
    ChoiceState,
    ChoiceBranch,
    StaticSite,
)

#: The step and state models by (the list field holding them, their distinguishing key), for
#: the error messages: ``{map: f, itmes: 3}`` is told the fields a map state takes.
KEY_TAGS: dict[tuple[str, str], type[BaseModel]] = {
    ("steps", "call"): CallStep,
    ("steps", "send"): SendStep,
    **{
        (holder, key): model
        for holder in ("states", "parallel")
        for key, model in (
            ("call", CallState),
            ("parallel", ParallelState),
            ("map", MapState),
            ("choice", ChoiceState),
        )
    },
}
