"""Keep-alive and cold starts against SimFaaS and its analytical companion (pacsltk).

SimFaaS (Mahmoudi & Khazaei) simulates Poisson arrivals on a scale-per-request pool. A
request that finds an idle instance takes the newest one (largest creation time) and runs for a
warm service time; otherwise it starts a new instance and its whole service time is drawn from
the cold distribution. An instance idle for the expiration threshold is removed. Both service
times are exponential here, as in the analytical model.

costsim is set to mean the same thing: ``reuse: newest``, ``keep_alive`` = the threshold, no
limit that binds, a workload duration ``D ~ Exp(warm)``, and a cold start ``I`` that is 0 with
probability ``warm / cold`` and ``Exp(cold)`` otherwise. Then ``I + D ~ Exp(cold)`` exactly: the
Laplace transforms multiply to ``(1 + w s) / (1 + c s) * 1 / (1 + w s) = 1 / (1 + c s)``. So a
cold request occupies its instance for a time with SimFaaS's cold distribution, and a warm one
for a time with its warm distribution, with the costsim engine unchanged.

Both simulators start empty; both drop a warm-up of ``max(5 x threshold, 200 s)`` and measure
the window after it. SimFaaS's time averages are recomputed from its event history over that
window, and its cold-start share from the requests that arrived in it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from costsim.engine.metrics import TimeBins
from costsim.stats.distributions import Distribution, Fixed, Mixture
from costsim.traffic.chunk import Chunk
from vcheck.core import Estimate, Mapper, Row, register, seed_for
from vcheck.sim import pool, run

#: (name, arrival rate [1/s], warm mean [s], cold mean [s], window [s])
WORKLOADS = (
    ("AWS-measured (SimFaaS paper)", 0.9, 2.016, 2.163, 20_000.0),
    ("sparse, slow cold start", 0.05, 1.0, 3.0, 200_000.0),
    ("busy, short requests", 4.0, 0.5, 1.5, 8_000.0),
)
THRESHOLDS_S = (10.0, 60.0, 600.0)
METRICS = ("P(cold start)", "mean instances", "mean busy instances")


def cold_start_for(warm_s: float, cold_s: float) -> Distribution:
    """Init time ``I`` such that ``I + Exp(warm_s)`` is ``Exp(cold_s)`` (needs cold >= warm)."""
    if cold_s == warm_s:
        return Fixed(dist="fixed", value=0.0)
    p0 = warm_s / cold_s
    return Mixture.model_validate({"dist": "mixture", "of": [
        {"weight": p0, "duration": {"dist": "fixed", "value": 0.0}},
        {"weight": 1.0 - p0, "duration": {"dist": "exponential", "mean": cold_s}},
    ]})  # fmt: skip


def _layout(threshold_s: float, window_s: float) -> tuple[float, int]:
    """Warm-up [s] and number of equal bins such that the warm-up is exactly the first bin."""
    warm_s = max(5.0 * threshold_s, 200.0)
    return warm_s, 1 + max(1, round(window_s / warm_s))


def _costsim_rep(key: int, rate: float, warm: float, cold: float, th: float, window: float,
                 rep: int) -> tuple[float, float, float]:  # fmt: skip
    seed = seed_for(key, rep)
    gen = np.random.default_rng(seed.spawn(1)[0])
    warm_s, n_bins = _layout(th, window)
    horizon = warm_s * n_bins
    n = int(rate * horizon * 1.2 + 100)
    arr = np.cumsum(gen.exponential(1.0 / rate, n))
    while arr[-1] < horizon:  # pragma: no cover - 20 % slack makes this vanishingly rare
        arr = np.append(arr, arr[-1] + np.cumsum(gen.exponential(1.0 / rate, n)))
    arr = arr[arr < horizon]
    ch = Chunk(arr, gen.exponential(warm, len(arr)))
    p = pool(cold_start=cold_start_for(warm, cold), keep_alive_s=th, reuse="newest")
    bins = TimeBins(horizon, n_bins)
    run("serverless", p, ch, seed, horizon, bins)
    span = horizon - bins.width_s
    return (
        float(bins.cold_starts[1:].sum() / bins.arrivals[1:].sum()),
        float(bins.alive_s[1:].sum() / span),
        float(bins.busy_s[1:].sum() / span),
    )


def _simfaas_rep(key: int, rate: float, warm: float, cold: float, th: float, window: float,
                 rep: int) -> tuple[float, float, float]:  # fmt: skip
    from simfaas.ServerlessSimulator import ServerlessSimulator

    warm_s, n_bins = _layout(th, window)
    end = warm_s * n_bins
    # SimFaaS draws from numpy's global generator; seed it for this replication
    np.random.seed(int(seed_for(key, rep).generate_state(1)[0]))
    sim: Any = ServerlessSimulator(
        arrival_rate=rate, warm_service_rate=1.0 / warm, cold_service_rate=1.0 / cold,
        expiration_threshold=th, max_time=end, maximum_concurrency=10**9,
    )  # fmt: skip
    sim.generate_trace()
    times = np.asarray(sim.hist_times)
    # the state recorded at times[i] holds until times[i + 1]
    held = np.clip(times[1:], warm_s, end) - np.clip(times[:-1], warm_s, end)
    span = end - warm_s
    inst = float(np.dot(held, sim.hist_server_count)) / span
    busy = float(np.dot(held, sim.hist_server_running_count)) / span

    def arrived_in_window(idxs: list[int]) -> int:
        # a request is logged with the index of the previous event; its own time is the next
        t = times[np.asarray(idxs, dtype=np.int64) + 1] if idxs else np.zeros(0)
        return int(np.count_nonzero((t > warm_s) & (t <= end)))

    n_cold = arrived_in_window(sim.hist_req_cold_idxs)
    total = n_cold + arrived_in_window(sim.hist_req_warm_idxs)
    return n_cold / total, inst, busy


def analytical(rate: float, warm: float, cold: float, th: float) -> tuple[float, float, float]:
    """pacsltk's steady-state P(cold), mean instances (warm + cold running) and busy."""
    from pacsltk import perfmodel

    props, _ = perfmodel.get_sls_warm_count_dist(rate, warm, cold, th)
    return (
        float(props["cold_prob"]),
        float(props["avg_server_count_total"]),
        float(props["avg_running_count"]),
    )


@register("simfaas")
def check_simfaas(size: str, mapper: Mapper) -> list[Row]:
    """P(cold), mean instances and mean busy against SimFaaS and the analytical model."""
    configs = [(w, th) for w in WORKLOADS for th in THRESHOLDS_S]
    if size == "fast":
        configs = [((WORKLOADS[0][0], 0.9, 2.016, 2.163, 4_000.0), 10.0)]
    reps_cs, reps_sf = (10, 5) if size == "fast" else (20, 10)
    rows = []
    for i, ((name, rate, warm, cold, window), th) in enumerate(configs):
        args = (600 + i, rate, warm, cold, th, window)
        ours = list(mapper(partial(_costsim_rep, *args), range(reps_cs)))
        # the peer uses its own seeds (other keys), so the two runs are independent
        theirs = list(mapper(partial(_simfaas_rep, 700 + i, *args[1:]), range(reps_sf)))
        approx = analytical(rate, warm, cold, th)
        model = (f"serverless {name}: lambda = {rate:g}/s, warm {warm:g} s, cold {cold:g} s, "
                 f"keep-alive {th:g} s, reuse newest")  # fmt: skip
        for m, metric in enumerate(METRICS):
            value = Estimate.of([o[m] for o in ours])
            peer = Estimate.of([t[m] for t in theirs])
            rows.append(Row("simfaas", metric, model, "SimFaaS simulation", "simfaas", value, peer))
            rows.append(Row(
                "simfaas", metric, model, "analytical model (pacsltk)", "pacsltk", value,
                Estimate.exact(approx[m]), approximate=True, arbiter=peer,
                extra={"keep_alive_s": th},
            ))  # fmt: skip
    return rows
