"""The compiled application loop: the SimPy application engine's processes as frames of one
event loop.

Each generator of :mod:`costsim.engine.app.flow`, :mod:`costsim.engine.app.serverless` and
:mod:`costsim.engine.app.fleet` is a frame kind, run by a step function
(:mod:`costsim.engine.fast_app_steps`, ``fast_app_async``, ``fast_app_workflow``,
``fast_app_fleet``). A process is a chain of frames; a wait, a process start (SimPy's
``Initialize``), a process end that an ``AllOf`` counts, the ``AllOf`` itself, a batching-window
timer and, on fleets, a slot request, a slot release, a queue timeout and their ``AnyOf`` are
events on one heap ordered as SimPy orders them (time, then URGENT before NORMAL, then
scheduling order), so every random draw is taken in the reference's order and every count
comes out the same.

numba's disk cache does not notice edits to the files these functions call: after editing any
``fast_app_*`` module, clear it (``find costsim -name '*.nb[ic]' -delete``).
"""

from __future__ import annotations

from costsim.engine.fast_app_async import step_consume, step_event, step_reappear
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
from costsim.engine.fast_app_pool import close_pools
from costsim.engine.fast_app_queues import window_due
from costsim.engine.fast_app_state import (
    EV_BITS,
    EV_DEADLINE,
    EV_DONE,
    EV_REL,
    EV_REQ,
    EV_RESUME,
    EV_TIMEOUT,
    EV_WINDOW,
    FR_A,
    FR_KIND,
    FR_NOTIFY,
    FR_T0,
    JN_CALL,
    JN_PARENT,
    JN_RACE,
    JN_REMAIN,
    JN_TOKEN,
    K_ARRIVALS,
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
    NORMAL,
    OK,
    RACE_CALL,
    RACE_OPEN,
    RACE_TIMER,
    RI_ARR_DONE,
    RI_ARR_LEN,
    RI_ARR_POS,
    RI_ARRIVED,
    RQ_FRAME,
    ret,
    schedule,
    start_process,
)
from costsim.engine.fast_app_steps import (
    step_auth,
    step_body,
    step_exec,
    step_invoke,
    step_request,
    step_steps,
)
from costsim.engine.fast_app_workflow import (
    step_attempt,
    step_lane,
    step_map,
    step_states,
    step_workflow,
)
from costsim.engine.fast_common import (
    bin_index,
    heap_pop,
    njit,
)

#: Priority of route arrivals (the reference's ARRIVAL, NORMAL's value).
ARRIVAL = 1


@njit
def deadline_due(s, a, j: int, token: int) -> None:
    """A caller's timeout timer: when it is still racing the call of join ``j`` (the same
    race: ``token``), the caller resumes timed out and the call runs on, unawaited."""
    jn = a.jn_i
    if jn[JN_TOKEN, j] != token or jn[JN_RACE, j] != RACE_OPEN:
        return
    jn[JN_RACE, j] = RACE_TIMER
    a.fr_i[FR_NOTIFY, jn[JN_CALL, j]] = -1
    schedule(s, a, s.now_s, NORMAL, EV_RESUME, jn[JN_PARENT, j])


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
            or a.overflow.shape[1] - s.ov_n < need + 2 * s.alive_total
        ):
            return 1
        s.now_s = a.ht[0]
        code = a.ha[0]
        token = a.hv[0]
        s.heap_n = heap_pop(a.ht, a.ho, a.ha, a.hv, s.heap_n)
        kind = code & 7
        arg = code >> EV_BITS
        if kind == EV_RESUME:
            resume(p, s, a, arg)
        elif kind == EV_DONE:
            if a.jn_i[JN_RACE, arg] == RACE_OPEN:
                a.jn_i[JN_RACE, arg] = RACE_CALL  # the call ended first: its value is JN_MAX
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
        elif kind == EV_DEADLINE:
            deadline_due(s, a, arg, int(token))
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
