"""SimPy reference engine for serverless function pools.

Events: one process walks the arrivals; each request's completion is an URGENT event, so that at
equal times completions are handled before arrivals. Keep-alive expiry and the maximum lifetime
are applied when the pool is next looked at
(:func:`~costsim.platforms.serverless_rules.idle_expired`), with the instance's alive time
ending exactly at ``idle_since + keep_alive`` or at ``created + max_lifetime`` (or the end of the
request in flight then), whichever comes first
(:func:`~costsim.platforms.serverless_rules.idle_retire_s`). An on-demand instance that has
reached its lifetime takes no new request, even with a free slot
(:func:`~costsim.platforms.serverless_rules.lifetime_reached`); provisioned instances are
replaced warm by the platform and never age out.

Events are put on SimPy's queue at their exact absolute times (:func:`schedule_at`), not at
``now + delay``, so that two events meant for the same instant are never split by float rounding
and the order at equal times is exactly the stated one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator, Iterable
from functools import partial
from heapq import heappush
from typing import Any

import numpy as np
import simpy
from simpy.core import URGENT

from costsim.engine.batches import BatchWindows
from costsim.engine.common import (
    SERVERLESS_HISTOGRAMS,
    Chunk,
    ColdDraws,
    Counters,
    EngineOutput,
    OptionDraws,
    Progress,
    serverless_meters,
)
from costsim.engine.metrics import LatencyHistogram, TimeBins
from costsim.meters import MsHistogram, ms_ceil
from costsim.platforms.rules import (
    bucket_refill,
    busy_within_horizon_s,
    choose_warm,
    clip_to_horizon_s,
    counts_in_latency,
)
from costsim.platforms.serverless import ServerlessPlatform
from costsim.platforms.serverless_rules import (
    NO_PERIOD_S,
    admits_new_instance,
    continues_active_period,
    idle_expired,
    idle_retire_s,
    lifetime_reached,
    retire_at_close_s,
    run_time_s,
    times_out,
)

#: Priority of arrivals: after completions (URGENT) at the same time.
ARRIVAL = 1


def schedule_at(
    env: simpy.Environment,
    t_s: float,
    priority: float,
    callback: Callable[[simpy.Event], None] | None = None,
) -> simpy.Event:
    """A triggered event processed at exactly ``t_s`` [s] (not ``now + (t_s - now)``).

    At equal times events run by ``priority`` (lower first), then in scheduling order.
    """
    ev = simpy.Event(env)
    ev._ok = True
    ev._value = None
    if callback is not None:
        ev.callbacks.append(callback)
    # Environment.schedule() only takes a delay; push the absolute time the same way it does.
    queue: list[Any] = env._queue
    heappush(queue, (max(t_s, env.now), priority, next(env._eid), ev))
    return ev


class _Instance:
    __slots__ = (
        "active",
        "active_since_s",
        "created_s",
        "id",
        "idle_since_s",
        "provisioned",
        "ready_s",
    )

    def __init__(self, iid: int, created_s: float, ready_s: float, provisioned: bool) -> None:
        self.id = iid
        self.created_s = created_s
        self.idle_since_s = created_s
        self.active_since_s = NO_PERIOD_S  # no activity period open yet
        self.ready_s = ready_s
        self.active = 0
        self.provisioned = provisioned


class _Pool:
    def __init__(
        self,
        env: simpy.Environment,
        p: ServerlessPlatform,
        horizon_s: float,
        bins: TimeBins,
        cold: ColdDraws,
    ) -> None:
        self.env = env
        self.cold = cold
        self.p = p
        self.horizon_s = horizon_s
        self.bins = bins
        self.counters = Counters()
        self.latency = LatencyHistogram()
        self.alive: list[_Instance] = []  # in id order
        self.next_id = 0
        self.tokens = p.scale_burst
        self.tokens_at_s = 0.0
        # exact integer-ms histograms, by meter name: {ms: count}
        self.hist: dict[str, Counter[int]] = {name: Counter() for name in SERVERLESS_HISTOGRAMS}
        self.alive_s = 0.0
        self.busy_s = 0.0
        self.active_s = 0.0
        self.provisioned_served = 0
        self.max_instances = 0
        self.batches = BatchWindows.none()
        #: provisioned instances, oldest first: a fall of the schedule takes the newest
        self.prov_stack: list[_Instance] = []
        self.level = 0
        self.reprovision(0.0, p.provisioned)
        # scheduled before any arrival, so at equal times after completions, before arrivals
        for t_s, level in p.provisioned_changes:
            schedule_at(env, t_s, ARRIVAL, partial(self.reprovision, t_s, level))

    def reprovision(self, t_s: float, level: int, _event: object = None) -> None:
        """Bring the provisioned count to ``level`` at ``t_s`` [s]: new warm instances, or the
        newest provisioned ones turned on demand (see :class:`ServerlessPlatform`)."""
        for _ in range(level - self.level):
            self.prov_stack.append(self._new_instance(t_s, t_s, provisioned=True))
        for _ in range(self.level - level):
            inst = self.prov_stack.pop()
            if inst.active == 0:
                self._close_period(inst)
                inst.idle_since_s = t_s
            else:
                # its provisioned activity period ends here, an on-demand one begins
                period_s = t_s - inst.active_since_s
                self.active_s += period_s
                self.hist["provisioned_active_period_ms"][ms_ceil(period_s)] += 1
                inst.active_since_s = t_s
            inst.provisioned = False
        self.level = level

    def _new_instance(self, t_s: float, ready_s: float, provisioned: bool) -> _Instance:
        inst = _Instance(self.next_id, t_s, ready_s, provisioned)
        self.next_id += 1
        self.alive.append(inst)
        self.max_instances = max(self.max_instances, len(self.alive))
        return inst

    def _close_period(self, inst: _Instance) -> None:
        """Record the instance's open activity period, which ended when it last went idle."""
        if inst.active_since_s == NO_PERIOD_S:
            return
        period_s = inst.idle_since_s - inst.active_since_s
        self.active_s += period_s
        which = "provisioned_active_period_ms" if inst.provisioned else "active_period_ms"
        self.hist[which][ms_ceil(period_s)] += 1
        inst.active_since_s = NO_PERIOD_S

    def _occupy(self, inst: _Instance, t_s: float) -> None:
        """Give ``inst`` one more request at ``t_s`` [s]; an idle instance opens an activity
        period unless the request continues its last one (:func:`continues_active_period`)."""
        if inst.active == 0 and not continues_active_period(
            inst.active_since_s, inst.idle_since_s, t_s
        ):
            self._close_period(inst)
            inst.active_since_s = t_s
        inst.active += 1

    def _retire(self, inst: _Instance, end_s: float) -> None:
        if inst.active == 0:
            self._close_period(inst)
        end_s = clip_to_horizon_s(end_s, self.horizon_s)
        if end_s > inst.created_s:
            self._lived(inst.created_s, end_s)

    def _lived(self, created_s: float, end_s: float) -> None:
        """Count an instance alive from ``created_s`` to ``end_s`` [s] (within the horizon)."""
        self.alive_s += end_s - created_s
        self.bins.add_interval(self.bins.alive_s, created_s, end_s, 1.0)
        self.hist["instance_lifetime_ms"][ms_ceil(end_s - created_s)] += 1

    def _refill(self, t_s: float) -> None:
        """Refill the scale-rate bucket up to ``t_s`` [s]."""
        p = self.p
        self.tokens = bucket_refill(
            self.tokens, self.tokens_at_s, t_s, p.scale_burst, p.scale_rate_per_s
        )
        self.tokens_at_s = t_s

    def _start_cold(self, t_s: float) -> tuple[_Instance, float]:
        """A new instance at ``t_s`` [s], paid from the bucket, and its init time [s]."""
        self.tokens -= 1.0
        init_s = self.cold.next()
        inst = self._new_instance(t_s, t_s + init_s, provisioned=False)
        self.counters.cold_starts += 1
        self.bins.cold_starts[self.bins.index(t_s)] += 1
        self.hist["init_ms"][ms_ceil(init_s)] += 1
        return inst, init_s

    def _reclaim(self, now_s: float) -> None:
        ka = self.p.keep_alive_s
        life = self.p.max_lifetime_s
        keep: list[_Instance] = []
        for inst in self.alive:
            if (
                inst.active == 0
                and not inst.provisioned
                and idle_expired(inst.created_s, inst.idle_since_s, now_s, ka, life)
            ):
                self._retire(inst, idle_retire_s(inst.created_s, inst.idle_since_s, ka, life))
            else:
                keep.append(inst)
        self.alive = keep

    def _pick(self, now_s: float, u: float, busy_only: bool = False) -> _Instance | None:
        """The warm instance with a free seat a request takes at ``now_s`` [s], provisioned
        first, by the reuse policy; ``busy_only``: among instances already running some."""
        c = self.p.instance_concurrency
        life = self.p.max_lifetime_s
        for want_provisioned in (True, False):
            cands = [
                i
                for i in self.alive
                if i.provisioned == want_provisioned
                and i.active < c
                and (i.active > 0 or not busy_only)
                and i.ready_s <= now_s
                # a provisioned instance is replaced warm: it never ages out here
                and (i.provisioned or not lifetime_reached(i.created_s, now_s, life))
            ]
            if cands:
                k = choose_warm(
                    self.p.reuse_code,
                    np.array([i.idle_since_s for i in cands]),
                    np.array([i.created_s for i in cands]),
                    u,
                )
                return cands[k]
        return None

    def arrive(self, t_s: float, dur_s: float, u: float) -> None:
        p = self.p
        b = self.bins.index(t_s)
        self.counters.arrived += 1
        self.bins.arrivals[b] += 1
        self.batches.arrival(t_s)
        self._reclaim(t_s)
        inst = self._pick(t_s, u)
        init_s = 0.0
        if inst is None:
            self._refill(t_s)
            if not admits_new_instance(len(self.alive), p.concurrency_limit, self.tokens):
                self.counters.throttled += 1
                self.bins.throttled[b] += 1
                return
            inst, init_s = self._start_cold(t_s)
        self._occupy(inst, t_s)
        timed_out = times_out(dur_s, p.timeout_s)
        run_s = run_time_s(dur_s, p.timeout_s)
        latency_s = init_s + run_s
        end_s = t_s + latency_s
        if not timed_out and counts_in_latency(t_s, p.latency_warmup_s):
            self.latency.add(latency_s)
        if not timed_out:
            self.batches.completion(t_s, end_s)
        which = "provisioned_duration_ms" if inst.provisioned else "duration_ms"
        self.hist[which][ms_ceil(run_s)] += 1
        weight = 1.0 / p.instance_concurrency
        if end_s > t_s:
            self.busy_s += busy_within_horizon_s(t_s, end_s, self.horizon_s, weight)
            self.bins.add_interval(self.bins.busy_s, t_s, end_s, weight)
        schedule_at(
            self.env, end_s, URGENT, partial(self._finish, inst, end_s, timed_out, inst.provisioned)
        )

    def _finish(
        self,
        inst: _Instance,
        end_s: float,
        timed_out: bool,
        on_provisioned: bool,
        _event: object = None,
    ) -> None:
        inst.active -= 1
        if inst.active == 0:
            # the activity period stays open: the next request may continue it
            inst.idle_since_s = end_s
        if timed_out:
            self.counters.timed_out += 1
            return
        self.counters.served += 1
        if on_provisioned:  # where it started: its duration is metered there
            self.provisioned_served += 1
        self.bins.served[self.bins.index(end_s)] += 1

    def close(self) -> None:
        p = self.p
        for inst in self.alive:
            self._retire(
                inst,
                retire_at_close_s(
                    inst.active,
                    inst.provisioned,
                    inst.created_s,
                    inst.idle_since_s,
                    p.keep_alive_s,
                    p.max_lifetime_s,
                    self.horizon_s,
                ),
            )
        self.alive = []


def run_serverless(
    platform: ServerlessPlatform,
    chunks: Iterable[Chunk],
    draws: OptionDraws,
    horizon_s: float,
    bins: TimeBins,
    progress: Progress | None = None,
    batches: BatchWindows | None = None,
) -> EngineOutput:
    """Simulate a serverless pool over the arrivals in ``chunks``.

    ``batches``, when given, is filled with each batch's arrivals and completions.

    Returns
    -------
    EngineOutput
        Counters, latency histogram, time bins and meters (see
        :func:`~costsim.engine.common.serverless_meters`); no billing rule is applied.
    """
    env = simpy.Environment()
    pool = _Pool(env, platform, horizon_s, bins, ColdDraws(platform.cold_start.sample, draws.cold))
    if batches is not None:
        pool.batches = batches

    def walk() -> Generator[simpy.Event, Any, None]:
        for chunk in chunks:
            arr = chunk.arrival_s.tolist()
            dur = chunk.duration_s.tolist()
            un = draws.uniform.random(len(arr)).tolist()
            for i in range(len(arr)):
                if arr[i] > env.now:
                    yield schedule_at(env, arr[i], ARRIVAL)
                pool.arrive(arr[i], dur[i], un[i])
            if progress is not None:
                progress(len(arr))

    env.process(walk())
    env.run()
    pool.close()
    hist = {name: _histogram(c) for name, c in pool.hist.items()}
    meters = serverless_meters(
        horizon_s,
        pool.counters,
        hist,
        totals={
            "alive_instance_s": pool.alive_s,
            "busy_instance_s": pool.busy_s,
            "active_instance_s": pool.active_s,
        },
        provisioned_steps=platform.provisioned_steps,
        counts={"provisioned_served": pool.provisioned_served, "instances_launched": pool.next_id},
        config=platform.meter_config,
    )
    return EngineOutput(
        counters=pool.counters,
        latency=pool.latency,
        bins=bins,
        alive_s=pool.alive_s,
        busy_s=pool.busy_s,
        max_instances=pool.max_instances,
        capacity_per_instance=platform.instance_concurrency,
        meters=meters,
        batches=batches,
    )


def _histogram(counts: Counter[int]) -> MsHistogram:
    values = sorted(counts)
    return MsHistogram(
        np.array(values, dtype=np.int64), np.array([counts[v] for v in values], dtype=np.int64)
    )
