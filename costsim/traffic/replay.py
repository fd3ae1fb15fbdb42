"""Replayed traffic (placeholder until the replay formats land)."""

from __future__ import annotations

from typing import Literal

from costsim.traffic.profiles import BaseProfile


class Replay(BaseProfile):
    """Replay of a request log or trace."""

    profile: Literal["replay"]
    format: str
    path: str
