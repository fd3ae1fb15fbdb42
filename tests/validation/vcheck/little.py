"""Little's law for every model, end to end through ``costsim.simulate`` (fast engine).

Applied to the servers, Little's law says the mean number of busy slots equals the rate of
requests served times the mean time each keeps a slot busy. Served requests keep a slot busy
for their duration, and a cold one also for its init, so per replication::

    busy_mean x slots_per_instance - cold_starts x E[init] / horizon  =  lambda_served E[S]

with ``lambda_served = lambda`` when nothing is refused, and ``lambda (1 - B(c, a))`` for a
pool held at its concurrency limit ``c`` (Erlang B). Inits are drawn per request independently
of whether the request turns out cold, so the cold-start term has the stated mean.
"""

from __future__ import annotations

from functools import partial

import costsim
from costsim.scenario import Scenario, ServerlessOption
from vcheck.core import Estimate, Mapper, Row, register
from vcheck.theory import erlang_b

RATE_RPS = 10.0
MEAN_S = 0.2

OPTIONS = {
    "lambda-default": "{name: lambda-default, kind: serverless}",
    "lambda-concurrency-4": "{name: lambda-concurrency-4, kind: serverless, "
    "instance_concurrency: 4, keep_alive: 1min}",
    "lambda-provisioned-2": "{name: lambda-provisioned-2, kind: serverless, "
    "provisioned_concurrency: 2, keep_alive: 30s, reuse: random}",
    "lambda-limit-3": "{name: lambda-limit-3, kind: serverless, concurrency_limit: 3, "
    "keep_alive: 1000d, cold_start: {dist: fixed, value: 0ms}}",
    "vps-shared": "{name: vps-shared, kind: vps, count: 2, workers: 4}",
    "vps-round-robin": "{name: vps-round-robin, kind: vps, count: 2, workers: 4, "
    "balancer: round_robin}",
    "vps-random": "{name: vps-random, kind: vps, count: 2, workers: 4, balancer: random}",
    "vps-least-conn": "{name: vps-least-conn, kind: vps, count: 3, workers: 2, "
    "balancer: least_connections}",
    "vps-autoscale": "{name: vps-autoscale, kind: vps, workers: 2, autoscale: {min: 1, max: 4, "
    "target_utilization: 0.5, boot_time: 30s, cooldown: 120s, evaluation_period: 60s}}",
    "metal": "{name: metal, kind: bare_metal, count: 1, workers: 8}",
}
FAST = ("lambda-default", "lambda-limit-3", "vps-shared", "metal")


def scenario(names: tuple[str, ...], horizon: str, seed: int) -> Scenario:
    """A constant Poisson stream at 10 req/s, exponential 200 ms work, the named options."""
    opts = "\n".join(f"  - {OPTIONS[n]}" for n in names)
    text = (
        f"name: little\nhorizon: {horizon}\nseed: {seed}\n"
        f"traffic: {{profile: constant, mean_rps: {RATE_RPS:g}}}\n"
        f"workload: {{duration: {{dist: exponential, mean: {MEAN_S * 1000:g}ms}}}}\n"
        f"options:\n{opts}\n"
    )
    return costsim.scenario_from_text(text)


def _rep(names: tuple[str, ...], horizon: str, rep: int) -> list[float]:
    sc = scenario(names, horizon, seed=9000 + rep)
    result = costsim.simulate(sc, engine="fast")
    values = []
    for opt, res in zip(sc.options, result.options, strict=True):
        if isinstance(opt, ServerlessOption):
            slots = opt.instance_concurrency
            init_s = res.cold_starts * opt.cold_start.mean_s
        else:
            slots = opt.workers
            init_s = 0.0
        values.append(res.busy_mean * slots - init_s / sc.horizon_s)
    return values


@register("little")
def check_little(size: str, mapper: Mapper) -> list[Row]:
    """Mean busy slots = lambda_served E[S] for every serverless, VPS and bare-metal model."""
    names = FAST if size == "fast" else tuple(OPTIONS)
    horizon = "30min" if size == "fast" else "4h"
    reps = range(8 if size == "fast" else 20)
    per_rep = list(mapper(partial(_rep, names, horizon), reps))
    a = RATE_RPS * MEAN_S
    rows = []
    for j, name in enumerate(names):
        expected = a
        ref = "Little's law, lambda E[S]"
        if name == "lambda-limit-3":
            expected = a * (1.0 - erlang_b(3, a))
            ref = "Little's law, lambda (1 - B(3, a)) E[S]"
        rows.append(Row(
            "little", "mean busy slots (less cold-start init)",
            f"{OPTIONS[name]}; lambda = {RATE_RPS:g}/s, S ~ Exp({MEAN_S:g} s), {horizon}",
            ref, "little", Estimate.of([r[j] for r in per_rep]), Estimate.exact(expected),
        ))  # fmt: skip
    return rows
