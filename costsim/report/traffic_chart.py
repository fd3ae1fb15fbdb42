"""The traffic preview chart: arrivals per bin, and the expected rate where it is analytic.

It lives in ``report`` (not beside :mod:`costsim.traffic.preview`, which computes the summary)
because drawing is the report layer's job: traffic sits below it and never imports matplotlib.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from costsim.traffic.preview import TrafficSummary


def traffic_chart(scenario: Any, summary: TrafficSummary, out_dir: Path) -> list[Path]:
    """Chart the arrival rate over time (sampled per bin, and expected where analytic).

    Parameters
    ----------
    scenario : Scenario
        The scenario previewed (its name, seed and traffic description go in the source line).
    summary : TrafficSummary
        The arrivals, from :func:`costsim.traffic.preview.summarise_traffic`.
    out_dir : Path
        Folder the chart is written into, as ``traffic.png`` and ``traffic.svg``.

    Returns
    -------
    list of Path
        The files written.
    """
    import matplotlib.pyplot as plt

    from costsim.report.style import PALETTE, chart_style, save, source_line

    with chart_style():
        fig, ax = plt.subplots()
        t_h = np.arange(len(summary.counts)) * summary.bin_s / 3600.0
        ax.step(
            t_h,
            summary.counts / summary.bin_s,
            where="post",
            color=PALETTE[0],
            linewidth=0.8,
            label="sampled arrivals",
        )
        if summary.expected is not None:
            ax.plot(
                t_h + summary.bin_s / 7200.0,
                summary.expected / summary.bin_s,
                color="black",
                linestyle="--",
                linewidth=1,
                label="expected rate",
            )
        ax.set_xlabel("time since start [h]")
        ax.set_ylabel(f"arrival rate [requests/s, per {summary.bin_s / 60:g}-min bin]")
        ax.set_title(
            f"Traffic: mean {summary.mean_rps:.3g} req/s, peak {summary.peak_rps:.3g} req/s, "
            f"idle {100 * summary.idle_fraction:.0f}% of the time"
        )
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper right")
        source_line(
            fig, f"scenario {scenario.name}, seed {scenario.seed}: {scenario.traffic.describe()}"
        )
        return save(fig, out_dir, "traffic")
