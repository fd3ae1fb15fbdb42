"""SimPy reference engine for applications: many functions, routes, queues and workflows.

:func:`run_serverless_app` runs an application on a serverless option (one pool per function,
one account concurrency limit shared by all pools); :func:`run_fleet_app` runs the same
application as one service on a fleet of servers, fixed or autoscaled. Both return an
:class:`~costsim.engine.app.stats.AppOutput`: per route, per function, per queue and per
workflow counts and histograms, and no price.
"""

from __future__ import annotations

from costsim.engine.app.fleet import FleetPlan, run_fleet_app
from costsim.engine.app.serverless import PoolParams, ServerlessPlan, run_serverless_app
from costsim.engine.app.stats import AppOutput

__all__ = [
    "AppOutput",
    "FleetPlan",
    "PoolParams",
    "ServerlessPlan",
    "run_fleet_app",
    "run_serverless_app",
]
