"""Compiled engine for applications: serverless options (one pool per function, one account
limit) and fleets (VPS, bare metal: one service), exactly as the SimPy application engine.

:func:`run_serverless_app_fast` and :func:`run_fleet_app_fast` take the arguments of
:func:`costsim.engine.app.run_serverless_app` and :func:`costsim.engine.app.run_fleet_app` and
return the same :class:`~costsim.engine.app.stats.AppOutput`, count for count and float for
float (tests/unit/test_fast_app_engine.py checks it on random applications). The loop is
:mod:`costsim.engine.fast_app_loop`; the tables and the driver's work between its calls are
:mod:`costsim.engine.fast_app_run`.

:func:`costsim.engine.fast_app_features.application_gap` names the first feature of an
application this engine does not run, so that the caller can say so and run it on the reference
instead.
"""

from __future__ import annotations

from typing import Any

from costsim.application.schema import Application
from costsim.engine.app import AppOutput, FleetPlan, ServerlessPlan
from costsim.engine.app.flow import queue_names
from costsim.engine.app.stats import (
    FunctionBins,
    FunctionStats,
    QueueStats,
    RouteStats,
    WorkflowStats,
)
from costsim.engine.fast_app_run import AppRun
from costsim.engine.fast_app_state import (
    FB_ALIVE,
    FB_ARRIVALS,
    FB_BUSY,
    FB_COLD,
    FB_DROPPED,
    FB_INVOCATIONS,
    FB_THROTTLED,
    FB_TIMED_OUT,
    FF_ACTIVE,
    FF_ALIVE,
    FF_BUSY,
    FI_MAX_INST,
    FI_TIMED_OUT,
    H_ACTIVE,
    H_DUR,
    H_INIT,
    H_LIFE,
    H_PROV_ACTIVE,
    H_PROV_DUR,
    HPF,
    QF_WAIT_TOTAL,
    QI_CONSUMER,
    QI_COUNT,
    RF_LAT_TOTAL,
    RF_TIS,
)
from costsim.engine.metrics import LatencyHistogram, TimeBins

#: Row names of the function counters in ``fn_i``, as :class:`FunctionStats` names them.
_FN_COUNTS = ("arrived", "served", "throttled", "dropped", "errors", "retried", "invocations",
              "cold_starts", "provisioned_served")  # fmt: skip
_RT_COUNTS = ("arrived", "served", "throttled", "dropped", "errors")


def run_serverless_app_fast(
    app: Application,
    plan: ServerlessPlan,
    horizon_s: float,
    bins: TimeBins,
    seed: int,
    option_key: int,
    warmup_s: float = 0.0,
    base_dir: Any = None,
) -> AppOutput:
    """Simulate ``app`` on a serverless option (compiled engine).

    Same arguments, contract and results as :func:`costsim.engine.app.run_serverless_app`.
    """
    return _output(AppRun(app, plan, horizon_s, warmup_s, seed, option_key, bins, base_dir))


def run_fleet_app_fast(
    plan: FleetPlan,
    app: Application,
    horizon_s: float,
    warmup_s: float,
    seed: int,
    option_key: int,
    bins: TimeBins,
    base_dir: Any = None,
) -> AppOutput:
    """Simulate ``app`` on a fixed fleet (compiled engine).

    Same arguments, contract and results as :func:`costsim.engine.app.run_fleet_app`.
    """
    return _output(AppRun(app, plan, horizon_s, warmup_s, seed, option_key, bins, base_dir))


def _output(run: AppRun) -> AppOutput:
    """Run the loop; what the reference's ``finish`` returns."""
    run.room()
    run.run()
    a = run.a
    app, plan, horizon_s, bins = run.app, run.plan, float(run.params[0]["horizon_s"]), run.bins
    functions: dict[str, FunctionStats] = {}
    for f, name in enumerate(run.prog.functions):
        st = FunctionStats(bins=_function_bins(run, f))
        for j, k in enumerate(_FN_COUNTS):
            setattr(st, k, int(a.fn_i[7 + j, f]))
        st.timed_out = int(a.fn_i[FI_TIMED_OUT, f])
        st.duration_ms = run.histogram(HPF * f + H_DUR)
        st.provisioned_duration_ms = run.histogram(HPF * f + H_PROV_DUR)
        st.init_ms = run.histogram(HPF * f + H_INIT)
        st.lifetime_ms = run.histogram(HPF * f + H_LIFE)
        st.active_period_ms = run.histogram(HPF * f + H_ACTIVE)
        st.provisioned_active_period_ms = run.histogram(HPF * f + H_PROV_ACTIVE)
        st.alive_s, st.busy_s = float(a.fn_f[FF_ALIVE, f]), float(a.fn_f[FF_BUSY, f])
        st.active_s = float(a.fn_f[FF_ACTIVE, f])
        st.max_instances = int(a.fn_i[FI_MAX_INST, f])
        if isinstance(plan, ServerlessPlan):
            st.provisioned_instance_s = plan.pools[name].provisioned * horizon_s
        functions[name] = st
    routes: dict[str, RouteStats] = {}
    workflows: dict[str, WorkflowStats] = {}
    for r, route in enumerate(app.routes):
        rs = RouteStats()
        for j, k in enumerate(_RT_COUNTS):
            setattr(rs, k, int(a.rt_i[8 + j, r]))
        rs.latency = LatencyHistogram(a.lat[r].copy(), float(a.rt_f[RF_LAT_TOTAL, r]))
        rs.time_in_system_s = float(a.rt_f[RF_TIS, r])
        routes[route.name] = rs
        if route.workflow is not None:
            kind = route.workflow.type
            if isinstance(plan, ServerlessPlan) and plan.workflow_type is not None:
                kind = plan.workflow_type
            workflows[route.name] = WorkflowStats(
                kind=kind,
                memory_mb=route.workflow.memory_mb,
                executions=int(a.rt_i[13, r]),
                transitions=int(a.rt_i[14, r]),
                retried=int(a.rt_i[15, r]),
                duration_ms=run.histogram(HPF * len(run.prog.functions) + r),
            )
    queues: dict[str, QueueStats] = {}
    for q, name in enumerate(run.prog.queues):
        qi = a.q_i[:, q]
        left = int(qi[QI_COUNT])
        queues[name] = QueueStats(
            messages=int(qi[8]),
            receives=int(qi[9]),
            dead_lettered=int(qi[10]),
            expired=left,
            wait=LatencyHistogram(a.qwait[q].copy(), float(a.q_f[QF_WAIT_TOTAL, q])),
        )
        # nothing is left to free a slot: these messages can never be consumed
        functions[run.prog.functions[int(qi[QI_CONSUMER])]].drop(float(run.s["now_s"]), left)
    edges = _edges(run, queues)
    if isinstance(plan, FleetPlan):
        n = plan.servers
        for _ in range(n):
            bins.add_interval(bins.alive_s, 0.0, horizon_s, 1.0)
        return AppOutput(
            kind="fleet",
            horizon_s=horizon_s,
            routes=routes,
            functions=functions,
            queues=queues,
            workflows=workflows,
            bins=bins,
            alive_s=n * horizon_s,
            busy_s=float(run.s["fleet_busy_s"]),
            max_instances=n,
            capacity_per_instance=plan.workers + (plan.background_workers or 0),
            servers=n,
            edges=edges,
        )
    out = AppOutput(
        kind="serverless",
        horizon_s=horizon_s,
        routes=routes,
        functions=functions,
        queues=queues,
        workflows=workflows,
        bins=bins,
        edges=edges,
    )
    out.alive_s = sum(f.alive_s for f in functions.values())
    out.busy_s = sum(f.busy_s for f in functions.values())
    out.max_instances = sum(f.max_instances for f in functions.values())
    return out


def _function_bins(run: AppRun, f: int) -> FunctionBins:
    """Function ``f``'s time series, as the reference's :class:`FunctionBins` holds them."""
    a = run.a
    fb = FunctionBins(float(run.params[0]["horizon_s"]), run.bins.n_bins)
    for series, target in (
        (FB_ARRIVALS, fb.arrivals),
        (FB_INVOCATIONS, fb.invocations),
        (FB_COLD, fb.cold_starts),
        (FB_THROTTLED, fb.throttled),
        (FB_DROPPED, fb.dropped),
        (FB_TIMED_OUT, fb.timed_out),
    ):
        target[:] = a.fb_i[series, f]
    fb.alive_s[:] = a.fb_f[FB_ALIVE, f]
    fb.busy_s[:] = a.fb_f[FB_BUSY, f]
    return fb


def _edges(run: AppRun, queues: dict[str, QueueStats]) -> dict[tuple[str, str, str], int]:
    """Calls, sends and tasks along each edge that carried any (``Host.run``'s ``edges``), and
    every queue's deliveries."""
    counts = run.a.edge_n
    edges = {key: int(counts[e]) for key, e in run.prog.edges.items() if counts[e] > 0}
    for name, consumer in queue_names(run.app).items():
        edges[(f"queue:{name}", f"fn:{consumer}", "consume")] = queues[name].messages
    return dict(sorted(edges.items()))
