"""Every check ``run`` makes before it simulates, for ``validate``, ``run`` and each sweep point.

:func:`checked_scenario` loads a file and reports all its problems in one pass (schema and units,
catalog keys of every option that is otherwise valid), so a file with five mistakes gets five
``FILE:LINE: field: message`` lines at once. :func:`check_run_inputs` then makes the checks that
need a loaded scenario: the resource guard and its analytic estimates, the catalogs with the
``--catalog`` files, and the traces, opened and read through. ``validate`` passing means ``run``
will not refuse the scenario for its input.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from costsim.errors import InputError
from costsim.guards import Estimate, check_resources
from costsim.kinds import KINDS
from costsim.scenario import (
    Option,
    Scenario,
    ScenarioErrors,
    raise_all,
    scenario_from_data,
)
from costsim.units import UNITS_REQUIRED
from costsim.yamlio import LineMap, load_yaml


def checked_scenario(
    path: str | Path,
    catalog_files: list[str | Path] | None = None,
    *,
    size: bool = False,
    force: bool = False,
) -> Scenario:
    """Load ``path`` and run every check that needs no simulation, reporting all problems.

    Parameters
    ----------
    path : str or Path
        The scenario file.
    catalog_files : list of path, optional
        Extra catalog files (``--catalog``), so keys they define resolve.
    size : bool
        Also run the resource guard (estimated requests, events and memory).
    force : bool
        Lift the guard's soft limits (``--force``).

    Raises
    ------
    InputError
        A :class:`~costsim.scenario.ScenarioErrors` when there are several problems.
    """
    data, line_map = load_yaml(path)
    base_dir = Path(path).resolve().parent
    errors: list[InputError] = []
    scenario: Scenario | None = None
    try:
        scenario = scenario_from_data(data, line_map, base_dir=base_dir)
    except ScenarioErrors as exc:
        errors += exc.errors
    except InputError as exc:
        errors.append(exc)
    if isinstance(data, dict):
        errors += catalog_problems(data, line_map, base_dir, catalog_files, scenario)
    raise_all(_unique(errors))
    if scenario is not None and size:
        check_run_inputs(scenario, catalog_files, force=force)
    assert scenario is not None
    return scenario


def catalog_problems(
    data: dict[str, Any],
    line_map: LineMap,
    base_dir: Path,
    catalog_files: list[str | Path] | None,
    scenario: Scenario | None,
) -> list[InputError]:
    """Catalog-key problems of every option that is itself valid, each located in the file."""
    from costsim.simulate import check_scenario

    raw = data.get("options")
    if not isinstance(raw, list):
        return []
    options = _valid_options(raw) if scenario is None else dict(enumerate(scenario.options))
    if not options:
        return []
    catalogs = scenario.catalogs if scenario is not None else _valid_catalogs(data)
    # any kind's option with its defaults: it only keeps the other indices occupied
    first = next(iter(KINDS.values()))
    filler: Any = first.model.model_validate({"name": "placeholder", "kind": first.name})
    errors = []
    for index, option in options.items():
        # each option alone, at its own index, so one bad key does not hide the next
        slots: list[Any] = [filler] * len(raw)
        slots[index] = option
        if scenario is not None:
            probe = scenario.model_copy(update={"options": slots})
        else:
            # the file has other problems: a stand-in with just what catalog checks read
            stand_in: dict[str, Any] = {"traffic": None, "workload": None}
            probe = Scenario.model_construct(
                name=str(data.get("name", "scenario")),
                options=slots,
                catalogs=catalogs,
                horizon_s=30 * 86400.0,
                warmup_s=0.0,
                **stand_in,
                base_dir=base_dir,
                source_file=line_map.file,
                line_map=line_map,
            )
        try:
            check_scenario(probe, catalog_files)
        except InputError as exc:
            errors.append(exc)
            if exc.field in (None, "catalogs") or not (exc.field or "").startswith("options"):
                break  # a problem of the catalogs themselves: the same for every option
    return errors


def _valid_options(raw: list[Any]) -> dict[int, Any]:
    adapter: TypeAdapter[Any] = TypeAdapter(Option)
    out = {}
    for index, item in enumerate(raw):
        try:
            out[index] = adapter.validate_python(
                item, context={UNITS_REQUIRED: True}, by_name=False
            )
        except ValidationError:
            continue
    return out


def _valid_catalogs(data: dict[str, Any]) -> dict[str, str]:
    value = data.get("catalogs")
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return {str(k): v for k, v in value.items()}
    return {}


def _unique(errors: list[InputError]) -> list[InputError]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for e in errors:
        key = (e.file, e.line, e.field, e.message)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return sorted(out, key=lambda e: (e.file or "", e.line or 0))


def replay_profiles(node: Any) -> Iterator[Any]:
    """Every replay profile in a traffic tree (a sum's parts included)."""
    from costsim.traffic.replay import Replay

    if isinstance(node, Replay):
        yield node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from replay_profiles(getattr(node, name))
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from replay_profiles(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from replay_profiles(item)


def check_traces(scenario: Any) -> int:
    """Open and read every trace the scenario replays, as ``run`` would.

    Returns
    -------
    int
        Traces read.

    Raises
    ------
    InputError
        ``FILE:LINE: column: message`` for the first bad row of a trace.
    """
    from costsim.traffic import STREAM_ARRIVALS
    from costsim.traffic.context import StreamContext

    count = 0
    for profile in replay_profiles(scenario.traffic):
        ctx = StreamContext(
            seed=scenario.seed,
            key=(STREAM_ARRIVALS, count),
            horizon_s=scenario.horizon_s,
            chunk_size=1 << 16,
            base_dir=scenario.base_dir,
        )
        # the first chunk reads and checks the whole trace
        next(iter(profile.requests(ctx)), None)
        count += 1
    return count


def check_run_inputs(
    scenario: Any,
    catalog_files: list[str | Path] | None = None,
    *,
    force: bool = False,
    traces: bool = True,
) -> Estimate:
    """Make every check ``run`` makes, without simulating.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.
    catalog_files : list of path, optional
        Extra catalog files (``--catalog``).
    force : bool
        Lift the soft resource limits, as ``run --force`` does.
    traces : bool
        Also read the replayed traces (a sweep reads them once, not per point).

    Returns
    -------
    Estimate
        The resource estimate of the run.
    """
    from costsim.simulate import check_scenario

    estimate = check_resources(scenario, force=force)
    check_scenario(scenario, catalog_files)
    if traces:
        check_traces(scenario)
    return estimate
