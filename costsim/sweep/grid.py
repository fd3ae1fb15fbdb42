"""Sweep grids: ``--vary PATH=SPEC`` and applying a point's values to a scenario.

``PATH`` is a dotted scenario field; options are addressed by name (``options.lambda.memory``).
``SPEC`` is ``log:a:b:n`` (n values spaced evenly in log), ``lin:a:b:n``, or a comma list
(``128MB,256MB,1GB``; values keep their units and are validated like the scenario file).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from costsim.errors import InputError
from costsim.scenario import Scenario
from costsim.units import values_with_units


@dataclass(frozen=True)
class Axis:
    """One swept variable and its values."""

    path: str
    values: tuple[Any, ...]
    log: bool = False

    def numeric(self) -> np.ndarray | None:
        """The values as floats (for root finding and charts), in :attr:`unit` when they carry
        one (``0.5rps,2rps`` -> 0.5, 2.0 req/s; ``128MB,1GB`` -> 128, 1024 MB); None when they
        are not numbers."""
        parsed = values_with_units(self.values)
        if parsed is not None:
            return np.array(parsed[0])
        try:
            return np.array([float(v) for v in self.values])
        except (TypeError, ValueError):
            return None

    @property
    def unit(self) -> str:
        """The unit :meth:`numeric` is in (``req/s``, ``s``, ``MB``), or ``""``."""
        parsed = values_with_units(self.values)
        return parsed[1] if parsed is not None else ""


def parse_vary(text: str) -> Axis:
    """Parse one ``--vary PATH=SPEC``.

    Raises
    ------
    InputError
        With field ``--vary`` and what to write instead.
    """
    if "=" not in text:
        raise InputError(f"expected PATH=VALUES, got {text!r}", field="--vary")
    path, spec = (s.strip() for s in text.split("=", 1))
    if not path or not spec:
        raise InputError(f"expected PATH=VALUES, got {text!r}", field="--vary")
    kind = spec.split(":", 1)[0]
    if kind in ("log", "lin"):
        parts = spec.split(":")
        suffix = ""
        try:
            if len(parts) != 4:
                raise ValueError
            ends = values_with_units((parts[1], parts[2]))
            if ends is not None:
                (a, b), suffix = ends[0], {"req/s": "rps"}.get(ends[1], ends[1])
            else:
                a, b = float(parts[1]), float(parts[2])
            n = int(parts[3])
        except ValueError:
            raise InputError(
                f"{spec!r}: write {kind}:START:STOP:COUNT, e.g. {kind}:0.1:100:10 "
                f"or {kind}:0.5rps:50rps:10",
                field="--vary",
            ) from None
        if n < 1 or n > 10_000 or not (np.isfinite(a) and np.isfinite(b)):
            raise InputError(f"{spec!r}: COUNT must be 1..10000, bounds finite", field="--vary")
        if kind == "log":
            if a <= 0 or b <= 0:
                raise InputError(f"{spec!r}: log bounds must be > 0", field="--vary")
            values = np.geomspace(a, b, n)
        else:
            values = np.linspace(a, b, n)
        if suffix:
            return Axis(path, tuple(f"{v:.6g}{suffix}" for v in values), log=kind == "log")
        return Axis(path, tuple(float(f"{v:.12g}") for v in values), log=kind == "log")
    items = [v.strip() for v in spec.split(",") if v.strip()]
    if not items:
        raise InputError(f"no values in {spec!r}", field="--vary")
    return Axis(path, tuple(_number_or_text(v) for v in items))


def _number_or_text(text: str) -> Any:
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return text


def grid(axes: list[Axis]) -> list[dict[str, Any]]:
    """Every combination of the axes' values, first axis varying slowest."""
    return [
        dict(zip([a.path for a in axes], combo, strict=True))
        for combo in itertools.product(*(a.values for a in axes))
    ]


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data in internal units (seconds, MB), ready to be edited."""
    return scenario.model_dump(mode="json", exclude={"base_dir", "source_file", "line_map"})


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set dotted ``path`` in scenario data; options are addressed by name.

    On an application, ``traffic.scale`` scales every route (:func:`scale_routes`).
    """
    parts = path.split(".")
    if parts[0] == "traffic" and data.get("application") is not None:
        scale_routes(data, path, value)
        return
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            match = [o for o in node if isinstance(o, dict) and o.get("name") == part]
            if not match and part.isdigit() and int(part) < len(node):
                match = [node[int(part)]]
            if not match:
                names = ", ".join(str(o.get("name")) for o in node if isinstance(o, dict))
                raise InputError(
                    f"no option named {part!r} in {path!r}; options: {names}", field="--vary"
                )
            if last:
                raise InputError(f"{path!r} names a whole option; add a field", field="--vary")
            node = match[0]
            continue
        if not isinstance(node, dict):
            raise InputError(f"{path!r}: {parts[i - 1]!r} has no fields", field="--vary")
        if last:
            node[part] = value
        else:
            if part not in node or node[part] is None:
                node[part] = {}
            node = node[part]


def scale_routes(data: dict[str, Any], path: str, value: Any) -> None:
    """``traffic.scale`` on an application: every route's traffic, times ``value``.

    An application has no top-level traffic of its own (it is the sum of its routes'), so
    ``traffic.scale=2`` doubles each route's rate, keeping the routes' own scales relative to
    one another; any other ``traffic.*`` path is refused with the paths that work.
    """
    if path != "traffic.scale":
        raise InputError(
            f"{path!r}: an application's traffic is the sum of its routes'; vary "
            "traffic.scale (scales every route) or application.routes.N.traffic.FIELD",
            field="--vary",
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"traffic.scale={value}: must be a number >= 0", field="--vary")
    for route in data["application"]["routes"]:
        traffic = route["traffic"]
        traffic["scale"] = float(traffic.get("scale", 1.0)) * float(value)


def apply_point(base: Scenario, params: dict[str, Any], seed: int | None = None) -> Scenario:
    """A copy of ``base`` with the point's values (and optionally another seed) applied."""
    data = scenario_data(base)
    for path, value in params.items():
        set_path(data, path, value)
    if seed is not None:
        data["seed"] = seed
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _vary_error(exc, data, params) from None
    return scenario.model_copy(
        update={
            "base_dir": base.base_dir,
            "source_file": base.source_file,
            "line_map": base.line_map,
        }
    )


def _vary_error(exc: ValidationError, data: dict[str, Any], params: dict[str, Any]) -> InputError:
    """One line naming the ``--vary PATH=VALUE`` at fault and what to write instead."""
    from costsim.scenario import _hint
    from costsim.yamlio import LineMap

    err = exc.errors()[0]
    _, where = LineMap("--vary").line_of(tuple(err["loc"]), data)
    parts = where.split(".")
    options = data.get("options", [])
    if len(parts) > 1 and parts[0] == "options" and parts[1].isdigit():
        parts[1] = str(options[int(parts[1])].get("name", parts[1]))  # options by name
    where = ".".join(parts)
    culprit = next((p for p in params if where == p or where.startswith(p + ".")), None)
    culprit = culprit or next((p for p in params if p.startswith(where)), None)
    shown = ", ".join(f"{k}={v}" for k, v in params.items())
    if culprit:
        shown = f"{culprit}={params[culprit]}" + ("" if where == culprit else f": {where}")
    else:
        shown += f": {where}"
    return InputError(f"{shown}: {_hint(dict(err), data)}", field="--vary")


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Independent seeds for the replications, from ``SeedSequence(seed).spawn``."""
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


#: Hours in the month costs are scaled to (730 h, as providers bill).
MONTH_S = 730 * 3600.0


def expected_rps(scenario: Scenario) -> float | None:
    """The scenario's expected mean arrival rate over its horizon [req/s], or None when it
    cannot be known without reading a trace that is not there."""
    try:
        count = scenario.traffic.expected_count(0.0, scenario.horizon_s)
    except Exception:  # a replayed trace that cannot be read here: no business units
        return None
    return float(count) / scenario.horizon_s


def rate_at(x: float, xs: np.ndarray, rates: list[float], log: bool) -> float:
    """The mean rate [req/s] at swept value ``x``, interpolated between the grid points.

    Rates are linear in ``traffic.scale`` and in a profile's ``mean_rps``, so interpolating in
    the value itself (not in log) between neighbours is exact for those axes.
    """
    del log  # linear in the value on log sweeps too
    return float(np.interp(x, xs, np.asarray(rates, dtype=float)))


def describe_rate(rps: float) -> str:
    """A rate for people: ``4.5 req/s, about 11.8M requests a month``."""
    per_month = rps * MONTH_S
    if per_month >= 1e9:
        count = f"{per_month / 1e9:.3g}B"
    elif per_month >= 1e6:
        count = f"{per_month / 1e6:.3g}M"
    elif per_month >= 1e3:
        count = f"{per_month / 1e3:.3g}k"
    else:
        count = f"{per_month:.3g}"
    return f"{rps:.3g} req/s, about {count} requests a month"
