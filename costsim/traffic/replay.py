"""Replayed traffic: request logs, per-interval counts and the Azure Functions public traces.

``format`` chooses the reader:

* ``timestamps``: a CSV or Parquet request log. The time column is ``timestamp``, ``time``,
  ``t`` or ``arrival_s`` (seconds, or ISO 8601 date-times); optional ``duration_s`` or
  ``duration_ms``. Times are taken relative to the first row and must not decrease.
* ``counts``: a CSV with a ``count`` column, one row per ``interval``; each interval's requests
  are spread ``uniform`` (exactly the count, at random times), ``equidistant`` or ``poisson``.
* ``azure-2019``: ``invocations_per_function_md.anon.dNN.csv`` day files (HashOwner, HashApp,
  HashFunction, Trigger, then 1..1440 per-minute counts), selected by ``function``, ``app`` or
  ``top: N`` busiest functions; durations from ``durations_path``
  (``function_durations_percentiles.anon.dNN.csv``) as the count-weighted mixture of the
  functions' distributions, with the trace's true Minimum and Maximum as the end points (the
  percentile columns are of 30-second averages, not of single invocations: see
  :mod:`costsim.traffic.azure`, and the replay's description says so).
* ``azure-2021``: the two-week invocation trace (``app, func, end_timestamp, duration``, in
  seconds); start = end - duration.

The real datasets live at https://github.com/Azure/AzurePublicDataset (2019:
AzureFunctionsDataset2019.md; 2021: AzureFunctionsInvocationTrace2021.md); small synthetic files
in the same formats ship in ``scenarios/traces/``.

``scale`` on a request log (``timestamps``, ``azure-2021``) keeps the arrival structure by default
(``scale_mode: superpose``): the log itself, plus ``floor(scale) - 1`` copies each shifted by its
own random offset in ``[0, scale_shift)`` (default 1 min; wrapped around the end of the log), plus
one more copy thinned to the fraction ``scale - floor(scale)``; below 1 the log is thinned. Each
copy has the log's burstiness, as more users of the same kind would. ``scale_mode: duplicate``
is the old reading: each request ``floor(scale)`` times at the same instant, plus once more with
probability ``scale - floor(scale)``. For ``counts`` and ``azure-2019``, ``scale`` multiplies the
counts before spreading.
"""

from __future__ import annotations

import glob
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from costsim.errors import InputError
from costsim.traffic import trace_io
from costsim.traffic.azure import azure_2019_durations
from costsim.traffic.context import StreamContext
from costsim.traffic.profiles import BaseProfile, DurationS, RequestStream

Spread = Literal["uniform", "equidistant", "poisson"]


class Replay(BaseProfile):
    """Replay a log or trace: ``{profile: replay, format: timestamps, path: logs/requests.csv}``."""

    profile: Literal["replay"]
    format: Literal["timestamps", "counts", "azure-2019", "azure-2021"]
    path: str | list[str] = Field(min_length=1)
    interval_s: DurationS = Field(default=60.0, gt=0, alias="interval")
    spread: Spread = "uniform"
    function: str | None = None
    app: str | None = None
    top: int | None = Field(default=None, ge=1)
    durations_path: str | None = None
    scale_mode: Literal["superpose", "duplicate"] = "superpose"
    scale_shift_s: DurationS = Field(default=60.0, gt=0, alias="scale_shift")

    @model_validator(mode="after")
    def _selection(self) -> Replay:
        chosen = [x is not None for x in (self.function, self.app, self.top)]
        if self.format == "azure-2019" and sum(chosen) != 1:
            raise ValueError("azure-2019 replay needs exactly one of function, app or top")
        if self.format == "azure-2021" and self.top is not None:
            raise ValueError("azure-2021 replay selects by app and/or function, not top")
        if self.format in ("timestamps", "counts") and any(chosen):
            raise ValueError(f"{self.format} replay takes no function, app or top")
        return self

    # -- files ---------------------------------------------------------------------------
    def files(self, ctx: StreamContext) -> list[str]:
        """The trace files, resolved and glob-expanded, in order."""
        out: list[str] = []
        for item in [self.path] if isinstance(self.path, str) else self.path:
            resolved = str(ctx.resolve(item))
            matches = sorted(glob.glob(resolved)) if any(c in item for c in "*?[") else [resolved]
            if not matches:
                raise InputError("no trace file matches this pattern", file=resolved)
            out += matches
        return out

    def _load(self, ctx: StreamContext) -> tuple[np.ndarray, np.ndarray | None]:
        files = self.files(ctx)
        if self.format == "timestamps":
            times, durations = trace_io.read_timestamps(files)
            return times, durations
        if self.format == "counts":
            counts = np.concatenate([trace_io.read_counts(f) for f in files])
            return self._spread(counts, ctx), None
        if self.format == "azure-2019":
            counts, hashes = trace_io.read_azure_2019(files, self.function, self.app, self.top)
            arrivals = self._spread(counts.astype(float), ctx, interval=60.0)
            if self.durations_path is None:
                return arrivals, None
            dist = azure_2019_durations(str(ctx.resolve(self.durations_path)), hashes)
            return arrivals, dist.sample(ctx.generator(2), len(arrivals))
        starts, durations = trace_io.read_azure_2021(files, self.app, self.function)
        return starts, durations

    def _spread(
        self, counts: np.ndarray, ctx: StreamContext, interval: float | None = None
    ) -> np.ndarray:
        width = self.interval_s if interval is None else interval
        gen = ctx.generator(0)
        scaled = counts * self.scale
        whole = np.floor(scaled)
        n = (whole + (gen.random(len(scaled)) < scaled - whole)).astype(np.int64)
        if self.spread == "poisson":
            n = gen.poisson(n)
        starts = np.repeat(np.arange(len(n)) * width, n)
        if self.spread == "equidistant":
            parts = [(np.arange(k) + 0.5) / k for k in n if k]
            offsets = np.concatenate(parts) if parts else np.zeros(0)
            return starts + offsets * width
        u = gen.random(int(n.sum()))
        # sort within each interval so the stream is non-decreasing
        ends = np.cumsum(n)
        for lo, hi in zip(ends - n, ends, strict=True):
            u[lo:hi].sort()
        return starts + u * width

    # -- profile interface -----------------------------------------------------------------
    def requests(self, ctx: StreamContext) -> RequestStream:
        times, durations = self._load(ctx)
        if self.format in ("timestamps", "azure-2021") and self.scale != 1:
            scaler = _duplicate if self.scale_mode == "duplicate" else _superpose
            times, durations = scaler(
                times, durations, self.scale, self.scale_shift_s, ctx.generator(1)
            )
        keep = times < ctx.horizon_s
        times = times[keep]
        durations = None if durations is None else durations[keep]
        for start in range(0, len(times), ctx.chunk_size):
            stop = start + ctx.chunk_size
            yield times[start:stop], None if durations is None else durations[start:stop]

    def _counts_per_second(self, base_dir: StreamContext) -> tuple[np.ndarray, float]:
        times, _ = self._load(base_dir)
        width = self.interval_s if self.format == "counts" else 60.0
        if len(times) == 0:
            return np.zeros(1), width
        bins = np.bincount((times // width).astype(np.int64))
        return bins * (self.scale if self.format in ("timestamps", "azure-2021") else 1.0), width

    def rate_rps(self, t_s: np.ndarray) -> np.ndarray:
        raise InputError(
            "a replayed trace has no analytic rate; use 'costsim traffic' to see its rate"
        )

    def cumulative(self, t_s: np.ndarray) -> np.ndarray:
        raise InputError("a replayed trace has no analytic expected count")

    def expected_count(self, t0_s: float, t1_s: float) -> float:
        return float("nan")

    def peak_rps(self, horizon_s: float) -> float:
        raise InputError("size bare metal explicitly (count:) when replaying a trace")

    def describe(self) -> str:
        sel = self.function or self.app or (f"top {self.top}" if self.top else "")
        where = self.path if isinstance(self.path, str) else f"{len(self.path)} files"
        text = f"replay of {self.format} trace {where}" + (f" ({sel})" if sel else "")
        if self.format == "azure-2019" and self.durations_path is not None:
            text += (
                "; durations from percentiles of 30-second averages (narrower than single "
                "invocations) with the true minimum and maximum"
            )
        if self.scale != 1 and self.format in ("timestamps", "azure-2021"):
            text += f"; scaled by {self.scale_mode}"
        return self._scaled(text)


def _duplicate(
    times: np.ndarray,
    durations: np.ndarray | None,
    scale: float,
    shift_s: float,
    gen: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Each request ``floor(scale)`` times at its instant, plus once with the fractional odds."""
    whole = np.floor(scale)
    copies = (whole + (gen.random(len(times)) < scale - whole)).astype(np.int64)
    return np.repeat(times, copies), None if durations is None else np.repeat(durations, copies)


def _superpose(
    times: np.ndarray,
    durations: np.ndarray | None,
    scale: float,
    shift_s: float,
    gen: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The log plus shifted copies (see the module docstring); sorted, stable."""
    whole = int(np.floor(scale))
    frac = scale - whole
    # wrap shifted arrivals around the log's span so a copy keeps every request
    span = max(float(times[-1]) if len(times) else 0.0, shift_s)
    parts_t: list[np.ndarray] = []
    parts_d: list[np.ndarray] = []
    for k in range(whole + (1 if frac > 0 else 0)):
        offset = 0.0 if k == 0 else float(gen.uniform(0.0, shift_s))
        keep = np.ones(len(times), dtype=bool) if k < whole else gen.random(len(times)) < frac
        parts_t.append(np.mod(times[keep] + offset, span) if offset else times[keep])
        if durations is not None:
            parts_d.append(durations[keep])
    t = np.concatenate(parts_t) if parts_t else np.zeros(0)
    order = np.argsort(t, kind="stable")
    d = np.concatenate(parts_d)[order] if durations is not None and parts_d else None
    return t[order], d
