"""Meters: what an engine measured, before any catalog has shaped it.

A run must be re-priceable against any catalog without simulating again, and ``quote`` must give
the same bill as a run of the same usage. So engines emit :class:`Meters` (counts, exact
integer-millisecond histograms of durations, instance time, CPU time, bytes) and one rating path
(:mod:`costsim.pricing`) turns them into money. No engine reads a billing granularity.

Exactness: a duration is recorded as ``ceil(duration_s * 1000)`` milliseconds (with the same
float-noise guard as :func:`ms_ceil`). A duration rounded up to 1 ms and then to any granularity
that is a multiple of 1 ms gives the same billed time as rounding the raw duration to that
granularity, so a histogram of whole milliseconds prices every product in the catalogs exactly.

This module is the ground floor: it imports nothing from costsim, so the engine (which writes
meters) and pricing (which reads them) both depend on it and not on each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

#: Version of the ``meters.json`` layout written beside ``summary.json``.
METERS_FORMAT = 1


def ms_ceil(duration_s: float) -> int:
    """A duration [s] rounded up to whole milliseconds [ms].

    The ``1e-9`` guard keeps float noise from turning 0.3 s into 301 ms (``0.3 * 1000`` is
    ``300.00000000000006``); it is the guard :func:`costsim.platforms.rules.billed_duration_s`
    applies, so both give the same milliseconds.
    """
    if duration_s <= 0.0:
        return 0
    return math.ceil(duration_s * 1000.0 - 1e-9)


@dataclass
class MsHistogram:
    """An exact histogram of whole-millisecond durations.

    Stored sparsely as sorted distinct values and their counts, so that memory follows the
    number of distinct milliseconds seen (at most a few hundred thousand for any month), never
    the number of requests.

    Attributes
    ----------
    values_ms : numpy.ndarray
        Distinct durations [ms], ascending (int64).
    counts : numpy.ndarray
        How many durations had each value (int64).
    """

    values_ms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def from_dense(
        cls, dense_counts: np.ndarray, overflow_ms: np.ndarray | None = None
    ) -> MsHistogram:
        """Build from ``dense_counts[ms]`` (counts per millisecond from 0) plus raw values.

        Engines keep a dense array for short durations and append longer ones to
        ``overflow_ms``; this turns both into one sparse histogram.
        """
        dense = np.asarray(dense_counts, dtype=np.int64)
        nz = np.nonzero(dense)[0]
        h = cls(nz.astype(np.int64), dense[nz].copy())
        if overflow_ms is not None and len(overflow_ms):
            h = h.merged(cls.from_values(overflow_ms))
        return h

    @classmethod
    def from_values(cls, values_ms: np.ndarray) -> MsHistogram:
        """Build from raw whole-millisecond values."""
        v = np.asarray(values_ms, dtype=np.int64)
        if v.size == 0:
            return cls()
        u, c = np.unique(v, return_counts=True)
        return cls(u.astype(np.int64), c.astype(np.int64))

    @classmethod
    def from_seconds(cls, durations_s: np.ndarray) -> MsHistogram:
        """Build from durations [s], each rounded up to whole milliseconds (see :func:`ms_ceil`)."""
        d = np.asarray(durations_s, dtype=np.float64)
        ms = np.where(d <= 0.0, 0, np.ceil(d * 1000.0 - 1e-9)).astype(np.int64)
        return cls.from_values(ms)

    def merged(self, other: MsHistogram) -> MsHistogram:
        """The histogram of both sets of durations."""
        if other.count == 0:
            return MsHistogram(self.values_ms.copy(), self.counts.copy())
        if self.count == 0:
            return MsHistogram(other.values_ms.copy(), other.counts.copy())
        v = np.concatenate((self.values_ms, other.values_ms))
        c = np.concatenate((self.counts, other.counts))
        u, inv = np.unique(v, return_inverse=True)
        out = np.zeros(len(u), dtype=np.int64)
        np.add.at(out, inv, c)
        return MsHistogram(u.astype(np.int64), out)

    @property
    def count(self) -> int:
        """Number of durations recorded."""
        return int(self.counts.sum())

    @property
    def total_ms(self) -> int:
        """Sum of the recorded durations [ms] (exact)."""
        return int((self.values_ms * self.counts).sum())

    def billed_ms(self, granularity_ms: int, minimum_ms: int = 0) -> int:
        """Sum of the durations, each rounded up to ``granularity_ms`` and at least ``minimum_ms``.

        Parameters
        ----------
        granularity_ms : int
            Billing increment [ms], a whole number of milliseconds (1 for Lambda, 100 for Cloud
            Run, 1000 for per-second VMs, 3,600,000 for hourly ones).
        minimum_ms : int
            Smallest billed duration per period [ms].

        Returns
        -------
        int
            Billed time [ms], exact.
        """
        if granularity_ms < 1 or int(granularity_ms) != granularity_ms:
            raise ValueError(f"granularity must be a whole number of ms >= 1, got {granularity_ms}")
        g = int(granularity_ms)
        units = -(-self.values_ms // g)  # ceil division on integers: exact
        billed = np.maximum(units * g, int(minimum_ms))
        return int((billed * self.counts).sum())

    def to_json(self) -> dict[str, list[int]]:
        """``{"values_ms": [...], "counts": [...]}`` for ``meters.json``."""
        return {"values_ms": self.values_ms.tolist(), "counts": self.counts.tolist()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MsHistogram:
        """Inverse of :meth:`to_json`."""
        return cls(
            np.asarray(data.get("values_ms", []), dtype=np.int64),
            np.asarray(data.get("counts", []), dtype=np.int64),
        )


#: The histogram meters, by name (see :class:`Meters`).
HISTOGRAMS = (
    "duration_ms",
    "provisioned_duration_ms",
    "init_ms",
    "instance_lifetime_ms",
    "active_period_ms",
    "provisioned_active_period_ms",
    "provisioned_period_ms",
)
#: The count meters, by name.
COUNTS = (
    "arrived",
    "served",
    "cold_starts",
    "throttled",
    "dropped",
    "timed_out",
    "retried",
    "provisioned_served",
    "instances_launched",
)
#: The total meters (floats), by name, with their units in the name.
TOTALS = (
    "alive_instance_s",
    "busy_instance_s",
    "provisioned_instance_s",
    "active_instance_s",
    "cpu_s",
    "bytes_out",
)


@dataclass
class Meters:
    """Catalog-independent quantities one option used over the simulated horizon.

    Rating reads only these (and the option's configuration in :attr:`config`); it never sees
    an event. A billing model that needs a meter this run did not measure raises an error: see
    :meth:`require`.

    Attributes
    ----------
    kind : str
        The option kind (``serverless``, ``vps``, ``bare_metal``, ...).
    horizon_s : float
        Simulated period [s]; rating scales quantities to a 730-hour month.
    counts : dict of str to int
        ``arrived``, ``served``, ``cold_starts``, ``throttled``, ``dropped``, ``timed_out``,
        ``retried``, ``provisioned_served`` (served by provisioned / always-ready instances),
        ``instances_launched``.
    histograms : dict of str to MsHistogram
        ``duration_ms``: per-request durations on on-demand instances; ``provisioned_duration_ms``:
        per-request durations on provisioned instances; ``init_ms``: init (cold-start)
        durations; ``instance_lifetime_ms``: each instance's alive time, launch to termination
        (clipped to the horizon); ``active_period_ms``: each busy period of an instance (first
        request in to last request out, for instances that serve several at once);
        ``provisioned_active_period_ms``: the same for provisioned / always-ready instances;
        ``provisioned_period_ms``: each provisioned instance's enabled period (from the time its
        provisioned concurrency is enabled to the time it is disabled, or the horizon).
    totals : dict of str to float
        ``alive_instance_s`` (instances alive, idle included), ``busy_instance_s`` (busy
        instance-equivalents), ``provisioned_instance_s`` (provisioned / always-ready instance
        time), ``active_instance_s`` (instance time with at least one request active),
        ``cpu_s`` (CPU time of all requests), ``bytes_out`` (response bytes) [s or bytes].
    config : dict
        What the option was configured with that a price depends on (``memory_mb``, ``vcpu``,
        ``arch``, ``servers``, ``instance_concurrency``, ...): not measured, but stored so that a
        re-price needs nothing else.
    """

    kind: str
    horizon_s: float
    counts: dict[str, int] = field(default_factory=dict)
    histograms: dict[str, MsHistogram] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    def require(self, name: str, billing_model: str) -> Any:
        """The meter ``name``, or an error naming the billing model that needs it.

        A missing meter is never taken as zero: a run that did not measure what a product bills
        on cannot be priced for that product.
        """
        for store in (self.histograms, self.totals, self.counts, self.config):
            if name in store:
                return store[name]
        raise MissingMeterError(
            f"billing model {billing_model!r} needs the meter {name!r}, which this {self.kind} "
            "run did not measure"
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the per-option entry of ``meters.json``)."""
        return {
            "kind": self.kind,
            "horizon_s": self.horizon_s,
            "counts": dict(self.counts),
            "histograms": {k: h.to_json() for k, h in self.histograms.items()},
            "totals": dict(self.totals),
            "config": dict(self.config),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Meters:
        """Inverse of :meth:`to_json`."""
        return cls(
            kind=str(data["kind"]),
            horizon_s=float(data["horizon_s"]),
            counts={k: int(v) for k, v in data.get("counts", {}).items()},
            histograms={k: MsHistogram.from_json(v) for k, v in data.get("histograms", {}).items()},
            totals={k: float(v) for k, v in data.get("totals", {}).items()},
            config=dict(data.get("config", {})),
        )


class MissingMeterError(ValueError):
    """A billing model needs a meter that the run did not measure."""


def decimal_ms_to_s(ms: int) -> Decimal:
    """Whole milliseconds as exact Decimal seconds."""
    return Decimal(int(ms)) / Decimal(1000)
