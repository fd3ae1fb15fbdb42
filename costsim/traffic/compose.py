"""Composing profiles: ``{sum: [profile, ...]}`` and the union of every profile kind.

Components of a sum are independent streams (each with its own random sub-stream) merged in
time order, so any mix of Poisson, scheduled, bursty and replayed traffic can be added up.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Discriminator, Field, Tag

from costsim.traffic.context import StreamContext
from costsim.traffic.mmpp import Mmpp
from costsim.traffic.profiles import (
    BaseProfile,
    Constant,
    Diurnal,
    RequestStream,
    Schedule,
    Spike,
)
from costsim.traffic.replay import Replay

SingleProfile = Annotated[
    Constant | Diurnal | Spike | Schedule | Mmpp | Replay, Field(discriminator="profile")
]

#: Registry of profile names accepted in scenario files.
PROFILES: dict[str, type[BaseProfile]] = {
    "constant": Constant,
    "diurnal": Diurnal,
    "spike": Spike,
    "schedule": Schedule,
    "mmpp": Mmpp,
    "replay": Replay,
}


class Sum(BaseProfile):
    """Superposition of independent profiles: ``{sum: [profile, ...], scale: 1}``."""

    sum: list[SingleProfile] = Field(min_length=1, max_length=64)

    def _parts(self) -> list[BaseProfile]:
        return [p.model_copy(update={"scale": p.scale * self.scale}) for p in self.sum]

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        return sum((p.rate_rps(t_s) for p in self._parts()), np.zeros(np.shape(t_s)))

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        return sum((p.cumulative(t_s) for p in self._parts()), np.zeros(np.shape(t_s)))

    def expected_count(self, t0_s: float, t1_s: float) -> float:
        # a replayed part has no analytic count (NaN), and then neither has the sum
        return float(sum(p.expected_count(t0_s, t1_s) for p in self._parts()))

    def peak_rps(self, horizon_s: float) -> float:
        # an upper bound: random profiles (MMPP) peak at independent times
        return float(sum(p.peak_rps(horizon_s) for p in self._parts()))

    def requests(self, ctx: StreamContext) -> RequestStream:
        streams = [p.requests(ctx.child(i)) for i, p in enumerate(self._parts())]
        yield from merge_streams(streams, ctx.chunk_size)

    def describe(self) -> str:
        return "sum of [" + "; ".join(p.describe() for p in self._parts()) + "]"


def merge_streams(streams: list[RequestStream], chunk_size: int) -> RequestStream:
    """Merge time-ordered request streams into one, in chunks of at most ``chunk_size``.

    Ties keep component order, so the merged sequence does not depend on chunk sizes.
    Durations missing in one component (None) become NaN, to be drawn from the workload later.
    """
    n = len(streams)
    buf_t = [np.zeros(0)] * n
    buf_d = [np.zeros(0)] * n
    alive = [True] * n

    def refill(i: int) -> None:
        while alive[i] and len(buf_t[i]) == 0:
            try:
                t, d = next(streams[i])
            except StopIteration:
                alive[i] = False
                return
            buf_t[i] = t
            buf_d[i] = np.full(len(t), np.nan) if d is None else d

    for i in range(n):
        refill(i)
    while any(len(b) for b in buf_t):
        # everything up to the earliest "last buffered time" of live streams is final
        limits = [buf_t[i][-1] for i in range(n) if alive[i] and len(buf_t[i])]
        bound = min(limits) if limits else np.inf
        take_t, take_d, take_src = [], [], []
        for i in range(n):
            k = int(np.searchsorted(buf_t[i], bound, side="right"))
            take_t.append(buf_t[i][:k])
            take_d.append(buf_d[i][:k])
            take_src.append(np.full(k, i))
            buf_t[i], buf_d[i] = buf_t[i][k:], buf_d[i][k:]
        t = np.concatenate(take_t)
        order = np.lexsort((np.concatenate(take_src), t))
        t, d = t[order], np.concatenate(take_d)[order]
        for start in range(0, len(t), chunk_size):
            yield t[start : start + chunk_size], d[start : start + chunk_size]
        for i in range(n):
            refill(i)


def _tag(value: object) -> str | None:
    if isinstance(value, dict):
        if "sum" in value:
            return "sum"
        # `profile: sum` without the `sum:` list is not a sum: an unknown profile, explained
        return None if value.get("profile") == "sum" else value.get("profile")
    if isinstance(value, Sum):
        return "sum"
    return getattr(value, "profile", None)


Profile = Annotated[
    Annotated[Constant, Tag("constant")]
    | Annotated[Diurnal, Tag("diurnal")]
    | Annotated[Spike, Tag("spike")]
    | Annotated[Schedule, Tag("schedule")]
    | Annotated[Mmpp, Tag("mmpp")]
    | Annotated[Replay, Tag("replay")]
    | Annotated[Sum, Tag("sum")],
    Discriminator(
        _tag,
        custom_error_type="unknown_profile",
        custom_error_message="unknown traffic profile",
    ),
]
