"""Compiled workflow steps (``Host.workflow``, ``states``, ``map``, ``attempt``) as frames
(see :mod:`costsim.engine.fast_app_steps`); a parallel state or a map waits on a join, the
reference's ``AllOf``."""

from __future__ import annotations

from costsim.engine.fast_app_program import (
    ST_CALL,
    ST_MAP,
    ST_PARALLEL,
)
from costsim.engine.fast_app_state import (
    ERROR,
    FI_RETRIED,
    FR_A,
    FR_B,
    FR_C,
    FR_D,
    FR_JOIN,
    FR_NOTIFY,
    FR_PC,
    FR_T0,
    HPF,
    JN_FN,
    JN_MAX,
    JN_N,
    JN_NEXT,
    JN_RETRY,
    JN_ROUTE,
    K_ATTEMPT,
    K_F_TASK,
    K_INVOKE,
    K_LANE,
    K_MAP,
    K_STATES,
    OK,
    RI_EXEC,
    RI_RETRIED,
    RI_TRANS,
    RI_WF,
    call,
    draw,
    free_join,
    new_join,
    record,
    ret,
    start_process,
    stream_items,
    stream_route,
    wait_until,
)
from costsim.engine.fast_common import (
    ms_ceil,
    njit,
)


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
    record(s, a, HPF * p.n_fn + r, ms_ceil(s.now_s - a.fr_f[FR_T0, f]))
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
    a.edge_n[a.task_edge[r, fn]] += 1
    return call(s, a, f, K_F_TASK if p.fleet else K_INVOKE, fn, 0, 0, 0)
