"""Command ``sweep``: a scenario over a grid, who wins where and where costs cross."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import TextColumn
from rich.table import Table

from costsim.cli.common import check_writable, console, err_console, progress_bar
from costsim.errors import InputError


def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help="PATH=VALUES, e.g. traffic.scale=log:0.01:100:25 or "
            "options.lambda.memory=128MB,256MB,1GB (repeat for a grid).",
        ),
    ],
    replications: Annotated[int, typer.Option("--replications", help="Runs per point.")] = 1,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (reruns resume from it).")
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="Simulation engine.")] = "fast",
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local worker processes [default: cores].")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler, e.g. tcp://host:8786.")
    ] = None,
    catalog: Annotated[
        list[Path] | None, typer.Option("--catalog", help="Extra catalog file (repeatable).")
    ] = None,
    tune_goal: Annotated[
        str, typer.Option("--tune-goal", help="Memory tuning goal: cost, speed or balanced.")
    ] = "balanced",
    warmup: Annotated[
        str | None,
        typer.Option("--warmup", help="Leave requests before this time (e.g. 1h) out of latency."),
    ] = None,
    charts: Annotated[bool, typer.Option("--charts/--no-charts", help="Draw charts.")] = True,
    horizon: Annotated[
        str | None,
        typer.Option("--horizon", help="Simulate this long at each point (e.g. 1d, 6h)."),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option("--quick", help="A fast first answer: one traffic period, 1 replication."),
    ] = False,
) -> None:
    """Run SCENARIO over a grid: where does each option win, and where do costs cross?"""
    from costsim.checks import checked_scenario
    from costsim.estimate import task_weights, with_horizon
    from costsim.sweep import check_sweep, parse_vary, run_sweep, stored_runs
    from costsim.sweep.grid import apply_point, grid

    scn = with_horizon(checked_scenario(scenario, list(catalog or [])), horizon, quick)
    if quick:
        replications = 1
    if warmup is not None:
        scn = _with_warmup(scn, warmup)
    axes = [parse_vary(v) for v in vary]
    if workers is not None and workers < 1:
        raise InputError("--workers must be >= 1", field="--workers")
    if out is not None:
        check_writable(out)
    # refusals come before the time estimate, so an error is the only line printed
    check_sweep(scn, axes, replications, tune_goal, scheduler, list(catalog or []))
    points = [apply_point(scn, params) for params in grid(axes)]
    files: list[str | Path] = list(catalog or [])
    stored = stored_runs(scn, axes, replications, engine, files, out) if out else None
    say_before_sweep(scn, points, engine, replications, workers, stored, out)
    # the bar and its ETA advance by each task's expected requests, not by task count: a
    # point at 100x the traffic is 100x the work
    weights = task_weights(points, replications)
    done_weight = [0.0, *itertools.accumulate(weights)]
    with progress_bar(TextColumn("[bold]sweep"), "{task.fields[runs]} runs") as bar:
        task_id = bar.add_task("sweep", total=done_weight[-1], runs="")
        said: list[int] = [1] if stored and sum(stored) else []

        def progress(done: int, total: int, skipped: int) -> None:
            # tasks are submitted in order, so the first `done` approximate the finished ones
            bar.update(
                task_id, completed=done_weight[min(done, len(weights))], runs=f"{done}/{total}"
            )
            if skipped and not said:
                said.append(skipped)
                err_console.print(f"resuming: {skipped} of {total} runs already done in {out}")

        result = run_sweep(
            scn,
            axes,
            replications=replications,
            out=out,
            engine=engine,
            workers=workers,
            scheduler=scheduler,
            catalog_files=list(catalog or []),
            tune_goal=tune_goal,
            progress=progress,
            charts=charts,
        )
    print_sweep(result)
    if out is not None:
        console.print(
            f"[dim]Wrote sweep.csv, sweep.parquet, summary.json, crossovers.json and charts "
            f"to {out}/[/dim]"
        )


def say_before_sweep(
    scn: Any,
    points: list[Any],
    engine: str,
    replications: int,
    workers: int | None,
    stored: list[int] | None = None,
    out: Path | None = None,
) -> None:
    """Warn about a short horizon, say how many runs ``out`` already holds (``stored``: per
    point) and announce the predicted wall time of the runs left to simulate."""
    import os

    from costsim.estimate import (
        contention,
        horizon_warning,
        quick_horizon_s,
        say_duration,
        sweep_runtime_s,
    )

    warning = horizon_warning(scn)
    if warning:
        err_console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    total = len(points) * replications
    n_stored = sum(stored or [])
    if n_stored:
        left_words = "nothing left to simulate" if n_stored == total else f"{total - n_stored} left"
        err_console.print(
            f"resuming: {n_stored} of {total} runs already stored in {out}; {left_words}",
            soft_wrap=True,
        )
        if n_stored == total:
            return
    left = [replications - k for k in stored] if stored else [replications] * len(points)
    n = workers or os.cpu_count() or 1
    slow = contention()
    predicted = sweep_runtime_s(points, engine, left, n) * slow
    if predicted < 20:
        return
    if n_stored:
        err_console.print(
            f"estimated time for the {total - n_stored} runs left {say_duration(predicted)}",
            soft_wrap=True,
        )
        return
    quick_h = quick_horizon_s(scn)
    quick = [p.model_copy(update={"horizon_s": quick_h}) for p in points]
    tip = f"; --quick takes {say_duration(sweep_runtime_s(quick, engine, 1, n) * slow)}"
    err_console.print(
        f"estimated sweep time {say_duration(predicted)} ({total} runs)"
        + (tip if quick_h < scn.horizon_s or replications > 1 else ""),
        soft_wrap=True,
    )


def _fmt_value(value: Any) -> str:
    from costsim.units import short_value

    return short_value(value)


def _with_warmup(scn: Any, text: str) -> Any:
    from costsim.units import parse_duration_s

    try:
        warmup_s = parse_duration_s(text)
    except ValueError as exc:
        raise InputError(str(exc), field="--warmup") from None
    if not 0 <= warmup_s < scn.horizon_s:
        raise InputError("must be >= 0 and shorter than the horizon", field="--warmup")
    return scn.model_copy(update={"warmup_s": warmup_s})


def print_sweep(result: Any) -> None:
    """Print who wins where and the crossovers of a sweep."""
    from costsim.units import short_number

    cross = result.crossovers
    var = cross["variable"]
    table = Table(
        title=f"{result.summary['scenario']}: cheapest option by {var}", title_justify="left"
    )
    for col in ("from", "to", "cheapest"):
        table.add_column(col)
    for w in cross["winners"]:
        table.add_row(_fmt_value(w["from"]), _fmt_value(w["to"]), w["option"])
    console.print(table)
    if cross["crossovers"]:
        ct = Table(title="cost crossovers (95% interval over replications)", title_justify="left")
        unit = f" [{cross['unit']}]" if cross.get("unit") else ""
        rates = any("at_text" in c for c in cross["crossovers"])
        cols = ["options", f"{var} at{unit}", "95% interval"]
        cols += ["traffic at the crossover"] if rates else []
        for col in [*cols, "cheaper below"]:
            ct.add_column(col)
        for c in cross["crossovers"]:
            row = [
                f"{c['a']} = {c['b']}",
                short_number(c["at"], 4),
                f"{short_number(c['ci95'][0], 4)} .. {short_number(c['ci95'][1], 4)}"
                if c["ci95"]
                else "n/a",
            ]
            row += [c.get("at_text", "")] if rates else []
            ct.add_row(*row, str(c.get("cheaper_below") or ""))
        console.print(ct)
    slo_rows = cross.get("slo_winners", [])
    if slo_rows and any(
        r["option"] != w for r, w in zip(slo_rows, [None] * len(slo_rows), strict=True)
    ):
        st = Table(title="cheapest option meeting the SLO", title_justify="left")
        st.add_column(var)
        st.add_column("option")
        st.add_column("idle paid capacity")
        idle = cross.get("idle_fraction", {})
        for k, r in enumerate(slo_rows):
            who = r["option"] or "none meets the SLO"
            frac = idle.get(r["option"], [None] * len(slo_rows))[k] if r["option"] else None
            st.add_row(
                _fmt_value(r["params"].get(var)), who, "" if frac is None else f"{100 * frac:.0f}%"
            )
        console.print(st)
    batch_lines(result.summary)
    for t in cross.get("memory_tuning", []):
        console.print(f"memory tuning of {t['option']} ({t['goal']}): best {t['best']}")


def batch_lines(summary: dict[str, Any]) -> None:
    """For a batch scenario, per option: at how many points every batch finished in its window."""
    points = summary.get("points", [])
    if not points or "within_window" not in points[0]["options"][0]:
        return
    for k, o in enumerate(points[0]["options"]):
        on_time = sum(p["options"][k]["within_window"]["mean"] == 1.0 for p in points)
        console.print(
            f"{o['name']}: every batch within its window at {on_time} of {len(points)} points"
        )


def register(app: typer.Typer) -> None:
    """Add ``sweep`` to the ``costsim`` app."""
    app.command()(sweep)
