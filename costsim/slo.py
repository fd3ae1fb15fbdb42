"""What "meets the SLO" means: one rule, read by run's summary, sweep analysis and the report.

An option meets the SLO when

- its p99 latency is at most the scenario's ``slo.p99`` (when one is given), and
- it loses few requests: its throttle rate is at most ``slo.throttle_rate`` and its drop rate
  at most ``slo.drop_rate`` where the scenario gives them; where it gives neither, throttled
  plus dropped requests are at most :data:`MAX_LOST_SHARE` of those that arrived.

- in a batch scenario (``batch: {window}``), every batch finished within its window.

A cheap option that throttles or drops a large share of its traffic has not served it, so it
never wins on cost alone, with or without an SLO. Before this module the rule was written three
times with two meanings (the sweep ignored lost requests unless rates were given, the decision
record always allowed 0.1 %), so a sweep and its decision record could name different winners.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

#: Share of requests throttled or dropped that still meets the SLO when the scenario names
#: neither ``throttle_rate`` nor ``drop_rate``.
MAX_LOST_SHARE = 0.001

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What the rule reads of one option, from a run or the mean of a sweep point.

    Attributes
    ----------
    name : str
        The option's name.
    cost_usd : float
        Monthly cost [USD].
    p99_ms : float
        p99 latency [ms].
    throttle_rate, drop_rate : float
        Shares of arrived requests throttled and dropped [0..1].
    within_window : float
        Batch scenarios: the share of runs (replications) in which every batch finished within
        its window [0..1]; 1.0 without batches.
    """

    name: str
    cost_usd: float
    p99_ms: float
    throttle_rate: float
    drop_rate: float
    within_window: float = 1.0


@dataclass(frozen=True)
class SloRule:
    """A scenario's SLO as limits, and the one test of an option against them.

    Attributes
    ----------
    p99_ms : float or None
        Highest p99 latency [ms], or None for no latency objective.
    throttle_rate, drop_rate : float or None
        Highest shares of requests throttled and dropped [0..1], or None when not given.
    """

    p99_ms: float | None = None
    throttle_rate: float | None = None
    drop_rate: float | None = None

    @classmethod
    def from_slo(cls, slo: Mapping[str, Any]) -> SloRule:
        """The rule of a scenario's ``slo`` as data.

        Parameters
        ----------
        slo : mapping
            ``p99`` [s], ``throttle_rate`` and ``drop_rate`` [0..1], each optional (the shape
            of ``Scenario.slo``, of ``Result.slo`` and of a summary's ``slo``).
        """
        p99_s = slo.get("p99")
        return cls(
            p99_ms=None if p99_s is None else float(p99_s) * 1000.0,
            throttle_rate=_maybe_float(slo.get("throttle_rate")),
            drop_rate=_maybe_float(slo.get("drop_rate")),
        )

    @classmethod
    def from_summary(cls, summary: Mapping[str, Any]) -> SloRule:
        """The rule of a run's or a sweep's ``summary.json``.

        Reads ``slo`` (seconds and rates); a run folder written before that field existed
        gives only ``slo_ms.p99`` [ms].
        """
        if "slo" in summary:
            return cls.from_slo(summary["slo"])
        p99_ms = summary.get("slo_ms", {}).get("p99")
        return cls(p99_ms=None if p99_ms is None else float(p99_ms))

    def meets(
        self, p99_ms: float, throttle_rate: float, drop_rate: float, within_window: float = 1.0
    ) -> bool:
        """Whether an option with these figures meets the SLO (see the module docs).

        Parameters
        ----------
        p99_ms : float
            p99 latency [ms].
        throttle_rate, drop_rate : float
            Shares of arrived requests throttled and dropped [0..1].
        within_window : float
            Share of runs whose every batch finished within its window [0..1] (1.0 without
            batches); below 1 misses.
        """
        if within_window < 1.0:
            return False
        if self.p99_ms is not None and p99_ms > self.p99_ms:
            return False
        if self.throttle_rate is None and self.drop_rate is None:
            return throttle_rate + drop_rate <= MAX_LOST_SHARE
        if self.throttle_rate is not None and throttle_rate > self.throttle_rate:
            return False
        return self.drop_rate is None or drop_rate <= self.drop_rate

    def outcome_meets(self, outcome: Outcome) -> bool:
        """:meth:`meets` for an :class:`Outcome`."""
        return self.meets(
            outcome.p99_ms, outcome.throttle_rate, outcome.drop_rate, outcome.within_window
        )

    def lost_words(self) -> str:
        """How the rule limits lost requests, for people (``at most 0.1 % of requests ...``)."""
        if self.throttle_rate is None and self.drop_rate is None:
            return f"at most {100 * MAX_LOST_SHARE:g} % of requests throttled or dropped"
        parts = []
        if self.throttle_rate is not None:
            parts.append(f"at most {100 * self.throttle_rate:g} % of requests throttled")
        if self.drop_rate is not None:
            parts.append(f"at most {100 * self.drop_rate:g} % dropped")
        return " and ".join(parts)


def cheapest_meeting(outcomes: Iterable[Outcome], rule: SloRule) -> Outcome | None:
    """The cheapest outcome that meets ``rule`` (the first listed on a tie), or None.

    Parameters
    ----------
    outcomes : iterable of Outcome
        The options of one run or one sweep point, in scenario order.
    rule : SloRule
        The scenario's SLO.
    """
    ok = [o for o in outcomes if rule.outcome_meets(o)]
    return min(ok, key=lambda o: o.cost_usd) if ok else None


def rates(arrived: int, throttled: int, dropped: int) -> tuple[float, float]:
    """Throttle and drop rates [0..1] of a run's counts (0 when nothing arrived)."""
    n = max(arrived, 1)
    return throttled / n, dropped / n


def run_outcome(option: Mapping[str, Any]) -> Outcome:
    """The :class:`Outcome` of one option of a run's ``summary.json``."""
    req = option["requests"]
    # a request cut at the product's timeout was not served: it is lost like a dropped one
    lost = req["dropped"] + req.get("timed_out", 0)
    throttle, drop = rates(req["arrived"], req["throttled"], lost)
    batches = option.get("batches")
    within = 1.0 if batches is None or batches["finished_within_window"] else 0.0
    return Outcome(
        option["name"],
        option["cost_usd"]["total"],
        option["latency_ms"]["p99"],
        throttle,
        drop,
        within,
    )


def sweep_outcome(option: Mapping[str, Any]) -> Outcome:
    """The :class:`Outcome` of one option of a sweep point (means over replications)."""

    def mean(metric: str, default: float = 0.0) -> float:
        value = option.get(metric, {"mean": default})
        return float(value["mean"])

    return Outcome(
        option["name"],
        mean("cost_usd"),
        mean("p99_ms"),
        mean("throttle_rate"),
        mean("drop_rate"),
        mean("within_window", 1.0),
    )


def pick(items: Iterable[T], outcome: Callable[[T], Outcome], rule: SloRule) -> T | None:
    """The item whose outcome is the cheapest meeting ``rule``, or None.

    Parameters
    ----------
    items : iterable
        Options in any form (summary dicts, ``OptionResult``).
    outcome : callable
        Turns an item into its :class:`Outcome`.
    rule : SloRule
        The scenario's SLO.
    """
    listed = list(items)
    best = cheapest_meeting((outcome(i) for i in listed), rule)
    if best is None:
        return None
    return next(i for i in listed if outcome(i).name == best.name)


def _maybe_float(value: Any) -> float | None:
    return None if value is None else float(value)
