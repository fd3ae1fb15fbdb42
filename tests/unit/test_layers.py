"""The layers of DESIGN.md ("Imports point one way") and what import-linter cannot say.

`lint-imports` (run by `make test`, configured in pyproject.toml) checks that imports point down
the layers and that sibling packages do not import each other in a circle. These tests add:

- no import cycle among any costsim modules, parents and children included (a package's
  ``__init__`` importing a module that imports the package back is a cycle import-linter's
  sibling contract does not see);
- every top-level package and module of costsim has a place in the layers contract, so a new
  one cannot slip past it;
- ``import costsim.cli`` loads no simulation code (DESIGN.md: the CLI is thin; ``--help`` and
  ``costsim quote`` should not wait for numba).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Cycles allowed for now; listed, not hidden (none: the lean MRU kernel's cycle went with it).
KNOWN_CYCLES: list[set[str]] = []

#: Modules ``import costsim.cli`` must not load.
HEAVY = ("costsim.engine", "costsim.simulate", "numba", "simpy", "matplotlib")


def import_cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative).

    Parameters
    ----------
    graph : grimp.ImportGraph
        Import graph; its modules are the nodes.

    Returns
    -------
    list of set of str
        Each group of modules that import each other, directly or through the others.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[set[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(component)
    return out


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # imports under `if TYPE_CHECKING:` never run, so they make no cycle (as in the contracts)
    return grimp.build_graph("costsim", cache_dir=None, exclude_type_checking_imports=True)


def test_cycle_finder_sees_a_planted_cycle() -> None:
    """The finder reports a three-module cycle and leaves a chain beside it alone."""
    g = grimp.ImportGraph()
    for m in ("p.a", "p.b", "p.c", "p.d", "p.e"):
        g.add_module(m)
    g.add_import(importer="p.a", imported="p.b")
    g.add_import(importer="p.b", imported="p.c")
    g.add_import(importer="p.c", imported="p.a")
    g.add_import(importer="p.d", imported="p.e")
    assert import_cycles(g) == [{"p.a", "p.b", "p.c"}]


def test_no_import_cycle_among_costsim_modules(graph: grimp.ImportGraph) -> None:
    """No group of costsim modules imports itself round, apart from the listed known one."""
    cycles = [c for c in import_cycles(graph) if c not in KNOWN_CYCLES]
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in cycles)


def test_every_top_level_module_has_a_layer(graph: grimp.ImportGraph) -> None:
    """Each package and module directly under costsim is named in the layers contract."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["id"] == "layers")["layers"]
    named = {
        part.strip().strip("()") for layer in layers for part in layer.replace("|", ":").split(":")
    }
    # the package root sits above every layer (it re-exports the API), and the version module
    # below them all: neither imports anything of costsim's
    children = graph.find_children("costsim") - {"costsim._version"}
    # a package may be split over layers by its modules (costsim.application.schema, .run)
    missing = {
        c for c in children if c not in named and not any(n.startswith(c + ".") for n in named)
    }
    assert missing == set(), "add these to a layer in pyproject.toml"


def test_import_cli_loads_no_simulation_code() -> None:
    """``import costsim.cli`` leaves the engine, the chain, numba, simpy and matplotlib out."""
    code = "import sys, costsim.cli; print('\\n'.join(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == []


def test_package_root_still_offers_the_api() -> None:
    """``costsim.simulate`` and friends resolve on first use, and unknown names raise."""
    import costsim

    assert callable(costsim.simulate) and callable(costsim.load_scenario)
    assert costsim.InputError.__name__ == "InputError"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = costsim.nothing  # type: ignore[attr-defined]
