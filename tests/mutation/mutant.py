"""The shape of a source mutant, shared by every ``tests/mutation/mutants_*.py``.

A mutant is a one-place text replacement in a file of the package; ``run_mutants.py`` applies
each one to a copy of the package and runs the mutant's tests against the copy. A mutant that
no test catches shows a gap in the tests, never in the code.

A mutant list is a module ``tests/mutation/mutants_<area>.py`` defining ``MUTANTS: list[Mutant]``
and importing this record as ``from mutant import Mutant`` (``run_mutants.py`` puts this folder
on ``sys.path`` and loads every ``mutants_*.py`` in it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    """A small source change the tests must catch.

    Attributes
    ----------
    id : str
        Short unique name, printed in the report (``sl-ignore-warmup``).
    file : str
        Path of the mutated file, relative to the repository root (``costsim/...``).
    old : str
        Text to replace; it must occur exactly once in ``file``.
    new : str
        Replacement text.
    tests : tuple of str
        Pytest node ids or paths (relative to the repository root) that must fail on the mutant.
    """

    id: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
