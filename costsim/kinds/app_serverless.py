"""A serverless option hosting an application: one pool per function, one account limit.

What :meth:`costsim.kinds.serverless.ServerlessKind.application` returns: the pools' plan
(a setting comes from the option's ``functions`` entry, else the function, else the option;
the timeout and scale rate are the option's, else the product's published limits, as for a
single function), the run on :func:`costsim.engine.app.run_serverless_app`, and the usage
rated by :mod:`costsim.appsim.rating`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from costsim.engine.app import PoolParams, ServerlessPlan, run_serverless_app
from costsim.engine.app.meters import (
    merged_meters,
    pool_meters,
    queue_requests,
    workflow_histogram,
)
from costsim.kinds.app_hosting import AppHost, AppUsage
from costsim.kinds.base import OptionContext
from costsim.meters import Meters
from costsim.platforms.rules import REUSE_POLICIES
from costsim.platforms.schedule import provisioned_steps
from costsim.pricing.catalog import Catalog, FunctionItem

if TYPE_CHECKING:
    from costsim.engine.app import AppOutput
    from costsim.errors import InputError
    from costsim.kinds.function_settings import FunctionSettings
    from costsim.kinds.serverless import ServerlessOption


def function_of(opt: ServerlessOption) -> dict[str, str]:
    """``{catalog, item, field}`` of the function product the option's pools are priced from."""
    key, field = (opt.plan, "plan") if opt.plan is not None else (opt.arch, "arch")
    return {"catalog": opt.provider, "item": key, "field": field}


def function_steps(
    name: str,
    provisioned: int,
    settings: FunctionSettings | None,
    opt: ServerlessOption,
    ctx: OptionContext,
) -> tuple[tuple[float, int], ...]:
    """Function ``name``'s provisioned count over the horizon, ``(t_s, count)`` from 0 [s]:
    ``provisioned`` and its option entry's ``provisioned_schedule``, combined as for a single
    function (:func:`costsim.platforms.schedule.provisioned_steps`).

    Raises
    ------
    InputError
        At ``functions.NAME.provisioned_schedule.J.count`` for a window above the account's
        ``concurrency_limit``, or at ``functions.NAME.provisioned_schedule`` for a cron window
        firing too often over the horizon.
    """
    windows = settings.provisioned_schedule if settings is not None else []
    for j, w in enumerate(windows):
        if w.count > opt.concurrency_limit:
            raise ctx.error(
                f"{name}: a window's count ({w.count}) cannot exceed concurrency_limit "
                f"({opt.concurrency_limit})",
                "functions",
                name,
                "provisioned_schedule",
                j,
                "count",
            )
    try:
        return provisioned_steps(provisioned, tuple(w.window() for w in windows), ctx.horizon_s)
    except ValueError as exc:  # a cron window firing too often over the horizon
        raise ctx.error(f"{name}: {exc}", "functions", name, "provisioned_schedule") from None


def _at_setting(
    opt: ServerlessOption, ctx: OptionContext, name: str, field: str, message: str
) -> InputError:
    """An error at function ``name``'s ``field`` where it was written: the option's
    ``functions.NAME`` entry when it sets the field, else the application's function."""
    own = opt.functions.get(name)
    if own is not None and field in own.model_fields_set:
        return ctx.error(message, "functions", name, field)
    spec = ctx.scenario.application.functions[name] if ctx.scenario.application else None
    if spec is not None and field in spec.model_fields_set:
        return ctx.scenario.error(message, "application", "functions", name, field)
    if own is not None:
        return ctx.error(message, "functions", name)
    return ctx.scenario.error(message, "application", "functions", name)


def _check_reserved_sum(
    opt: ServerlessOption, ctx: OptionContext, item: FunctionItem, pools: dict[str, PoolParams]
) -> None:
    """The functions' reserved concurrency within the account limit, less what the product
    keeps unreserved (Lambda: 100, PutFunctionConcurrency) when the limit is above that,
    located at the option's ``concurrency_limit`` when it sets one, else at the reservation
    that crosses it."""
    keep = item.limits.min_unreserved or 0
    if opt.concurrency_limit <= keep:
        # a limit this small is a cap set for study (an account of it could reserve nothing):
        # reservations then share the whole limit
        keep = 0
    room = opt.concurrency_limit - keep
    total = 0
    for name, p in pools.items():
        total += p.reserved or 0
        if p.reserved and total > room:
            kept = f", less the {keep} the account keeps unreserved" if keep else ""
            message = (
                f"reserved concurrency sums to {total} by {name}, above the account's "
                f"concurrency_limit ({opt.concurrency_limit}){kept}: at most {room} can be "
                "reserved; lower it or raise concurrency_limit"
            )
            if "concurrency_limit" in opt.model_fields_set:
                # the account limit the option sets is what leaves too little room
                raise ctx.error(message, "concurrency_limit")
            raise _at_setting(opt, ctx, name, "reserved_concurrency", message)


def serverless_plan(
    opt: ServerlessOption, ctx: OptionContext, item: FunctionItem, limits: dict[str, float]
) -> ServerlessPlan:
    """Each function's pool on the option, priced from catalog ``item`` with the product
    ``limits`` (:func:`~costsim.kinds.serverless.product_limits`).

    Raises
    ------
    InputError
        At the option's field for what an application does not take (option-wide provisioned
        instances or extras), provisioned (a schedule's most) above reserved, a schedule window
        above the account limit, or reserved concurrency above the account limit.
    """
    app = ctx.scenario.application
    # option-wide settings that an application sets per function or per route
    if opt.provisioned_concurrency or opt.provisioned_schedule:
        field = "provisioned_concurrency" if opt.provisioned_concurrency else "provisioned_schedule"
        raise ctx.error(
            "in an application, provisioned instances are per function: "
            "functions: {NAME: {provisioned: N}} or {NAME: {provisioned_schedule: [...]}}",
            field,
        )
    if opt.extras:
        raise ctx.error(
            "in an application, a gateway is per route (application.routes.N.gateway); "
            "queues and workflows are priced from their catalogs",
            "extras",
        )
    burst = limits.get("scale_burst", math.inf)
    rate = limits.get("scale_rate_per_s", math.inf)
    pools: dict[str, PoolParams] = {}
    for name, spec in app.functions.items():
        s = opt.functions.get(name)
        reserved = s.reserved_concurrency if s and s.reserved_concurrency is not None else None
        reserved = spec.reserved_concurrency if reserved is None else reserved
        provisioned = s.provisioned if s and s.provisioned is not None else spec.provisioned
        steps = function_steps(name, provisioned, s, opt, ctx)
        # every count the schedule asks for, opened within this horizon or not
        most = max([provisioned, *(w.count for w in (s.provisioned_schedule if s else []))])
        if reserved is not None and most > reserved:
            raise _at_setting(
                opt,
                ctx,
                name,
                "provisioned" if most == provisioned else "provisioned_schedule",
                f"{name}: provisioned ({most}) above reserved_concurrency ({reserved}); "
                "provisioned instances count against the function's reserved concurrency",
            )
        pools[name] = PoolParams(
            memory_mb=(s.memory_mb if s and s.memory_mb else None)
            or spec.memory_mb
            or opt.memory_mb,
            keep_alive_s=next(
                v
                for v in (s.keep_alive_s if s else None, spec.keep_alive_s, opt.keep_alive_s)
                if v is not None
            ),
            cold_start=(s.cold_start if s and s.cold_start else None) or opt.cold_start,
            reserved=reserved,
            provisioned=steps[0][1],
            provisioned_changes=steps[1:],
            instance_concurrency=(
                s.instance_concurrency
                if s and s.instance_concurrency is not None
                else opt.instance_concurrency
            ),
            scale_burst=burst,
            scale_rate_per_s=rate,
            reuse_code=REUSE_POLICIES.index(opt.reuse),
            timeout_s=limits["timeout_s"],
            max_lifetime_s=limits.get("max_lifetime_s", math.inf),
        )
    _check_reserved_sum(opt, ctx, item, pools)
    for name, p in pools.items():
        lo, hi = item.billing.memory_min_mb, item.billing.memory_max_mb
        if lo <= p.memory_mb <= hi:
            continue
        message = (
            f"{name}: {opt.provider} memory must be within {lo:g}-{hi:g} MB, got {p.memory_mb:g} MB"
        )
        own = opt.functions.get(name)
        # located where the function's memory was set: the option's entry, the function, or
        # the option's memory
        if own is not None and own.memory_mb:
            raise ctx.error(message, "functions", name, "memory")
        if app.functions[name].memory_mb:
            raise ctx.scenario.error(message, "application", "functions", name, "memory")
        raise ctx.error(message, "memory")
    return ServerlessPlan(
        pools=pools, account_limit=opt.concurrency_limit, workflow_type=opt.workflow_type
    )


class ServerlessAppHost(AppHost):
    """An application on a serverless option (see the module docstring)."""

    pools = True

    def __init__(
        self,
        opt: ServerlessOption,
        ctx: OptionContext,
        item: FunctionItem,
        limits: dict[str, float],
    ) -> None:
        self.opt = opt
        self.ctx = ctx
        self.item = item
        self.plan = serverless_plan(opt, ctx, item, limits)

    def run(self, *args: Any, engine: str = "simpy") -> AppOutput:
        """Run the pools on ``engine``; ``args`` are the host's (app, horizon, warm-up, seed,
        key, bins, base folder, batches, batch route); the compiled engine takes no batches
        (scenarios with them run on SimPy, :mod:`costsim.kinds.app_compiled`)."""
        app, horizon_s, warmup_s, seed, option_key, bins, *rest = args
        if engine == "fast":
            from costsim.engine.fast_app import run_serverless_app_fast

            return run_serverless_app_fast(
                app, self.plan, horizon_s, bins, seed, option_key, warmup_s, rest[0]
            )
        return run_serverless_app(
            app, self.plan, horizon_s, bins, seed, option_key, warmup_s, *rest
        )

    def measure(self, out: AppOutput) -> AppUsage:
        """Each pool's meters, each gateway's requests, each queue item's billed requests, the
        workflows' transitions and express durations."""
        opt, item = self.opt, self.item
        app = self.ctx.scenario.application
        horizon_s = self.ctx.horizon_s
        init_billed = item.billing.init_billed if opt.init_billed is None else opt.init_billed
        meters: dict[str, Meters] = {}
        for name, p in self.plan.pools.items():
            config: dict[str, object] = {
                "function": name,
                "memory_mb": p.memory_mb,
                "arch": opt.arch,
                "ephemeral_storage_mb": opt.ephemeral_storage_mb,
                "init_billed": init_billed,
                "provisioned_concurrency": p.most_provisioned,
                "instance_concurrency": p.instance_concurrency,
                "response_mb": 0.0,
            }
            if opt.billing_granularity_s is not None:
                config["billing_granularity_ms"] = max(1, round(opt.billing_granularity_s * 1000))
            meters[name] = pool_meters(out.functions[name], horizon_s, config, p.provisioned_steps)
        services = {
            name: app.queues[name].service if name in app.queues else "aws-sqs"
            for name in out.queues
        }
        requests = queue_requests(out, services)
        by_item: dict[tuple[str, str], float] = {}
        for name, count in requests.items():
            spec = app.queues.get(name)
            key = (spec.service, spec.item) if spec else ("aws-sqs", "standard")
            by_item[key] = by_item.get(key, 0.0) + count
        flows = out.workflows.values()
        express = sorted({w.memory_mb for w in flows if w.kind == "express"})
        usage: dict[str, Any] = {
            "pools": {name: m.to_json() for name, m in meters.items()},
            "product": function_of(opt),
            "free_tier": opt.free_tier,
            "prices": dict(opt.prices),
            # gateways: every request that reaches one, throttled ones included
            "gateways": [
                {"route": i, "key": route.gateway, "requests": out.routes[route.name].arrived}
                for i, route in enumerate(app.routes)
                if route.gateway is not None
            ],
            "queues": [
                {"catalog": c, "item": it, "requests": n} for (c, it), n in sorted(by_item.items())
            ],
            "standard_transitions": sum(w.transitions for w in flows if w.kind == "standard"),
            "express": [
                {"memory_mb": m, "durations": workflow_histogram(out, m).to_json()} for m in express
            ],
        }
        return AppUsage(
            usage=usage,
            meters=merged_meters(meters, opt.kind, horizon_s),
            pool_meters=meters,
            queue_requests=requests,
            memory_mb={n: p.memory_mb for n, p in self.plan.pools.items()},
        )

    def detail(self, out: AppOutput, catalogs: list[Catalog]) -> dict[str, Any]:
        """Provider, memory, keep-alive, the account limit, the add-on catalogs and each
        function's memory."""
        opt = self.opt
        app = self.ctx.scenario.application
        gateways = sorted({r.gateway for r in app.routes if r.gateway is not None})
        extras = {c.catalog for c in catalogs[1:]} - {"aws-api-gateway"}
        life_s = next(iter(self.plan.pools.values())).max_lifetime_s
        return {
            "provider": opt.provider,
            "arch": opt.arch,
            "memory_mb": opt.memory_mb,
            "keep_alive_s": opt.keep_alive_s,
            # null: never recycled
            "max_lifetime_s": None if math.isinf(life_s) else life_s,
            "concurrency_limit": opt.concurrency_limit,
            "extras": [*gateways, *sorted(extras)],
            "function_memory_mb": {n: p.memory_mb for n, p in self.plan.pools.items()},
        }
