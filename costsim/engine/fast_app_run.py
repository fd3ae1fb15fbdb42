"""The tables of one compiled application run, and what the driver does between calls of
the loop (:func:`costsim.engine.fast_app_loop.run_app`).

The random streams are the reference's own (:class:`~costsim.engine.common.ColdDraws` and
generators), read ahead in the order the reference reads them; before each event the loop
checks that the draws, free slots, heap room and overflow room one event may need are there
(see :func:`costsim.engine.fast_app_program.segment_bound`) and returns to have them made.
Arrivals come route by route, chunk by chunk, so memory follows what is in flight.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from costsim.application.schema import Application, MapState
from costsim.engine.app import FleetPlan, PoolParams, ServerlessPlan
from costsim.engine.app.flow import (
    SUB_COLD,
    SUB_ERRORS,
    SUB_ITEMS,
    SUB_ROUTE,
    SUB_UNIFORM,
    _uniforms,
    name_key,
    queue_names,
)
from costsim.engine.app.scaled import SHARED
from costsim.engine.common import ColdDraws
from costsim.engine.fast_app_loop import finish, init_routes, run_app
from costsim.engine.fast_app_program import (
    all_states,
    compile_program,
    segment_bound,
)
from costsim.engine.fast_app_state import (
    APP_DENSE_MS,
    APP_PARAMS,
    APP_STATE,
    FF_BURST,
    FF_ERR,
    FF_KA,
    FF_LIFE,
    FF_MAXAGE,
    FF_RATE,
    FF_RECLAIM_AT,
    FF_TIMEOUT,
    FF_TOKENS,
    FI_HEAD,
    FI_MAX_INST,
    FI_N_ALIVE,
    FI_RESERVED,
    FI_RETRIES,
    FI_STEPS,
    FI_TAIL,
    FR_A,
    HPF,
    IN_ACTIVE_SINCE,
    IN_NEXT,
    IN_PROV,
    QF_TIMER,
    QF_VIS,
    QF_WINDOW,
    QI_BATCH,
    QI_CONSUMER,
    QI_HEAD,
    QI_MAXC,
    QI_MAXRECV,
    QI_TAIL,
    RF_TTL,
    RI_ARR_DONE,
    RI_ARR_LEN,
    RI_ARR_POS,
    RI_AUTH,
    RI_AUTH_EDGE,
    RI_CACHE_OFF,
    RI_CLIENTS,
    RI_STEPS,
    RI_WF,
    RS_CAP,
    RS_QHEAD,
    RS_QTAIL,
    AppArrays,
)
from costsim.engine.fast_common import grow, grow_rows, new_heap
from costsim.engine.metrics import N_BUCKETS
from costsim.platforms.serverless_rules import NO_PERIOD_S
from costsim.stats.distributions import Fixed
from costsim.traffic import STREAM_ARRIVALS, STREAM_DURATIONS, STREAM_OPTIONS, stream
from costsim.traffic.context import StreamContext

#: Values of each random stream read ahead at a time.
DRAW_AHEAD = 1 << 15


class AppStreams:
    """The reference's random streams, read ahead into the loop's draw buffer."""

    def __init__(
        self, app: Application, plan: ServerlessPlan | FleetPlan, seed: int, option_key: int
    ) -> None:
        def opt(*key: int) -> np.random.Generator:
            return stream(seed, STREAM_OPTIONS, option_key, *key)

        names = list(app.functions)
        pools = plan.pools if isinstance(plan, ServerlessPlan) else None
        self.blocks: list[Any] = [
            ColdDraws(pools[n].cold_start.sample, opt(SUB_COLD, name_key(n))) if pools else None
            for n in names
        ]
        self.blocks += [
            ColdDraws(app.functions[n].duration.sample, stream(seed, STREAM_DURATIONS, name_key(n)))
            for n in names
        ]
        self.blocks += [ColdDraws(_uniforms, opt(SUB_ERRORS, name_key(n))) for n in names]
        self.blocks += [ColdDraws(_uniforms, opt(SUB_ROUTE, name_key(r.name))) for r in app.routes]
        for r in app.routes:
            maps = (
                [s for s in all_states(r.workflow.states) if isinstance(s, MapState)]
                if r.workflow is not None
                else []
            )
            self.blocks.append((maps[0].items, opt(SUB_ITEMS, name_key(r.name))) if maps else None)
        # a fleet's balancer uniform, one per slot wanted (FleetHost.uniform)
        self.blocks.append(None if pools else ColdDraws(_uniforms, opt(SUB_UNIFORM)))

    def more(self, k: int) -> np.ndarray | None:
        """The next values of stream ``k``; None for a stream that is never read."""
        b = self.blocks[k]
        if b is None:
            return None
        if isinstance(b, ColdDraws):
            return b.block()
        dist, gen = b
        # one item count per call, as the reference draws them
        return np.array(
            [max(0, round(float(dist.sample(gen, 1)[0]))) for _ in range(256)], dtype=np.float64
        )


class AppRun:
    """The tables of one run and what the driver keeps between calls of the loop."""

    def __init__(self, app, plan, horizon_s, warmup_s, seed, option_key, bins, base_dir):
        self.app = app
        self.plan = plan
        self.bins = bins
        prog = compile_program(app)
        self.prog = prog
        n_fn, n_r, n_q = len(prog.functions), len(prog.routes), len(prog.queues)
        self.params = np.zeros(1, dtype=APP_PARAMS)
        p = self.params[0]
        p["horizon_s"], p["bin_width_s"], p["warmup_s"] = horizon_s, bins.width_s, warmup_s
        p["n_bins"], p["n_fn"], p["n_routes"], p["n_queues"] = bins.n_bins, n_fn, n_r, n_q
        serverless = isinstance(plan, ServerlessPlan)
        cold = Fixed(dist="fixed", value=0.0)
        pools = (
            [plan.pools[n] for n in prog.functions]
            if isinstance(plan, ServerlessPlan)
            else [PoolParams(0.0, 0.0, cold) for _ in prog.functions]
        )
        p["policy"] = pools[0].reuse_code
        reserved = sum(x.reserved for x in pools if x.reserved is not None)
        p["unreserved_limit"] = plan.account_limit - reserved if serverless else 0
        rs_i = self._fleet(plan) if isinstance(plan, FleetPlan) else np.zeros((5, 1), np.int64)
        p["h_static"] = segment_bound(app) + 16 + n_r
        p["map_states"] = prog.map_states
        self.state = np.zeros(1, dtype=APP_STATE)
        self.s["pending"] = -1
        self.streams = AppStreams(app, plan, seed, option_key)
        fn_f = np.zeros((13, n_fn))
        fn_f[FF_RECLAIM_AT] = np.inf  # no idle on-demand instance yet
        fn_i = np.zeros((18, n_fn), dtype=np.int64)
        specs = [app.functions[n] for n in prog.functions]
        for f, (pool, spec) in enumerate(zip(pools, specs, strict=True)):
            fn_f[FF_KA, f], fn_f[FF_BURST, f] = pool.keep_alive_s, pool.scale_burst
            fn_f[FF_RATE, f], fn_f[FF_TOKENS, f] = pool.scale_rate_per_s, pool.scale_burst
            fn_f[FF_ERR, f], fn_f[FF_MAXAGE, f] = spec.error_rate, spec.max_event_age_s
            fn_f[FF_TIMEOUT, f], fn_f[FF_LIFE, f] = pool.timeout_s, pool.max_lifetime_s
            fn_i[FI_RESERVED, f] = -1 if pool.reserved is None else pool.reserved
            fn_i[FI_RETRIES, f], fn_i[FI_STEPS, f] = spec.async_retries, prog.fn_steps[f]
        n_prov = sum(x.provisioned for x in pools)
        cap = max(256, 2 * n_prov)
        ins_f = np.zeros((4, cap))
        ins_f[IN_ACTIVE_SINCE] = NO_PERIOD_S
        ins_i = np.zeros((3, cap), dtype=np.int64)
        fn_i[FI_HEAD], fn_i[FI_TAIL] = -1, -1
        k = 0
        for f, pool in enumerate(pools):
            # provisioned instances: alive from 0, idle and ready from 0, in creation order
            for j in range(pool.provisioned):
                ins_i[IN_PROV, k], ins_i[IN_NEXT, k] = 1, -1
                if j == 0:
                    fn_i[FI_HEAD, f] = k
                else:
                    ins_i[IN_NEXT, k - 1] = k
                fn_i[FI_TAIL, f] = k
                k += 1
            fn_i[FI_N_ALIVE, f] = fn_i[FI_MAX_INST, f] = pool.provisioned
        self.s["alive_total"] = n_prov
        rt_f = np.zeros((3, n_r))
        rt_i = np.zeros((17, n_r), dtype=np.int64)
        fn_index = {n: i for i, n in enumerate(prog.functions)}
        off = 0
        for r, route in enumerate(app.routes):
            auth = route.authorizer
            rt_i[RI_AUTH, r] = fn_index[auth.function] if auth else -1
            rt_i[RI_CLIENTS, r], rt_i[RI_CACHE_OFF, r] = (auth.clients if auth else 1), off
            rt_f[RF_TTL, r] = auth.cache_ttl_s if auth else 0.0
            rt_i[RI_AUTH_EDGE, r] = prog.auth_edge[r]
            off += auth.clients if auth else 0
            rt_i[RI_STEPS, r], rt_i[RI_WF, r] = prog.route_steps[r], prog.route_wf[r]
        q_f = np.zeros((4, max(n_q, 1)))
        q_i = np.zeros((12, max(n_q, 1)), dtype=np.int64)
        for q, (name, consumer) in enumerate(queue_names(app).items()):
            spec = app.queues.get(name)
            q_i[QI_CONSUMER, q] = fn_index[consumer]
            q_i[QI_BATCH, q] = spec.batch_size if spec else 1
            q_i[QI_MAXC, q] = spec.max_concurrency if spec and spec.max_concurrency else -1
            q_i[QI_MAXRECV, q] = spec.max_receives if spec else 3
            q_f[QF_VIS, q] = spec.visibility_timeout_s if spec else 30.0
            q_f[QF_WINDOW, q] = spec.batching_window_s if spec else 0.0
            q_i[QI_HEAD, q] = q_i[QI_TAIL, q] = -1
        q_f[QF_TIMER] = np.nan
        n_streams = 3 * n_fn + 2 * n_r + 1
        small = 64
        self.a = AppArrays(
            **prog.arrays(), fn_f=fn_f, fn_i=fn_i, rt_f=rt_f, rt_i=rt_i, q_f=q_f, q_i=q_i,
            arr_buf=np.zeros((n_r, 1)), cache=np.full(max(off, 1), -np.inf),
            ins_f=ins_f, ins_i=ins_i, ins_free=np.arange(cap - 1, k - 1, -1, dtype=np.int64),
            fr_i=np.zeros((9, small), dtype=np.int64), fr_f=np.zeros((3, small)),
            fr_free=np.arange(small - 1, -1, -1, dtype=np.int64),
            jn_i=np.zeros((11, small), dtype=np.int64),
            jn_free=np.arange(small - 1, -1, -1, dtype=np.int64),
            msg_sent=np.zeros(small), msg_i=np.zeros((2, small), dtype=np.int64),
            msg_free=np.arange(small - 1, -1, -1, dtype=np.int64),
            rs_i=rs_i, rq_i=np.zeros((6, small), dtype=np.int64),
            rq_free=np.arange(small - 1, -1, -1, dtype=np.int64),
            dbuf=np.zeros((n_streams, 1)), dpos=np.zeros(n_streams, dtype=np.int64),
            dlen=np.zeros(n_streams, dtype=np.int64),
            **dict(zip(("ht", "ho", "ha", "hv"), new_heap(256), strict=True)),
            hist=np.zeros((HPF * n_fn + n_r, APP_DENSE_MS), dtype=np.int64),
            overflow=np.zeros((2, 1024), dtype=np.int64),
            lat=np.zeros((n_r, N_BUCKETS), dtype=np.int64),
            qwait=np.zeros((max(n_q, 1), N_BUCKETS), dtype=np.int64),
            b_arrivals=bins.arrivals, b_served=bins.served, b_cold=bins.cold_starts,
            b_throttled=bins.throttled, b_dropped=bins.dropped, b_alive=bins.alive_s,
            b_busy=bins.busy_s,
            fb_i=np.zeros((6, n_fn, bins.n_bins), dtype=np.int64),
            fb_f=np.zeros((2, n_fn, bins.n_bins)),
        )  # fmt: skip
        s = self.s
        s["n_free_frames"] = s["n_free_join"] = s["n_free_msg"] = s["n_free_req"] = small
        s["n_free_inst"] = cap - k
        self.long: list[Counter[int]] = [Counter() for _ in range(HPF * n_fn + n_r)]
        self.arrivals = [
            iter(
                route.traffic.requests(
                    StreamContext(
                        seed=seed,
                        key=(STREAM_ARRIVALS, 1, name_key(route.name)),
                        horizon_s=horizon_s,
                        base_dir=base_dir,
                    )
                )
            )
            for route in app.routes
        ]
        for r in range(n_r):
            self.refill_route(r)

    def _fleet(self, plan: FleetPlan) -> np.ndarray:
        """The slot resources of a fleet (``_Slots``): front, then background ones."""
        p = self.params[0]
        shared = plan.balancer_code == SHARED
        per = 1 if shared else plan.servers
        p["fleet"], p["balancer"] = 1, plan.balancer_code
        p["n_front"], p["n_back"] = per, per if plan.background_workers else 0
        p["queue_limit"] = -1 if plan.queue_limit is None else plan.queue_limit
        p["has_timeout"] = int(plan.queue_timeout_s is not None)
        p["queue_timeout_s"] = plan.queue_timeout_s or 0.0
        p["slot_weight"] = 1.0 / (plan.workers + (plan.background_workers or 0))
        caps = [plan.workers * (plan.servers if shared else 1)] * per
        if plan.background_workers:
            caps += [plan.background_workers * (plan.servers if shared else 1)] * per
        rs = np.zeros((5, len(caps)), dtype=np.int64)
        rs[RS_CAP] = caps
        rs[RS_QHEAD] = rs[RS_QTAIL] = -1
        return rs

    @property
    def s(self) -> np.void:
        """The loop's scalar state record."""
        return self.state[0]

    def refill_route(self, r: int) -> None:
        """The route's arrivals not yet read, then its next chunk."""
        a = self.a
        pos, n = int(a.rt_i[RI_ARR_POS, r]), int(a.rt_i[RI_ARR_LEN, r])
        rest = a.arr_buf[r, pos:n].copy()
        for times, _given in self.arrivals[r]:
            if len(times):
                rest = np.concatenate([rest, np.asarray(times, dtype=np.float64)])
                break
        else:
            a.rt_i[RI_ARR_DONE, r] = 1
        if len(rest) > a.arr_buf.shape[1]:
            self.a = a = a._replace(arr_buf=grow_rows(a.arr_buf, 2 * len(rest)))
        a.arr_buf[r, : len(rest)] = rest
        a.rt_i[RI_ARR_POS, r], a.rt_i[RI_ARR_LEN, r] = 0, len(rest)

    def need(self) -> int:
        """Room one event may need (the loop's own check)."""
        s, p = self.s, self.params[0]
        return int(p["h_static"] + 4 * s["waiting_total"] + p["map_states"] * s["items_max"])

    def room(self) -> None:
        """Make room for the next event: draws, slots, heap and overflow, twice what it needs."""
        target = 2 * self.need() + 64
        # draws in large blocks: the loop then stops for them rarely
        self._draws(max(target, DRAW_AHEAD))
        a, s = self.a, self.s
        for free, names, counter in (
            ("fr_free", ("fr_i", "fr_f"), "n_free_frames"),
            ("jn_free", ("jn_i",), "n_free_join"),
            ("msg_free", ("msg_sent", "msg_i"), "n_free_msg"),
            ("ins_free", ("ins_f", "ins_i"), "n_free_inst"),
            ("rq_free", ("rq_i",), "n_free_req"),
        ):
            if s[counter] >= target:
                continue
            arr = getattr(a, names[0])
            cap = arr.shape[-1]
            new = max(2 * cap, cap + target)
            changes = {
                n: (grow_rows if getattr(a, n).ndim == 2 else grow)(getattr(a, n), new)
                for n in names
            }
            nf = int(s[counter])
            stack = np.zeros(new, dtype=np.int64)
            stack[:nf] = getattr(a, free)[:nf]
            stack[nf : nf + new - cap] = np.arange(new - 1, cap - 1, -1)
            changes[free] = stack
            s[counter] = nf + new - cap
            a = a._replace(**changes)
        if len(a.ht) - s["heap_n"] < target:
            n = max(2 * len(a.ht), len(a.ht) + target)
            a = a._replace(ht=grow(a.ht, n), ho=grow(a.ho, n), ha=grow(a.ha, n), hv=grow(a.hv, n))
        self.a = a
        self._empty_overflow(target + 2 * int(s["alive_total"]))

    def _draws(self, target: int) -> None:
        a, s = self.a, self.s
        low = 1 << 62
        items_max = 0.0
        n_fn, n_r = len(self.prog.functions), len(self.prog.routes)
        for k in range(len(a.dpos)):
            pos, n = int(a.dpos[k]), int(a.dlen[k])
            if self.streams.blocks[k] is None:
                continue
            if n - pos < target:
                parts = [a.dbuf[k, pos:n]]
                have = n - pos
                while have < target:
                    more = self.streams.more(k)
                    assert more is not None
                    parts.append(more)
                    have += len(more)
                values = np.concatenate(parts)
                if len(values) > a.dbuf.shape[1]:
                    self.a = a = a._replace(dbuf=grow_rows(a.dbuf, 2 * len(values)))
                a.dbuf[k, : len(values)] = values
                a.dpos[k], a.dlen[k] = 0, len(values)
                pos, n = 0, len(values)
            low = min(low, n - pos)
            if k >= 3 * n_fn + n_r and n > pos:
                items_max = max(items_max, float(a.dbuf[k, pos:n].max()))
        s["draw_low"] = low
        s["items_max"] = int(items_max)

    def _empty_overflow(self, need: int) -> None:
        a, s = self.a, self.s
        n = int(s["ov_n"])
        if n:
            rows, values = a.overflow[0, :n], a.overflow[1, :n]
            for row in np.unique(rows).tolist():
                v, c = np.unique(values[rows == row], return_counts=True)
                self.long[row].update(dict(zip(v.tolist(), c.tolist(), strict=True)))
            s["ov_n"] = 0
        if a.overflow.shape[1] < need:
            self.a = a._replace(overflow=np.zeros((2, 2 * need), dtype=np.int64))

    def run(self) -> None:
        """Run the loop to its end, making room and refilling arrivals when it asks."""
        init_routes(self.params, self.state, self.a)
        while True:
            code = int(run_app(self.params, self.state, self.a))
            if code == 0:
                break
            if code == 2:
                self.refill_route(int(self.a.fr_i[FR_A, int(self.s["pending"])]))
            elif code == 3:
                raise RuntimeError("the compiled application engine ran out of room in an event")
            self.room()
        # closing records two values per instance (its last activity period, its lifetime)
        self._empty_overflow(2 * int(self.s["alive_total"]) + 16)
        finish(self.params, self.state, self.a)
        if self.s["overrun"]:
            raise RuntimeError("the compiled application engine ran out of room closing pools")
        self._empty_overflow(0)

    def histogram(self, row: int) -> Counter[int]:
        """Histogram ``row`` [ms], its dense part and its overflow merged."""
        dense = self.a.hist[row]
        nz = np.nonzero(dense)[0]
        out: Counter[int] = Counter(dict(zip(nz.tolist(), dense[nz].tolist(), strict=True)))
        out.update(self.long[row])
        return out
