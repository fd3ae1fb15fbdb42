"""What the compiled application engine runs: a whitelist of settings, checked field by field.

The compiled engine (:mod:`costsim.engine.fast_app`) runs an application only when every
setting it uses is one that engine has been made to run exactly as the SimPy reference does;
anything else (a setting added to the reference since, or one never compiled) sends the whole
scenario to the reference, with one line naming it. :func:`first_gap` walks pydantic models
against a whitelist of ``(model, field)`` names: a field outside it is *used* when its value
differs from its default, so a new field stays on the reference until it is listed here.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from costsim.application.schema import APPLICATION_MODELS, Application, MapState
from costsim.engine.fast_app_program import MAX_SEGMENT_BOUND, all_states, segment_bound

#: The application settings the compiled engine runs (every one of the reference's at the
#: time of writing; traffic models and distributions are drawn in Python, as they stand).
APPLICATION_FIELDS: Mapping[str, frozenset[str]] = {
    # static sites never enter an engine: they are counted from their own traffic streams
    # (costsim/appsim/static.py), the same whichever engine runs the rest
    "Application": frozenset({"functions", "routes", "queues", "static"}),
    "FunctionSpec": frozenset(
        {
            "duration",
            "memory_mb",
            "keep_alive_s",
            "reserved_concurrency",
            "provisioned",
            "error_rate",
            "async_retries",
            "max_event_age_s",
            "steps",
        }
    ),
    "FunctionSettings": frozenset(
        {"memory_mb", "keep_alive_s", "reserved_concurrency", "provisioned", "cold_start"}
    ),
    "Route": frozenset({"name", "traffic", "authorizer", "steps", "workflow", "gateway"}),
    "Authorizer": frozenset({"function", "cache_ttl_s", "clients"}),
    "QueueSpec": frozenset(
        {
            "consumer",
            "batch_size",
            "batching_window_s",
            "max_concurrency",
            "visibility_timeout_s",
            "max_receives",
            "service",
            "item",
        }
    ),
    "Workflow": frozenset({"type", "states", "retry", "memory_mb"}),
    "Retry": frozenset({"error_rate", "max_attempts", "interval_s", "backoff"}),
    "CallStep": frozenset({"call"}),
    "SendStep": frozenset({"send", "via"}),
    "CallState": frozenset({"call", "retry"}),
    "MapState": frozenset({"map", "items", "max_concurrency", "retry"}),
    "ParallelState": frozenset({"parallel"}),
    "ChoiceState": frozenset({"choice"}),
    "ChoiceBranch": frozenset({"p", "states"}),
}
# static sites are not walked: all their settings are engine-independent (see "static" above)
_WALKED = tuple(m for m in APPLICATION_MODELS if m.__name__ != "StaticSite")


def first_gap(
    model: BaseModel,
    allowed: Mapping[str, frozenset[str]],
    path: str,
    walk: tuple[type[BaseModel], ...] = _WALKED,
) -> str | None:
    """The first setting of ``model`` (and of the models of types ``walk`` inside it) that
    ``allowed`` does not list and that differs from its default, as ``path.field``; None when
    every setting used is listed.

    Parameters
    ----------
    model : BaseModel
        The model to check.
    allowed : mapping of str to frozenset of str
        Per model class name, the fields the compiled engine runs; a class not listed has none.
    path : str
        Where ``model`` is, for the message.
    walk : tuple of type
        Model types to descend into (others, such as traffic models, are values).

    Returns
    -------
    str or None
        ``"path.field"`` of the first setting the compiled engine does not run.
    """
    cls = type(model)
    ok = allowed.get(cls.__name__, frozenset())
    for name, info in cls.model_fields.items():
        value = getattr(model, name)
        if name not in ok:
            default = info.get_default(call_default_factory=True)
            if value != default:
                return f"{path}.{name}"
            continue
        for k, item in _children(value):
            if isinstance(item, walk):
                gap = first_gap(item, allowed, f"{path}.{name}{k}", walk)
                if gap is not None:
                    return gap
    return None


def _children(value: object) -> list[tuple[str, object]]:
    """``value``'s items to walk, each with its path suffix."""
    if isinstance(value, dict):
        return [(f".{k}", v) for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [(f".{i}", v) for i, v in enumerate(value)]
    return [("", value)]


def application_gap(app: Application) -> str | None:
    """The first feature of ``app`` that the compiled engine does not run, or None."""
    gap = first_gap(app, APPLICATION_FIELDS, "application")
    if gap is not None:
        return gap
    for route in app.routes:
        if route.workflow is None:
            continue
        maps = [s for s in all_states(route.workflow.states) if isinstance(s, MapState)]
        if len({repr(m.items) for m in maps}) > 1:
            return f"route {route.name}: map states with different item distributions"
    if segment_bound(app) > MAX_SEGMENT_BOUND:
        return "an application whose one event could take more than a million draws"
    return None
