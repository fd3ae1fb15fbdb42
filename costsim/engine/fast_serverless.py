"""Compiled engine for serverless function pools: drives the loop of
:mod:`costsim.engine.fast_serverless_steps` over the chunks of a request stream.

This side allocates and grows the arrays the loop reads, hands it cold-start draws block by
block, empties its overflow array into sparse histograms and turns its state into counters and
meters. Same contract and results as :mod:`costsim.engine.simpy_serverless`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from costsim.engine.batches import BatchWindows
from costsim.engine.common import (
    DENSE_MS,
    SERVERLESS_HISTOGRAMS,
    Chunk,
    ColdDraws,
    Counters,
    EngineOutput,
    OptionDraws,
    Progress,
    serverless_meters,
)
from costsim.engine.fast_common import chunk_arrays, grow, grow_rows, new_heap
from costsim.engine.fast_serverless_loop import close, drain, idle_slots, run_chunk
from costsim.engine.fast_serverless_state import (
    ACTIVE_SINCE,
    ID,
    MRU,
    NEXT,
    OLDEST,
    P_HEAD,
    P_TAIL,
    PARAMS,
    PREV,
    PROV,
    RANDOM_POLICY,
    STATE,
    Arrays,
)
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.meters import MsHistogram
from costsim.platforms.serverless import ServerlessPlatform
from costsim.platforms.serverless_rules import NO_PERIOD_S


def params(p: ServerlessPlatform, horizon_s: float, bins: TimeBins) -> np.ndarray:
    """The platform's parameters as the loop reads them (a one-element :data:`PARAMS` array)."""
    out = np.zeros(1, dtype=PARAMS)
    r = out[0]
    r["keep_alive_s"] = p.keep_alive_s
    r["burst"] = p.scale_burst
    r["rate_per_s"] = p.scale_rate_per_s
    r["horizon_s"] = horizon_s
    r["bin_width_s"] = bins.width_s
    r["warmup_s"] = p.latency_warmup_s
    r["timeout_s"] = p.timeout_s
    r["max_lifetime_s"] = p.max_lifetime_s
    r["weight"] = 1.0 / p.instance_concurrency
    r["policy"] = p.reuse_code
    r["conc"] = p.instance_concurrency
    r["limit"] = p.concurrency_limit
    r["n_bins"] = bins.n_bins
    r["lean"] = int(p.instance_concurrency == 1 and p.reuse_code == MRU)
    r["has_u"] = int(p.reuse_code == RANDOM_POLICY)
    r["sign"] = -1 if p.reuse_code == OLDEST else 1
    return out


class _Pool:
    """The state and arrays one serverless simulation carries between chunks."""

    def __init__(self, p: ServerlessPlatform, horizon_s: float, bins: TimeBins) -> None:
        self.params = params(p, horizon_s, bins)
        self.state = np.zeros(1, dtype=STATE)
        s = self.state[0]
        s["tokens"] = p.scale_burst
        s["idle_created_s"] = np.inf  # no idle on-demand instance yet
        n_prov = p.provisioned
        most_prov = max(n for _, n in p.provisioned_steps)
        cap = max(64, 2 * n_prov)
        slot_f = np.zeros((4, cap))
        slot_i = np.zeros((5, cap), dtype=np.int64)
        ends = np.full(4, -1, dtype=np.int64)
        # provisioned instances: slots and ids 0.., alive, idle and ready from 0, all free
        slot_i[ID, :n_prov] = np.arange(n_prov)
        slot_i[PROV, :n_prov] = 1
        slot_f[ACTIVE_SINCE, :n_prov] = NO_PERIOD_S
        if n_prov:
            slot_i[PREV, :n_prov] = np.arange(-1, n_prov - 1)
            slot_i[NEXT, :n_prov] = np.arange(1, n_prov + 1)
            slot_i[NEXT, n_prov - 1] = -1
            ends[P_HEAD], ends[P_TAIL] = 0, n_prov - 1
        none = BatchWindows.none()  # the run sets its batches, if any
        slots_free = np.zeros(cap, dtype=np.int64)
        slots_free[: cap - n_prov] = np.arange(cap - 1, n_prov - 1, -1)
        s["n_free_slots"] = cap - n_prov
        s["nf_prov"] = n_prov
        s["n_prov"] = s["pc_level"] = n_prov
        f_prov = np.zeros(max(most_prov, 1), dtype=np.int64)
        f_prov[:n_prov] = np.arange(n_prov)[:: int(self.params[0]["sign"])]
        prov_stack = np.zeros(max(most_prov, 1), dtype=np.int64)
        prov_stack[:n_prov] = np.arange(n_prov)
        changes = p.provisioned_changes
        s["n_alive"] = s["next_id"] = s["max_instances"] = n_prov
        self.a = Arrays(
            slot_f, slot_i, ends, slots_free, f_prov,
            np.zeros(cap, dtype=np.int64), np.zeros(cap, dtype=np.int64), np.zeros((2, cap)),
            *new_heap(256),
            np.zeros((len(SERVERLESS_HISTOGRAMS), DENSE_MS), dtype=np.int64),
            np.zeros((2, 1024), dtype=np.int64),
            np.zeros(0, dtype=np.int64),  # set per run
            bins.arrivals, bins.served, bins.cold_starts, bins.throttled, bins.alive_s,
            bins.busy_s,
            np.array([t for t, _ in changes], dtype=np.float64),
            np.array([n for _, n in changes], dtype=np.int64),
            prov_stack,
            none.tally,
            none.cfg,
        )  # fmt: skip
        #: Values emptied from the overflow array, per histogram row.
        self.long_values = [MsHistogram() for _ in SERVERLESS_HISTOGRAMS]

    @property
    def s(self) -> np.void:
        """The state record."""
        return self.state[0]

    def _room(self, extra: int) -> None:
        """Empty the overflow array and make sure it holds ``extra`` more values."""
        ov = self.a.overflow
        n = int(self.s["ov_n"])
        for row in range(len(self.long_values)):
            values = ov[1, :n][ov[0, :n] == row]
            if len(values):
                self.long_values[row] = self.long_values[row].merged(
                    MsHistogram.from_values(values)
                )
        self.s["ov_n"] = 0
        need = max(extra, max(len(h.values_ms) for h in self.long_values))
        if ov.shape[1] < need:
            self.a = self.a._replace(overflow=np.zeros((2, 2 * need), dtype=np.int64))

    def _needed(self) -> int:
        s = self.s
        return int(s["heap_n"] + 2 * s["n_alive"] + 2)

    def grow(self) -> None:
        """Make room for the next arrival: slots, heap or overflow, whichever is short."""
        s = self.s
        a = self.a
        cap = a.slot_f.shape[1]
        want = max(1, int(s["need_slots"]))
        if s["n_free_slots"] < want:
            new = 2 * cap
            while new - cap + s["n_free_slots"] < want:
                new *= 2
            # the slots still free stay at the bottom of the stack, the new ones go on top
            old = a.slots_free[: int(s["n_free_slots"])]
            free = grow(np.concatenate((old, np.arange(new - 1, cap - 1, -1, dtype=np.int64))), new)
            a = a._replace(
                slot_f=grow_rows(a.slot_f, new),
                slot_i=grow_rows(a.slot_i, new),
                slots_free=free,
                f_other=grow(a.f_other, new),
                scratch=grow(a.scratch, new),
                cand=grow_rows(a.cand, new),
            )
            s["n_free_slots"] += new - cap
        if s["heap_n"] >= len(a.ht):
            n = 2 * len(a.ht)
            a = a._replace(ht=grow(a.ht, n), ho=grow(a.ho, n), ha=grow(a.ha, n), hv=grow(a.hv, n))
        self.a = a
        if s["ov_n"] + self._needed() > a.overflow.shape[1]:
            self._room(self._needed())

    def run(self, arr, dur, cold, uni, start: int) -> int:
        """Call the loop on ``arr[start:]`` (see :func:`run_chunk`)."""
        return int(run_chunk(arr, dur, cold, uni, start, self.params, self.state, self.a))

    def finish(self) -> list[MsHistogram]:
        """Run the remaining completions, retire every instance; the histograms [ms]."""
        self._room(self._needed())
        while not drain(self.params, self.state, self.a):
            self.grow()
        # after the drain every alive instance is idle, so in an idle list
        slots = np.zeros(self.a.slot_f.shape[1], dtype=np.int64)
        slots = slots[: idle_slots(self.a, slots)]
        slots = slots[np.argsort(self.a.slot_i[ID, slots], kind="stable")]
        close(self.params, self.state, self.a, slots)
        self._room(0)
        return [
            MsHistogram.from_dense(self.a.hist[row]).merged(self.long_values[row])
            for row in range(len(SERVERLESS_HISTOGRAMS))
        ]


def run_serverless(
    platform: ServerlessPlatform,
    chunks: Iterable[Chunk],
    draws: OptionDraws,
    horizon_s: float,
    bins: TimeBins,
    progress: Progress | None = None,
    batches: BatchWindows | None = None,
) -> EngineOutput:
    """Simulate a serverless pool over the arrivals in ``chunks`` (compiled engine).

    Same contract and results as :func:`costsim.engine.simpy_serverless.run_serverless`.
    Cold-start durations come from :class:`~costsim.engine.common.ColdDraws`, as in the
    reference; the uniform draws are taken only for ``reuse: random``, the one policy that reads
    them.

    Returns
    -------
    EngineOutput
        Counters, latency histogram, time bins and meters; no billing rule is applied.
    """
    pool = _Pool(platform, horizon_s, bins)
    latency = LatencyHistogram()
    pool.a = pool.a._replace(lat_counts=latency.counts)
    if batches is not None:
        pool.a = pool.a._replace(batch_tally=batches.tally, batch_cfg=batches.cfg)
    cold = ColdDraws(platform.cold_start.sample, draws.cold)
    block = np.zeros(0)
    has_u = bool(pool.params[0]["has_u"])
    for arr, dur, uni in chunk_arrays(chunks, draws, has_u, progress):
        n = len(arr)
        i = 0
        while i < n:
            i = pool.run(arr, dur, block, uni, i)
            if i < n:
                if pool.s["cold_pos"] >= len(block):
                    block = cold.block()
                    pool.s["cold_pos"] = 0
                pool.grow()
    hist = pool.finish()
    s = pool.s
    latency.total_s = float(s["lat_total_s"])
    counters = Counters(
        arrived=int(s["arrived"]),
        served=int(s["served"]),
        cold_starts=int(s["cold_starts"]),
        throttled=int(s["throttled"]),
        timed_out=int(s["timed_out"]),
    )
    meters = serverless_meters(
        horizon_s,
        counters,
        dict(zip(SERVERLESS_HISTOGRAMS, hist, strict=True)),
        totals={
            "alive_instance_s": float(s["alive_s"]),
            "busy_instance_s": float(s["busy_s"]),
            "active_instance_s": float(s["active_s"]),
        },
        provisioned_steps=platform.provisioned_steps,
        counts={
            "provisioned_served": int(s["provisioned_served"]),
            "instances_launched": int(s["next_id"]),
        },
        config=platform.meter_config,
    )
    return EngineOutput(
        counters=counters,
        latency=latency,
        bins=bins,
        alive_s=float(s["alive_s"]),
        busy_s=float(s["busy_s"]),
        max_instances=int(s["max_instances"]),
        capacity_per_instance=platform.instance_concurrency,
        meters=meters,
        batches=batches,
    )
