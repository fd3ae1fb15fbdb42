"""The slots of a fixed fleet hosting an application: ``simpy.Resource`` per server (or one
shared), as the compiled application engine emulates them event for event.

An autoscaled fleet uses :class:`~costsim.engine.app.scaled.ScaledFleet` instead. The two order
simultaneous events differently (a free slot here is granted through SimPy's event queue, one
tick later, as ``simpy.Resource`` grants it), so the fixed fleet keeps this procedure: its
results are what ``--engine fast`` reproduces exactly (tests/unit/test_fast_app_engine.py).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from costsim.engine.app.scaled import ROUND_ROBIN, SHARED
from costsim.platforms.rules import choose_server

if TYPE_CHECKING:
    from costsim.engine.app.fleet import FleetPlan
    from costsim.engine.metrics import TimeBins


class _Slots:
    """Slots of one kind (front or background) on every server, with the balancer."""

    def __init__(self, env: simpy.Environment, plan: FleetPlan, per_server: int) -> None:
        self.plan = plan
        self.shared = plan.balancer_code == SHARED
        if self.shared:
            self.servers = [simpy.Resource(env, capacity=plan.servers * per_server)]
        else:
            self.servers = [simpy.Resource(env, capacity=per_server) for _ in range(plan.servers)]
        self.rr = 0

    def pick(self, u: float) -> simpy.Resource:
        """The server (resource) the balancer sends a request to, with uniform draw ``u``."""
        if self.shared:
            return self.servers[0]
        code = self.plan.balancer_code
        k = choose_server(
            code,
            np.array([r.count for r in self.servers]),
            np.array([len(r.queue) for r in self.servers]),
            self.rr,
            u,
        )
        if code == ROUND_ROBIN:
            self.rr += 1
        return self.servers[k]


class FixedSlots:
    """The front and background slots of a fixed fleet, and the busy time they measure.

    Parameters
    ----------
    env : simpy.Environment
        The simulation.
    plan : FleetPlan
        Servers, workers, background workers, balancer, queue limit and timeout.
    horizon_s : float
        The horizon; busy time past it is not measured [s].
    bins : TimeBins
        The time series the busy time is added to.
    wait_until : callable
        An event at exactly a time [s], ahead of arrivals then (the host's queue timer).
    """

    def __init__(
        self,
        env: simpy.Environment,
        plan: FleetPlan,
        horizon_s: float,
        bins: TimeBins,
        wait_until: Callable[[float], simpy.Event],
    ) -> None:
        self.env = env
        self.wait_until = wait_until
        self.plan = plan
        self.horizon_s = horizon_s
        self.bins = bins
        self.front = _Slots(env, plan, plan.workers)
        self.back = _Slots(env, plan, plan.background_workers) if plan.background_workers else None
        self.slots_per_server = plan.workers + (plan.background_workers or 0)
        self.busy_s = 0.0

    def slot(self, background: bool, u: float) -> Generator[simpy.Event, Any, Any]:
        """Wait for a slot; returns ``(resource, request, start)``, or None when dropped.

        Parameters
        ----------
        background : bool
            A job for the background workers (when the servers keep them).
        u : float
            The balancer's uniform draw.

        Returns
        -------
        tuple or None
            The held slot, or None when the queue refused or timed the request out.
        """
        slots = self.back if background and self.back is not None else self.front
        res = slots.pick(u)
        limit = self.plan.queue_limit
        if limit is not None and res.count >= res.capacity and len(res.queue) >= limit:
            return None
        req = res.request()
        timeout = self.plan.queue_timeout_s
        if timeout is None:
            yield req
        else:
            got = yield req | self.wait_until(self.env.now + timeout)
            if req not in got:
                req.cancel()
                return None
        return res, req, self.env.now

    def free(self, held: Any) -> None:
        """Release a held slot and measure its busy time.

        Parameters
        ----------
        held : tuple
            What :meth:`slot` returned.

        Returns
        -------
        None
        """
        res, req, start = held
        res.release(req)
        end = self.env.now
        weight = 1.0 / self.slots_per_server
        if end > start:
            self.busy_s += weight * (min(end, self.horizon_s) - min(start, self.horizon_s))
            self.bins.add_interval(self.bins.busy_s, start, end, weight)
