"""What the readers hand to the fitters: request records, count series, power curves, problems.

Every reader returns an :class:`Evidence`; several sources are merged with :meth:`Evidence.merge`.
Times are Unix epoch seconds (UTC) until the fitters make them relative to the first request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from costsim.stats.distributions import Empirical


@dataclass(frozen=True)
class BadLine:
    """One line a reader could not use: where it is and why."""

    file: str
    line: int
    reason: str

    def one_line(self) -> str:
        """``FILE:LINE: reason``."""
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class Requests:
    """Per-request records from one source.

    Attributes
    ----------
    source : str
        The reader's format name (``lambda-report``, ``nginx``, ...).
    start_s : ndarray
        Arrival times [s, Unix epoch].
    duration_ms : ndarray
        Handler duration [ms] (Lambda ``Duration``; the backend time of an access log).
    billed_ms : ndarray
        ``Billed Duration`` [ms]; NaN where the source has none.
    memory_mb : ndarray
        Configured memory [MB]; NaN where unknown.
    max_memory_mb : ndarray
        ``Max Memory Used`` [MB]; NaN where unknown.
    init_ms : ndarray
        ``Init Duration`` [ms] on cold starts, NaN on warm invocations.
    """

    source: str
    start_s: np.ndarray
    duration_ms: np.ndarray
    billed_ms: np.ndarray
    memory_mb: np.ndarray
    max_memory_mb: np.ndarray
    init_ms: np.ndarray

    @classmethod
    def from_rows(
        cls, source: str, rows: list[tuple[float, float, float, float, float, float]]
    ) -> Requests:
        """Build from ``(start_s, duration_ms, billed_ms, memory_mb, max_memory_mb, init_ms)``."""
        arr = np.asarray(rows, dtype=np.float64).reshape(-1, 6)
        return cls(source, *(arr[:, i].copy() for i in range(6)))

    def __len__(self) -> int:
        return len(self.start_s)

    @property
    def cold(self) -> np.ndarray:
        """Which invocations were cold starts (an ``Init Duration`` was logged)."""
        return np.isfinite(self.init_ms)


@dataclass
class CountSeries:
    """Invocations per interval, from a metric export or a public trace.

    Attributes
    ----------
    source : str
        The reader's format name.
    t0_s : float
        Start of the first interval [s, epoch or trace-relative].
    interval_s : float
        Width of an interval [s].
    counts : ndarray
        Invocations per interval.
    duration_ms : ndarray or None
        Mean duration per interval [ms], where the source gives it.
    concurrency : ndarray or None
        Concurrent executions per interval (maximum), where given.
    """

    source: str
    t0_s: float
    interval_s: float
    counts: np.ndarray
    duration_ms: np.ndarray | None = None
    concurrency: np.ndarray | None = None


@dataclass
class PowerCurve:
    """Mean duration and cost per memory size, as AWS Lambda Power Tuning measures them."""

    source: str
    memory_mb: np.ndarray
    duration_ms: np.ndarray
    cost_usd: np.ndarray


@dataclass
class Evidence:
    """Everything read from the sources, with the lines that could not be used."""

    requests: list[Requests] = field(default_factory=list)
    series: list[CountSeries] = field(default_factory=list)
    power: list[PowerCurve] = field(default_factory=list)
    #: duration distributions a trace states directly (Azure 2019 percentiles), with their origin
    durations: list[tuple[str, Empirical]] = field(default_factory=list)
    memory_mb: list[tuple[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bad: list[BadLine] = field(default_factory=list)
    #: lines per file that were read and used
    used: dict[str, int] = field(default_factory=dict)

    def merge(self, other: Evidence) -> Evidence:
        """Both sets of evidence together."""
        return Evidence(
            requests=self.requests + other.requests,
            series=self.series + other.series,
            power=self.power + other.power,
            durations=self.durations + other.durations,
            memory_mb=self.memory_mb + other.memory_mb,
            notes=self.notes + other.notes,
            bad=self.bad + other.bad,
            used={**self.used, **other.used},
        )

    def all_requests(self, source: str | None = None) -> Requests | None:
        """The request records of every source (or of ``source`` only), in arrival order; None
        without any."""
        parts = [p for p in self.requests if source is None or p.source == source]
        if not parts:
            return None
        cat = {
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in (
                "start_s",
                "duration_ms",
                "billed_ms",
                "memory_mb",
                "max_memory_mb",
                "init_ms",
            )
        }
        order = np.argsort(cat["start_s"], kind="stable")
        sources = sorted({p.source for p in parts})
        return Requests("+".join(sources), **{k: v[order] for k, v in cat.items()})
