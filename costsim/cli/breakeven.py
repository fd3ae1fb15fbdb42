"""Command ``breakeven``: where two options cost the same, found by bisection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import TextColumn

from costsim.cli.common import check_writable, console, err_console, progress_bar, write_error
from costsim.errors import InputError


def breakeven(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    between: Annotated[
        tuple[str, str], typer.Option("--between", help="The two options to compare: A B.")
    ],
    vary: Annotated[
        str,
        typer.Option(
            "--vary",
            help="PATH, or PATH=RANGE: traffic.scale (default log:0.01:100:5), "
            "traffic.mean_rps=log:0.1rps:100rps:5, options.vps.count=lin:1:10:4.",
        ),
    ] = "traffic.scale",
    replications: Annotated[
        int, typer.Option("--replications", help="Replications (seeds) for the interval.")
    ] = 3,
    tolerance: Annotated[
        float, typer.Option("--tolerance", help="Relative precision of each crossover.")
    ] = 0.01,
    engine: Annotated[str, typer.Option("--engine", help="Simulation engine.")] = "fast",
    catalog: Annotated[
        list[Path] | None, typer.Option("--catalog", help="Extra catalog file (repeatable).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for breakeven.json.")] = None,
    horizon: Annotated[
        str | None, typer.Option("--horizon", help="Simulate this long at each point (e.g. 1d).")
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="One period of the traffic at each point.")
    ] = False,
) -> None:
    """Find where options A and B cost the same as PATH varies (bisection, common random
    numbers, a 95 % interval over replications): a fraction of a grid sweep's time."""
    from costsim.checks import checked_scenario
    from costsim.estimate import horizon_warning, with_horizon
    from costsim.sweep import parse_vary
    from costsim.sweep.breakeven import find_breakeven

    scn = with_horizon(checked_scenario(scenario, list(catalog or [])), horizon, quick)
    warning = horizon_warning(scn)
    if warning:
        err_console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    if "=" not in vary:
        if vary != "traffic.scale":
            raise InputError(f"give a range for {vary!r}, e.g. {vary}=lin:1:10:4", field="--vary")
        vary = "traffic.scale=log:0.01:100:5"
    axis = parse_vary(vary)
    if out is not None:
        check_writable(out, kind="add")
    _say_before_search(scn, between, axis, replications, engine)
    with progress_bar(TextColumn("[bold]breakeven"), "{task.completed} runs") as bar:
        task = bar.add_task("breakeven", total=None)
        result = find_breakeven(
            scn,
            between[0],
            between[1],
            axis,
            replications=replications,
            tolerance=tolerance,
            engine=engine,
            catalog_files=list(catalog or []),
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    a, b = between
    if not result.crossings:
        console.print(
            f"{a} and {b} do not cross between {axis.values[0]} and {axis.values[-1]} "
            f"({result.simulations} runs); widen the range with --vary {axis.path}=log:LO:HI:5"
        )
    for c in result.crossings:
        other = b if c.cheaper_below == a else a
        console.print(
            f"[bold]{a} = {b}[/bold] at {c.text(axis)}; {c.cheaper_below} is cheaper below, "
            f"{other} above"
        )
    console.print(
        f"[dim]{result.simulations} runs of 2 options in {result.elapsed_s:.1f} s, "
        f"{replications} replications (the same seed at every point)[/dim]"
    )
    if out is not None:
        path = out / "breakeven.json"
        from costsim.output import write_atomic

        # one file added beside others: atomic, and a symlink named so is replaced, not followed
        try:
            write_atomic(path, json.dumps(result.as_dict(), indent=1) + "\n")
        except OSError as exc:
            raise write_error(exc, out) from None
        console.print(f"[dim]Wrote {path}[/dim]")


def _say_before_search(
    scn: Any, between: tuple[str, str], axis: Any, replications: int, engine: str
) -> None:
    """Announce a long search: its first grid alone (each point, every replication, the two
    options) takes the predicted time; the bisection adds points after it."""
    from costsim.cli.run import ANNOUNCE_AFTER_S
    from costsim.estimate import contention, runtime_s, say_duration
    from costsim.sweep.grid import apply_point

    pair = [o for o in scn.options if o.name in between]
    try:
        two = scn.model_copy(update={"options": pair})
        grid_s = sum(
            runtime_s(apply_point(two, {axis.path: v}), engine, runs=replications)
            for v in axis.values
        )
    except (InputError, ValueError):
        return  # the search itself says what is wrong
    predicted = grid_s * contention()
    if predicted >= ANNOUNCE_AFTER_S:
        err_console.print(
            f"estimated search time: {say_duration(predicted)} for its first grid "
            f"({len(axis.values)} points x {replications} replications), then the bisection; "
            "--horizon, --replications 1 or a narrower --vary range is faster",
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Add ``breakeven`` to the ``costsim`` app."""
    app.command()(breakeven)
