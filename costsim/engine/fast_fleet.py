"""Compiled engine for fleets of servers (VPS and bare metal): the SimPy reference in numba.

One loop (:func:`_run`) drives every fleet, fixed or autoscaled, with any balancer. Each model
step is one compiled function of :mod:`costsim.engine.fast_fleet_steps` over two records
(:mod:`costsim.engine.fast_fleet_state`): :class:`FleetParams`, the platform's parameters as
scalars, and :class:`FleetState`, every array the run carries between chunks. The predicates of
the model are the rules of :mod:`costsim.platforms.fleet_rules`, compiled from the very functions
the SimPy engine calls.

Events are handled in the reference's order: by time, then completions, boots, the autoscaling
evaluation and arrivals, then in scheduling order (see :mod:`costsim.engine.simpy_fleet`). Before
each step the loop checks that whatever the step may need is free; if not it returns, and the
caller grows the arrays and calls again.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from costsim.engine.batches import BatchWindows
from costsim.engine.common import (
    Chunk,
    Counters,
    EngineOutput,
    LifetimeTally,
    OptionDraws,
    Progress,
    fleet_meters,
)
from costsim.engine.fast_common import chunk_arrays, njit
from costsim.engine.fast_fleet_state import FleetParams, FleetState, fleet_params, grown, new_state
from costsim.engine.fast_fleet_steps import arrive, close, event, room, start_servers
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.platforms.fleet import FleetPlatform

#: Most steps one kernel call takes before returning to Python (about 0.1 s of work): Ctrl-C is
#: seen between calls, since compiled code does not check for signals.
EVENT_BUDGET = 1 << 20


@njit
def _run(
    prm: FleetParams,
    st: FleetState,
    arr: np.ndarray,
    dur: np.ndarray,
    uni: np.ndarray,
    final: bool,
) -> bool:
    """Simulate arrivals from ``st.cursor`` to the end of the chunk (then, if ``final``, drain).

    Returns False when it stopped early, because an array must grow or after
    :data:`EVENT_BUDGET` steps (so that Python, and Ctrl-C, get control back often);
    ``st.cursor`` says where.
    """
    n = len(arr)
    i = st.cursor[0]
    for _ in range(EVENT_BUDGET):
        if not room(prm, st):
            break
        if i < n:
            t_s = arr[i]
            # The walk decides when it reaches a request: a later one is an ARRIVAL event,
            # handled after every other event at or before its time.
            if st.walk_pending[0] == 0 and t_s > st.now_s[0]:
                st.walk_pending[0] = 1
            if st.walk_pending[0] != 0 and st.heap_n[0] > 0 and st.ev_t_s[0] <= t_s:
                event(prm, st)
                continue
            d_s = dur[i]
            span_s = min(d_s, prm.horizon_s)  # window busy time stops at the horizon
            if st.node_free[0] < 0 or (
                prm.autoscale and int(span_s / prm.evaluation_period_s) + 4 > len(st.win_busy_s)
            ):
                break
            if st.walk_pending[0] != 0:
                st.now_s[0] = t_s
                st.walk_pending[0] = 0
            arrive(prm, st, t_s, d_s, uni[i] if prm.uses_uniforms else 0.0)
            i += 1
            continue
        if not final or st.heap_n[0] == 0:
            st.cursor[0] = 0
            return True
        event(prm, st)
    st.cursor[0] = i
    return False


class _FleetRun:
    """The records of one fleet run, grown between kernel calls."""

    def __init__(
        self,
        p: FleetPlatform,
        horizon_s: float,
        bins: TimeBins,
        latency: LatencyHistogram,
        batches: BatchWindows,
    ) -> None:
        self.prm = fleet_params(p, horizon_s, bins)
        self.st = new_state(p, bins, latency, batches)
        self.lifetimes = LifetimeTally()
        start_servers(self.prm, self.st, p.autoscale.minimum if p.autoscale else p.count)

    def collect_lifetimes(self) -> None:
        """Move the metered lifetimes out of the kernel's buffer."""
        self.lifetimes.add_many(self.st.life_ms[: self.st.n_life[0]])
        self.st.n_life[0] = 0

    def run(self, arr: np.ndarray, dur: np.ndarray, uni: np.ndarray, final: bool) -> None:
        """Simulate one chunk (and drain at the end if ``final``), growing arrays as needed.

        Each kernel call returns within :data:`EVENT_BUDGET` steps, so a Ctrl-C between calls
        stops the run within a fraction of a second.
        """
        while not _run(self.prm, self.st, arr, dur, uni, final):
            self.collect_lifetimes()
            i = int(self.st.cursor[0])
            self.st = grown(self.prm, self.st, float(dur[i]) if i < len(dur) else 0.0)


def run_fleet(
    platform: FleetPlatform,
    chunks: Iterable[Chunk],
    draws: OptionDraws,
    horizon_s: float,
    bins: TimeBins,
    progress: Progress | None = None,
    batches: BatchWindows | None = None,
) -> EngineOutput:
    """Simulate a fleet of servers over the arrivals in ``chunks`` (compiled engine).

    Same contract and results as :func:`costsim.engine.simpy_fleet.run_fleet`. The uniform
    draws are taken only for the ``random`` balancer, the one rule that reads them.
    """
    latency = LatencyHistogram()
    fl = _FleetRun(platform, horizon_s, bins, latency, batches or BatchWindows.none())
    empty = np.zeros(0)
    for arr, dur, uni in chunk_arrays(chunks, draws, fl.prm.uses_uniforms, progress):
        fl.run(arr, dur, uni, False)
    fl.run(empty, empty, empty, True)
    close(fl.prm, fl.st)
    fl.collect_lifetimes()
    st = fl.st
    latency.total_s = float(st.latency_total_s[0])
    counters = Counters(
        arrived=int(st.arrived[0]), served=int(st.served[0]), dropped=int(st.dropped[0])
    )
    alive_s, busy_s = float(st.alive_s[0]), float(st.busy_s[0])
    launched = int(st.next_id[0])
    meters = fleet_meters(
        horizon_s, counters, launched, fl.lifetimes.histogram(), alive_s, busy_s,
        platform.workers, None if platform.autoscale is not None else platform.count,
    )  # fmt: skip
    return EngineOutput(
        counters=counters,
        latency=latency,
        bins=bins,
        meters=meters,
        alive_s=alive_s,
        busy_s=busy_s,
        max_instances=int(st.max_instances[0]),
        capacity_per_instance=platform.workers,
        batches=batches,
    )
