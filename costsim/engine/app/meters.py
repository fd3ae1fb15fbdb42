"""An application option's meters, from what the engine measured: no prices.

Each function pool's :class:`~costsim.meters.Meters` (read by the one meter-reading rating
path), one option's merged meters, each queue's API requests and the express workflows'
durations.
"""

from __future__ import annotations

from collections.abc import Mapping

from costsim.engine.app.stats import AppOutput, FunctionStats, ms_histogram
from costsim.engine.common import provisioned_period_histogram
from costsim.meters import COUNTS, HISTOGRAMS, Meters, MsHistogram
from costsim.platforms.schedule import provisioned_instance_s


def pool_meters(
    stats: FunctionStats,
    horizon_s: float,
    config: Mapping[str, object],
    provisioned_steps: tuple[tuple[float, int], ...] = ((0.0, 0),),
) -> Meters:
    """The catalog-independent meters of one function pool.

    ``config`` carries what a price depends on (``memory_mb``, ``init_billed``,
    ``provisioned_concurrency``, ...), as the serverless kind writes it for a single function.
    The provisioned meters follow from ``provisioned_steps`` (the count over time, ``(t_s,
    count)`` from 0 [s]) alone, as for a single function: ``provisioned_instance_s`` and, for a
    pool that ever has provisioned instances, ``provisioned_period_ms`` (each instance's enabled
    periods, which Lambda rounds up to 5 minutes each; a pool with none has no period to meter).
    """
    histograms = {
        "duration_ms": ms_histogram(stats.duration_ms),
        "provisioned_duration_ms": ms_histogram(stats.provisioned_duration_ms),
        "init_ms": ms_histogram(stats.init_ms),
        "instance_lifetime_ms": ms_histogram(stats.lifetime_ms),
        "active_period_ms": ms_histogram(stats.active_period_ms),
        "provisioned_active_period_ms": ms_histogram(stats.provisioned_active_period_ms),
    }
    if any(count > 0 for _, count in provisioned_steps):
        histograms["provisioned_period_ms"] = provisioned_period_histogram(
            provisioned_steps, horizon_s
        )
    return Meters(
        kind="serverless",
        horizon_s=horizon_s,
        counts={
            "arrived": stats.arrived,
            "served": stats.served,
            "cold_starts": stats.cold_starts,
            "throttled": stats.throttled,
            "dropped": stats.dropped,
            "timed_out": stats.timed_out,
            "retried": stats.retried,
            "provisioned_served": stats.provisioned_served,
            "instances_launched": stats.cold_starts,
        },
        histograms=histograms,
        totals={
            "alive_instance_s": stats.alive_s,
            "busy_instance_s": stats.busy_s,
            "provisioned_instance_s": provisioned_instance_s(provisioned_steps, horizon_s),
            "active_instance_s": stats.active_s,
            "bytes_out": 0.0,
        },
        config=dict(config),
    )


def merged_meters(meters: Mapping[str, Meters], kind: str, horizon_s: float) -> Meters:
    """One option's meters from its pools': counts and totals summed, histograms merged.

    It serves what reads an option's usage (``meters.json``, the sweeps' idle share); each
    pool's own meters, with its memory, are what the bill is rated from.
    """
    out = Meters(kind=kind, horizon_s=horizon_s, config={"application": True})
    for m in meters.values():
        for name in COUNTS:
            out.counts[name] = out.counts.get(name, 0) + int(m.counts.get(name, 0))
        for name in HISTOGRAMS:
            if name in m.histograms:
                out.histograms[name] = out.histograms.get(name, MsHistogram()).merged(
                    m.histograms[name]
                )
        for name, value in m.totals.items():
            out.totals[name] = out.totals.get(name, 0.0) + value
    return out


def queue_requests(out: AppOutput, service_of: dict[str, str]) -> dict[str, float]:
    """Billed API requests of each queue over the horizon.

    A queue (``aws-sqs``) bills one send per message and one receive and one delete per consumer
    batch; a topic or bus (``aws-sns``, ``aws-eventbridge``) one publish per message.
    """
    out_q: dict[str, float] = {}
    for name, stats in out.queues.items():
        if service_of.get(name, "aws-sqs") == "aws-sqs":
            out_q[name] = float(stats.messages + 2 * stats.receives)
        else:
            out_q[name] = float(stats.messages)
    return out_q


def workflow_histogram(out: AppOutput, memory_mb: float) -> MsHistogram:
    """Durations of every express execution at ``memory_mb``, across routes."""
    merged = MsHistogram()
    for w in out.workflows.values():
        if w.kind == "express" and w.memory_mb == memory_mb:
            merged = merged.merged(ms_histogram(w.duration_ms))
    return merged
