"""The ``costsim`` app: its commands, one module per command group, and the entry point.

Importing it loads no simulation code: each command imports what it needs when it runs.
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer

from costsim._version import __version__
from costsim.cli import (
    breakeven,
    calibrate,
    catalog,
    new,
    pricing,
    report,
    reprice,
    run,
    schema,
    sweep,
)
from costsim.cli.common import EXIT_INPUT, EXIT_INTERNAL, console, err_console
from costsim.errors import InputError, printable

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Bare metal, VPS or serverless? Simulate a scenario and see what each option costs.",
    pretty_exceptions_enable=False,
)


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


for _group in (run, sweep, breakeven, pricing, catalog, report, reprice, calibrate, new, schema):
    _group.register(app)


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
        for line in exc.one_line().splitlines():  # several when a file has several problems
            err_console.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(EXIT_INPUT)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except MemoryError:
        err_console.print(
            "error: out of memory; make the scenario smaller (horizon, rates, --vary values) "
            "or run it on a larger machine",
            markup=False,
            soft_wrap=True,
        )
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:
        err_console.print("interrupted; files already written are intact")
        sys.exit(130)
    except Exception as exc:
        # click's (typer's vendored click's) exceptions: usage errors are bad input (exit 2)
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            code = int(exc.exit_code)
            msg = printable(exc.format_message())
            hint = " (see costsim --help)" if code == EXIT_INPUT else ""
            err_console.print(f"error: {msg}{hint}", markup=False, soft_wrap=True)
            sys.exit(code)
        if debug:
            traceback.print_exc()
        err_console.print(
            f"internal error: {type(exc).__name__}: {printable(str(exc))}. This is a bug in "
            "costsim; please report it with the scenario and the output of the same command "
            "with --debug.",
            markup=False,
            soft_wrap=True,
        )
        sys.exit(EXIT_INTERNAL)
