"""The compiled application loop's request steps: the SimPy application engine's generators
(:mod:`costsim.engine.app.flow`, :mod:`costsim.engine.app.serverless`) as frames.

Each step function runs one frame (one generator of the reference) from where it stopped
(``FR_PC``) to its next wait, a child frame (``yield from``) or its return, and gives the frame
to run next (-1 when the process waits or ended); ``s.val`` carries a child's return value.
See :mod:`costsim.engine.fast_app_loop` for the loop and the event order.
"""

from __future__ import annotations

import math

from costsim.engine.fast_app_pool import (
    acquire,
    release,
)
from costsim.engine.fast_app_program import (
    OP_CALL,
    OP_SEND_EVENT,
)
from costsim.engine.fast_app_queues import poll_all, send_queue
from costsim.engine.fast_app_state import (
    DEADLINE,
    DROPPED,
    ERROR,
    EV_DEADLINE,
    FB_ARRIVALS,
    FB_THROTTLED,
    FB_TIMED_OUT,
    FF_ERR,
    FF_TIMEOUT,
    FI_ARRIVED,
    FI_ERRORS,
    FI_SERVED,
    FI_STEPS,
    FI_THROTTLED,
    FI_TIMED_OUT,
    FR_A,
    FR_B,
    FR_C,
    FR_D,
    FR_PC,
    FR_T0,
    FR_T1,
    FR_X,
    JN_CALL,
    JN_MAX,
    JN_RACE,
    JN_TOKEN,
    K_AUTH,
    K_BODY,
    K_EVENT,
    K_EXEC,
    K_F_INVOKE,
    K_F_JOB,
    K_INVOKE,
    K_STEPS,
    K_WORKFLOW,
    OK,
    QI_CONSUMER,
    QI_MESSAGES,
    RACE_CALL,
    RACE_OPEN,
    RF_LAT_TOTAL,
    RF_TIS,
    RF_TTL,
    RI_AUTH,
    RI_AUTH_EDGE,
    RI_CACHE_OFF,
    RI_CLIENTS,
    RI_DROPPED,
    RI_ERRORS,
    RI_SERVED,
    RI_STEPS,
    RI_THROTTLED,
    RI_WF,
    THROTTLED,
    TIMED_OUT,
    call,
    draw,
    fn_count,
    free_join,
    new_join,
    ret,
    schedule,
    start_process,
    stream_dur,
    stream_err,
    stream_route,
    wait_until,
)
from costsim.engine.fast_common import (
    bin_index,
    counts_in_latency,
    latency_bucket,
    njit,
)


@njit
def step_request(p, s, a, f: int) -> int:
    """``Host.request`` and ``route_steps``: authorizer, steps or workflow, accounting."""
    fi = a.fr_i
    r = fi[FR_A, f]
    pc = fi[FR_PC, f]
    if pc == 0:
        fi[FR_PC, f] = 1
        if a.rt_i[RI_AUTH, r] >= 0:
            return call(s, a, f, K_AUTH, r, 0, 0, 0)
        s.val = OK
        pc = 1
    if pc == 1:
        fi[FR_PC, f] = 2
        if s.val == OK:
            if a.rt_i[RI_WF, r] >= 0:
                return call(s, a, f, K_WORKFLOW, r, 0, 0, 0)
            return call(s, a, f, K_STEPS, a.rt_i[RI_STEPS, r], 0, 0, 0)
    outcome = s.val
    now_s = s.now_s
    b = bin_index(now_s, p.bin_width_s, p.n_bins)
    ri = a.rt_i
    if outcome == THROTTLED:
        ri[RI_THROTTLED, r] += 1
        a.b_throttled[b] += 1
    elif outcome == DROPPED:
        ri[RI_DROPPED, r] += 1
        a.b_dropped[b] += 1
    else:
        ri[RI_SERVED, r] += 1
        if outcome == ERROR:
            ri[RI_ERRORS, r] += 1
        a.b_served[b] += 1
        t0_s = a.fr_f[FR_T0, f]
        a.rt_f[RF_TIS, r] += now_s - t0_s
        if counts_in_latency(t0_s, p.warmup_s):
            a.lat[r, latency_bucket(now_s - t0_s)] += 1
            a.rt_f[RF_LAT_TOTAL, r] += now_s - t0_s
    return ret(s, a, f, outcome)


@njit
def step_auth(p, s, a, f: int) -> int:
    """``Host.authorize``: the per-client cache, else a call of the authorizer."""
    fi = a.fr_i
    r = fi[FR_A, f]
    clients = a.rt_i[RI_CLIENTS, r]
    if fi[FR_PC, f] == 0:
        u = draw(s, a, stream_route(p, r))
        client = min(int(u * clients), clients - 1)
        fi[FR_B, f] = client
        if s.now_s <= a.cache[a.rt_i[RI_CACHE_OFF, r] + client]:
            return ret(s, a, f, OK)
        fi[FR_PC, f] = 1
        a.edge_n[a.rt_i[RI_AUTH_EDGE, r]] += 1
        return call(s, a, f, K_F_INVOKE if p.fleet else K_INVOKE, a.rt_i[RI_AUTH, r], 0, 0, 0)
    if s.val == OK and a.rt_f[RF_TTL, r] > 0:
        a.cache[a.rt_i[RI_CACHE_OFF, r] + fi[FR_B, f]] = s.now_s + a.rt_f[RF_TTL, r]
    return ret(s, a, f, s.val)


@njit
def step_steps(p, s, a, f: int) -> int:
    """``Host.steps``: calls and sends in order; a failed call ends the rest.

    Within an execution that has a deadline (``FR_T0``, the function's timeout) a call is a
    process of its own that races the deadline's timer (the reference's ``call | timer``): a
    join in race mode, decided by the call's end or by the timer (``EV_DEADLINE``).
    """
    fi = a.fr_i
    if fi[FR_C, f] == 2:
        j = fi[FR_D, f]
        s.val = a.jn_i[JN_MAX, j] if a.jn_i[JN_RACE, j] == RACE_CALL else TIMED_OUT
        free_join(s, a, j)
        fi[FR_C, f] = 1
    if fi[FR_C, f] == 1:
        fi[FR_C, f] = 0
        if s.val != OK:
            return ret(s, a, f, s.val)
    lst = fi[FR_A, f]
    start = a.list_start[lst]
    n = a.list_len[lst]
    while fi[FR_PC, f] < n:
        k = start + fi[FR_PC, f]
        fi[FR_PC, f] += 1
        kind = a.op_i[0, k]
        x = a.op_i[1, k]
        a.edge_n[a.op_i[4, k]] += 1
        if kind == OP_CALL:
            fi[FR_C, f] = 1
            deadline_s = a.fr_f[FR_T0, f]
            if p.fleet or math.isinf(deadline_s):
                return call(s, a, f, K_F_INVOKE if p.fleet else K_INVOKE, x, 0, 0, 0)
            j = new_join(s, a, f, 1)
            if j < 0:
                return -1
            token = s.seq
            s.seq += 1
            a.jn_i[JN_RACE, j] = RACE_OPEN
            a.jn_i[JN_TOKEN, j] = token
            a.jn_i[JN_CALL, j] = start_process(s, a, K_INVOKE, x, 0, 0, 0, j)
            schedule(s, a, deadline_s, DEADLINE, EV_DEADLINE, j, float(token))
            fi[FR_C, f] = 2
            fi[FR_D, f] = j
            return -1
        if p.fleet:
            # a local job, of the queue's consumer or of the function (FleetHost.send)
            g = -1
            if kind == OP_SEND_EVENT:
                g = start_process(s, a, K_F_JOB, x, 0, -1, 0, -1)
            else:
                a.q_i[QI_MESSAGES, x] += 1
                g = start_process(s, a, K_F_JOB, a.q_i[QI_CONSUMER, x], 0, x, 0, -1)
            if g >= 0:
                a.fr_f[FR_T0, g] = s.now_s
        elif kind == OP_SEND_EVENT:
            g = start_process(s, a, K_EVENT, x, 0, 0, 0, -1)
            if g >= 0:
                a.fr_f[FR_T0, g] = s.now_s
        else:
            send_queue(p, s, a, x)
    return ret(s, a, f, OK)


@njit
def step_invoke(p, s, a, f: int) -> int:
    """``ServerlessHost.invoke``: a synchronous call, throttled when no slot is free."""
    fi = a.fr_i
    fn = fi[FR_A, f]
    if fi[FR_PC, f] == 0:
        a.fn_i[FI_ARRIVED, fn] += 1
        fn_count(p, a, FB_ARRIVALS, fn, s.now_s, 1)
        i = acquire(p, s, a, fn)
        if i < 0:
            a.fn_i[FI_THROTTLED, fn] += 1
            fn_count(p, a, FB_THROTTLED, fn, s.now_s, 1)
            return ret(s, a, f, THROTTLED)
        fi[FR_PC, f] = 1
        g = call(s, a, f, K_EXEC, fn, i, 1, 0)
        if g >= 0:
            a.fr_f[FR_X, g] = s.tmp_init_s
        return g
    outcome = ERROR if s.val == TIMED_OUT else s.val
    a.fn_i[FI_SERVED, fn] += 1
    if outcome != OK:
        a.fn_i[FI_ERRORS, fn] += 1
    return ret(s, a, f, outcome)


@njit
def step_exec(p, s, a, f: int) -> int:
    """``ServerlessHost._execute``: init if cold, the body (cut at the function's timeout),
    then free the instance."""
    fi = a.fr_i
    ff = a.fr_f
    fn = fi[FR_A, f]
    pc = fi[FR_PC, f]
    if pc == 0:
        ff[FR_T0, f] = s.now_s
        fi[FR_PC, f] = 1
        if ff[FR_X, f] > 0:
            return wait_until(s, a, f, ff[FR_T0, f] + ff[FR_X, f])
        pc = 1
    if pc == 1:
        ff[FR_T1, f] = s.now_s
        fi[FR_PC, f] = 2
        g = call(s, a, f, K_BODY, fn, fi[FR_C, f], 0, 0)
        if g >= 0:
            ff[FR_T0, g] = s.now_s + a.fn_f[FF_TIMEOUT, fn]
        return g
    release(p, s, a, fn, fi[FR_B, f], ff[FR_T0, f], ff[FR_T1, f])
    if s.val == TIMED_OUT:
        a.fn_i[FI_TIMED_OUT, fn] += 1
        fn_count(p, a, FB_TIMED_OUT, fn, s.now_s, 1)
    poll_all(p, s, a)
    return ret(s, a, f, s.val)


@njit
def step_body(p, s, a, f: int) -> int:
    """``Host.body``: own work (``items`` draws), the error draws, then the steps per item;
    work that would end past the deadline (``FR_T0``) stops there, ``TIMED_OUT``."""
    fi = a.fr_i
    fn = fi[FR_A, f]
    items = fi[FR_B, f]
    pc = fi[FR_PC, f]
    if pc == 3:
        return ret(s, a, f, TIMED_OUT)
    if pc == 0:
        own_s = 0.0
        for _ in range(items):
            own_s += draw(s, a, stream_dur(p, fn))
        deadline_s = a.fr_f[FR_T0, f]
        if s.now_s + own_s > deadline_s:
            fi[FR_PC, f] = 3
            return wait_until(s, a, f, deadline_s)
        fi[FR_PC, f] = 1
        if own_s > 0:
            return wait_until(s, a, f, s.now_s + own_s)
        pc = 1
    if pc == 1:
        rate = a.fn_f[FF_ERR, fn]
        failed = False
        for _ in range(items):
            if rate > 0 and draw(s, a, stream_err(p, fn)) < rate:
                failed = True
        if failed:
            return ret(s, a, f, ERROR)
        fi[FR_PC, f] = 2
        fi[FR_C, f] = 0
        fi[FR_D, f] = 0
    elif fi[FR_D, f] == 1:
        fi[FR_D, f] = 0
        if s.val != OK:
            return ret(s, a, f, s.val)
        fi[FR_C, f] += 1
    lst = a.fn_i[FI_STEPS, fn]
    if fi[FR_C, f] < items and a.list_len[lst] > 0:
        fi[FR_D, f] = 1
        g = call(s, a, f, K_STEPS, lst, 0, 0, 0)
        if g >= 0:
            a.fr_f[FR_T0, g] = a.fr_f[FR_T0, f]
        return g
    return ret(s, a, f, OK)
