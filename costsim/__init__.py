"""costsim: should this workload run on bare metal, a VPS, or serverless?

Quick start::

    import costsim
    scenario = costsim.load_scenario("scenarios/hello-api.yaml")
    result = costsim.simulate(scenario)
"""

from __future__ import annotations

__version__ = "0.1.0"

from costsim.errors import InputError
from costsim.scenario import Scenario, load_scenario, scenario_from_text
from costsim.simulate import simulate

__all__ = [
    "InputError",
    "Scenario",
    "__version__",
    "load_scenario",
    "run_sweep",
    "scenario_from_text",
    "simulate",
]


def __getattr__(name: str) -> object:
    # run_sweep is loaded on first use: importing costsim stays quick for CLI commands
    if name == "run_sweep":
        from costsim.sweep import run_sweep

        return run_sweep
    raise AttributeError(f"module 'costsim' has no attribute {name!r}")
