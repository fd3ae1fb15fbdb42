"""Every check of a scenario file in one pass: schema and units, catalog keys, run size.

``costsim validate``, ``run`` and ``sweep`` load scenarios through :func:`checked_scenario`, so a
file with five mistakes is reported with five ``FILE:LINE: field: message`` lines at once, the
catalog keys of the options that are otherwise valid included, instead of one per round.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from costsim.errors import InputError
from costsim.scenario import (
    Option,
    Scenario,
    ScenarioErrors,
    ServerlessOption,
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
    if not errors and scenario is not None and size:
        from costsim.guards import check_resources

        check_resources(scenario, force=force)
    raise_all(_unique(errors))
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
    filler: Any = ServerlessOption(name="placeholder", kind="serverless")
    errors = []
    for index, option in options.items():
        # each option alone, at its own index, so one bad key does not hide the next
        slots: list[Any] = [filler] * len(raw)
        slots[index] = option
        probe = Scenario.model_construct(  # type: ignore[call-arg]
            name=str(data.get("name", "scenario")),
            options=slots,
            catalogs=catalogs,
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
            out[index] = adapter.validate_python(item, context={UNITS_REQUIRED: True})
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
