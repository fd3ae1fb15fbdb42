"""Compiled fleet host of an application (VPS, bare metal): :mod:`costsim.engine.app.fleet`.

The reference's slots are SimPy ``Resource`` objects, whose order this module keeps event for
event: a request joins the resource's FIFO put queue and the queue's head is granted at once
if a slot is free (its event processed later, NORMAL); a release frees the slot at once and
its own event (NORMAL), when processed, grants the queue's head; with ``queue_timeout`` the
process waits on the ``AnyOf`` of its request and a timeout, and gives up (cancelling the
request) unless the request was processed by the time the ``AnyOf`` is. A request record lives
until its last pending event has run (``RQ_REFS``).
"""

from __future__ import annotations

from costsim.engine.fast_app_state import (
    ASYNC_ERROR_RETRY_S,
    COND_FIRED,
    COND_NONE,
    COND_WAITING,
    DROPPED,
    ERROR,
    EV_COND,
    EV_REL,
    EV_REQ,
    EV_TIMEOUT,
    FB_ARRIVALS,
    FB_DROPPED,
    FB_INVOCATIONS,
    FI_ARRIVED,
    FI_DROPPED,
    FI_ERRORS,
    FI_INVOCATIONS,
    FI_RETRIED,
    FI_RETRIES,
    FI_SERVED,
    FR_A,
    FR_B,
    FR_C,
    FR_D,
    FR_PC,
    FR_T0,
    FR_T1,
    H_DUR,
    HPF,
    K_AUTH,
    K_BODY,
    K_F_INVOKE,
    K_F_SLOT,
    K_STEPS,
    K_WORKFLOW,
    NORMAL,
    OK,
    QF_VIS,
    QF_WAIT_TOTAL,
    QI_DEAD,
    QI_MAXRECV,
    QI_RECEIVES,
    RF_LAT_TOTAL,
    RF_TIS,
    RI_AUTH,
    RI_DROPPED,
    RI_ERRORS,
    RI_SERVED,
    RI_STEPS,
    RI_THROTTLED,
    RI_WF,
    RQ_COND,
    RQ_FRAME,
    RQ_NEXT,
    RQ_PROCESSED,
    RQ_REFS,
    RQ_RES,
    RQ_STATE,
    RQ_TRIGGERED,
    RQ_WAITING,
    RS_CAP,
    RS_QHEAD,
    RS_QLEN,
    RS_QTAIL,
    RS_USERS,
    THROTTLED,
    URGENT,
    call,
    draw,
    fn_count,
    record,
    ret,
    schedule,
    wait_until,
)
from costsim.engine.fast_common import (
    add_interval,
    bin_index,
    choose_server,
    counts_in_latency,
    latency_bucket,
    ms_ceil,
    njit,
)

SHARED, ROUND_ROBIN = 0, 1


@njit
def account(p, s, a, f: int, r: int, outcome: int) -> int:
    """``Host.request``'s accounting of a finished request of route ``r``; ends frame ``f``."""
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
def unref(s, a, q: int) -> None:
    """Drop one reference to request ``q``; free it at the last."""
    a.rq_i[RQ_REFS, q] -= 1
    if a.rq_i[RQ_REFS, q] == 0:
        a.rq_free[s.n_free_req] = q
        s.n_free_req += 1


@njit
def trigger_put(s, a, res: int) -> None:
    """``Resource._trigger_put``: grant the head of the put queue if a slot is free."""
    rs = a.rs_i
    q = rs[RS_QHEAD, res]
    if q < 0 or rs[RS_USERS, res] >= rs[RS_CAP, res]:
        return
    rs[RS_QHEAD, res] = a.rq_i[RQ_NEXT, q]
    if rs[RS_QHEAD, res] < 0:
        rs[RS_QTAIL, res] = -1
    rs[RS_QLEN, res] -= 1
    rs[RS_USERS, res] += 1
    a.rq_i[RQ_STATE, q] = RQ_TRIGGERED
    a.rq_i[RQ_REFS, q] += 1
    schedule(s, a, s.now_s, NORMAL, EV_REQ, q)


@njit
def release(p, s, a, q: int, start_s: float) -> None:
    """``FleetHost._free``: release the slot held by request ``q`` since ``start_s`` [s]."""
    res = a.rq_i[RQ_RES, q]
    a.rs_i[RS_USERS, res] -= 1
    schedule(s, a, s.now_s, NORMAL, EV_REL, res)
    end_s = s.now_s
    w = p.slot_weight
    if end_s > start_s:
        s.fleet_busy_s += w * (min(end_s, p.horizon_s) - min(start_s, p.horizon_s))
        add_interval(a.b_busy, start_s, end_s, w, p.horizon_s, p.bin_width_s, p.n_bins)
    unref(s, a, q)


@njit
def request_processed(s, a, q: int) -> int:
    """A request's event is processed: its AnyOf fires, or the frame to resume (else -1)."""
    a.rq_i[RQ_STATE, q] = RQ_PROCESSED
    cond = a.rq_i[RQ_COND, q]
    frame = a.rq_i[RQ_FRAME, q]
    unref(s, a, q)
    if cond == COND_WAITING:
        a.rq_i[RQ_COND, q] = COND_FIRED
        schedule(s, a, s.now_s, NORMAL, EV_COND, q)
    elif cond == COND_NONE and frame >= 0:
        return frame
    return -1


@njit
def timeout_due(s, a, q: int) -> None:
    """A queue timeout is due: the AnyOf fires unless it already has."""
    if a.rq_i[RQ_COND, q] == COND_WAITING:
        a.rq_i[RQ_COND, q] = COND_FIRED
        schedule(s, a, s.now_s, NORMAL, EV_COND, q)
    unref(s, a, q)


@njit
def step_slot(p, s, a, f: int) -> int:
    """``FleetHost._slot``: a slot (the request's id as the value), or -1 when dropped."""
    fi = a.fr_i
    if fi[FR_PC, f] == 1:
        q = fi[FR_B, f]
        if a.rq_i[RQ_STATE, q] == RQ_PROCESSED:
            a.rq_i[RQ_FRAME, q] = -1
            return ret(s, a, f, q)
        if a.rq_i[RQ_STATE, q] == RQ_WAITING:
            # cancel: out of the put queue (a triggered one keeps its slot, as in SimPy)
            res = a.rq_i[RQ_RES, q]
            prev = -1
            j = a.rs_i[RS_QHEAD, res]
            while j != q:
                prev = j
                j = a.rq_i[RQ_NEXT, j]
            nxt = a.rq_i[RQ_NEXT, q]
            if prev < 0:
                a.rs_i[RS_QHEAD, res] = nxt
            else:
                a.rq_i[RQ_NEXT, prev] = nxt
            if nxt < 0:
                a.rs_i[RS_QTAIL, res] = prev
            a.rs_i[RS_QLEN, res] -= 1
        a.rq_i[RQ_FRAME, q] = -1
        unref(s, a, q)
        return ret(s, a, f, -1)
    background = fi[FR_A, f] == 1 and p.n_back > 0
    lo = p.n_front if background else 0
    n = p.n_back if background else p.n_front
    u = draw(s, a, 3 * p.n_fn + 2 * p.n_routes)
    res = lo
    if p.balancer != SHARED:
        res = lo + choose_server(
            p.balancer,
            a.rs_i[RS_USERS, lo : lo + n],
            a.rs_i[RS_QLEN, lo : lo + n],
            s.rr_back if background else s.rr_front,
            u,
        )
        if p.balancer == ROUND_ROBIN:
            if background:
                s.rr_back += 1
            else:
                s.rr_front += 1
    rs = a.rs_i
    if (
        p.queue_limit >= 0
        and rs[RS_USERS, res] >= rs[RS_CAP, res]
        and rs[RS_QLEN, res] >= p.queue_limit
    ):
        return ret(s, a, f, -1)
    if s.n_free_req == 0:
        s.overrun = 1
        return -1
    s.n_free_req -= 1
    q = a.rq_free[s.n_free_req]
    rq = a.rq_i
    rq[RQ_RES, q] = res
    rq[RQ_FRAME, q] = f
    rq[RQ_STATE, q] = RQ_WAITING
    rq[RQ_NEXT, q] = -1
    rq[RQ_REFS, q] = 1
    rq[RQ_COND, q] = COND_NONE
    if rs[RS_QTAIL, res] < 0:
        rs[RS_QHEAD, res] = q
    else:
        rq[RQ_NEXT, rs[RS_QTAIL, res]] = q
    rs[RS_QTAIL, res] = q
    rs[RS_QLEN, res] += 1
    trigger_put(s, a, res)
    if p.has_timeout:
        rq[RQ_COND, q] = COND_WAITING
        rq[RQ_REFS, q] += 1
        schedule(s, a, s.now_s + p.queue_timeout_s, URGENT, EV_TIMEOUT, q)
    fi[FR_B, f] = q
    fi[FR_PC, f] = 1
    return -1


@njit
def step_f_invoke(p, s, a, f: int) -> int:
    """``FleetHost.invoke`` (``C == 0``) or ``_inline`` (``C == 1``): in process, no slot."""
    fi = a.fr_i
    fn = fi[FR_A, f]
    if fi[FR_PC, f] == 0:
        if fi[FR_C, f] == 0:
            a.fn_i[FI_ARRIVED, fn] += 1
            fn_count(p, a, FB_ARRIVALS, fn, s.now_s, 1)
        a.fr_f[FR_T0, f] = s.now_s
        fi[FR_PC, f] = 1
        return call(s, a, f, K_BODY, fn, 1, 0, 0)
    a.fn_i[FI_INVOCATIONS, fn] += 1
    fn_count(p, a, FB_INVOCATIONS, fn, s.now_s, 1)
    record(s, a, HPF * fn + H_DUR, ms_ceil(s.now_s - a.fr_f[FR_T0, f]))
    if fi[FR_C, f] == 0:
        a.fn_i[FI_SERVED, fn] += 1
        if s.val != OK:
            a.fn_i[FI_ERRORS, fn] += 1
    return ret(s, a, f, s.val)


@njit
def step_f_task(p, s, a, f: int) -> int:
    """``FleetHost.task``: a workflow task as a job on a front slot."""
    fi = a.fr_i
    fn = fi[FR_A, f]
    pc = fi[FR_PC, f]
    if pc == 0:
        fi[FR_PC, f] = 1
        return call(s, a, f, K_F_SLOT, 0, 0, 0, 0)
    if pc == 1:
        q = s.val
        if q < 0:
            a.fn_i[FI_ARRIVED, fn] += 1
            a.fn_i[FI_DROPPED, fn] += 1
            fn_count(p, a, FB_ARRIVALS, fn, s.now_s, 1)
            fn_count(p, a, FB_DROPPED, fn, s.now_s, 1)
            return ret(s, a, f, DROPPED)
        fi[FR_B, f] = q
        a.fr_f[FR_T1, f] = s.now_s
        fi[FR_PC, f] = 2
        return call(s, a, f, K_F_INVOKE, fn, 0, 0, 0)
    release(p, s, a, fi[FR_B, f], a.fr_f[FR_T1, f])
    return ret(s, a, f, s.val)


@njit
def step_f_request(p, s, a, f: int) -> int:
    """``FleetHost.handle`` and the accounting: a slot, authorizer and steps in process, the
    workflow after the slot is freed (a workflow alone holds no slot)."""
    fi = a.fr_i
    r = fi[FR_A, f]
    pc = fi[FR_PC, f]
    auth = a.rt_i[RI_AUTH, r]
    wf = a.rt_i[RI_WF, r]
    if pc == 0:
        if wf >= 0 and auth < 0:
            fi[FR_PC, f] = 5
            return call(s, a, f, K_WORKFLOW, r, 0, 0, 0)
        fi[FR_PC, f] = 1
        return call(s, a, f, K_F_SLOT, 0, 0, 0, 0)
    if pc == 1:
        if s.val < 0:
            return account(p, s, a, f, r, DROPPED)
        fi[FR_B, f] = s.val
        a.fr_f[FR_T1, f] = s.now_s
        fi[FR_PC, f] = 2
        if auth >= 0:
            return call(s, a, f, K_AUTH, r, 0, 0, 0)
        s.val = OK
        pc = 2
    if pc == 2:
        fi[FR_PC, f] = 3
        if s.val == OK and a.rt_i[RI_STEPS, r] >= 0:
            return call(s, a, f, K_STEPS, a.rt_i[RI_STEPS, r], 0, 0, 0)
        pc = 3
    if pc == 3:
        outcome = s.val
        release(p, s, a, fi[FR_B, f], a.fr_f[FR_T1, f])
        if outcome == OK and wf >= 0:
            fi[FR_PC, f] = 5
            return call(s, a, f, K_WORKFLOW, r, 0, 0, 0)
        return account(p, s, a, f, r, outcome)
    return account(p, s, a, f, r, s.val)


@njit
def step_f_job(p, s, a, f: int) -> int:
    """``FleetHost._job``: a sent message or event as a local job, with its retries."""
    fi = a.fr_i
    ff = a.fr_f
    fn = fi[FR_A, f]
    q = fi[FR_C, f]
    pc = fi[FR_PC, f]
    if pc == 0:
        a.fn_i[FI_ARRIVED, fn] += 1
        fn_count(p, a, FB_ARRIVALS, fn, s.now_s, 1)
        fi[FR_B, f] = 0
        pc = 1
    elif pc == 2:
        held = s.val
        if held < 0:
            a.fn_i[FI_DROPPED, fn] += 1
            fn_count(p, a, FB_DROPPED, fn, s.now_s, 1)
            return ret(s, a, f, OK)
        if q >= 0:
            a.q_i[QI_RECEIVES, q] += 1
            wait_s = s.now_s - ff[FR_T0, f]
            a.qwait[q, latency_bucket(wait_s)] += 1
            a.q_f[QF_WAIT_TOTAL, q] += wait_s
        fi[FR_D, f] = held
        ff[FR_T1, f] = s.now_s
        fi[FR_PC, f] = 3
        return call(s, a, f, K_F_INVOKE, fn, 0, 1, 0)
    elif pc == 3:
        release(p, s, a, fi[FR_D, f], ff[FR_T1, f])
        if s.val == OK:
            a.fn_i[FI_SERVED, fn] += 1
            return ret(s, a, f, OK)
        a.fn_i[FI_ERRORS, fn] += 1
        # a queue message: received again after the visibility timeout, dead at max_receives
        if q >= 0:
            last = fi[FR_B, f] + 1 >= a.q_i[QI_MAXRECV, q]
        else:
            last = fi[FR_B, f] >= a.fn_i[FI_RETRIES, fn]
        if last:
            a.fn_i[FI_DROPPED, fn] += 1
            fn_count(p, a, FB_DROPPED, fn, s.now_s, 1)
            if q >= 0:
                a.q_i[QI_DEAD, q] += 1
            return ret(s, a, f, OK)
        fi[FR_PC, f] = 4
        if q >= 0:
            return wait_until(s, a, f, s.now_s + a.q_f[QF_VIS, q])
        return wait_until(s, a, f, s.now_s + ASYNC_ERROR_RETRY_S[fi[FR_B, f]])
    elif pc == 4:
        fi[FR_B, f] += 1
        a.fn_i[FI_RETRIED, fn] += 1
        pc = 1
    fi[FR_PC, f] = 2
    return call(s, a, f, K_F_SLOT, 1, 0, 0, 0)
