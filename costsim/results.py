"""Results: cost breakdowns and per-option outcomes, with their exports.

``Result.to_summary()`` produces the results contract of ``../shared/DESIGN.md`` (fields may be
added, never removed or renamed).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from costsim.meters import Meters
from costsim.result_format import (
    _cell,
    _cell_or_blank,
    _money,
    _round,
    cost_dict,
    dump_meters,
    dump_summary,
)
from costsim.units import span_words

#: Columns of ``timeseries.csv`` after ``option``, one row per time bin.
#: Columns of ``timeseries_functions.csv`` (applications) after ``option`` and ``function``.
FUNCTION_TIMESERIES_COLUMNS = (
    "t_start_s",
    "arrivals",
    "invocations",
    "cold_starts",
    "throttled",
    "dropped",
    "timed_out",
    "instances",
    "busy",
)

TIMESERIES_COLUMNS = (
    "t_start_s",
    "arrivals",
    "served",
    "cold_starts",
    "throttled",
    "dropped",
    "instances",
    "busy",
    "cost_usd_cumulative",
)


class Money(Decimal):
    """USD as an exact ``Decimal`` that prints rounded to cents.

    Arithmetic and ``Decimal(money)`` keep every digit; ``str``, ``repr`` and ``print`` show
    cents (``6.11``), as a bill does, instead of 24 digits.
    """

    def __str__(self) -> str:
        return str(self.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

    def __repr__(self) -> str:
        return f"Money('{self!s}')"

    def __format__(self, spec: str, context: Any = None, /) -> str:
        # f"{money}" prints cents like str(); an explicit spec (",.4f") is honoured exactly
        if not spec:
            return str(self)
        if context is None:
            return Decimal.__format__(self, spec)
        return Decimal.__format__(self, spec, context)


@dataclass
class CostBreakdown:
    """Monthly cost in USD, one Decimal line per component.

    Attributes
    ----------
    components : dict of str to Decimal
        Cost per component [USD/month]; credits (free tier) are negative lines.
    catalogs : dict
        ``{catalog: version}`` of every catalog used.
    """

    components: dict[str, Decimal]
    catalogs: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> Money:
        """Sum of the component lines [USD/month] (exact; prints in cents)."""
        return Money(sum(self.components.values(), Decimal(0)))

    def __str__(self) -> str:
        lines = ", ".join(f"{k} {Money(v)}" for k, v in self.components.items())
        return f"${self.total} per month ({lines})"


@dataclass
class LatencySummary:
    """Latency statistics [ms]."""

    mean: float
    p50: float
    p95: float
    p99: float
    p999: float


@dataclass
class OptionResult:
    """What one hosting option costs and delivers.

    Attributes
    ----------
    instances_mean, instances_max, busy_mean : float
        Time-averaged instances alive, most alive at once, and time-averaged busy
        instance-equivalents (busy slots / slots per instance).
    utilization : float
        ``busy_mean / instances_mean``: the share of paid-for capacity that was working.
    """

    name: str
    kind: str
    cost: CostBreakdown
    arrived: int
    served: int
    cold_starts: int
    throttled: int
    dropped: int
    latency_ms: LatencySummary
    instances_mean: float
    instances_max: int
    busy_mean: float
    utilization: float
    latency_cdf: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.zeros(0), np.zeros(0))
    )
    timeseries: dict[str, np.ndarray] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    #: Requests that ran past the product's timeout: not served, billed to the timeout.
    timed_out: int = 0
    #: What the option used (:class:`costsim.meters.Meters`, written to ``meters.json``); None for
    #: a result loaded back from a ``summary.json``.
    meters: Meters | None = None
    #: Application scenarios only: per-route, per-function and per-queue blocks (JSON-ready).
    routes: list[dict[str, Any]] | None = None
    functions: list[dict[str, Any]] | None = None
    queues: list[dict[str, Any]] | None = None
    #: Application scenarios only: the meters of each function pool, by function.
    pool_meters: dict[str, Meters] = field(default_factory=dict)
    #: Application scenarios only: monthly cost per service [USD] (functions, gateway, queues,
    #: workflows; a fleet's ``servers``), summing to the option's total.
    services: dict[str, Decimal] | None = None
    #: Application scenarios only: the measured graph (``from``, ``to``, ``count``,
    #: ``rate_per_s``).
    edges: list[dict[str, Any]] | None = None
    #: Application scenarios only: each function's time series (``timeseries_functions.csv``).
    function_timeseries: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    #: Application scenarios only: the usage the bill is rated from (``meters.json``'s
    #: ``application`` entry, what ``costsim reprice`` prices again; see
    #: :mod:`costsim.appsim.rating`).
    app_usage: dict[str, Any] | None = None
    #: Batch scenarios only: each release's jobs, completions within the window and makespan
    #: [s] (see :meth:`costsim.engine.batches.BatchWindows.summary`).
    batches: dict[str, Any] | None = None

    def row(self) -> dict[str, Any]:
        """One flat row for tables: cost [USD/month] and its components, counts, latency [ms],
        instances and utilisation."""
        row: dict[str, Any] = {
            "option": self.name,
            "kind": self.kind,
            "cost_usd": float(self.cost.total),
        }
        row.update({f"cost_usd.{k}": float(v) for k, v in self.cost.components.items()})
        row.update(
            {
                "arrived": self.arrived,
                "served": self.served,
                "cold_starts": self.cold_starts,
                "throttled": self.throttled,
                "dropped": self.dropped,
                "timed_out": self.timed_out,
            }
        )
        row.update({f"latency_ms.{k}": v for k, v in self.latency_ms.__dict__.items()})
        row.update(
            {
                "instances_mean": self.instances_mean,
                "instances_max": self.instances_max,
                "busy_mean": self.busy_mean,
                "utilization": self.utilization,
            }
        )
        if self.batches is not None:
            row["finished_within_window"] = bool(self.batches["finished_within_window"])
            row["makespan_s"] = self.batches["makespan_s_max"]
        return row

    def __repr__(self) -> str:
        return (
            f"<OptionResult {self.name} ({self.kind}): ${self.cost.total}/month, "
            f"p99 {self.latency_ms.p99:,.1f} ms, {self.arrived:,} requests>"
        )

    def to_dict(self) -> dict[str, Any]:
        """This option in the results contract's shape."""
        return {
            "name": self.name,
            "kind": self.kind,
            "cost_usd": cost_dict(self.cost),
            "requests": {
                "arrived": self.arrived,
                "served": self.served,
                "cold_starts": self.cold_starts,
                "throttled": self.throttled,
                "dropped": self.dropped,
                "timed_out": self.timed_out,
            },
            "latency_ms": {k: _round(v) for k, v in self.latency_ms.__dict__.items()},
            "instances": {
                "mean": _round(self.instances_mean),
                "max": self.instances_max,
                "busy_mean": _round(self.busy_mean),
            },
            "utilization": _round(self.utilization),
            "detail": self.detail,
            **{
                key: value
                for key, value in (
                    ("routes", self.routes),
                    ("functions", self.functions),
                    ("queues", self.queues),
                    ("edges", self.edges),
                    ("batches", self.batches),
                )
                if value is not None
            },
            **(
                {"services_usd": {k: _money(v) for k, v in self.services.items()}}
                if self.services is not None
                else {}
            ),
        }


@dataclass
class Result:
    """The outcome of simulating a scenario."""

    scenario: str
    seed: int
    horizon_s: float
    engine: str
    catalogs: dict[str, str]
    options: list[OptionResult]
    bin_width_s: float
    description: str = ""
    traffic: str = ""
    costsim_version: str = ""
    slo: dict[str, float] = field(default_factory=dict)
    catalog_dates: dict[str, str] = field(default_factory=dict)
    #: The scenario file as given (relative to the working folder when inside it), or "".
    scenario_file: str = ""
    #: Catalog files the run priced with (the scenario's and the command line's), absolute.
    catalog_files: list[str] = field(default_factory=list)

    def option(self, name: str) -> OptionResult:
        """The result of the option called ``name``."""
        for opt in self.options:
            if opt.name == name:
                return opt
        raise KeyError(name)

    def to_frame(self) -> Any:
        """A pandas DataFrame with one row per option (see :meth:`OptionResult.row`)."""
        import pandas as pd

        return pd.DataFrame([o.row() for o in self.options]).set_index("option")

    def __repr__(self) -> str:
        lines = [f"<Result {self.scenario}: seed {self.seed}, {span_words(self.horizon_s)}>"]
        lines += [f"  {o!r}" for o in self.options]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """A compact table for Jupyter: cost in cents, latency in ms, counts."""
        columns = {
            "kind": "kind",
            "cost_usd": "$/month",
            "latency_ms.p50": "p50 ms",
            "latency_ms.p99": "p99 ms",
            "cold_starts": "cold starts",
            "throttled": "throttled",
            "dropped": "dropped",
            "utilization": "utilisation",
        }
        frame = self.to_frame()[list(columns)].rename(columns=columns)
        table = frame.to_html(
            formatters={
                "$/month": "${:,.2f}".format,
                "p50 ms": "{:,.1f}".format,
                "p99 ms": "{:,.1f}".format,
                "utilisation": "{:.1%}".format,
            }
        )
        return (
            f"<p><b>{self.scenario}</b>: seed {self.seed}, {self.horizon_s / 86400:g} simulated "
            f"days, engine {self.engine}; costs per 730-hour month</p>{table}"
        )

    def to_summary(self) -> dict[str, Any]:
        """The ``summary.json`` document (results contract)."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "horizon_s": float(self.horizon_s),
            "engine": self.engine,
            "catalogs": dict(sorted(self.catalogs.items())),
            "catalog_as_of": dict(sorted(self.catalog_dates.items())),
            "costsim_version": self.costsim_version,
            "description": self.description,
            "traffic": self.traffic,
            "slo_ms": {k: _round(v * 1000) for k, v in self.slo.items() if k == "p99"},
            # the whole SLO as the scenario gives it (p99 [s], rates), for costsim.slo's rule
            "slo": dict(sorted(self.slo.items())),
            "options": [o.to_dict() for o in self.options],
            "scenario_file": self.scenario_file,
        }

    def summary_json(self) -> str:
        """``summary.json`` text: sorted where order is not meaningful, newline-terminated."""
        return dump_summary(self.to_summary())

    def meters_json(self) -> str:
        """``meters.json`` text: each option's meters, what to price them as, and the catalog
        versions and files used, so that ``costsim reprice`` needs nothing else."""
        from costsim.meters import METERS_FORMAT

        doc = {
            "format": METERS_FORMAT,
            "scenario": self.scenario,
            "seed": self.seed,
            "horizon_s": float(self.horizon_s),
            "catalogs": dict(sorted(self.catalogs.items())),
            "catalog_files": list(self.catalog_files),
            "options": {
                o.name: {
                    **o.meters.to_json(),
                    "cost_share": [float(x) for x in o.timeseries.get("cost_share", [])],
                    **({"application": o.app_usage} if o.app_usage is not None else {}),
                }
                for o in self.options
                if o.meters is not None
            },
        }
        return dump_meters(doc)

    def timeseries_csv(self) -> str:
        """``timeseries.csv`` text: one row per time bin and option."""
        buf = io.StringIO()
        columns = ["option", *TIMESERIES_COLUMNS]
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for opt in self.options:
            ts = opt.timeseries
            for i in range(len(ts.get("t_start_s", []))):
                writer.writerow([opt.name] + [_cell(ts[c][i]) for c in columns[1:]])
        return buf.getvalue()

    def function_timeseries_csv(self) -> str | None:
        """``timeseries_functions.csv`` text of an application run (None for a single
        function): one row per option, function and time bin; an empty cell is a quantity that
        does not apply (a fleet's functions own no instances)."""
        if not any(o.function_timeseries for o in self.options):
            return None
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["option", "function", *FUNCTION_TIMESERIES_COLUMNS])
        for opt in self.options:
            for fn, ts in opt.function_timeseries.items():
                for i in range(len(ts["t_start_s"])):
                    cells = [ts[c][i] for c in FUNCTION_TIMESERIES_COLUMNS]
                    writer.writerow([opt.name, fn, *(_cell_or_blank(v) for v in cells)])
        return buf.getvalue()

    def latency_cdf_csv(self) -> str:
        """``latency_cdf.csv`` text: per option, the latency histogram as a cumulative curve.

        One row per non-empty histogram bucket: ``option``, ``latency_ms`` (the bucket's value,
        within 1 % of the latencies in it) and ``cumulative_fraction`` of served requests at or
        below it.
        """
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["option", "latency_ms", "cumulative_fraction"])
        for opt in self.options:
            lat_s, frac = opt.latency_cdf
            for v, f in zip(lat_s, frac, strict=True):
                writer.writerow([opt.name, _cell(float(v) * 1000.0), _cell(f)])
        return buf.getvalue()
