"""Compiled asynchronous steps of an application on serverless: events and queue consumers
(``ServerlessHost._event``, ``_consume``, ``_reappear``), as frames (see
:mod:`costsim.engine.fast_app_steps`)."""

from __future__ import annotations

from costsim.engine.fast_app_pool import acquire
from costsim.engine.fast_app_queues import enqueue, poll
from costsim.engine.fast_app_state import (
    ASYNC_BACKOFF_MAX_S,
    ASYNC_ERROR_RETRY_S,
    FB_ARRIVALS,
    FB_DROPPED,
    FF_MAXAGE,
    FI_ARRIVED,
    FI_DROPPED,
    FI_ERRORS,
    FI_RETRIED,
    FI_RETRIES,
    FI_SERVED,
    FR_A,
    FR_B,
    FR_C,
    FR_D,
    FR_PC,
    FR_T0,
    FR_X,
    K_EXEC,
    K_REAPPEAR,
    MS_NEXT,
    MS_RECV,
    OK,
    QF_VIS,
    QI_CONSUMER,
    QI_DEAD,
    QI_IN_FLIGHT,
    QI_MAXRECV,
    call,
    fn_count,
    ret,
    start_process,
    wait_until,
)
from costsim.engine.fast_common import (
    njit,
)


@njit
def step_event(p, s, a, f: int) -> int:
    """``ServerlessHost._event``: an asynchronous event with backoff, retries, max age."""
    fi = a.fr_i
    ff = a.fr_f
    fn = fi[FR_A, f]
    fni = a.fn_i
    pc = fi[FR_PC, f]
    if pc == 0:
        fni[FI_ARRIVED, fn] += 1
        fn_count(p, a, FB_ARRIVALS, fn, s.now_s, 1)
        ff[FR_X, f] = 1.0
        fi[FR_B, f] = 0
        pc = 1
    elif pc == 2:
        ff[FR_X, f] = min(2 * ff[FR_X, f], ASYNC_BACKOFF_MAX_S)
        fni[FI_RETRIED, fn] += 1
        pc = 1
    elif pc == 3:
        if s.val == OK:
            fni[FI_SERVED, fn] += 1
            return ret(s, a, f, OK)
        fni[FI_ERRORS, fn] += 1
        if fi[FR_B, f] >= fni[FI_RETRIES, fn]:
            fni[FI_DROPPED, fn] += 1
            fn_count(p, a, FB_DROPPED, fn, s.now_s, 1)
            return ret(s, a, f, OK)
        fi[FR_PC, f] = 4
        return wait_until(s, a, f, s.now_s + ASYNC_ERROR_RETRY_S[fi[FR_B, f]])
    elif pc == 4:
        fi[FR_B, f] += 1
        fni[FI_RETRIED, fn] += 1
        pc = 1
    i = acquire(p, s, a, fn)
    if i < 0:
        if s.now_s + ff[FR_X, f] - ff[FR_T0, f] > a.fn_f[FF_MAXAGE, fn]:
            fni[FI_DROPPED, fn] += 1
            fn_count(p, a, FB_DROPPED, fn, s.now_s, 1)
            return ret(s, a, f, OK)
        fi[FR_PC, f] = 2
        return wait_until(s, a, f, s.now_s + ff[FR_X, f])
    fi[FR_PC, f] = 3
    g = call(s, a, f, K_EXEC, fn, i, 1, 0)
    if g >= 0:
        ff[FR_X, g] = s.tmp_init_s
    return g


@njit
def step_consume(p, s, a, f: int) -> int:
    """``ServerlessHost._consume``: run a batch; a failed one comes back or is dead-lettered."""
    fi = a.fr_i
    q = fi[FR_A, f]
    fn = a.q_i[QI_CONSUMER, q]
    if fi[FR_PC, f] == 0:
        fi[FR_PC, f] = 1
        g = call(s, a, f, K_EXEC, fn, fi[FR_D, f], fi[FR_C, f], 0)
        if g >= 0:
            a.fr_f[FR_X, g] = a.fr_f[FR_X, f]
        return g
    a.q_i[QI_IN_FLIGHT, q] -= 1
    m = fi[FR_B, f]
    if s.val == OK:
        a.fn_i[FI_SERVED, fn] += fi[FR_C, f]
        while m >= 0:
            nxt = a.msg_i[MS_NEXT, m]
            a.msg_free[s.n_free_msg] = m
            s.n_free_msg += 1
            m = nxt
    else:
        a.fn_i[FI_ERRORS, fn] += 1
        head = -1
        tail = -1
        n = 0
        while m >= 0:
            nxt = a.msg_i[MS_NEXT, m]
            if a.msg_i[MS_RECV, m] + 1 >= a.q_i[QI_MAXRECV, q]:
                a.fn_i[FI_DROPPED, fn] += 1
                fn_count(p, a, FB_DROPPED, fn, s.now_s, 1)
                a.q_i[QI_DEAD, q] += 1
                a.msg_free[s.n_free_msg] = m
                s.n_free_msg += 1
            else:
                a.msg_i[MS_RECV, m] += 1
                a.msg_i[MS_NEXT, m] = -1
                if tail < 0:
                    head = m
                else:
                    a.msg_i[MS_NEXT, tail] = m
                tail = m
                n += 1
                a.fn_i[FI_RETRIED, fn] += 1
            m = nxt
        if n:
            start_process(s, a, K_REAPPEAR, q, head, n, tail, -1)
    poll(p, s, a, q)
    return ret(s, a, f, OK)


@njit
def step_reappear(p, s, a, f: int) -> int:
    """``ServerlessHost._reappear``: failed messages back after the visibility timeout."""
    fi = a.fr_i
    q = fi[FR_A, f]
    if fi[FR_PC, f] == 0:
        fi[FR_PC, f] = 1
        return wait_until(s, a, f, s.now_s + a.q_f[QF_VIS, q])
    enqueue(s, a, q, fi[FR_B, f], fi[FR_D, f], fi[FR_C, f])
    poll(p, s, a, q)
    return ret(s, a, f, OK)
