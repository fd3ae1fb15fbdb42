"""Compiled queues of an application on a serverless option: sends, polls and batching
windows (``ServerlessHost.send``, ``_poll``, ``_poll_queues``, ``_window_due``) over the tables
of :mod:`costsim.engine.fast_app_state`; a consumer's slot and instance come from
:func:`costsim.engine.fast_app_pool.acquire`."""

from __future__ import annotations

import math

from costsim.engine.fast_app_pool import acquire
from costsim.engine.fast_app_state import (
    EV_WINDOW,
    FB_ARRIVALS,
    FI_ARRIVED,
    FR_X,
    K_CONSUME,
    MS_NEXT,
    MS_RECV,
    QF_TIMER,
    QF_WAIT_TOTAL,
    QF_WINDOW,
    QI_BATCH,
    QI_CONSUMER,
    QI_COUNT,
    QI_HEAD,
    QI_IN_FLIGHT,
    QI_MAXC,
    QI_MESSAGES,
    QI_RECEIVES,
    QI_TAIL,
    URGENT,
    fn_count,
    schedule,
    start_process,
)
from costsim.engine.fast_common import latency_bucket, njit


@njit
def poll(p, s, a, q: int) -> None:
    """Start consumers of queue ``q`` while messages, slots and the window allow (``_poll``)."""
    qi = a.q_i
    while qi[QI_COUNT, q] > 0 and (qi[QI_MAXC, q] < 0 or qi[QI_IN_FLIGHT, q] < qi[QI_MAXC, q]):
        if a.q_f[QF_WINDOW, q] > 0 and qi[QI_COUNT, q] < qi[QI_BATCH, q]:
            due_s = a.msg_sent[qi[QI_HEAD, q]] + a.q_f[QF_WINDOW, q]
            if s.now_s < due_s:
                if a.q_f[QF_TIMER, q] != due_s:  # NaN (no timer) differs too
                    a.q_f[QF_TIMER, q] = due_s
                    schedule(s, a, due_s, URGENT, EV_WINDOW, q)
                return
        i = acquire(p, s, a, qi[QI_CONSUMER, q])
        if i < 0:
            return
        k = min(qi[QI_BATCH, q], qi[QI_COUNT, q])
        head = qi[QI_HEAD, q]
        m = head
        last = head
        for _ in range(k):
            wait_s = s.now_s - a.msg_sent[m]
            a.qwait[q, latency_bucket(wait_s)] += 1
            a.q_f[QF_WAIT_TOTAL, q] += wait_s
            last = m
            m = a.msg_i[MS_NEXT, m]
        a.msg_i[MS_NEXT, last] = -1
        qi[QI_HEAD, q] = m
        if m < 0:
            qi[QI_TAIL, q] = -1
        qi[QI_COUNT, q] -= k
        s.waiting_total -= k
        qi[QI_IN_FLIGHT, q] += 1
        qi[QI_RECEIVES, q] += 1
        f = start_process(s, a, K_CONSUME, q, head, k, i, -1)
        if f >= 0:
            a.fr_f[FR_X, f] = s.tmp_init_s


@njit
def poll_all(p, s, a) -> None:
    """Poll every queue that holds messages, in order (``_poll_queues``)."""
    for q in range(p.n_queues):
        if a.q_i[QI_COUNT, q] > 0:
            poll(p, s, a, q)


@njit
def enqueue(s, a, q: int, head: int, tail: int, n: int) -> None:
    """Append the chain of ``n`` messages ``head..tail`` to queue ``q``'s waiting list."""
    qi = a.q_i
    if qi[QI_TAIL, q] < 0:
        qi[QI_HEAD, q] = head
    else:
        a.msg_i[MS_NEXT, qi[QI_TAIL, q]] = head
    qi[QI_TAIL, q] = tail
    qi[QI_COUNT, q] += n
    s.waiting_total += n


@njit
def send_queue(p, s, a, q: int) -> None:
    """A message sent now to queue ``q`` (``ServerlessHost.send`` with a queue)."""
    if s.n_free_msg == 0:
        s.overrun = 1
        return
    a.q_i[QI_MESSAGES, q] += 1
    a.fn_i[FI_ARRIVED, a.q_i[QI_CONSUMER, q]] += 1
    fn_count(p, a, FB_ARRIVALS, a.q_i[QI_CONSUMER, q], s.now_s, 1)
    s.n_free_msg -= 1
    m = a.msg_free[s.n_free_msg]
    a.msg_sent[m] = s.now_s
    a.msg_i[MS_RECV, m] = 0
    a.msg_i[MS_NEXT, m] = -1
    enqueue(s, a, q, m, m, 1)
    poll(p, s, a, q)


@njit
def window_due(p, s, a, q: int) -> None:
    """A batching window's timer (``_window_due``)."""
    a.q_f[QF_TIMER, q] = math.nan
    poll(p, s, a, q)
