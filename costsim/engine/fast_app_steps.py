"""The compiled application loop: the SimPy application engine's processes as frames.

Each generator of :mod:`costsim.engine.app.flow` and :mod:`costsim.engine.app.serverless` is a
frame kind here, and each step function runs one frame from where it stopped (``FR_PC``) to its
next wait, a child frame (``yield from``) or its return. A process is a chain of frames; a
wait, a process start (SimPy's ``Initialize``), a process end that an ``AllOf`` counts, the
``AllOf`` itself and a batching-window timer are events on one heap ordered as SimPy orders
them (time, then URGENT before NORMAL, then scheduling order), so every random draw is taken
in the reference's order and every count comes out the same.
"""

from __future__ import annotations

from costsim.engine.fast_app_pool import (
    acquire,
    close_pools,
    enqueue,
    poll,
    poll_all,
    release,
    send_queue,
    window_due,
)
from costsim.engine.fast_app_fleet import (
    request_processed,
    step_f_invoke,
    step_f_job,
    step_f_request,
    step_f_task,
    step_slot,
    timeout_due,
    trigger_put,
)
from costsim.engine.fast_app_state import (
    ASYNC_BACKOFF_MAX_S,
    EV_BITS,
    EV_COND,
    EV_REL,
    EV_REQ,
    EV_TIMEOUT,
    K_ARRIVALS,
    K_ATTEMPT,
    K_AUTH,
    K_BODY,
    K_CONSUME,
    K_EVENT,
    K_EXEC,
    K_F_INVOKE,
    K_F_JOB,
    K_F_SLOT,
    K_F_TASK,
    K_INVOKE,
    K_LANE,
    K_MAP,
    K_REAPPEAR,
    K_REQUEST,
    K_STATES,
    K_STEPS,
    K_WORKFLOW,
    QI_MESSAGES,
    RQ_FRAME,
    ASYNC_ERROR_RETRY_S,
    DROPPED,
    ERROR,
    EV_DONE,
    EV_RESUME,
    EV_WINDOW,
    FF_ERR,
    FF_MAXAGE,
    FI_ARRIVED,
    FI_DROPPED,
    FI_ERRORS,
    FI_RETRIED,
    FI_RETRIES,
    FI_SERVED,
    FI_STEPS,
    FI_THROTTLED,
    FR_A,
    FR_B,
    FR_C,
    FR_D,
    FR_JOIN,
    FR_KIND,
    FR_NOTIFY,
    FR_PC,
    FR_T0,
    FR_T1,
    FR_X,
    JN_FN,
    JN_MAX,
    JN_N,
    JN_NEXT,
    JN_PARENT,
    JN_REMAIN,
    JN_RETRY,
    JN_ROUTE,
    MS_NEXT,
    MS_RECV,
    NORMAL,
    OK,
    QF_VIS,
    QI_CONSUMER,
    QI_DEAD,
    QI_IN_FLIGHT,
    QI_MAXRECV,
    RF_LAT_TOTAL,
    RF_TIS,
    RF_TTL,
    RI_ARR_DONE,
    RI_ARR_LEN,
    RI_ARR_POS,
    RI_ARRIVED,
    RI_AUTH,
    RI_CACHE_OFF,
    RI_CLIENTS,
    RI_DROPPED,
    RI_ERRORS,
    RI_EXEC,
    RI_RETRIED,
    RI_SERVED,
    RI_STEPS,
    RI_THROTTLED,
    RI_TRANS,
    RI_WF,
    THROTTLED,
    call,
    draw,
    free_join,
    new_join,
    record,
    ret,
    schedule,
    start_process,
    stream_dur,
    stream_err,
    stream_items,
    stream_route,
    wait_until,
)
from costsim.engine.fast_common import (
    bin_index,
    counts_in_latency,
    heap_pop,
    latency_bucket,
    ms_ceil,
    njit,
)
from costsim.engine.fast_app_program import (
    OP_CALL,
    OP_SEND_EVENT,
    ST_CALL,
    ST_CHOICE,
    ST_MAP,
    ST_PARALLEL,
)

#: Priority of route arrivals (the reference's ARRIVAL, NORMAL's value).
ARRIVAL = 1


@njit
def step_arrivals(p, s, a, f: int) -> int:
    """``Host.arrivals``: start a request per arrival, waiting (ARRIVAL) for later ones."""
    r = a.fr_i[FR_A, f]
    ri = a.rt_i
    while True:
        pos = ri[RI_ARR_POS, r]
        if pos >= ri[RI_ARR_LEN, r]:
            if ri[RI_ARR_DONE, r]:
                return ret(s, a, f, OK)
            s.pending = f  # the driver refills this route's arrivals and resumes here
            return -1
        t_s = a.arr_buf[r, pos]
        if t_s > s.now_s:
            schedule(s, a, t_s, ARRIVAL, EV_RESUME, f)
            return -1
        ri[RI_ARR_POS, r] = pos + 1
        ri[RI_ARRIVED, r] += 1
        a.b_arrivals[bin_index(t_s, p.bin_width_s, p.n_bins)] += 1
        g = start_process(s, a, K_REQUEST, r, 0, 0, 0, -1)
        if g < 0:
            return -1
        a.fr_f[FR_T0, g] = t_s


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
        return call(s, a, f, K_F_INVOKE if p.fleet else K_INVOKE, a.rt_i[RI_AUTH, r], 0, 0, 0)
    if s.val == OK and a.rt_f[RF_TTL, r] > 0:
        a.cache[a.rt_i[RI_CACHE_OFF, r] + fi[FR_B, f]] = s.now_s + a.rt_f[RF_TTL, r]
    return ret(s, a, f, s.val)


@njit
def step_steps(p, s, a, f: int) -> int:
    """``Host.steps``: calls and sends in order; a failed call ends the rest."""
    fi = a.fr_i
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
        if kind == OP_CALL:
            fi[FR_C, f] = 1
            return call(s, a, f, K_F_INVOKE if p.fleet else K_INVOKE, x, 0, 0, 0)
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
        i = acquire(p, s, a, fn)
        if i < 0:
            a.fn_i[FI_THROTTLED, fn] += 1
            return ret(s, a, f, THROTTLED)
        fi[FR_PC, f] = 1
        g = call(s, a, f, K_EXEC, fn, i, 1, 0)
        if g >= 0:
            a.fr_f[FR_X, g] = s.tmp_init_s
        return g
    a.fn_i[FI_SERVED, fn] += 1
    if s.val != OK:
        a.fn_i[FI_ERRORS, fn] += 1
    return ret(s, a, f, s.val)


@njit
def step_exec(p, s, a, f: int) -> int:
    """``ServerlessHost._execute``: init if cold, the body, then free the instance."""
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
        return call(s, a, f, K_BODY, fn, fi[FR_C, f], 0, 0)
    release(p, s, a, fn, fi[FR_B, f], ff[FR_T0, f], ff[FR_T1, f])
    poll_all(p, s, a)
    return ret(s, a, f, s.val)


@njit
def step_body(p, s, a, f: int) -> int:
    """``Host.body``: own work (``items`` draws), the error draws, then the steps per item."""
    fi = a.fr_i
    fn = fi[FR_A, f]
    items = fi[FR_B, f]
    pc = fi[FR_PC, f]
    if pc == 0:
        own_s = 0.0
        for _ in range(items):
            own_s += draw(s, a, stream_dur(p, fn))
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
        return call(s, a, f, K_STEPS, lst, 0, 0, 0)
    return ret(s, a, f, OK)


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


@njit
def step_workflow(p, s, a, f: int) -> int:
    """``Host.workflow``: one execution and its duration."""
    fi = a.fr_i
    r = fi[FR_A, f]
    if fi[FR_PC, f] == 0:
        a.rt_i[RI_EXEC, r] += 1
        a.fr_f[FR_T0, f] = s.now_s
        fi[FR_PC, f] = 1
        return call(s, a, f, K_STATES, a.rt_i[RI_WF, r], r, 0, 0)
    record(s, a, 4 * p.n_fn + r, ms_ceil(s.now_s - a.fr_f[FR_T0, f]))
    return ret(s, a, f, s.val)


@njit
def step_states(p, s, a, f: int) -> int:
    """``Host.states`` and ``Host.state``: states in sequence, each one transition."""
    fi = a.fr_i
    r = fi[FR_B, f]
    if fi[FR_C, f] == 2:
        j = fi[FR_JOIN, f]
        s.val = a.jn_i[JN_MAX, j]
        free_join(s, a, j)
        fi[FR_C, f] = 1
    if fi[FR_C, f] == 1:
        fi[FR_C, f] = 0
        if s.val != OK:
            return ret(s, a, f, s.val)
    lst = fi[FR_A, f]
    if fi[FR_PC, f] >= a.list_len[lst]:
        return ret(s, a, f, OK)
    k = a.list_start[lst] + fi[FR_PC, f]
    fi[FR_PC, f] += 1
    a.rt_i[RI_TRANS, r] += 1
    kind = a.op_i[0, k]
    x1 = a.op_i[1, k]
    x2 = a.op_i[2, k]
    fi[FR_C, f] = 1
    if kind == ST_CALL:
        return call(s, a, f, K_ATTEMPT, r, x1, x2, 1)
    if kind == ST_MAP:
        return call(s, a, f, K_MAP, r, x1, x2, a.op_i[3, k])
    if kind == ST_PARALLEL:
        j = new_join(s, a, f, x2)
        fi[FR_JOIN, f] = j
        fi[FR_C, f] = 2
        for b in range(x2):
            start_process(s, a, K_STATES, x1 + b, r, 0, 0, j)
        return -1
    u = draw(s, a, stream_route(p, r))
    row = a.op_i[3, k]
    chosen = x2 - 1
    for c in range(x2):
        if u < a.choice_acc[row + c]:
            chosen = c
            break
    return call(s, a, f, K_STATES, x1 + chosen, r, 0, 0)


@njit
def step_map(p, s, a, f: int) -> int:
    """``Host.map``: one task per item, at most ``max_concurrency`` lanes at once."""
    fi = a.fr_i
    r = fi[FR_A, f]
    if fi[FR_PC, f] == 1:
        j = fi[FR_JOIN, f]
        value = a.jn_i[JN_MAX, j]
        free_join(s, a, j)
        return ret(s, a, f, value)
    n = int(draw(s, a, stream_items(p, r)))
    a.rt_i[RI_TRANS, r] += n
    if n == 0:
        return ret(s, a, f, OK)
    maxc = fi[FR_D, f]
    width = min(n, maxc if maxc > 0 else n)
    j = new_join(s, a, f, width)
    if j < 0:
        return -1
    jn = a.jn_i
    jn[JN_N, j] = n
    jn[JN_FN, j] = fi[FR_B, f]
    jn[JN_RETRY, j] = fi[FR_C, f]
    jn[JN_ROUTE, j] = r
    fi[FR_JOIN, f] = j
    fi[FR_PC, f] = 1
    for _ in range(width):
        start_process(s, a, K_LANE, 0, 0, 0, 0, j)
    return -1


@njit
def step_lane(p, s, a, f: int) -> int:
    """One lane of a map: take the next item while there is one."""
    fi = a.fr_i
    j = fi[FR_NOTIFY, f]
    jn = a.jn_i
    if fi[FR_C, f] == 1:
        jn[JN_MAX, j] = max(jn[JN_MAX, j], s.val)
    if jn[JN_NEXT, j] < jn[JN_N, j]:
        jn[JN_NEXT, j] += 1
        fi[FR_C, f] = 1
        return call(s, a, f, K_ATTEMPT, jn[JN_ROUTE, j], jn[JN_FN, j], jn[JN_RETRY, j], 1)
    return ret(s, a, f, OK)


@njit
def step_attempt(p, s, a, f: int) -> int:
    """``Host.attempt``: a task and its retries, each after ``interval * backoff**k``."""
    fi = a.fr_i
    r = fi[FR_A, f]
    fn = fi[FR_B, f]
    retry = fi[FR_C, f]
    pc = fi[FR_PC, f]
    if pc == 1:
        outcome = s.val
        rate = a.retry_rate[retry] if retry >= 0 else 0.0
        if outcome == OK and rate > 0 and draw(s, a, stream_route(p, r)) < rate:
            outcome = ERROR
        attempt = fi[FR_D, f]
        if outcome == OK or retry < 0 or attempt >= a.retry_max[retry]:
            return ret(s, a, f, outcome)
        fi[FR_PC, f] = 2
        wait_s = a.retry_wait_s[a.retry_off[retry] + attempt - 1]
        return wait_until(s, a, f, s.now_s + wait_s)
    if pc == 2:
        fi[FR_D, f] += 1
        a.rt_i[RI_TRANS, r] += 1
        a.rt_i[RI_RETRIED, r] += 1
        a.fn_i[FI_RETRIED, fn] += 1
    fi[FR_PC, f] = 1
    return call(s, a, f, K_F_TASK if p.fleet else K_INVOKE, fn, 0, 0, 0)


@njit
def resume(p, s, a, f: int) -> None:
    """Run the process whose current frame is ``f`` until it waits or ends."""
    while f >= 0:
        kind = a.fr_i[FR_KIND, f]
        if kind == K_INVOKE:
            f = step_invoke(p, s, a, f)
        elif kind == K_EXEC:
            f = step_exec(p, s, a, f)
        elif kind == K_BODY:
            f = step_body(p, s, a, f)
        elif kind == K_STEPS:
            f = step_steps(p, s, a, f)
        elif kind == K_F_INVOKE:
            f = step_f_invoke(p, s, a, f)
        elif kind == K_F_SLOT:
            f = step_slot(p, s, a, f)
        elif kind == K_REQUEST:
            f = step_f_request(p, s, a, f) if p.fleet else step_request(p, s, a, f)
        elif kind == K_F_TASK:
            f = step_f_task(p, s, a, f)
        elif kind == K_F_JOB:
            f = step_f_job(p, s, a, f)
        elif kind == K_ARRIVALS:
            f = step_arrivals(p, s, a, f)
        elif kind == K_AUTH:
            f = step_auth(p, s, a, f)
        elif kind == K_EVENT:
            f = step_event(p, s, a, f)
        elif kind == K_CONSUME:
            f = step_consume(p, s, a, f)
        elif kind == K_REAPPEAR:
            f = step_reappear(p, s, a, f)
        elif kind == K_WORKFLOW:
            f = step_workflow(p, s, a, f)
        elif kind == K_STATES:
            f = step_states(p, s, a, f)
        elif kind == K_MAP:
            f = step_map(p, s, a, f)
        elif kind == K_LANE:
            f = step_lane(p, s, a, f)
        else:
            f = step_attempt(p, s, a, f)


@njit
def run_app(params, state, a) -> int:
    """Process events until the heap is empty (0), the driver must make room (1) or refill a
    route's arrivals (2), or an allocation overran (3)."""
    p = params[0]
    s = state[0]
    if s.pending >= 0:
        f = s.pending
        s.pending = -1
        resume(p, s, a, f)
        if s.pending >= 0:
            return 2
    while s.heap_n > 0:
        if s.overrun:
            return 3
        need = p.h_static + 4 * s.waiting_total + p.map_states * s.items_max
        if (
            s.draw_low < need
            or s.n_free_frames < need
            or s.n_free_inst < need
            or s.n_free_msg < need
            or s.n_free_join < need
            or s.n_free_req < need
            or len(a.ht) - s.heap_n < need
            or a.overflow.shape[1] - s.ov_n < need + s.alive_total
        ):
            return 1
        s.now_s = a.ht[0]
        code = a.ha[0]
        s.heap_n = heap_pop(a.ht, a.ho, a.ha, a.hv, s.heap_n)
        kind = code & 7
        arg = code >> EV_BITS
        if kind == EV_RESUME:
            resume(p, s, a, arg)
        elif kind == EV_DONE:
            a.jn_i[JN_REMAIN, arg] -= 1
            if a.jn_i[JN_REMAIN, arg] == 0:
                schedule(s, a, s.now_s, NORMAL, EV_RESUME, a.jn_i[JN_PARENT, arg])
        elif kind == EV_WINDOW:
            window_due(p, s, a, arg)
        elif kind == EV_REQ:
            g = request_processed(s, a, arg)
            if g >= 0:
                resume(p, s, a, g)
        elif kind == EV_REL:
            trigger_put(s, a, arg)
        elif kind == EV_TIMEOUT:
            timeout_due(s, a, arg)
        else:
            resume(p, s, a, a.rq_i[RQ_FRAME, arg])
        if s.pending >= 0:
            return 2
    return 3 if s.overrun else 0


@njit
def init_routes(params, state, a) -> None:
    """Start each route's arrivals process at 0, in route order (``Host.run``)."""
    p = params[0]
    s = state[0]
    for r in range(p.n_routes):
        start_process(s, a, K_ARRIVALS, r, 0, 0, 0, -1)


@njit
def finish(params, state, a) -> None:
    """Close the books once every event has run (``ServerlessHost.finish``'s pools)."""
    close_pools(params[0], state[0], a)
