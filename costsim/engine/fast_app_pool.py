"""Compiled pools and account slots of an application on a serverless option.

The steps of :mod:`costsim.engine.app.serverless` (``_Pool``, ``ServerlessHost._acquire``;
the queues are :mod:`costsim.engine.fast_app_queues`), over the tables of
:mod:`costsim.engine.fast_app_state`, with the same
rules compiled from :mod:`costsim.platforms.rules` and :mod:`costsim.platforms.serverless_rules`
(keep-alive and maximum lifetime, activity periods). Each function's instances are a list in
creation order (the reference's ``alive`` list), which reclaim and the warm pick walk as it
does.
"""

from __future__ import annotations

import math

from costsim.engine.fast_app_state import (
    FB_ALIVE,
    FB_BUSY,
    FB_COLD,
    FB_INVOCATIONS,
    FF_ACTIVE,
    FF_ALIVE,
    FF_BURST,
    FF_BUSY,
    FF_KA,
    FF_LIFE,
    FF_RATE,
    FF_RECLAIM_AT,
    FF_TOKENS,
    FF_TOKENS_AT,
    FI_COLD,
    FI_HEAD,
    FI_IN_FLIGHT,
    FI_INVOCATIONS,
    FI_MAX_INST,
    FI_N_ALIVE,
    FI_PROV_SERVED,
    FI_RESERVED,
    FI_TAIL,
    H_ACTIVE,
    H_DUR,
    H_INIT,
    H_LIFE,
    H_PROV_ACTIVE,
    H_PROV_DUR,
    HPF,
    IN_ACTIVE_SINCE,
    IN_BUSY,
    IN_CREATED,
    IN_IDLE,
    IN_NEXT,
    IN_PROV,
    IN_READY,
    draw,
    fn_count,
    record,
    stream_cold,
)
from costsim.engine.fast_common import (
    add_interval,
    bin_index,
    bucket_refill,
    clip_to_horizon_s,
    continues_active_period,
    idle_expired,
    idle_retire_s,
    lifetime_reached,
    ms_ceil,
    njit,
    njit_inline,
    prefer_warm,
    retire_at_close_s,
)
from costsim.platforms.serverless_rules import NO_PERIOD_S


@njit_inline
def close_period(s, a, f: int, i: int) -> None:
    """Record instance ``i``'s open activity period, which ended when it last went idle
    (``_Pool._close_period``)."""
    since_s = a.ins_f[IN_ACTIVE_SINCE, i]
    if since_s == NO_PERIOD_S:
        return
    period_s = a.ins_f[IN_IDLE, i] - since_s
    a.fn_f[FF_ACTIVE, f] += period_s
    row = H_PROV_ACTIVE if a.ins_i[IN_PROV, i] else H_ACTIVE
    record(s, a, HPF * f + row, ms_ceil(period_s))
    a.ins_f[IN_ACTIVE_SINCE, i] = NO_PERIOD_S


@njit_inline
def retire(p, s, a, f: int, i: int, end_s: float) -> None:
    """Account for instance ``i`` of function ``f`` alive from its creation to ``end_s``
    (``_Pool._retire`` and ``_lived``)."""
    if a.ins_i[IN_BUSY, i] == 0:
        close_period(s, a, f, i)
    created_s = a.ins_f[IN_CREATED, i]
    end_s = clip_to_horizon_s(end_s, p.horizon_s)
    if end_s > created_s:
        a.fn_f[FF_ALIVE, f] += end_s - created_s
        add_interval(a.b_alive, created_s, end_s, 1.0, p.horizon_s, p.bin_width_s, p.n_bins)
        record(s, a, HPF * f + H_LIFE, ms_ceil(end_s - created_s))
        add_interval(
            a.fb_f[FB_ALIVE, f], created_s, end_s, 1.0, p.horizon_s, p.bin_width_s, p.n_bins
        )


@njit_inline
def _unlink(s, a, f: int, prev: int, i: int) -> None:
    nxt = a.ins_i[IN_NEXT, i]
    if prev < 0:
        a.fn_i[FI_HEAD, f] = nxt
    else:
        a.ins_i[IN_NEXT, prev] = nxt
    if nxt < 0:
        a.fn_i[FI_TAIL, f] = prev
    a.ins_free[s.n_free_inst] = i
    s.n_free_inst += 1
    a.fn_i[FI_N_ALIVE, f] -= 1
    s.alive_total -= 1


@njit_inline
def due_bound_s(created_s: float, idle_s: float, ka_s: float, life_s: float) -> float:
    """A time [s] before which an idle on-demand instance cannot be expired
    (:func:`~costsim.platforms.serverless_rules.idle_expired` is false until its keep-alive or
    its lifetime is reached), a little early so that float rounding never makes it late."""
    due_s = min(idle_s + ka_s, created_s + life_s)
    if math.isinf(due_s):
        return due_s
    return due_s - 1e-12 * abs(due_s) - 1e-12


@njit
def reclaim(p, s, a, f: int, now_s: float) -> None:
    """Retire, in creation order, every idle on-demand instance of ``f`` past its keep-alive
    or its maximum lifetime."""
    if now_s < a.fn_f[FF_RECLAIM_AT, f]:
        return  # none can be due yet: the reference's walk would retire nothing
    ka_s = a.fn_f[FF_KA, f]
    life_s = a.fn_f[FF_LIFE, f]
    next_s = math.inf
    prev = -1
    i = a.fn_i[FI_HEAD, f]
    while i >= 0:
        nxt = a.ins_i[IN_NEXT, i]
        created_s = a.ins_f[IN_CREATED, i]
        idle_s = a.ins_f[IN_IDLE, i]
        if (
            a.ins_i[IN_BUSY, i] == 0
            and a.ins_i[IN_PROV, i] == 0
            and idle_expired(created_s, idle_s, now_s, ka_s, life_s)
        ):
            retire(p, s, a, f, i, idle_retire_s(created_s, idle_s, ka_s, life_s))
            _unlink(s, a, f, prev, i)
        else:
            if a.ins_i[IN_BUSY, i] == 0 and a.ins_i[IN_PROV, i] == 0:
                next_s = min(next_s, due_bound_s(created_s, idle_s, ka_s, life_s))
            prev = i
        i = nxt
    a.fn_f[FF_RECLAIM_AT, f] = next_s


@njit
def warm(p, a, f: int, now_s: float) -> int:
    """The warm instance the reuse rule picks (provisioned ones first; an on-demand one that
    has reached its lifetime takes no request), or -1."""
    life_s = a.fn_f[FF_LIFE, f]
    for want in (1, 0):
        best = -1
        best_pos = 0
        pos = 0
        i = a.fn_i[FI_HEAD, f]
        while i >= 0:
            if (
                a.ins_i[IN_PROV, i] == want
                and a.ins_i[IN_BUSY, i] == 0
                and a.ins_f[IN_READY, i] <= now_s
                and (want == 1 or not lifetime_reached(a.ins_f[IN_CREATED, i], now_s, life_s))
            ):
                if best < 0:
                    best = i
                    best_pos = pos
                    if p.policy == 3:
                        # random with u = 0 (the reference's): the first candidate
                        break
                elif prefer_warm(
                    p.policy, a.ins_f[IN_IDLE, i], a.ins_f[IN_CREATED, i], pos,
                    a.ins_f[IN_IDLE, best], a.ins_f[IN_CREATED, best], best_pos,
                ):  # fmt: skip
                    best = i
                    best_pos = pos
                pos += 1
            i = a.ins_i[IN_NEXT, i]
        if best >= 0:
            return best
    return -1


@njit_inline
def occupy(s, a, f: int, i: int, now_s: float) -> None:
    """Give idle instance ``i`` a request at ``now_s`` [s]: it opens an activity period unless
    the request continues its last one (``_Pool._occupy``)."""
    if not continues_active_period(a.ins_f[IN_ACTIVE_SINCE, i], a.ins_f[IN_IDLE, i], now_s):
        close_period(s, a, f, i)
        a.ins_f[IN_ACTIVE_SINCE, i] = now_s
    a.ins_i[IN_BUSY, i] = 1


@njit
def take(p, s, a, f: int, now_s: float) -> int:
    """A warm instance, or a new one (its init in ``s.tmp_init_s``); -1 when none can start."""
    s.tmp_init_s = 0.0
    i = warm(p, a, f, now_s)
    if i >= 0:
        occupy(s, a, f, i, now_s)
        return i
    ff = a.fn_f
    ff[FF_TOKENS, f] = bucket_refill(
        ff[FF_TOKENS, f], ff[FF_TOKENS_AT, f], now_s, ff[FF_BURST, f], ff[FF_RATE, f]
    )
    ff[FF_TOKENS_AT, f] = now_s
    if ff[FF_TOKENS, f] < 1.0:
        return -1
    if s.n_free_inst == 0:
        s.overrun = 1
        return -1
    ff[FF_TOKENS, f] -= 1.0
    init_s = draw(s, a, stream_cold(p, f))
    s.n_free_inst -= 1
    i = a.ins_free[s.n_free_inst]
    a.ins_f[IN_CREATED, i] = now_s
    a.ins_f[IN_IDLE, i] = now_s
    a.ins_f[IN_READY, i] = now_s + init_s
    a.ins_f[IN_ACTIVE_SINCE, i] = now_s  # occupied at once: its first activity period
    a.ins_i[IN_BUSY, i] = 1
    a.ins_i[IN_PROV, i] = 0
    a.ins_i[IN_NEXT, i] = -1
    tail = a.fn_i[FI_TAIL, f]
    if tail < 0:
        a.fn_i[FI_HEAD, f] = i
    else:
        a.ins_i[IN_NEXT, tail] = i
    a.fn_i[FI_TAIL, f] = i
    a.fn_i[FI_N_ALIVE, f] += 1
    s.alive_total += 1
    a.fn_i[FI_MAX_INST, f] = max(a.fn_i[FI_MAX_INST, f], a.fn_i[FI_N_ALIVE, f])
    a.fn_i[FI_COLD, f] += 1
    record(s, a, HPF * f + H_INIT, ms_ceil(init_s))
    a.b_cold[bin_index(now_s, p.bin_width_s, p.n_bins)] += 1
    fn_count(p, a, FB_COLD, f, now_s, 1)
    s.tmp_init_s = init_s
    return i


@njit
def acquire(p, s, a, f: int) -> int:
    """A concurrency slot and an instance for ``f`` now (``ServerlessHost._acquire``), or -1."""
    now_s = s.now_s
    reclaim(p, s, a, f, now_s)
    reserved = a.fn_i[FI_RESERVED, f]
    if reserved >= 0:
        if a.fn_i[FI_IN_FLIGHT, f] >= reserved:
            return -1
    elif s.unreserved_in_flight >= p.unreserved_limit:
        return -1
    i = take(p, s, a, f, now_s)
    if i < 0:
        return -1
    a.fn_i[FI_IN_FLIGHT, f] += 1
    if reserved < 0:
        s.unreserved_in_flight += 1
    return i


@njit
def release(p, s, a, f: int, i: int, start_s: float, run_start_s: float) -> None:
    """Free instance ``i`` after an execution started at ``start_s`` (init included) and run
    from ``run_start_s`` [s]; count the execution."""
    end_s = s.now_s
    a.ins_i[IN_BUSY, i] = 0
    a.ins_f[IN_IDLE, i] = end_s
    if a.ins_i[IN_PROV, i] == 0:
        due_s = due_bound_s(a.ins_f[IN_CREATED, i], end_s, a.fn_f[FF_KA, f], a.fn_f[FF_LIFE, f])
        a.fn_f[FF_RECLAIM_AT, f] = min(a.fn_f[FF_RECLAIM_AT, f], due_s)
    if end_s > start_s:
        a.fn_f[FF_BUSY, f] += min(end_s, p.horizon_s) - min(start_s, p.horizon_s)
        add_interval(a.b_busy, start_s, end_s, 1.0, p.horizon_s, p.bin_width_s, p.n_bins)
        add_interval(a.fb_f[FB_BUSY, f], start_s, end_s, 1.0, p.horizon_s, p.bin_width_s, p.n_bins)
    a.fn_i[FI_IN_FLIGHT, f] -= 1
    if a.fn_i[FI_RESERVED, f] < 0:
        s.unreserved_in_flight -= 1
    a.fn_i[FI_INVOCATIONS, f] += 1
    fn_count(p, a, FB_INVOCATIONS, f, end_s, 1)
    prov = a.ins_i[IN_PROV, i]
    record(s, a, HPF * f + (H_PROV_DUR if prov else H_DUR), ms_ceil(end_s - run_start_s))
    if prov:
        a.fn_i[FI_PROV_SERVED, f] += 1


@njit
def close_pools(p, s, a) -> None:
    """Retire every instance still alive, pool by pool in creation order (``_Pool.close``)."""
    for f in range(p.n_fn):
        i = a.fn_i[FI_HEAD, f]
        while i >= 0:
            end_s = retire_at_close_s(
                a.ins_i[IN_BUSY, i],
                a.ins_i[IN_PROV, i] == 1,
                a.ins_f[IN_CREATED, i],
                a.ins_f[IN_IDLE, i],
                a.fn_f[FF_KA, f],
                a.fn_f[FF_LIFE, f],
                p.horizon_s,
            )
            retire(p, s, a, f, i, end_s)
            i = a.ins_i[IN_NEXT, i]
        a.fn_i[FI_HEAD, f] = -1
        a.fn_i[FI_TAIL, f] = -1
