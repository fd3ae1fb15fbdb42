"""One function's pool of instances on a serverless option hosting an application.

The pool is the single-function SimPy pool (:mod:`costsim.engine.simpy_serverless`) with its
own procedures: MRU reuse by default, provisioned instances first, a provisioned schedule
followed at its change points (a rise adds warm instances, a fall turns the newest on demand),
keep-alive expiry applied when the pool is next looked at, the scale-rate bucket, cold starts,
lifetimes, and ``instance_concurrency`` requests per instance packed by the reuse policy. What
differs is who schedules an execution: the application host takes an instance
(:meth:`AppPool.take`) and releases it (:meth:`AppPool.release`) around each execution, and
holds the account's slots (:class:`~costsim.engine.app.serverless.ServerlessHost`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import simpy

from costsim.engine.app.stats import FunctionStats
from costsim.engine.common import ColdDraws
from costsim.engine.metrics import TimeBins
from costsim.engine.simpy_serverless import _Pool as InstancePool
from costsim.fields import MAX_INSTANCES
from costsim.platforms.rules import REUSE_POLICIES, busy_within_horizon_s
from costsim.platforms.schedule import provisioned_instance_s
from costsim.platforms.serverless import ServerlessPlatform
from costsim.traffic.distributions import Distribution


@dataclass(frozen=True)
class PoolParams:
    """One function's pool on a serverless option (no prices).

    Attributes
    ----------
    provisioned : int
        Provisioned (always-warm) instances from time 0 [instances].
    provisioned_changes : tuple of (float, int)
        Later changes of the provisioned count, ``(t_s, count)`` [s, instances], from the
        function's ``provisioned_schedule`` (see
        :func:`costsim.platforms.schedule.provisioned_steps`).
    instance_concurrency : int
        Executions one instance runs at once [requests].
    """

    memory_mb: float
    keep_alive_s: float
    cold_start: Distribution
    reserved: int | None = None
    provisioned: int = 0
    scale_burst: float = float("inf")
    scale_rate_per_s: float = float("inf")
    reuse_code: int = 0
    #: An execution longer than this is cut and billed to it [s] (the product's limit).
    timeout_s: float = float("inf")
    #: Age [s] at which an on-demand instance is recycled, busy or not (inf: never).
    max_lifetime_s: float = float("inf")
    provisioned_changes: tuple[tuple[float, int], ...] = ()
    instance_concurrency: int = 1

    @property
    def provisioned_steps(self) -> tuple[tuple[float, int], ...]:
        """The provisioned count over time: ``(t_s, count)`` from 0 [s]."""
        return ((0.0, self.provisioned), *self.provisioned_changes)

    @property
    def most_provisioned(self) -> int:
        """The largest provisioned count over the run [instances]."""
        return max(count for _, count in self.provisioned_steps)


@dataclass(frozen=True)
class ServerlessPlan:
    """Every pool of an option, and the account's concurrency limit."""

    pools: dict[str, PoolParams]
    account_limit: int = 1000
    #: Every workflow runs as this type (``standard`` or ``express``); None: each route's own.
    workflow_type: str | None = None


def pool_platform(p: PoolParams) -> ServerlessPlatform:
    """The single-function pool model of one application pool (whose procedures it runs).

    Its ``concurrency_limit`` is never read here: an application's slots are the account's
    and the reserved ones (:class:`~costsim.engine.app.serverless.ServerlessHost`).
    """
    return ServerlessPlatform(
        memory_mb=p.memory_mb,
        cold_start=p.cold_start,
        keep_alive_s=p.keep_alive_s,
        concurrency_limit=MAX_INSTANCES,
        scale_burst=p.scale_burst,
        scale_rate_per_s=p.scale_rate_per_s,
        reuse=REUSE_POLICIES[p.reuse_code],
        provisioned=p.provisioned,
        provisioned_changes=p.provisioned_changes,
        instance_concurrency=p.instance_concurrency,
        timeout_s=p.timeout_s,
        max_lifetime_s=p.max_lifetime_s,
    )


class AppPool(InstancePool):
    """The instances of one function: the single-function SimPy pool's instance procedures
    (keep-alive reclaim, warm pick, provisioned schedule, scale-rate bucket, cold start,
    lifetimes, close), with executions taken and released by the application host instead of
    scheduled per request."""

    def __init__(
        self,
        env: simpy.Environment,
        params: PoolParams,
        stats: FunctionStats,
        cold: ColdDraws,
        horizon_s: float,
        bins: TimeBins,
    ) -> None:
        self.params = params
        self.stats = stats
        #: instances holding at least one execution, or initialising (the slots this pool
        #: holds: one per execution when an instance runs one at a time)
        self.in_flight = 0
        super().__init__(env, pool_platform(params), horizon_s, bins, cold)
        stats.provisioned_instance_s = provisioned_instance_s(params.provisioned_steps, horizon_s)

    def _lived(self, created_s: float, end_s: float) -> None:
        super()._lived(created_s, end_s)
        if self.stats.bins is not None:
            self.stats.bins.interval(self.stats.bins.alive_s, created_s, end_s)

    def _start_cold(self, t_s: float) -> tuple[Any, float]:
        got = super()._start_cold(t_s)
        if self.stats.bins is not None:
            self.stats.bins.count(self.stats.bins.cold_starts, t_s)
        return got

    def warm(self, now_s: float, busy_only: bool = False) -> Any | None:
        """The warm instance with a free seat an execution would take now, if any
        (``busy_only``: among instances running executions already, which need no new slot).

        Expired instances are reclaimed first (:meth:`ServerlessHost._acquire` does it, before
        it checks the slots, as the pool is looked at).
        """
        return self._pick(now_s, 0.0, busy_only)

    def take(self, now_s: float, inst: Any | None) -> tuple[Any, float] | None:
        """``inst`` (from :meth:`warm`), or a new instance with its init time [s]; None when
        none can start (the scale-rate bucket is empty)."""
        init_s = 0.0
        if inst is None:
            self._refill(now_s)
            if self.tokens < 1.0:
                return None
            inst, init_s = self._start_cold(now_s)
        self._occupy(inst, now_s)
        return inst, init_s

    def release(self, inst: Any, start_s: float, end_s: float) -> bool:
        """Free one slot of ``inst`` after an execution from ``start_s`` to ``end_s`` [s] (init
        included); True when the instance is now idle."""
        inst.active -= 1
        if inst.active == 0:
            # the activity period stays open: the next execution may continue it
            inst.idle_since_s = end_s
        if end_s > start_s:
            weight = 1.0 / self.p.instance_concurrency
            self.busy_s += busy_within_horizon_s(start_s, end_s, self.horizon_s, weight)
            self.bins.add_interval(self.bins.busy_s, start_s, end_s, weight)
            if self.stats.bins is not None:
                self.stats.bins.interval(self.stats.bins.busy_s, start_s, end_s, weight)
        return bool(inst.active == 0)

    def finish(self) -> None:
        """Close the pool and hand its instance measurements to the function's stats."""
        self.close()
        st = self.stats
        st.alive_s = self.alive_s
        st.busy_s = self.busy_s
        st.max_instances = self.max_instances
        st.cold_starts = self.counters.cold_starts
        st.init_ms = self.hist["init_ms"]
        st.lifetime_ms = self.hist["instance_lifetime_ms"]
        st.active_period_ms = self.hist["active_period_ms"]
        st.provisioned_active_period_ms = self.hist["provisioned_active_period_ms"]
        st.active_s = self.active_s
