"""Batch windows: for each released batch of jobs, when they arrived and when they finished.

A batch scenario (``batch: {window: 2h}``) asks whether each batch of jobs is done within its
window, and how long it took (the makespan). Batch ``k`` is every request arriving in
``[offset + k * every, offset + (k + 1) * every)``; it is released at ``offset + k * every`` and
has until ``offset + k * every + window`` to finish. Each engine records, per batch, the
arrivals, the requests served, those served by the deadline, the first arrival and the last
completion: catalog-independent measurements, the same from either engine because both call the
two functions below (the compiled engine compiles these very functions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Columns of a tally row.
ARRIVED, COMPLETED, WITHIN, FIRST_ARRIVAL_S, LAST_COMPLETION_S = range(5)
#: Entries of the configuration array.
EVERY_S, OFFSET_S, WINDOW_S = range(3)


def batch_of(t_s: float, cfg: np.ndarray, n_batches: int) -> int:
    """The batch of an arrival at ``t_s`` [s], or -1 (no batches, or before the first release).

    Arrivals after the last release belong to the last batch.
    """
    if n_batches == 0:
        return -1
    since_s = t_s - cfg[OFFSET_S]
    if since_s < 0.0:
        return -1
    k = int(since_s // cfg[EVERY_S])
    return k if k < n_batches else n_batches - 1


def batch_arrival(tally: np.ndarray, cfg: np.ndarray, t_s: float) -> None:
    """Count an arrival at ``t_s`` [s] in its batch (a no-op without batches)."""
    k = batch_of(t_s, cfg, tally.shape[0])
    if k >= 0:
        tally[k, ARRIVED] += 1.0
        if t_s < tally[k, FIRST_ARRIVAL_S]:
            tally[k, FIRST_ARRIVAL_S] = t_s


def batch_completion(tally: np.ndarray, cfg: np.ndarray, arrival_s: float, end_s: float) -> None:
    """Count a request that arrived at ``arrival_s`` and was served at ``end_s`` [s].

    It is within the window when it ends at or before its batch's release plus the window.
    """
    k = batch_of(arrival_s, cfg, tally.shape[0])
    if k >= 0:
        tally[k, COMPLETED] += 1.0
        if end_s > tally[k, LAST_COMPLETION_S]:
            tally[k, LAST_COMPLETION_S] = end_s
        if end_s <= cfg[OFFSET_S] + k * cfg[EVERY_S] + cfg[WINDOW_S]:
            tally[k, WITHIN] += 1.0


@dataclass
class BatchWindows:
    """The batches of a run and their tally, filled by an engine.

    Parameters
    ----------
    every_s : float
        Time between releases [s].
    offset_s : float
        First release [s].
    window_s : float
        Time each batch has, from its release to its last completion [s].
    horizon_s : float
        Simulated period [s]: batches released before it are tallied.
    """

    every_s: float
    offset_s: float
    window_s: float
    horizon_s: float

    def __post_init__(self) -> None:
        n = 0
        if self.horizon_s > self.offset_s:
            n = int(np.ceil((self.horizon_s - self.offset_s) / self.every_s))
        self.cfg = np.array([self.every_s, self.offset_s, self.window_s], dtype=np.float64)
        self.tally = np.zeros((n, 5), dtype=np.float64)
        self.tally[:, FIRST_ARRIVAL_S] = np.inf
        self.tally[:, LAST_COMPLETION_S] = -np.inf

    @classmethod
    def none(cls) -> BatchWindows:
        """No batches: the engines' calls are no-ops."""
        return cls(every_s=1.0, offset_s=0.0, window_s=0.0, horizon_s=0.0)

    @property
    def n_batches(self) -> int:
        """Number of batches released within the horizon."""
        return int(self.tally.shape[0])

    def arrival(self, t_s: float) -> None:
        """Count an arrival at ``t_s`` [s] (see :func:`batch_arrival`)."""
        batch_arrival(self.tally, self.cfg, t_s)

    def completion(self, arrival_s: float, end_s: float) -> None:
        """Count a served request (see :func:`batch_completion`)."""
        batch_completion(self.tally, self.cfg, arrival_s, end_s)

    def summary(self) -> dict[str, Any]:
        """The ``batches`` block of an option in ``summary.json`` (times [s]).

        Per release: its time, jobs arrived, completed and completed within the window, the
        first arrival, the last completion and the makespan (first arrival to last
        completion); then whether every batch with jobs finished within its window, and the
        longest makespan.
        """
        releases = []
        for k in range(self.n_batches):
            row = self.tally[k]
            arrived = int(row[ARRIVED])
            if arrived == 0:
                continue
            completed = int(row[COMPLETED])
            done = completed > 0
            releases.append(
                {
                    "release_s": self.offset_s + k * self.every_s,
                    "jobs": arrived,
                    "completed": completed,
                    "within_window": int(row[WITHIN]),
                    "first_arrival_s": _ms(row[FIRST_ARRIVAL_S]),
                    "last_completion_s": _ms(row[LAST_COMPLETION_S]) if done else None,
                    "makespan_s": (
                        _ms(row[LAST_COMPLETION_S] - row[FIRST_ARRIVAL_S]) if done else None
                    ),
                    "finished_within_window": int(row[WITHIN]) == arrived,
                }
            )
        makespans = [r["makespan_s"] for r in releases if r["makespan_s"] is not None]
        return {
            "window_s": self.window_s,
            "every_s": self.every_s,
            "offset_s": self.offset_s,
            "batches": len(releases),
            "finished_within_window": bool(releases)
            and all(r["finished_within_window"] for r in releases),
            "makespan_s_max": max(makespans) if makespans else None,
            "releases": releases,
        }


def _ms(t_s: float) -> float:
    """A time [s] rounded to the millisecond, for ``summary.json``."""
    return round(float(t_s), 3)
