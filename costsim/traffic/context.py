"""Where a traffic stream gets its randomness, horizon and files from."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class StreamContext:
    """Everything a profile needs to produce its requests.

    Attributes
    ----------
    seed : int
        Scenario seed.
    key : tuple of int
        Spawn key of this profile's random stream (children append an index).
    horizon_s : float
        Arrivals are produced in ``[0, horizon_s)`` [s].
    chunk_size : int
        Largest number of requests in one chunk.
    base_dir : Path or None
        Folder that relative trace paths are resolved against.
    """

    seed: int
    key: tuple[int, ...]
    horizon_s: float
    chunk_size: int = 1 << 18
    base_dir: Path | None = None

    def generator(self, *sub: int) -> np.random.Generator:
        """A generator for this stream (or its sub-stream ``sub``); no global random state."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(*self.key, *sub)))

    def child(self, index: int) -> StreamContext:
        """The context of component ``index`` of a composite profile."""
        return replace(self, key=(*self.key, index))

    def resolve(self, path: str) -> Path:
        """A trace path, resolved against the scenario's folder when relative."""
        p = Path(path)
        if not p.is_absolute() and self.base_dir is not None:
            p = self.base_dir / p
        return p
