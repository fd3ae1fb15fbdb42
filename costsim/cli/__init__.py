"""The ``costsim`` command line: thin wrappers over the Python API, one module per command group.

``run`` (run, validate, traffic), ``sweep``, ``pricing`` (quote, catalog) and ``report``; ``app``
holds the typer app and the entry point, ``common`` what the commands share.
"""

from costsim.cli.app import app, main

__all__ = ["app", "main"]
