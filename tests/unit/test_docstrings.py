"""Every public function, class and method has a docstring; model steps have numpydoc ones.

Issue 13, item 6 ("numpydoc docstrings on every public function and every model step") and
STYLE.md (pvlib: every parameter with its unit; SimPy: short, exact docstrings). The package is
walked with :mod:`ast`, so nothing is imported to find the definitions. A method that overrides
a documented method of a base class takes that docstring (``inspect.getdoc``), as Sphinx does:
``Constant.rate_rps`` is documented by ``BaseProfile.rate_rps``.

The model steps (the compiled engine's steps, the rules both engines call, the billing
quantities), private ones included, each document their parameters (``Parameters``) and what
they return (``Returns``) in numpydoc form.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "costsim"
#: The modules of model steps: every function in them documents its parameters and result.
STEP_MODULES = (
    "engine/fast_fleet_queues.py",
    "engine/fast_fleet_steps.py",
    "engine/fast_serverless_steps.py",
    "engine/fast_serverless_loop.py",
    "engine/fast_serverless_schedule.py",
    "engine/fast_serverless_state.py",
    "platforms/rules.py",
    "platforms/fleet_rules.py",
    "platforms/serverless_rules.py",
    "pricing/meter_reads.py",
    "pricing/resources.py",
    "pricing/quantities.py",
    "pricing/models.py",
)
Def = ast.FunctionDef | ast.AsyncFunctionDef


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _inherited_doc(path: Path, cls: str, name: str) -> bool:
    """Whether ``cls.name`` has a docstring through its bases (an override of a documented one)."""
    owner = getattr(importlib.import_module(_module_name(path)), cls, None)
    member = getattr(owner, name, None)
    return member is not None and bool(inspect.getdoc(member))


def undocumented() -> list[str]:
    """Public definitions without a docstring, as ``path:line name``."""
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__main__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(PACKAGE.parent)
        for node in tree.body:
            if not isinstance(node, (*Def.__args__, ast.ClassDef)) or node.name.startswith("_"):
                continue
            if ast.get_docstring(node) is None:
                missing.append(f"{where}:{node.lineno} {node.name}")
            if not isinstance(node, ast.ClassDef):
                continue
            for sub in node.body:
                if not isinstance(sub, Def.__args__) or sub.name.startswith("_"):
                    continue
                if ast.get_docstring(sub) is None and not _inherited_doc(path, node.name, sub.name):
                    missing.append(f"{where}:{sub.lineno} {node.name}.{sub.name}")
    return missing


def _returns_value(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    ann = node.returns
    if ann is not None:
        return not (isinstance(ann, ast.Constant) and ann.value is None)
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(node))


def undocumented_steps() -> list[str]:
    """Model steps whose docstring lacks a summary, ``Parameters`` or ``Returns``."""
    missing = []
    for name in STEP_MODULES:
        path = PACKAGE / name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, Def.__args__):
                continue
            doc = ast.get_docstring(node) or ""
            params = [a.arg for a in node.args.args + node.args.kwonlyargs]
            params = [a for a in params if a not in ("self", "cls")]
            lacks = []
            if not doc:
                lacks.append("a docstring")
            if params and "\nParameters\n----------\n" not in doc:
                lacks.append("Parameters")
            documented = doc.split("\nParameters\n----------\n", 1)[-1]
            named = {
                p.strip()
                for line in documented.splitlines()
                if " : " in line and not line.startswith(" ")
                for p in line.split(" : ", 1)[0].split(",")
            }
            absent = [p for p in params if p not in named]
            if params and "Parameters" not in lacks and absent:
                lacks.append(f"Parameters entries for {', '.join(absent)}")
            if _returns_value(node) and "\nReturns\n-------\n" not in doc:
                lacks.append("Returns")
            if lacks:
                missing.append(f"{name}:{node.lineno} {node.name}: add {'; '.join(lacks)}")
    return missing


def test_every_public_definition_has_a_docstring() -> None:
    assert undocumented() == []


def test_every_model_step_has_a_numpydoc_docstring() -> None:
    assert undocumented_steps() == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(x):\n    return x\n", ["f"]),
        (
            'def f(x):\n    """Doc.\n\n    Parameters\n    ----------\n    y : int\n        Y.\n"""\n',
            ["f"],
        ),
        (
            'def f(x) -> int:\n    """Doc.\n\n    Parameters\n    ----------\n    x : int\n        X.\n"""\n',
            ["f"],
        ),
        (
            'def f(x) -> None:\n    """Doc.\n\n    Parameters\n    ----------\n    x : int\n        X.\n"""\n',
            [],
        ),
    ],
)
def test_the_step_check_finds_what_is_missing(
    source: str, expected: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check itself fails on a step without a docstring, with a wrong parameter name, or
    without ``Returns`` for a value (so the test above cannot pass vacuously)."""
    (tmp_path / "step.py").write_text(source)
    monkeypatch.setitem(globals(), "PACKAGE", tmp_path)
    monkeypatch.setitem(globals(), "STEP_MODULES", ("step.py",))
    found = [line.split()[1].rstrip(":") for line in undocumented_steps()]
    assert found == expected
