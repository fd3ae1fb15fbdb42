"""Engines: run one option's platform model over a request stream.

Engines are chosen by name through :data:`ENGINES`: ``simpy``, the reference, and ``fast``, its
compiled twin (numba), which gives the same results about a hundred times faster. The fast
engine's kernels are imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from costsim.engine import simpy_fleet, simpy_serverless
from costsim.engine.common import EngineOutput


def _fast_serverless(*args: Any, **kwargs: Any) -> EngineOutput:
    """:func:`costsim.engine.fast_serverless.run_serverless`, imported on first call."""
    from costsim.engine.fast_serverless import run_serverless

    return run_serverless(*args, **kwargs)


def _fast_fleet(*args: Any, **kwargs: Any) -> EngineOutput:
    """:func:`costsim.engine.fast_fleet.run_fleet`, imported on first call."""
    from costsim.engine.fast_fleet import run_fleet

    return run_fleet(*args, **kwargs)


#: Engine name -> {model kind -> run function}.
ENGINES: dict[str, dict[str, Callable[..., Any]]] = {
    "fast": {"serverless": _fast_serverless, "fleet": _fast_fleet},
    "simpy": {
        "serverless": simpy_serverless.run_serverless,
        "fleet": simpy_fleet.run_fleet,
    },
}
