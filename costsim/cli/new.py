"""Command ``new``: write a commented scenario to start from, one that runs as written."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from costsim.cli.common import console
from costsim.errors import InputError

#: What each template models, by the name ``costsim new`` takes.
TEMPLATES = {
    "api": "an HTTP API with a daily cycle: Lambda + API Gateway, two VPS, a dedicated server",
    "batch": "a nightly batch of jobs: Lambda, an autoscaled VPS group, an owned server",
    "webhook": "rare, bursty webhooks: per-call functions or the smallest VPS",
    "app": "an app backend with quiet weekends, simulated over a week",
}


def template_text(kind: str, name: str) -> str:
    """The template ``kind`` with the scenario named ``name``."""
    if kind not in TEMPLATES:
        raise InputError(
            f"unknown template {kind!r}; use one of {', '.join(TEMPLATES)}", field="KIND"
        )
    text = (resources.files("costsim") / "templates" / f"{kind}.yaml").read_text("utf-8")
    return text.replace("NAME", name)


def new(
    kind: Annotated[str, typer.Argument(help="api, batch, webhook or app.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: KIND.yaml).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented scenario for KIND that validates and runs as written."""
    import re

    path = out or Path(f"{kind}.yaml")
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", path.stem).strip("-.") or kind
    text = template_text(kind, name)
    if path.exists() and not force:
        raise InputError("exists; choose another --out or add --force", file=str(path))
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=str(path)) from None
    console.print(f"Wrote {path} ({TEMPLATES[kind]}).")
    console.print(f"Next: costsim validate {path} && costsim run {path} --quick --out out/{name}")


def register(app: typer.Typer) -> None:
    """Add ``new`` to the ``costsim`` app."""
    app.command()(new)
