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


@dataclass(frozen=True)
class Axis:
    """One swept variable and its values."""

    path: str
    values: tuple[Any, ...]
    log: bool = False

    def numeric(self) -> np.ndarray | None:
        """The values as floats when they are numbers (for root finding and charts)."""
        try:
            return np.array([float(v) for v in self.values])
        except (TypeError, ValueError):
            return None


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
        try:
            if len(parts) != 4:
                raise ValueError
            a, b, n = float(parts[1]), float(parts[2]), int(parts[3])
        except ValueError:
            raise InputError(
                f"{spec!r}: write {kind}:START:STOP:COUNT, e.g. {kind}:0.1:100:10", field="--vary"
            ) from None
        if n < 1 or n > 10_000 or not (np.isfinite(a) and np.isfinite(b)):
            raise InputError(f"{spec!r}: COUNT must be 1..10000, bounds finite", field="--vary")
        if kind == "log":
            if a <= 0 or b <= 0:
                raise InputError(f"{spec!r}: log bounds must be > 0", field="--vary")
            values = np.geomspace(a, b, n)
        else:
            values = np.linspace(a, b, n)
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
    """Set dotted ``path`` in scenario data; options are addressed by name."""
    parts = path.split(".")
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
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise InputError(f"{params}: {where}: {msg}", field="--vary") from None
    return scenario.model_copy(
        update={
            "base_dir": base.base_dir,
            "source_file": base.source_file,
            "line_map": base.line_map,
        }
    )


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Independent seeds for the replications, from ``SeedSequence(seed).spawn``."""
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
