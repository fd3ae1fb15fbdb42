"""CLI commands about prices: ``costsim quote`` and ``costsim catalog list|show``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the pricing commands to the ``costsim`` app."""
