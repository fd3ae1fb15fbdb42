"""costsim: should this workload run on bare metal, a VPS, or serverless?

Quick start::

    import costsim
    scenario = costsim.load_scenario("scenarios/hello-api.yaml")
    result = costsim.simulate(scenario)

The names below are imported on first use (PEP 562), so that ``import costsim.cli`` or
``import costsim.units`` loads no simulation code: the package root sits above the simulation
chain, and nothing inside costsim imports it.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from costsim._version import __version__

if TYPE_CHECKING:
    from costsim.errors import InputError
    from costsim.scenario import Scenario, load_scenario, scenario_from_text
    from costsim.simulate import simulate

#: Public name -> the module that defines it (``simulate`` is the property below).
_EXPORTS = {
    "InputError": "costsim.errors",
    "Scenario": "costsim.scenario",
    "load_scenario": "costsim.scenario",
    "scenario_from_text": "costsim.scenario",
    "run_sweep": "costsim.sweep",
}

__all__ = [
    "InputError",
    "Scenario",
    "__version__",
    "load_scenario",
    "run_sweep",
    "scenario_from_text",
    "simulate",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'costsim' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The package root, whose ``simulate`` stays the function once the module of that name loads.

    Importing ``costsim.simulate`` (the module) makes the import system set the package's
    attribute ``simulate`` to that module, which would hide the function ``costsim.simulate``
    that users call. The attribute is a property instead, so that the setting is ignored and
    the function is always what ``costsim.simulate`` names, as it was when the root imported
    it eagerly. ``from costsim.simulate import ...`` reads ``sys.modules`` and is unaffected.
    """

    @property
    def simulate(self) -> Any:
        """:func:`costsim.simulate.simulate`, imported on first use."""
        from costsim.simulate import simulate

        return simulate

    @simulate.setter
    def simulate(self, value: Any) -> None:
        # the import system binds the submodule here; the function keeps the name
        pass


sys.modules[__name__].__class__ = _Package
