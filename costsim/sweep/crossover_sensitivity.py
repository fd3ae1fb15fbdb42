"""Sensitivity of a sweep's crossovers: which doubted inputs move each break-even, and how far.

A sweep's answer is where the winner changes ("above 4.5 req/s the VPS is cheaper"). For each
crossover of the sweep and each factor of :mod:`costsim.sweep.sensitivity` that touches one of its
two options (free tier off, cold start x2, duration -30 % / +30 %, an ops cost, a savings plan),
the crossover is searched again by bracketing and bisection (:func:`find_breakeven`) within a
factor :data:`SPAN` of where the sweep found it, with the same seed with and without the factor
(common random numbers), so the shift is the factor's, not noise. A factor that leaves one option
cheaper across the whole bracket has moved the crossover out of it, and is reported so.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from costsim.errors import InputError
from costsim.output import write_atomic
from costsim.scenario import Scenario
from costsim.sweep.breakeven import find_breakeven
from costsim.sweep.grid import Axis, scenario_data
from costsim.sweep.sensitivity import FACTORS

#: The bracket around each crossover: from at / SPAN to at * SPAN on a log axis (at (1 -/+ 0.5)
#: on a linear one).
SPAN = 3.0
#: Relative bracket width at which the bisection stops [1].
TOLERANCE = 0.02


def _bracket(axis: Axis, at: float) -> Axis:
    """Three points around ``at``, with the axis's unit, for the break-even search."""
    xs = [at / SPAN, at, at * SPAN] if axis.log else [at * 0.5, at, at * 1.5]
    suffix = {"req/s": "rps", "s": "s", "MB": "MB"}.get(axis.unit, "")
    values = tuple(f"{x:.12g}{suffix}" if suffix else x for x in xs)
    return Axis(axis.path, values, axis.log)


def _crossing_near(
    scenario: Scenario, a: str, b: str, bracket: Axis, at: float, engine: str
) -> dict[str, Any]:
    """The crossover of ``a`` and ``b`` nearest ``at`` within ``bracket``, or which is cheaper."""
    result = find_breakeven(
        scenario, a, b, bracket, replications=1, tolerance=TOLERANCE, engine=engine
    )
    if result.crossings:
        best = min(result.crossings, key=lambda c: abs(c.at - at))
        return {"at": best.at, "at_rps": best.at_rps, "cheaper_below": best.cheaper_below}
    from costsim.simulate import simulate
    from costsim.sweep.grid import apply_point

    point = apply_point(scenario, {bracket.path: bracket.values[1]})
    costs = {o.name: float(o.cost.total) for o in simulate(point, engine=engine).options}
    return {"at": None, "cheaper_throughout": min((a, b), key=lambda n: costs[n])}


def crossover_sensitivity(
    scenario: Scenario, axis: Axis, crossovers: list[dict[str, Any]], engine: str = "fast"
) -> dict[str, Any]:
    """Each crossover's position without and with each factor that touches its two options.

    Parameters
    ----------
    scenario : Scenario
        The swept scenario (its horizon and seed as in the sweep).
    axis : Axis
        The sweep's first axis (the crossovers' variable).
    crossovers : list of dict
        The sweep's crossovers (``a``, ``b``, ``at`` in the axis's unit).
    engine : str
        Simulation engine.

    Returns
    -------
    dict
        ``{"variable", "unit", "span", "crossovers": [{"a", "b", "at", "baseline": {...},
        "factors": [{"label", "at" or None, "shift", "cheaper_throughout"}]}]}``; ``shift`` is
        the factor's crossover over the baseline's, minus 1.
    """
    out = []
    for c in crossovers:
        a, b, at = str(c["a"]), str(c["b"]), float(c["at"])
        bracket = _bracket(axis, at)
        base_data = scenario_data(scenario)
        base_data["options"] = [o for o in base_data["options"] if o["name"] in (a, b)]
        pair = _validated(base_data, scenario)
        baseline = _crossing_near(pair, a, b, bracket, at, engine)
        factors = []
        for label, change in FACTORS.items():
            data = copy.deepcopy(base_data)
            if not change(data):
                continue
            found = _crossing_near(_validated(data, scenario), a, b, bracket, at, engine)
            if found["at"] is not None and baseline["at"] is not None:
                found["shift"] = found["at"] / baseline["at"] - 1.0
            factors.append({"label": label, **found})
        out.append({"a": a, "b": b, "at": at, "baseline": baseline, "factors": factors})
    return {"variable": axis.path, "unit": axis.unit, "span": SPAN, "crossovers": out}


def _validated(data: dict[str, Any], scenario: Scenario) -> Scenario:
    return Scenario.model_validate(data).model_copy(
        update={"base_dir": scenario.base_dir, "source_file": scenario.source_file}
    )


def ensure_sweep_sensitivity(folder: Path, summary: dict[str, Any]) -> list[Path]:
    """Compute a sweep folder's ``crossover_sensitivity.json`` unless present; the files written.

    Nothing is written when the sweep has no crossover, or its scenario file is gone, changed or
    cannot be simulated here.
    """
    path = folder / "crossover_sensitivity.json"
    crossovers_path = folder / "crossovers.json"
    source = summary.get("scenario_file")
    if path.exists() or not source or not Path(source).is_file():
        return []
    try:
        crossovers = json.loads(crossovers_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not crossovers.get("crossovers") or not summary.get("vary"):
        return []
    from costsim.scenario import load_scenario

    first = summary["vary"][0]
    axis = Axis(first["path"], tuple(first["values"]), bool(first.get("log")))
    if axis.numeric() is None:
        return []
    try:
        scn = load_scenario(source)
        scn = scn.model_copy(update={"seed": summary["seed"], "horizon_s": summary["horizon_s"]})
        doc = crossover_sensitivity(
            scn, axis, crossovers["crossovers"], engine=str(summary.get("engine", "fast"))
        )
    except InputError:
        return []
    write_atomic(path, json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return [path]
