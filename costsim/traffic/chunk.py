"""The unit of streaming: a block of requests in arrival order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Chunk:
    """A block of requests in arrival order.

    Attributes
    ----------
    arrival_s : numpy.ndarray
        Arrival times [s], non-decreasing.
    duration_s : numpy.ndarray
        Service time of each request [s].
    """

    arrival_s: np.ndarray
    duration_s: np.ndarray

    def __len__(self) -> int:
        return len(self.arrival_s)
