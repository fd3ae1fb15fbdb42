"""The checks of a scenario that its models cannot make field by field: one shape (traffic
and workload, or an application) and an application's per-option settings against its graph
(a batch window's release period is :func:`costsim.scenario_parts.check_batch`). Each raises
an :class:`~costsim.errors.InputError` located at the field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from costsim.errors import InputError
from costsim.yamlio import LineMap

if TYPE_CHECKING:
    from costsim.scenario import Scenario


def check_one_shape(data: dict[str, Any], line_map: LineMap) -> None:
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


def check_application_settings(scenario: Scenario) -> None:
    """Graph checks of the application, and options' per-function settings against it."""
    from costsim.application.checks import check_application, did_you_mean

    app = scenario.application
    for i, opt in enumerate(scenario.options):
        names = getattr(opt, "functions", None) or {}
        if app is None and names:
            raise scenario.error(
                "functions: needs an application scenario", "options", i, "functions"
            )
        if getattr(opt, "workflow_type", None) is not None and (
            app is None or not any(r.workflow is not None for r in app.routes)
        ):
            raise scenario.error(
                "workflow_type needs an application with a workflow route",
                "options",
                i,
                "workflow_type",
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
