"""A month of stated usage as meters: what a quote prices instead of a simulation's.

:func:`quote_meters` turns the usage a user states (requests, a mean duration, cold starts,
concurrency, provisioned hours) into the :class:`~costsim.meters.Meters` a run measures, so
that :mod:`costsim.pricing.quote` prices them through the one rating path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from costsim.errors import InputError
from costsim.meters import Meters, MsHistogram, ms_ceil
from costsim.pricing.catalog import FunctionItem
from costsim.pricing.models import MONTH_S

#: Hours in the billing month [h] (730).
MONTH_H = float(MONTH_S) / 3600.0


@dataclass(frozen=True)
class FunctionUsage:
    """Monthly usage of a function, as a user states it for a quote.

    Attributes
    ----------
    requests : float
        On-demand invocations per month.
    duration_ms : float
        Mean duration of an on-demand invocation [ms], before billing rounding.
    memory_mb : float
        Configured memory [MB].
    ephemeral_storage_mb : float or None
        Configured ephemeral storage [MB]; None means the included amount.
    provisioned_concurrency : float
        Provisioned (always-ready, minimum) instances while they are on.
    provisioned_hours : float
        Hours per month the provisioned instances are on [h].
    provisioned_requests : float
        Invocations per month served by the provisioned instances.
    provisioned_duration_ms : float
        Mean duration of those invocations [ms].
    vcpu : float or None
        vCPUs per instance, for products priced per vCPU-second (None: the catalog default).
    concurrency : float
        Requests an instance serves at once; billed instance time is request time divided by it.
    cpu_ms : float
        CPU time per request [ms], for products priced on CPU time.
    transitions : float
        State transitions per month (workflow products).
    egress_gb : float
        Data transfer out per month [GB].
    cold_starts : float
        On-demand requests per month that start a new instance.
    init_ms : float
        Mean init (cold-start) duration of those [ms].
    response_mb : float
        Response size per request [MB] (response streaming bills what is beyond 6 MB).
    snapstart_version_hours : float or None
        SnapStart version-hours cached this month [h]: the hours each published version is
        active, summed over versions (None: one version the whole 730-hour month). The
        Lambda page's SnapStart example caches one version for a 31-day month, 744 h.
    traffic_hours : float or None
        Hours of the month the on-demand requests arrive in, evenly [h] (None: all 730); it
        sets how many requests are in flight, hence the instance activity periods.
    """

    requests: float = 0.0
    duration_ms: float = 0.0
    memory_mb: float = 128.0
    ephemeral_storage_mb: float | None = None
    provisioned_concurrency: float = 0.0
    provisioned_hours: float = 0.0
    provisioned_requests: float = 0.0
    provisioned_duration_ms: float = 0.0
    vcpu: float | None = None
    concurrency: float = 1.0
    cpu_ms: float = 0.0
    transitions: float = 0.0
    egress_gb: float = 0.0
    cold_starts: float = 0.0
    init_ms: float = 0.0
    response_mb: float = 0.0
    snapstart_version_hours: float | None = None
    traffic_hours: float | None = None

    def __post_init__(self) -> None:
        # bounds where the stated usage is read: beyond them, histograms of integer ms
        # overflow and Decimal rounding fails, long before any real bill
        for name, limit in _USAGE_LIMITS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise InputError("must be a finite number >= 0", field=_flag(name))
            if value > limit:
                raise InputError(f"must be at most {limit:g}, got {value:g}", field=_flag(name))


#: Largest monthly usage a quote takes, per field: a quadrillion requests, 11.6-day requests,
#: 100,000 instances (the scenario limit), a month of hours.
_USAGE_LIMITS: dict[str, float] = {
    "requests": 1e15,
    "duration_ms": 1e9,
    "memory_mb": 1e7,
    "ephemeral_storage_mb": 1e7,
    "provisioned_concurrency": 1e5,
    "provisioned_hours": MONTH_H,
    "provisioned_requests": 1e15,
    "provisioned_duration_ms": 1e9,
    "vcpu": 1000.0,
    "concurrency": 1e5,
    "cpu_ms": 1e9,
    "transitions": 1e15,
    "egress_gb": 1e12,
    "cold_starts": 1e15,
    "init_ms": 1e9,
    "response_mb": 1e6,
    "snapstart_version_hours": 1e7,
    "traffic_hours": MONTH_H,
}


def _flag(name: str) -> str:
    """The CLI option of a usage field (``cold_starts`` -> ``--cold-starts``), for messages."""
    return "--" + name.replace("_", "-")


def whole_count(x: float) -> int:
    """A stated monthly count as a whole number (a quote may say 7.44e6).

    Parameters
    ----------
    x : float
        The count as stated.

    Returns
    -------
    int
        It rounded half up.
    """
    return int(Decimal(repr(float(x))).to_integral_value(rounding=ROUND_HALF_UP))


def _poisson_pool(in_flight: float, concurrency: int) -> tuple[float, float]:
    """For ``N ~ Poisson(in_flight)`` requests in flight (M/G/inf) packed ``concurrency`` to an
    instance: ``E[ceil(N / c)]`` (instances active) and ``P(N mod c == 0)`` (an arrival opens
    a new instance's period)."""
    top = int(in_flight + 12.0 * math.sqrt(in_flight) + 30)
    pmf = math.exp(-in_flight)
    active = 0.0
    opens = 0.0
    for n in range(top + 1):
        if n:
            pmf *= in_flight / n
        active += pmf * -(-n // concurrency)
        if n % concurrency == 0:
            opens += pmf
    return active, opens


def active_periods_ms(
    requests: int, duration_ms: float, concurrency: float, horizon_s: float
) -> MsHistogram:
    """Instance activity periods of a steady Poisson stream.

    With ``L = requests * duration / horizon`` requests in flight on average and ``c`` per
    instance, ``B = L / c`` instances are busy on average (Little's law). When ``B >= 1`` the
    instances are taken as packed and never idle, as the providers' worked examples take them
    (Microsoft Learn's Flex example): ``floor(B)`` instances active the whole horizon and one
    more for the rest of ``B``'s share. When ``B < 1`` the requests in flight are
    ``N ~ Poisson(L)`` (M/G/inf): ``E[ceil(N / c)] * horizon`` of instance activity, in
    ``requests * P(N mod c == 0)`` periods (an arrival opens a period when it needs a new
    instance): each request its own period at ``c = 1``, one period per burst for large ``c``.

    Parameters
    ----------
    requests : int
        Requests over the horizon.
    duration_ms : float
        Mean duration of a request [ms].
    concurrency : float
        Requests an instance serves at once (>= 1).
    horizon_s : float
        Period the requests arrive over [s].

    Returns
    -------
    MsHistogram
        The activity periods [ms].
    """
    if requests <= 0 or duration_ms <= 0:
        return MsHistogram()
    horizon_ms = horizon_s * 1000.0
    in_flight = requests * duration_ms / horizon_ms
    c = max(round(concurrency), 1)
    busy = in_flight / c
    if busy >= 1.0:
        full = math.floor(busy)
        rest_ms = ms_ceil((busy - full) * horizon_s)
        values = [round(horizon_ms)] * full + ([rest_ms] if rest_ms > 0 else [])
        return MsHistogram.from_values(np.asarray(values, dtype=np.int64))
    active, opens = _poisson_pool(in_flight, c)
    periods = max(1, whole_count(requests * opens))
    length_ms = max(1, ms_ceil(active * horizon_s / periods))
    return MsHistogram(
        np.asarray([length_ms], dtype=np.int64), np.asarray([periods], dtype=np.int64)
    )


def one_value_histogram(count: int, value_ms: float) -> MsHistogram:
    """``count`` entries of one value, rounded up to a whole millisecond.

    Parameters
    ----------
    count : int
        Entries (none: an empty histogram).
    value_ms : float
        Their value [ms].

    Returns
    -------
    MsHistogram
        The histogram [ms].
    """
    if count <= 0:
        return MsHistogram()
    return MsHistogram(
        np.asarray([ms_ceil(value_ms / 1000.0)], dtype=np.int64),
        np.asarray([count], dtype=np.int64),
    )


def quote_meters(use: FunctionUsage, item: FunctionItem) -> Meters:
    """The meters of a month of ``use``, built analytically, for the one rating path.

    Every request lasts the stated mean duration (the duration histogram holds one value);
    ``cold_starts`` of them each add ``init_ms``; activity periods follow from ``concurrency``
    (see :func:`active_periods_ms`); provisioned instances are on ``provisioned_hours``.
    """
    billing = item.billing
    lo, hi = billing.memory_min_mb, billing.memory_max_mb
    if not lo <= use.memory_mb <= hi:
        raise InputError(
            f"memory must be within {lo:g}-{hi:g} MB, got {use.memory_mb:g} MB",
            field="--memory-mb",
        )
    traffic_h = MONTH_H if use.traffic_hours is None else use.traffic_hours
    if not 0 < traffic_h <= MONTH_H + 1e-9:
        raise InputError(f"traffic hours must be within 0-{MONTH_H:g}", field="--traffic-hours")
    requests = whole_count(use.requests)
    pc_requests = whole_count(use.provisioned_requests)
    cold = min(whole_count(use.cold_starts), requests)
    config: dict[str, object] = {
        "memory_mb": use.memory_mb,
        "ephemeral_storage_mb": use.ephemeral_storage_mb,
        "provisioned_concurrency": use.provisioned_concurrency,
        "instance_concurrency": use.concurrency,
        "response_mb": use.response_mb,
    }
    if use.vcpu is not None:
        config["vcpu"] = use.vcpu
    if use.snapstart_version_hours is not None:
        config["snapstart_version_s"] = use.snapstart_version_hours * 3600.0
    counts = {
        "arrived": requests + pc_requests,
        "served": requests + pc_requests,
        "cold_starts": cold,
        "throttled": 0,
        "dropped": 0,
        "timed_out": 0,
        "retried": 0,
        "provisioned_served": pc_requests,
        "instances_launched": cold,
    }
    if use.transitions:
        counts["transitions"] = whole_count(use.transitions)
    return Meters(
        kind="serverless",
        horizon_s=float(MONTH_S),
        counts=counts,
        histograms={
            "duration_ms": one_value_histogram(requests, use.duration_ms),
            "provisioned_duration_ms": one_value_histogram(
                pc_requests, use.provisioned_duration_ms
            ),
            "init_ms": one_value_histogram(cold, use.init_ms),
            "active_period_ms": active_periods_ms(
                requests, use.duration_ms, use.concurrency, traffic_h * 3600.0
            ),
            "provisioned_active_period_ms": active_periods_ms(
                pc_requests,
                use.provisioned_duration_ms,
                use.concurrency,
                max(use.provisioned_hours, 1e-9) * 3600.0,
            ),
            # provisioned (always-ready) instances live the hours they are on
            "instance_lifetime_ms": one_value_histogram(
                whole_count(use.provisioned_concurrency), use.provisioned_hours * 3_600_000.0
            ),
            # ... in one enabled period each
            "provisioned_period_ms": one_value_histogram(
                whole_count(use.provisioned_concurrency), use.provisioned_hours * 3_600_000.0
            ),
        },
        totals={
            "provisioned_instance_s": use.provisioned_concurrency * use.provisioned_hours * 3600.0,
            "cpu_s": requests * use.cpu_ms / 1000.0,
            "bytes_out": use.egress_gb * 1024.0**3,
        },
        config=config,
    )
