"""The ``costsim`` command line: thin wrappers over the Python API."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from costsim import __version__
from costsim.errors import InputError
from costsim.results import Result

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Bare metal, VPS or serverless? Simulate a scenario and see what each option costs.",
    pretty_exceptions_enable=False,
)
console = Console()
if not console.is_terminal:
    # piped or captured output: wide enough that the summary table never wraps
    console = Console(width=120)
err_console = Console(stderr=True)

EXIT_INPUT = 2
EXIT_INTERNAL = 1


def _version(value: bool) -> None:
    if value:
        console.print(f"costsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """costsim: where should this workload run?"""


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
    slo_p99_ms = result.slo.get("p99", 0) * 1000
    cheapest = min(result.options, key=lambda o: o.cost.total).name
    for o in result.options:
        n = max(o.arrived, 1)
        p99 = _fmt_ms(o.latency_ms.p99)
        if slo_p99_ms and o.latency_ms.p99 > slo_p99_ms:
            p99 += " !"
        table.add_row(
            o.name + (" *" if o.name == cheapest else ""),
            o.kind,
            f"{o.cost.total:,.2f}",
            _fmt_ms(o.latency_ms.p50),
            p99,
            f"{100 * o.cold_starts / n:.2f}%",
            f"{100 * o.throttled / n:.2f}%",
            f"{100 * o.dropped / n:.2f}%",
            f"{100 * o.utilization:.1f}%",
        )
    console.print(table)
    notes = ["* cheapest"]
    if slo_p99_ms:
        notes.append(f"! p99 above the SLO of {slo_p99_ms:g} ms")
    cats = ", ".join(f"{k}@{v}" for k, v in sorted(result.catalogs.items()))
    console.print(f"[dim]{'; '.join(notes)}. Catalogs: {cats}. Seed {result.seed}.[/dim]")


@app.command()
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
) -> None:
    """Simulate every option of SCENARIO and print cost and latency."""
    from costsim.output import write_run_outputs
    from costsim.scenario import load_scenario
    from costsim.simulate import simulate

    scn = load_scenario(scenario)
    if seed is not None:
        if not 0 <= seed < 2**63:
            raise InputError("--seed must be within 0 .. 2**63 - 1", field="--seed")
        scn = scn.model_copy(update={"seed": seed})
    if out is not None:
        _check_writable(out)
    with _progress_bar(TextColumn("[bold]{task.description}"), "{task.percentage:>3.0f}%") as bar:
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
        written = write_run_outputs(result, out, charts=charts)
        console.print(f"[dim]Wrote {len(written)} files to {out}/[/dim]")


def _progress_bar(label: TextColumn, count: str) -> Progress:
    """The progress bar of long commands: label, bar, count, elapsed time and ETA (on stderr,
    only on a terminal)."""
    return Progress(
        label,
        BarColumn(),
        TextColumn(count),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".costsim-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"cannot write to output folder: {exc.strerror}; choose another --out",
            file=str(out),
            field="--out",
        ) from None


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")]) -> None:
    """Check SCENARIO (schema, units, catalog keys) without simulating."""
    from costsim.scenario import load_scenario
    from costsim.simulate import check_scenario

    scn = load_scenario(scenario)
    check_scenario(scn)
    console.print(f"{scenario}: ok ({len(scn.options)} options, horizon {scn.horizon:g} s)")


@app.command()
def traffic(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the traffic chart.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Generate traffic beyond the soft size limits.")
    ] = False,
) -> None:
    """Preview SCENARIO's arrivals: count, mean and peak rate, idle time, and a chart."""
    from costsim.guards import check_resources
    from costsim.scenario import load_scenario
    from costsim.traffic.preview import summarise_traffic, traffic_chart

    scn = load_scenario(scenario)
    check_resources(scn, force=force)
    if out is not None:
        _check_writable(out)
    summary = summarise_traffic(scn)
    table = Table(
        title=f"{scn.name}: traffic over {scn.horizon / 86400:g} days", title_justify="left"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("profile", scn.traffic.describe())
    table.add_row("requests", f"{summary.count:,}")
    table.add_row("mean rate", f"{summary.mean_rps:,.3f} req/s")
    table.add_row(f"peak rate ({summary.bin_s / 60:g}-min bins)", f"{summary.peak_rps:,.3f} req/s")
    table.add_row("idle bins (no arrival)", f"{100 * summary.idle_fraction:.1f}%")
    table.add_row("mean duration", f"{1000 * summary.mean_duration_s:,.1f} ms")
    console.print(table)
    if out is not None:
        paths = traffic_chart(scn, summary, out)
        console.print(f"[dim]Wrote {', '.join(str(p) for p in paths)}[/dim]")


@app.command()
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
) -> None:
    """Run SCENARIO over a grid: where does each option win, and where do costs cross?"""
    from costsim.scenario import load_scenario
    from costsim.sweep import parse_vary, run_sweep

    scn = load_scenario(scenario)
    if warmup is not None:
        scn = _with_warmup(scn, warmup)
    axes = [parse_vary(v) for v in vary]
    if workers is not None and workers < 1:
        raise InputError("--workers must be >= 1", field="--workers")
    if out is not None:
        _check_writable(out)
    with _progress_bar(TextColumn("[bold]sweep"), "{task.completed}/{task.total} runs") as bar:
        task_id = bar.add_task("sweep", total=None)
        said: list[int] = []

        def progress(done: int, total: int, skipped: int) -> None:
            bar.update(task_id, completed=done, total=total)
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


def _fmt_value(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _with_warmup(scn: Any, text: str) -> Any:
    from costsim.units import parse_duration_s

    try:
        warmup_s = parse_duration_s(text)
    except ValueError as exc:
        raise InputError(str(exc), field="--warmup") from None
    if not 0 <= warmup_s < scn.horizon:
        raise InputError("must be >= 0 and shorter than the horizon", field="--warmup")
    return scn.model_copy(update={"warmup": warmup_s})


def print_sweep(result: Any) -> None:
    """Print who wins where and the crossovers of a sweep."""
    cross = result.crossovers
    var = cross["variable"]
    table = Table(
        title=f"{result.summary['scenario']}: cheapest option by {var}", title_justify="left"
    )
    for col in ("from", "to", "cheapest"):
        table.add_column(col)
    for w in cross["winners"]:
        table.add_row(
            f"{w['from']:g}" if isinstance(w["from"], float) else str(w["from"]),
            f"{w['to']:g}" if isinstance(w["to"], float) else str(w["to"]),
            w["option"],
        )
    console.print(table)
    if cross["crossovers"]:
        ct = Table(title="cost crossovers (95% interval over replications)", title_justify="left")
        for col in ("options", f"{var} at", "95% interval", "cheaper below"):
            ct.add_column(col)
        for c in cross["crossovers"]:
            ct.add_row(
                f"{c['a']} = {c['b']}",
                f"{c['at']:.4g}",
                f"{c['ci95'][0]:.4g} .. {c['ci95'][1]:.4g}" if c["ci95"] else "n/a",
                str(c.get("cheaper_below") or ""),
            )
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
    for t in cross.get("memory_tuning", []):
        console.print(f"memory tuning of {t['option']} ({t['goal']}): best {t['best']}")


def _register_subcommands() -> None:
    from costsim.cli_pricing import register
    from costsim.cli_report import register as register_report

    register(app)
    register_report(app)


_register_subcommands()


def main() -> None:
    """Console entry point: one line and exit 2 for bad input; exit 1 for internal errors."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        # not standalone, typer turns Ctrl-C into Exit(130) and returns that code
        code = app(standalone_mode=False)
        if code == 130:
            raise KeyboardInterrupt
        if isinstance(code, int) and code:
            sys.exit(code)
    except InputError as exc:
        if debug:
            traceback.print_exc()
        err_console.print(f"error: {exc.one_line()}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(EXIT_INPUT)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print("interrupted; files already written are intact")
        sys.exit(130)
    except Exception as exc:
        # click's (typer's vendored click's) exceptions: usage errors are bad input (exit 2)
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            code = int(exc.exit_code)
            msg = exc.format_message()
            hint = " (see costsim --help)" if code == EXIT_INPUT else ""
            err_console.print(f"error: {msg}{hint}", markup=False, soft_wrap=True)
            sys.exit(code)
        if debug:
            traceback.print_exc()
        err_console.print(
            f"internal error: {type(exc).__name__}: {exc}. This is a bug in costsim; please "
            "report it with the scenario and the output of the same command with --debug.",
            markup=False,
            soft_wrap=True,
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
