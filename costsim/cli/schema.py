"""Command ``schema``: the scenario's JSON Schema, or its field reference in Markdown."""

from __future__ import annotations

from typing import Annotated

import typer


def schema(
    markdown: Annotated[
        bool,
        typer.Option("--markdown", help="Print the field reference (docs/SCENARIO.md) instead."),
    ] = False,
) -> None:
    """Print the JSON Schema of scenario files (for editor completion and checks)."""
    import sys

    from costsim.reference import scenario_reference
    from costsim.schema import schema_text

    sys.stdout.write(scenario_reference() if markdown else schema_text())


def register(app: typer.Typer) -> None:
    """Add ``schema`` to the ``costsim`` app."""
    app.command()(schema)
