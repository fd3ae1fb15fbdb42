"""Engines: run one option's platform model over a request stream.

Engines are chosen by name through :data:`ENGINES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from costsim.engine import simpy_fleet, simpy_serverless

#: Engine name -> {model kind -> run function}.
ENGINES: dict[str, dict[str, Callable[..., Any]]] = {
    "simpy": {
        "serverless": simpy_serverless.run_serverless,
        "fleet": simpy_fleet.run_fleet,
    },
}
