"""Commands ``run``, ``validate`` and ``traffic``: one scenario, simulated or previewed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import TaskID, TextColumn
from rich.table import Table

from costsim.cli.common import (
    check_writable,
    console,
    err_console,
    progress_bar,
    safe,
    write_error,
)
from costsim.errors import InputError
from costsim.report.backlog import backlog_words
from costsim.result_format import batch_words
from costsim.results import Result
from costsim.slo import SloRule, rates
from costsim.units import elapsed_words, format_duration, span_words


def _fmt_ms(ms: float) -> str:
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:,.1f}"


def print_summary(result: Result) -> None:
    """Print the per-option table of a Result."""
    table = Table(title=f"{result.scenario}: cost per month and latency", title_justify="left")
    for col, just in [
        ("option", "left"),
        ("kind", "left"),
        ("$/month", "right"),
        ("p50 ms", "right"),
        ("p99 ms", "right"),
        ("cold starts", "right"),
        ("throttled", "right"),
        ("dropped", "right"),
        ("utilisation", "right"),
    ]:
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    rule = SloRule.from_slo(result.slo)
    cheapest = min(result.options, key=lambda o: o.cost.total).name
    missing = False
    for o in result.options:
        n = max(o.arrived, 1)
        p99 = _fmt_ms(o.latency_ms.p99)
        lost = o.dropped + o.timed_out
        on_time = 0.0 if o.batches is not None and not o.batches["finished_within_window"] else 1.0
        if not rule.meets(o.latency_ms.p99, *rates(o.arrived, o.throttled, lost), on_time):
            p99 += " !"
            missing = True
        table.add_row(
            o.name + (" *" if o.name == cheapest else ""),
            o.kind,
            f"{o.cost.total:,.2f}",
            _fmt_ms(o.latency_ms.p50),
            p99,
            f"{100 * o.cold_starts / n:.2f}%",
            f"{100 * o.throttled / n:.2f}%",
            f"{100 * lost / n:.2f}%",
            f"{100 * o.utilization:.1f}%",
        )
    console.print(table)
    batch_lines(result)
    notes = ["* cheapest"]
    cut = [f"{o.name} {o.timed_out:,}" for o in result.options if o.timed_out]
    if cut:
        notes.append(f"dropped includes requests cut at the timeout ({', '.join(cut)})")
    notes += [
        f"{o.name}: {w}" for o in result.options for w in backlog_words(o.queues, result.horizon_s)
    ]
    if missing:
        limit = f"p99 at most {elapsed_words(rule.p99_ms / 1000)}, " if rule.p99_ms else ""
        window = " and every batch within its window" if result.options[0].batches else ""
        notes.append(f"! misses the SLO ({limit}{rule.lost_words()}{window})")
    cats = ", ".join(f"{k}@{v}" for k, v in sorted(result.catalogs.items()))
    console.print(f"[dim]{'; '.join(notes)}. Catalogs: {cats}. Seed {result.seed}.[/dim]")


def batch_lines(result: Result) -> None:
    """For a batch scenario, one line per option: finished within the window, and the makespan."""
    for o in result.options:
        if o.batches is not None:
            console.print(f"{o.name}: {batch_words(o.batches)}")


#: Predicted runs shorter than this [s] are not announced.
ANNOUNCE_AFTER_S = 20.0


def say_before_run(scn: Any, engine: str, runs: int = 1, workers: int = 1) -> None:
    """Warn about a horizon shorter than the traffic's period, and announce a long run."""
    from costsim.estimate import (
        contention,
        horizon_warning,
        quick_horizon_s,
        runtime_s,
        say_duration,
    )

    warning = horizon_warning(scn)
    if warning:
        err_console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    if scn.application is not None:
        from costsim.appsim.run import application_engine

        engine, note = application_engine(scn, engine)
        if note:
            err_console.print(f"note: {note}", markup=False, soft_wrap=True)
    slow = contention()
    predicted = runtime_s(scn, engine, runs, workers) * slow
    if predicted >= ANNOUNCE_AFTER_S:
        quick = scn.model_copy(update={"horizon_s": quick_horizon_s(scn)})
        tip = ""
        if quick.horizon_s < scn.horizon_s:
            tip = (
                f"; --quick ({format_duration(quick.horizon_s)}) takes "
                f"{say_duration(runtime_s(quick, engine, runs, workers) * slow)}"
            )
        err_console.print(f"estimated run time {say_duration(predicted)}{tip}", soft_wrap=True)


def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for summary.json, CSV and charts.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Override the scenario's seed.")
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="Simulation engine.")] = "fast",
    catalog: Annotated[
        list[Path] | None, typer.Option("--catalog", help="Extra catalog file (repeatable).")
    ] = None,
    charts: Annotated[bool, typer.Option("--charts/--no-charts", help="Draw charts.")] = True,
    force: Annotated[
        bool, typer.Option("--force", help="Run even if the run is estimated to be too big.")
    ] = False,
    horizon: Annotated[
        str | None,
        typer.Option("--horizon", help="Simulate this long instead (e.g. 1d, 6h, 2 weeks)."),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option("--quick", help="A fast first answer: one period of the traffic (>= 1h)."),
    ] = False,
) -> None:
    """Simulate every option of SCENARIO and print cost and latency."""
    from costsim.checks import checked_scenario
    from costsim.estimate import with_horizon
    from costsim.guards import check_resources
    from costsim.output import write_run_outputs
    from costsim.simulate import simulate

    scn = with_horizon(checked_scenario(scenario, list(catalog or [])), horizon, quick)
    check_resources(scn, force=force)  # refuse what cannot fit before announcing anything
    if seed is not None:
        if not 0 <= seed < 2**63:
            raise InputError("--seed must be within 0 .. 2**63 - 1", field="--seed")
        scn = scn.model_copy(update={"seed": seed})
    if out is not None:
        check_writable(out, kind="run")
    # refusals come before the time estimate, so an error is the only line printed
    check_resources(scn, force=force)
    say_before_run(scn, engine)
    with progress_bar(TextColumn("[bold]{task.description}"), "{task.percentage:>3.0f}%") as bar:
        tasks: dict[str, TaskID] = {}

        def progress(name: str, done: int, expected: float) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(f"simulating {name}", total=max(expected, 1.0))
            bar.update(tasks[name], completed=min(done, expected))

        result = simulate(
            scn,
            engine=engine,
            catalog_files=list(catalog or []),
            progress=progress,
            force=force,
        )
    print_summary(result)
    if out is not None:
        from costsim.report.charts import run_charts

        written = write_run_outputs(result, out, charts=run_charts if charts else None)
        console.print(f"[dim]Wrote {len(written)} files to {safe(out)}/[/dim]")


def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    catalog: Annotated[
        list[Path] | None, typer.Option("--catalog", help="Extra catalog file (repeatable).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Check as 'run --force' would (soft limits lifted).")
    ] = False,
) -> None:
    """Check SCENARIO as run would (schema, units, catalogs, traces, size) without simulating;
    every problem of the file is reported at once."""
    from costsim.checks import check_run_inputs, checked_scenario, replay_profiles
    from costsim.units import format_duration

    scn = checked_scenario(scenario, list(catalog or []))
    est = check_run_inputs(scn, list(catalog or []), force=force)
    traces = sum(1 for _ in replay_profiles(scn.traffic))
    read = f", {traces} trace{'s' if traces != 1 else ''} read" if traces else ""
    calls = f" making {est.invocations:,.0f} function invocations" if est.invocations else ""
    console.print(
        f"{safe(scenario)}: ok ({len(scn.options)} options, horizon "
        f"{format_duration(scn.horizon_s)}, about {est.requests:,.0f} requests{calls}{read})",
        soft_wrap=True,
    )


def traffic(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the traffic chart.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Generate traffic beyond the soft size limits.")
    ] = False,
) -> None:
    """Preview SCENARIO's arrivals: count, mean and peak rate, idle time, and a chart."""
    from costsim.guards import check_resources
    from costsim.report.traffic_chart import traffic_chart
    from costsim.scenario import load_scenario
    from costsim.traffic.preview import summarise_traffic

    scn = load_scenario(scenario)
    check_resources(scn, force=force)
    if out is not None:
        check_writable(out, kind="add")
    summary = summarise_traffic(scn)
    table = Table(
        title=f"{scn.name}: traffic over {span_words(scn.horizon_s)}", title_justify="left"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("profile", scn.traffic.describe())
    table.add_row("requests", f"{summary.count:,}")
    table.add_row("mean rate", f"{summary.mean_rps:,.3f} req/s")
    table.add_row(f"peak rate ({summary.bin_s / 60:g}-min bins)", f"{summary.peak_rps:,.3f} req/s")
    table.add_row("idle bins (no arrival)", f"{100 * summary.idle_fraction:.1f}%")
    # an application's derived workload is the work of every function one request reaches
    label = "mean work per request (all functions)" if scn.application else "mean duration"
    table.add_row(label, f"{1000 * summary.mean_duration_s:,.1f} ms")
    console.print(table)
    if out is not None:
        try:
            paths = traffic_chart(scn, summary, out)
        except OSError as exc:
            raise write_error(exc, out) from None
        console.print(f"[dim]Wrote {', '.join(str(p) for p in paths)}[/dim]")


def register(app: typer.Typer) -> None:
    """Add ``run``, ``validate`` and ``traffic`` to the ``costsim`` app."""
    app.command()(run)
    app.command()(validate)
    app.command()(traffic)
