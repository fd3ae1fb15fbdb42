"""The state of the compiled application loop: records, table rows, and the small shared steps.

One record of parameters (:data:`APP_PARAMS`), one of scalar state (:data:`APP_STATE`) and the
arrays of :class:`AppArrays` are all the steps of :mod:`costsim.engine.fast_app_pool` and
:mod:`costsim.engine.fast_app_steps` read and write. Every table is a 2-D array whose rows are
named by the constants below and whose columns are functions, routes, queues, instances,
frames, joins or messages. Allocation takes a slot from a free stack; the driver keeps enough
free slots, heap room and random draws ahead of the loop for one event (see
:func:`costsim.engine.fast_app_program.segment_bound`), and a step that would still run out
sets ``overrun`` instead of writing out of bounds, which the driver reports as an error.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from costsim.engine.fast_common import bin_index, heap_push, njit_inline, record_dtype

#: Milliseconds counted densely per histogram row; longer values go to the overflow array.
APP_DENSE_MS = 1 << 15

APP_PARAMS = record_dtype(
    ("horizon_s", "bin_width_s", "warmup_s", "queue_timeout_s", "slot_weight"),
    # h_static: room one event may need apart from polls and map lanes; fleet: the fleet host
    # (front resources [0, n_front), background ones [n_front, n_front + n_back), or none);
    # queue_limit and has_timeout: -1 and 0 when not set
    ("n_bins", "n_fn", "n_routes", "n_queues", "policy", "unreserved_limit", "h_static",
     "map_states", "fleet", "n_front", "n_back", "balancer", "queue_limit", "has_timeout"),
)  # fmt: skip
APP_STATE = record_dtype(
    ("now_s", "tmp_init_s", "fleet_busy_s"),
    ("heap_n", "seq", "val", "n_free_frames", "n_free_inst", "n_free_msg", "n_free_join",
     "waiting_total", "ov_n", "overrun", "pending", "draw_low", "items_max", "alive_total",
     "unreserved_in_flight", "n_free_req", "rr_front", "rr_back"),
)  # fmt: skip

# Outcomes, ordered by severity (the reference's); TIMED_OUT: an execution cut at its
# function's timeout (its host answers ERROR for it).
OK, ERROR, THROTTLED, DROPPED, TIMED_OUT = 0, 1, 2, 3, 4
#: SimPy's priorities, and the reference's DEADLINE (a timeout's timer: after everything else).
URGENT, NORMAL, DEADLINE = 0, 1, 2
SEQ_BITS = 56
# Event kinds (low three bits of the heap's integer payload; the rest is the argument): a
# process resumes, a process an AllOf counts ended, a batching window is due; on fleets a
# slot request is processed, a slot release is processed (it grants the next request), a
# queue timeout is due, the AnyOf of a request and its timeout is processed; a call's race
# against its caller's timeout is decided by the timer (its value: the race's token).
EV_RESUME, EV_DONE, EV_WINDOW, EV_REQ, EV_REL, EV_TIMEOUT, EV_COND, EV_DEADLINE = range(8)
EV_BITS = 3
# Frame kinds: one per generator of the reference (fast_app_steps, fast_app_fleet).
(K_ARRIVALS, K_REQUEST, K_AUTH, K_STEPS, K_INVOKE, K_EXEC, K_BODY, K_EVENT, K_CONSUME,
 K_REAPPEAR, K_WORKFLOW, K_STATES, K_MAP, K_LANE, K_ATTEMPT, K_F_SLOT, K_F_INVOKE, K_F_TASK,
 K_F_JOB) = range(19)  # fmt: skip
# Fleet slot resources (rs_i rows) and slot requests (rq_i rows).
RS_CAP, RS_USERS, RS_QHEAD, RS_QTAIL, RS_QLEN = range(5)
RQ_RES, RQ_FRAME, RQ_STATE, RQ_NEXT, RQ_COND, RQ_REFS = range(6)
# Request states, and the AnyOf of a request with its timeout.
RQ_WAITING, RQ_TRIGGERED, RQ_PROCESSED = range(3)
COND_NONE, COND_WAITING, COND_FIRED = range(3)

# Function rows: fn_f (float), fn_i (int).
# FF_RECLAIM_AT: no idle on-demand instance can be expired before this time [s] (a lower
# bound, so that reclaim walks the instances only when one may be due).
(FF_KA, FF_BURST, FF_RATE, FF_ERR, FF_MAXAGE, FF_TOKENS, FF_TOKENS_AT, FF_ALIVE, FF_BUSY,
 FF_TIMEOUT, FF_LIFE, FF_ACTIVE, FF_RECLAIM_AT) = range(13)  # fmt: skip
(FI_RESERVED, FI_RETRIES, FI_STEPS, FI_IN_FLIGHT, FI_HEAD, FI_TAIL, FI_N_ALIVE, FI_ARRIVED,
 FI_SERVED, FI_THROTTLED, FI_DROPPED, FI_ERRORS, FI_RETRIED, FI_INVOCATIONS, FI_COLD,
 FI_PROV_SERVED, FI_MAX_INST, FI_TIMED_OUT) = range(18)  # fmt: skip
# Histogram rows per function (``HPF * f + row``), then one per route (workflow durations).
H_DUR, H_PROV_DUR, H_INIT, H_LIFE, H_ACTIVE, H_PROV_ACTIVE = range(6)
HPF = 6
# Per-function time series: counts in fb_i, instance-seconds in fb_f ((series, fn, bin)).
FB_ARRIVALS, FB_INVOCATIONS, FB_COLD, FB_THROTTLED, FB_DROPPED, FB_TIMED_OUT = range(6)
FB_ALIVE, FB_BUSY = range(2)
# Route rows: rt_f (float), rt_i (int).
RF_TTL, RF_TIS, RF_LAT_TOTAL = range(3)
(RI_AUTH, RI_CLIENTS, RI_CACHE_OFF, RI_STEPS, RI_WF, RI_ARR_POS, RI_ARR_LEN, RI_ARR_DONE,
 RI_ARRIVED, RI_SERVED, RI_THROTTLED, RI_DROPPED, RI_ERRORS, RI_EXEC, RI_TRANS,
 RI_RETRIED, RI_AUTH_EDGE) = range(17)  # fmt: skip
# Queue rows: q_f (float), q_i (int).
QF_VIS, QF_WINDOW, QF_TIMER, QF_WAIT_TOTAL = range(4)
(QI_CONSUMER, QI_BATCH, QI_MAXC, QI_MAXRECV, QI_HEAD, QI_TAIL, QI_COUNT, QI_IN_FLIGHT,
 QI_MESSAGES, QI_RECEIVES, QI_DEAD, QI_EXPIRED) = range(12)  # fmt: skip
# Instance rows: ins_f, ins_i.
IN_CREATED, IN_IDLE, IN_READY, IN_ACTIVE_SINCE = range(4)
IN_BUSY, IN_PROV, IN_NEXT = range(3)
# Frame rows: fr_i, fr_f. NOTIFY: the join told when this root frame's process ends.
FR_KIND, FR_PARENT, FR_PC, FR_A, FR_B, FR_C, FR_D, FR_JOIN, FR_NOTIFY = range(9)
FR_T0, FR_T1, FR_X = range(3)
# Join rows (a SimPy AllOf over parallel branches or map lanes; or the AnyOf of a call and its
# caller's timeout: JN_RACE, the call's root frame JN_CALL, the token its timer carries).
(
    JN_PARENT,
    JN_REMAIN,
    JN_MAX,
    JN_NEXT,
    JN_N,
    JN_FN,
    JN_RETRY,
    JN_ROUTE,
    JN_RACE,
    JN_CALL,
    JN_TOKEN,
) = range(11)
RACE_NONE, RACE_OPEN, RACE_CALL, RACE_TIMER = range(4)
# Message rows.
MS_RECV, MS_NEXT = range(2)
#: Waits before the retries of a failed asynchronous event [s] (the reference's).
ASYNC_ERROR_RETRY_S = (60.0, 120.0)
#: Throttled asynchronous events back off up to this far apart [s] (the reference's).
ASYNC_BACKOFF_MAX_S = 300.0


class AppArrays(NamedTuple):
    """The arrays of one application run (the driver allocates and grows them)."""

    op_i: np.ndarray  # (5, n_ops) kind, a, b, c, edge
    list_start: np.ndarray
    list_len: np.ndarray
    choice_acc: np.ndarray
    retry_rate: np.ndarray
    retry_max: np.ndarray
    retry_off: np.ndarray
    retry_wait_s: np.ndarray
    fn_f: np.ndarray
    fn_i: np.ndarray
    rt_f: np.ndarray
    rt_i: np.ndarray
    q_f: np.ndarray
    q_i: np.ndarray
    arr_buf: np.ndarray  # (n_routes, cap) arrival times [s]
    cache: np.ndarray  # per route and client: valid until [s]
    ins_f: np.ndarray
    ins_i: np.ndarray
    ins_free: np.ndarray
    fr_i: np.ndarray
    fr_f: np.ndarray
    fr_free: np.ndarray
    jn_i: np.ndarray
    jn_free: np.ndarray
    msg_sent: np.ndarray
    msg_i: np.ndarray
    msg_free: np.ndarray
    rs_i: np.ndarray  # (5, n_res) fleet slot resources
    rq_i: np.ndarray  # (6, cap) fleet slot requests
    rq_free: np.ndarray
    dbuf: np.ndarray  # (n_streams, cap) pre-drawn values
    dpos: np.ndarray
    dlen: np.ndarray
    ht: np.ndarray
    ho: np.ndarray
    ha: np.ndarray
    hv: np.ndarray
    hist: np.ndarray  # (HPF * n_fn + n_routes, APP_DENSE_MS)
    overflow: np.ndarray  # (2, n) row, value [ms]
    lat: np.ndarray  # (n_routes, N_BUCKETS)
    qwait: np.ndarray  # (n_queues, N_BUCKETS)
    b_arrivals: np.ndarray
    b_served: np.ndarray
    b_cold: np.ndarray
    b_throttled: np.ndarray
    b_dropped: np.ndarray
    b_alive: np.ndarray
    b_busy: np.ndarray
    fb_i: np.ndarray  # (6, n_fn, n_bins) per-function counts
    fb_f: np.ndarray  # (2, n_fn, n_bins) per-function instance-seconds
    edge_n: np.ndarray  # calls, sends and tasks made along each edge
    task_edge: np.ndarray  # (n_routes, n_fn) edge of a route's workflow task of a function


# Stream rows of ``dbuf``: cold starts, durations and errors per function, then route draws
# and map item counts per route.
def stream_cold(p, f: int) -> int:
    """Row of function ``f``'s cold-start draws."""
    return f


def stream_dur(p, f: int) -> int:
    """Row of function ``f``'s duration draws."""
    return p.n_fn + f


def stream_err(p, f: int) -> int:
    """Row of function ``f``'s error draws."""
    return 2 * p.n_fn + f


def stream_route(p, r: int) -> int:
    """Row of route ``r``'s uniform draws."""
    return 3 * p.n_fn + r


def stream_items(p, r: int) -> int:
    """Row of route ``r``'s map item counts."""
    return 3 * p.n_fn + p.n_routes + r


stream_cold = njit_inline(stream_cold)
stream_dur = njit_inline(stream_dur)
stream_err = njit_inline(stream_err)
stream_route = njit_inline(stream_route)
stream_items = njit_inline(stream_items)


@njit_inline
def draw(s, a, k: int) -> float:
    """The next value of stream ``k``."""
    pos = a.dpos[k]
    n = a.dlen[k]
    if pos >= n:
        s.overrun = 1
        return 0.0
    a.dpos[k] = pos + 1
    if n - pos - 1 < s.draw_low:
        s.draw_low = n - pos - 1
    return a.dbuf[k, pos]


@njit_inline
def record(s, a, row: int, value_ms: int) -> None:
    """Count ``value_ms`` [ms] in histogram ``row``."""
    if value_ms < APP_DENSE_MS:
        a.hist[row, value_ms] += 1
    elif s.ov_n < a.overflow.shape[1]:
        a.overflow[0, s.ov_n] = row
        a.overflow[1, s.ov_n] = value_ms
        s.ov_n += 1
    else:
        s.overrun = 1


@njit_inline
def schedule(s, a, t_s: float, priority: int, kind: int, arg: int, value: float = 0.0) -> None:
    """An event at ``max(t_s, now)`` [s] (SimPy's heap order: time, priority, sequence),
    carrying ``value``."""
    if s.heap_n >= len(a.ht):
        s.overrun = 1
        return
    order = (priority << SEQ_BITS) | s.seq
    s.seq += 1
    s.heap_n = heap_push(
        a.ht, a.ho, a.ha, a.hv, s.heap_n, max(t_s, s.now_s), order, kind | (arg << EV_BITS), value
    )


@njit_inline
def new_frame(s, a, kind: int, parent: int, x0: int, x1: int, x2: int, x3: int) -> int:
    """A frame (one generator of the reference) of ``kind`` with arguments ``x0..x3``."""
    if s.n_free_frames == 0:
        s.overrun = 1
        return -1
    s.n_free_frames -= 1
    f = a.fr_free[s.n_free_frames]
    fi = a.fr_i
    fi[FR_KIND, f] = kind
    fi[FR_PARENT, f] = parent
    fi[FR_PC, f] = 0
    fi[FR_A, f] = x0
    fi[FR_B, f] = x1
    fi[FR_C, f] = x2
    fi[FR_D, f] = x3
    fi[FR_JOIN, f] = -1
    fi[FR_NOTIFY, f] = -1
    # no deadline (a body's and its steps' are set by the execution that runs them)
    a.fr_f[FR_T0, f] = math.inf
    return f


@njit_inline
def free_frame(s, a, f: int) -> None:
    """Give frame ``f`` back to the free stack."""
    a.fr_free[s.n_free_frames] = f
    s.n_free_frames += 1


@njit_inline
def start_process(s, a, kind: int, x0: int, x1: int, x2: int, x3: int, notify: int) -> int:
    """A new process (SimPy ``env.process``): a root frame, initialised URGENT at now."""
    f = new_frame(s, a, kind, -1, x0, x1, x2, x3)
    if f < 0:
        return -1
    a.fr_i[FR_NOTIFY, f] = notify
    schedule(s, a, s.now_s, URGENT, EV_RESUME, f)
    return f


@njit_inline
def fn_count(p, a, series: int, f: int, t_s: float, n: int) -> None:
    """Add ``n`` to function ``f``'s time series ``series`` in the bin of ``t_s`` [s]
    (``FunctionStats.arrive``, ``throttle``, ``drop``, ...)."""
    a.fb_i[series, f, bin_index(t_s, p.bin_width_s, p.n_bins)] += n


@njit_inline
def new_join(s, a, parent: int, remain: int) -> int:
    """An AllOf that resumes frame ``parent`` once ``remain`` processes have ended."""
    if s.n_free_join == 0:
        s.overrun = 1
        return -1
    s.n_free_join -= 1
    j = a.jn_free[s.n_free_join]
    a.jn_i[JN_PARENT, j] = parent
    a.jn_i[JN_REMAIN, j] = remain
    a.jn_i[JN_MAX, j] = 0
    a.jn_i[JN_NEXT, j] = 0
    a.jn_i[JN_RACE, j] = RACE_NONE
    return j


@njit_inline
def free_join(s, a, j: int) -> None:
    """Give join ``j`` back to the free stack."""
    a.jn_free[s.n_free_join] = j
    s.n_free_join += 1


@njit_inline
def ret(s, a, f: int, value: int) -> int:
    """Return ``value`` from frame ``f``: the frame to run next, or -1 when a process ended."""
    parent = a.fr_i[FR_PARENT, f]
    notify = a.fr_i[FR_NOTIFY, f]
    free_frame(s, a, f)
    s.val = value
    if parent >= 0:
        return parent
    if notify >= 0:
        # the process event (NORMAL) whose processing the AllOf counts
        a.jn_i[JN_MAX, notify] = max(a.jn_i[JN_MAX, notify], value)
        schedule(s, a, s.now_s, NORMAL, EV_DONE, notify)
    return -1


@njit_inline
def call(s, a, f: int, kind: int, x0: int, x1: int, x2: int, x3: int) -> int:
    """``yield from`` a child generator: the child frame, to run at once."""
    return new_frame(s, a, kind, f, x0, x1, x2, x3)


@njit_inline
def wait_until(s, a, f: int, t_s: float) -> int:
    """Suspend frame ``f``'s process until ``t_s`` [s] (URGENT, the reference's waits)."""
    schedule(s, a, t_s, URGENT, EV_RESUME, f)
    return -1
