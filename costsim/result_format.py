"""How results are written: JSON documents, CSV cells, the time-series columns and the words
for a batch window. :mod:`costsim.results` holds the result objects and re-exports these.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import numpy as np

from costsim.units import elapsed_words


def timeseries_of(bins: Any, driver: np.ndarray, horizon_cost: Decimal) -> dict[str, np.ndarray]:
    """An option's ``timeseries`` (the columns of ``timeseries.csv``) from its time bins.

    Parameters
    ----------
    bins : TimeBins
        The option's bins (:class:`costsim.engine.metrics.TimeBins`).
    driver : numpy.ndarray
        What the cost accrues with, per bin (served requests, instance-seconds).
    horizon_cost : Decimal
        The bill over the simulated horizon [USD], shared out over the bins by ``driver``.
    """
    share = np.cumsum(driver) / driver.sum() if driver.sum() > 0 else np.zeros(len(driver))
    return {
        "t_start_s": np.arange(bins.n_bins) * bins.width_s,
        "arrivals": bins.arrivals,
        "served": bins.served,
        "cold_starts": bins.cold_starts,
        "throttled": bins.throttled,
        "dropped": bins.dropped,
        "instances": bins.alive_s / bins.width_s,
        "busy": bins.busy_s / bins.width_s,
        "cost_usd_cumulative": share * float(horizon_cost),
        # kept so that `costsim reprice` can redo the column above for another bill
        "cost_share": share,
    }


def cost_dict(cost: Any) -> dict[str, Any]:
    """An option's ``cost_usd`` entry of ``summary.json`` (USD per month) from its
    :class:`~costsim.results.CostBreakdown`."""
    return {
        "total": _money(cost.total),
        "components": {k: _money(v) for k, v in cost.components.items()},
        "period": "month",
    }


def dump_meters(doc: dict[str, Any]) -> str:
    """``meters.json`` text of a meters document (also used by ``costsim reprice``)."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n"


def dump_summary(doc: dict[str, Any]) -> str:
    """``summary.json`` text of a summary document (also used by ``costsim reprice``)."""
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.000001")))


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _cell_or_blank(value: Any) -> str:
    if isinstance(value, float | np.floating) and np.isnan(value):
        return ""
    return _cell(value)


def _cell(value: Any) -> str:
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    return f"{float(value):.6g}"


def batch_words(b: dict[str, Any]) -> str:
    """An option's ``batches`` block in words, e.g. ``finished within the 2 h window: yes (2 of
    2 batches on time); makespan up to 38 min 5 s``."""
    window = elapsed_words(b["window_s"])
    releases = b["releases"]
    if not releases:
        return f"no batch was released within the horizon (window {window})"
    done = sum(r["finished_within_window"] for r in releases)
    verdict = "yes" if b["finished_within_window"] else "no"
    n = len(releases)
    text = f"finished within the {window} window: {verdict} ({done} of {n} "
    text += ("batch" if n == 1 else "batches") + " on time"
    late = [r for r in releases if not r["finished_within_window"]]
    if late:
        r = late[0]
        lost = r["jobs"] - r["completed"]
        text += (
            f"; the batch released at {elapsed_words(r['release_s'])}: "
            f"{r['jobs'] - r['within_window']:,} of {r['jobs']:,} jobs not done in time"
        )
        if lost:
            text += f", {lost:,} never served"
    text += ")"
    if b["makespan_s_max"] is not None:
        text += "; makespan " + ("" if n == 1 else "up to ")
        text += elapsed_words(b["makespan_s_max"])
    return text
