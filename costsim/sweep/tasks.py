"""One sweep task (a point x a replication), run in any executor, stored atomically.

A task carries everything it needs as plain data, so a local process pool and a Dask cluster run
the same function on the same inputs and produce the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costsim.kinds import adapter
from costsim.output import write_atomic
from costsim.simulate import RESULTS_REVISION


@dataclass(frozen=True)
class Task:
    """A point of the grid at one replication.

    Attributes
    ----------
    index : int
        Position of the point in the grid.
    replication : int
        Replication number (0-based).
    params : dict
        The swept fields' values at this point.
    seed : int
        Seed of this replication.
    scenario : dict
        The base scenario as data (internal units).
    base_dir : str or None
        Folder that relative paths in the scenario resolve against.
    engine : str
        Engine name.
    catalog_files : tuple of str
        Extra catalog files.
    """

    index: int
    replication: int
    params: dict[str, Any]
    seed: int
    scenario: dict[str, Any]
    base_dir: str | None
    engine: str
    catalog_files: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A digest of everything that determines the result (for safe resuming)."""
        blob = json.dumps(
            [
                self.params,
                self.seed,
                self.scenario,
                self.engine,
                self.catalog_files,
                RESULTS_REVISION,
            ],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def filename(self) -> str:
        """Name of the file the result is stored in."""
        return f"p{self.index:04d}-r{self.replication:02d}.json"


OPTION_METRICS = (
    "cost_usd",
    "latency_mean_ms",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "p999_ms",
    "arrived",
    "served",
    "cold_starts",
    "throttled",
    "dropped",
    "timed_out",
    "cold_start_rate",
    "throttle_rate",
    "drop_rate",
    "instances_mean",
    "busy_mean",
    "utilization",
    "paid_idle_fraction",
)


#: Metrics of batch scenarios only: 1.0 when every batch finished within its window (else
#: 0.0), and the longest makespan [s] (0.0 when no job was served).
BATCH_METRICS = ("within_window", "makespan_s")


def batch_metrics(option: Any) -> dict[str, float]:
    """An option's :data:`BATCH_METRICS` ({} when the scenario has no batches)."""
    b = option.batches
    if b is None:
        return {}
    return {
        "within_window": 1.0 if b["finished_within_window"] else 0.0,
        "makespan_s": float(b["makespan_s_max"] or 0.0),
    }


def paid_idle_fraction(option: Any) -> float:
    """Share of what an option pays for that sits idle (its kind says how; see
    :meth:`costsim.kinds.base.OptionKind.paid_idle_fraction`).

    Fleets pay for every instance-second, so it is ``1 - utilization``. On-demand serverless pays
    only for billed duration (0); provisioned concurrency pays for its warm instances whether
    they work or not.
    """
    return adapter(option.kind).paid_idle_fraction(option)


def run_task(task: Task) -> dict[str, Any]:
    """Simulate one task and return its record (a JSON-ready dict)."""
    from costsim.scenario import Scenario
    from costsim.simulate import simulate
    from costsim.sweep.grid import set_path

    data = json.loads(json.dumps(task.scenario))
    for path, value in task.params.items():
        set_path(data, path, value)
    data["seed"] = task.seed
    scenario = Scenario.model_validate(data)
    if task.base_dir is not None:
        scenario = scenario.model_copy(update={"base_dir": Path(task.base_dir)})
    result = simulate(scenario, engine=task.engine, catalog_files=list(task.catalog_files))
    options = []
    for o in result.options:
        n = max(o.arrived, 1)
        options.append(
            {
                "name": o.name,
                "kind": o.kind,
                "components": {k: float(v) for k, v in o.cost.components.items()},
                "memory_mb": o.detail.get("memory_mb"),
                "metrics": {
                    "cost_usd": float(o.cost.total),
                    "latency_mean_ms": o.latency_ms.mean,
                    "p50_ms": o.latency_ms.p50,
                    "p95_ms": o.latency_ms.p95,
                    "p99_ms": o.latency_ms.p99,
                    "p999_ms": o.latency_ms.p999,
                    "arrived": o.arrived,
                    "served": o.served,
                    "cold_starts": o.cold_starts,
                    "throttled": o.throttled,
                    "dropped": o.dropped,
                    "timed_out": o.timed_out,
                    "cold_start_rate": o.cold_starts / n,
                    "throttle_rate": o.throttled / n,
                    # cut at the product's timeout: lost like a dropped request
                    "drop_rate": (o.dropped + o.timed_out) / n,
                    "instances_mean": o.instances_mean,
                    "busy_mean": o.busy_mean,
                    "utilization": o.utilization,
                    "paid_idle_fraction": paid_idle_fraction(o),
                    **batch_metrics(o),
                },
            }
        )
    return {
        "key": task.key,
        "index": task.index,
        "replication": task.replication,
        "params": task.params,
        "seed": task.seed,
        "catalogs": result.catalogs,
        "catalog_as_of": result.catalog_dates,
        "options": options,
        # what `costsim reprice` prices again without simulating
        "meters": {o.name: o.meters.to_json() for o in result.options if o.meters is not None},
        "catalog_files": list(result.catalog_files),
    }


def store(record: dict[str, Any], folder: Path, filename: str) -> None:
    """Write a task record atomically."""
    write_atomic(folder / filename, json.dumps(record, sort_keys=True, indent=1) + "\n")


def load_done(task: Task, folder: Path) -> dict[str, Any] | None:
    """The stored record of ``task`` if it exists, is complete and matches the task."""
    path = folder / task.filename
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("key") == task.key else None
