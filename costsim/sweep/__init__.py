"""Sweeps: where each option wins.

A sweep runs a scenario over a grid of values (``--vary``), with independent replications,
through a local process pool or a Dask cluster, and answers: which option is cheapest where,
where the cost curves cross (with 95 % intervals), which is the cheapest option meeting the SLO,
how much paid capacity sits idle, and which memory size suits a function best.
"""

from __future__ import annotations

import contextlib
import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costsim._version import __version__
from costsim.checks import check_run_inputs, check_traces
from costsim.errors import InputError
from costsim.folders import replaced_folder, write_error
from costsim.output import write_atomic
from costsim.scenario import Scenario
from costsim.simulate import display_path
from costsim.sweep.analysis import GOALS, aggregate
from costsim.sweep.crossover_doc import crossovers_doc
from costsim.sweep.grid import (
    MONTH_S,
    Axis,
    apply_point,
    expected_rps,
    grid,
    parse_vary,
)
from costsim.sweep.lock import sweep_folder_lock, sweep_identity
from costsim.sweep.runner import SweepProgress, check_scheduler, execute, make_tasks
from costsim.sweep.tasks import BATCH_METRICS, OPTION_METRICS, load_done

__all__ = [
    "GOALS",
    "MAX_SWEEP_RUNS",
    "Axis",
    "SweepResult",
    "check_sweep",
    "crossovers_doc",
    "parse_vary",
    "run_sweep",
]

#: Most runs (points x replications) one sweep may hold: each is a full simulation, its record
#: is kept in memory, and the grid is checked point by point before any starts.
MAX_SWEEP_RUNS = 100_000


@dataclass
class SweepResult:
    """Everything a sweep produced.

    Attributes
    ----------
    summary : dict
        The ``summary.json`` document (points with means and 95 % intervals).
    crossovers : dict
        The ``crossovers.json`` document.
    records : list of dict
        One record per (point, replication), as stored in ``points/``.
    skipped : int
        Tasks found finished from an earlier run and not recomputed.
    """

    summary: dict[str, Any]
    crossovers: dict[str, Any]
    records: list[dict[str, Any]]
    skipped: int = 0

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per point and option: the swept values, the expected
        traffic [req/s, requests a month], and each metric's mean and 95 % interval."""
        import pandas as pd

        rows = []
        for p in self.summary["points"]:
            for o in p["options"]:
                row: dict[str, Any] = dict(p["params"])
                for key in ("mean_rps", "requests_per_month"):
                    if key in p:
                        row[key] = p[key]
                row.update({"option": o["name"], "kind": o["kind"]})
                for metric, stats in sorted(o.items()):
                    if isinstance(stats, dict) and "mean" in stats:
                        row[metric] = stats["mean"]
                        row[f"{metric}.ci95_low"], row[f"{metric}.ci95_high"] = stats["ci95"]
                rows.append(row)
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        cross = self.crossovers.get("crossovers", [])
        said = "; ".join(
            f"{c['a']} = {c['b']} at {c.get('at_text') or format(c['at'], '.3g')}" for c in cross
        )
        return (
            f"<SweepResult {self.summary.get('scenario')}: {len(self.summary['points'])} points "
            f"x {self.summary.get('replications', 1)} replications"
            + (f"; {said}" if said else "; no crossovers")
            + ">"
        )


def run_sweep(
    scenario: Scenario,
    axes: list[Axis] | dict[str, list[Any]],
    *,
    replications: int = 1,
    out: str | Path | None = None,
    engine: str = "fast",
    workers: int | None = None,
    scheduler: str | None = None,
    catalog_files: list[str | Path] | None = None,
    tune_goal: str = "balanced",
    progress: SweepProgress | None = None,
    charts: bool = True,
) -> SweepResult:
    """Run ``scenario`` over a grid and analyse where each option wins.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    axes : list of Axis, or dict of path to values
        The swept fields; the first is the variable of crossovers and charts.
    replications : int
        Independent replications per point (seeds from ``SeedSequence(seed).spawn``).
    out : path, optional
        Output folder; finished tasks found there are reused (resume).
    engine, workers, scheduler : str, int, str
        Engine; local worker processes (default: all cores); Dask scheduler address.
    catalog_files : list of str, optional
        Extra catalog files.
    tune_goal : str
        Goal of memory tuning: ``cost``, ``speed`` or ``balanced``.

    Returns
    -------
    SweepResult
    """
    if isinstance(axes, dict):
        axes = [Axis(k, tuple(v)) for k, v in axes.items()]
    scheduler = check_sweep(scenario, axes, replications, tune_goal, scheduler, catalog_files)
    tasks = make_tasks(scenario, axes, replications, engine, catalog_files)
    first = tasks[0]
    identity = sweep_identity(
        first.scenario, [(a.path, a.values) for a in axes], engine, first.catalog_files
    )
    with contextlib.ExitStack() as stack:
        if out is not None:
            folder = Path(out)
        else:
            # without out nothing is kept: points go to a temporary folder, removed afterwards
            # (not a hidden .costsim-sweep/ left in the working directory)
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="costsim-sweep-")))
        with sweep_folder_lock(folder, identity):
            try:
                records, skipped = execute(tasks, folder / "points", workers, scheduler, progress)
            except OSError as exc:
                # a full disk while storing points: the points stored so far resume the sweep
                raise write_error(exc, folder) from None
            result = _analyse(scenario, axes, replications, engine, records, tune_goal, skipped)
            if out is not None:
                write_sweep_outputs(result, axes, folder, charts=charts)
    return result


def stored_runs(
    scenario: Scenario,
    axes: list[Axis],
    replications: int,
    engine: str,
    catalog_files: list[str | Path] | None,
    out: str | Path,
) -> list[int]:
    """Per grid point, how many of its replications ``out`` already holds (a rerun resumes
    them instead of simulating again)."""
    done = [0] * len(grid(axes))
    folder = Path(out) / "points"
    if not folder.is_dir():
        return done
    for task in make_tasks(scenario, axes, replications, engine, catalog_files):
        if load_done(task, folder) is not None:
            done[task.index] += 1
    return done


def check_sweep(
    scenario: Scenario,
    axes: list[Axis],
    replications: int,
    tune_goal: str = "balanced",
    scheduler: str | None = None,
    catalog_files: list[str | Path] | None = None,
) -> str | None:
    """Every check of a sweep before any work: flags, the grid's size, each point as ``run``
    checks it (catalogs, the resource guard), the traces once.

    Returns
    -------
    str or None
        The scheduler address in its full form (``tcp://host:port``).
    """
    if not axes:
        raise InputError("give at least one --vary PATH=VALUES", field="--vary")
    if not 1 <= replications <= 1000:
        raise InputError("replications must be 1..1000", field="--replications")
    if tune_goal not in GOALS:
        raise InputError(f"tune goal must be one of {', '.join(GOALS)}", field="--tune-goal")
    if scheduler is not None:
        scheduler = check_scheduler(scheduler)
    _check_grid_size(axes, replications)
    # every point checked as run checks it (catalogs, resource guard) before any work starts;
    # traces are read once, they do not change along the grid
    for params in grid(axes):
        check_run_inputs(apply_point(scenario, params), catalog_files, traces=False)
    check_traces(scenario)
    return scheduler


def _check_grid_size(axes: list[Axis], replications: int) -> None:
    """Refuse a grid too big to run before building it (10,000 x 10,000 values is 10^8 runs)."""
    runs = math.prod(len(a.values) for a in axes) * replications
    if runs > MAX_SWEEP_RUNS:
        sizes = " x ".join(f"{len(a.values):,}" for a in axes)
        raise InputError(
            f"the grid has {sizes} points x {replications} replications = {runs:,} runs, "
            f"more than the {MAX_SWEEP_RUNS:,} a sweep may hold; use fewer values per --vary",
            field="--vary",
        )


def _analyse(
    scenario: Scenario,
    axes: list[Axis],
    replications: int,
    engine: str,
    records: list[dict[str, Any]],
    tune_goal: str,
    skipped: int,
) -> SweepResult:
    points = aggregate(records, len(grid(axes)))
    _add_rates(scenario, points)
    summary = _summary(scenario, axes, replications, engine, records, points)
    summary["tune_goal"] = tune_goal
    cross = crossovers_doc(summary["slo"], axes, points, records, tune_goal)
    return SweepResult(summary, cross, records, skipped)


def _add_rates(scenario: Scenario, points: list[dict[str, Any]]) -> None:
    """Give each point its expected traffic in business units: req/s and requests a month."""
    for p in points:
        rps = expected_rps(apply_point(scenario, p["params"]))
        if rps is not None:
            p["mean_rps"] = rps
            p["requests_per_month"] = rps * MONTH_S


def _summary(
    scenario: Scenario,
    axes: list[Axis],
    replications: int,
    engine: str,
    records: list[dict[str, Any]],
    points: list[dict[str, Any]],
) -> dict[str, Any]:
    catalogs: dict[str, str] = {}
    as_of: dict[str, str] = {}
    for r in records:
        catalogs.update(r["catalogs"])
        as_of.update(r["catalog_as_of"])
    slo = {k: v for k, v in scenario.slo.model_dump().items() if v is not None}
    return {
        "kind": "sweep",
        "scenario": scenario.name,
        "description": scenario.description,
        "seed": scenario.seed,
        "horizon_s": scenario.horizon_s,
        "engine": engine,
        "catalogs": dict(sorted(catalogs.items())),
        "catalog_as_of": dict(sorted(as_of.items())),
        "costsim_version": __version__,
        "traffic": scenario.traffic.describe(),
        "slo": slo,
        "vary": [
            {"path": a.path, "values": list(a.values), "log": a.log, "unit": a.unit} for a in axes
        ],
        "replications": replications,
        "replication_seeds": sorted(
            {r["seed"] for r in records}, key=[r["seed"] for r in records].index
        ),
        "points": points,
        # what a report needs to simulate the sweep again (its sensitivity section)
        "scenario_file": display_path(scenario.source_file),
    }


def tidy_rows(result: SweepResult, axes: list[Axis]) -> list[dict[str, Any]]:
    """One row per point x option x replication x metric."""
    rows = []
    for rec in result.records:
        for opt in rec["options"]:
            extra = [m for m in BATCH_METRICS if m in opt["metrics"]]
            for metric in [*OPTION_METRICS, *extra]:
                row: dict[str, Any] = {"point": rec["index"]}
                for a in axes:
                    row[a.path] = str(rec["params"][a.path])
                row.update(
                    {
                        "option": opt["name"],
                        "kind": opt["kind"],
                        "replication": rec["replication"],
                        "seed": rec["seed"],
                        "metric": metric,
                        "value": float(opt["metrics"][metric]),
                    }
                )
                rows.append(row)
    return rows


def write_sweep_outputs(
    result: SweepResult, axes: list[Axis], folder: Path, charts: bool = True
) -> list[Path]:
    """Replace the sweep's outputs in ``folder`` at once: sweep.csv, sweep.parquet,
    summary.json, crossovers.json, charts and the manifest (``points/`` is carried over)."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rows = tidy_rows(result, axes)
    table = pa.Table.from_pylist(rows)
    csv_buf, parquet_buf = io.BytesIO(), io.BytesIO()
    pacsv.write_csv(table, csv_buf)
    pq.write_table(table, parquet_buf)
    files: dict[str, str | bytes] = {
        "sweep.csv": csv_buf.getvalue(),
        "sweep.parquet": parquet_buf.getvalue(),
        "summary.json": json.dumps(result.summary, indent=1, allow_nan=False) + "\n",
        "crossovers.json": json.dumps(result.crossovers, indent=1, allow_nan=False) + "\n",
    }
    with replaced_folder(folder) as stage:
        for name, data in files.items():
            write_atomic(stage / name, data)
        staged = [stage / name for name in files]
        if charts:
            from costsim.report.sweep_charts import sweep_charts

            staged += sweep_charts(result.summary, result.crossovers, stage)
    return [folder / p.relative_to(stage) for p in staged]
