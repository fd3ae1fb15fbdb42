"""Which inputs flip the decision: one-at-a-time changes to the inputs a reviewer doubts.

Each factor changes one assumption of the scenario (the free tier off, cold starts twice as long,
durations 30 % shorter or longer, an operations cost per owned server, a savings plan on rented
machines) and the scenario is simulated again with the same seed, so the only difference is the
factor (common random numbers). The answer, per factor, is the cost gap between the chosen
option and the runner-up, and which option is cheapest under it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costsim.errors import InputError
from costsim.fields import file_fields
from costsim.kinds import KINDS
from costsim.output import write_atomic
from costsim.scenario import Scenario
from costsim.sweep.grid import scenario_data

#: Operations cost added to each owned server in the "ops cost" factor [USD per server-month]:
#: about two hours of an engineer's time a month (patching, monitoring, a disk swap a year).
OPS_USD_PER_SERVER_MONTH = 150.0
#: Savings-plan discount in the "savings plan" factor [1]: a one-year commitment on rented
#: machines (AWS EC2 Instance Savings Plans reach about 40 %; 30 % is a middle value).
SAVINGS_PLAN_DISCOUNT = 0.3


def _scale_dist(dist: Any, factor: float) -> bool:
    """Scale a distribution mapping's time fields in place; False if it has none it can."""
    if not isinstance(dist, dict):
        return False
    keys = [k for k in ("value", "mean", "median", "p99") if isinstance(dist.get(k), (int, float))]
    for k in keys:
        dist[k] = dist[k] * factor
    if dist.get("dist") == "mixture":
        return any(_scale_dist(c.get("duration"), factor) for c in dist.get("components", []))
    return bool(keys)


def _has(option: dict[str, Any], field: str) -> bool:
    """Whether the option's kind has ``field`` (so the factor applies to it, whatever the kind)."""
    kind = KINDS.get(str(option.get("kind")))
    return kind is not None and field in file_fields(kind.model)


def _free_tier_off(data: dict[str, Any]) -> bool:
    hit = False
    for o in data["options"]:
        if _has(o, "free_tier") and o.get("free_tier", True):
            o["free_tier"] = False
            hit = True
    return hit


def _cold_start_x2(data: dict[str, Any]) -> bool:
    return any(
        _scale_dist(o.get("cold_start"), 2.0) for o in data["options"] if _has(o, "cold_start")
    )


def _duration(factor: float) -> Callable[[dict[str, Any]], bool]:
    def change(data: dict[str, Any]) -> bool:
        hit = _scale_dist(data.get("workload", {}).get("duration"), factor)
        # an application has no workload: each function's own duration is scaled instead
        for spec in (data.get("application") or {}).get("functions", {}).values():
            hit = _scale_dist(spec.get("duration"), factor) or hit
        return hit

    return change


def _ops_cost(data: dict[str, Any]) -> bool:
    hit = False
    for o in data["options"]:
        if _has(o, "ops_usd_per_server_month") and not o.get("ops_usd_per_server_month"):
            o["ops_usd_per_server_month"] = OPS_USD_PER_SERVER_MONTH
            hit = True
    return hit


def _savings_plan(data: dict[str, Any]) -> bool:
    hit = False
    for o in data["options"]:
        if _has(o, "savings_plan_discount") and not o.get("savings_plan_discount"):
            o["savings_plan_discount"] = SAVINGS_PLAN_DISCOUNT
            hit = True
    return hit


#: The factors, by label: each edits scenario data in place and says whether it applied.
FACTORS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "free tier off": _free_tier_off,
    "cold start x2": _cold_start_x2,
    "duration -30 %": _duration(0.7),
    "duration +30 %": _duration(1.3),
    f"ops cost ${OPS_USD_PER_SERVER_MONTH:g}/server-month": _ops_cost,
    f"savings plan {100 * SAVINGS_PLAN_DISCOUNT:g} %": _savings_plan,
}


@dataclass
class Factor:
    """One factor's outcome: every option's monthly cost [USD] and the cheapest option."""

    label: str
    costs_usd: dict[str, float]

    @property
    def cheapest(self) -> str:
        """The cheapest option under this factor."""
        return min(self.costs_usd, key=lambda n: self.costs_usd[n])


def sensitivity(
    scenario: Scenario,
    *,
    engine: str = "fast",
    catalog_files: list[str | Path] | None = None,
) -> dict[str, Any]:
    """Simulate the scenario under each applicable factor (same seed) and the baseline.

    Returns
    -------
    dict
        ``{"baseline": {option: USD}, "factors": [{"label", "costs_usd", "cheapest"}]}``, JSON
        ready; factors that change nothing in this scenario are left out.
    """
    from costsim.simulate import simulate

    def costs(s: Scenario) -> dict[str, float]:
        result = simulate(s, engine=engine, catalog_files=catalog_files)
        return {o.name: float(o.cost.total) for o in result.options}

    base = costs(scenario)
    factors = []
    for label, change in FACTORS.items():
        data = copy.deepcopy(scenario_data(scenario))
        if not change(data):
            continue
        variant = Scenario.model_validate(data).model_copy(
            update={"base_dir": scenario.base_dir, "source_file": scenario.source_file}
        )
        f = Factor(label, costs(variant))
        factors.append({"label": f.label, "costs_usd": f.costs_usd, "cheapest": f.cheapest})
    return {"baseline": base, "factors": factors}


def ensure_sensitivity(folder: Path, summary: dict[str, Any]) -> list[Path]:
    """Compute ``sensitivity.json`` (and its chart inputs) unless present and priced as the run
    is; returns files written.

    Nothing is written when the run's scenario file is gone or cannot be simulated here (a
    catalog given with ``--catalog`` at run time is not recorded).
    """
    from costsim.report.sensitivity import baseline_matches

    path = folder / "sensitivity.json"
    # one from before a re-price is computed again: its baseline is not this run's bill
    if path.exists() and baseline_matches(
        json.loads(path.read_text())["baseline"], summary["options"]
    ):
        return []
    source = summary.get("scenario_file")
    if not source or not Path(source).is_file():
        return []
    from costsim.scenario import load_scenario

    try:
        scn = load_scenario(source)
        scn = scn.model_copy(update={"seed": summary["seed"], "horizon_s": summary["horizon_s"]})
        names = [o["name"] for o in summary["options"]]
        if [o.name for o in scn.options] != names:
            return []  # the file changed since the run
        doc = sensitivity(scn, engine=str(summary.get("engine", "fast")))
    except InputError:
        return []
    if not baseline_matches(doc["baseline"], summary["options"]):
        return []  # the run was priced with catalogs given at run time, not known here
    write_atomic(path, json.dumps(doc, indent=1, sort_keys=True) + "\n")
    for chart in (folder / "sensitivity.png", folder / "sensitivity.svg"):
        chart.unlink(missing_ok=True)  # drawn from the old file: the report draws it again
    return [path]
