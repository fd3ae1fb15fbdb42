"""The steps of the compiled fleet model, each one compiled function over the two records.

Launch, boot, retire, evaluation with scale-out and scale-in, the event dispatch and the close,
here; arrival and the balancer's choice, start, completion, queue expiry and drops in
:mod:`costsim.engine.fast_fleet_queues`: the procedures of the SimPy reference
(:mod:`costsim.engine.simpy_fleet`), written once for the compiled loop of
:mod:`costsim.engine.fast_fleet`. They read the platform from :class:`FleetParams` and change
only :class:`FleetState`; the predicates are the rules of :mod:`costsim.platforms.fleet_rules`.
Steps are inlined into their callers (``njit_inline``): the records hold some fifty arrays, which
a real call would pass one by one.

numba's disk cache is keyed by the file a compiled function is defined in, not by the files of
what it inlines or calls: after editing this file, the queues or the rules, delete the
``fast_fleet*`` files in ``costsim/engine/__pycache__`` or the loop of
:mod:`costsim.engine.fast_fleet` runs the steps it was compiled with.
"""

from __future__ import annotations

from costsim.engine.fast_common import (
    SEQ_BITS,
    add_interval,
    clip_to_horizon_s,
    cooldown_over,
    desired_capacity,
    dropped_at_close_s,
    heap_pop,
    lifetime_s,
    metered_instance,
    ms_ceil,
    njit,
    njit_inline,
    scale_from_zero,
    within_horizon,
)
from costsim.engine.fast_fleet_queues import (
    EVENT_BOOT,
    EVENT_COMPLETION,
    EVENT_EVALUATION,
    _complete,
    _drop,
    _next_from,
    _pop_head,
    _push,
    _serve_head,
    arrive,
)
from costsim.engine.fast_fleet_state import FleetParams, FleetState

# arrive is a step of the loop too, kept importable from here
__all__ = ["arrive", "close", "event", "room", "start_servers"]


# -- servers ---------------------------------------------------------------------------------
@njit_inline
def _serving_changed(st: FleetState, now_s: float, delta: int) -> None:
    """Integrate the serving servers up to ``now_s``, then change their number by ``delta``.

    Parameters
    ----------
    st : FleetState
        The run's state.
    now_s : float
        Now [s].
    delta : int
        Servers that start (+) or stop (-) serving.
    """
    st.serving_integral_s[0] += st.serving[0] * (now_s - st.serving_at_s[0])
    st.serving_at_s[0] = now_s
    st.serving[0] += delta


@njit_inline
def _launch(st: FleetState, now_s: float, serving: bool) -> int:
    """Start a server in the first free slot at ``now_s`` (billing starts); return the slot.

    Parameters
    ----------
    st : FleetState
        The run's state.
    now_s : float
        Launch time [s].
    serving : bool
        Whether it serves at once (the initial servers) or boots first.

    Returns
    -------
    int
        The server's slot.
    """
    slot = 0
    while st.sv_used[slot] != 0:
        slot += 1
    st.sv_used[slot] = 1
    st.sv_id[slot] = st.next_id[0]
    st.sv_active[slot] = 0
    st.sv_serving[slot] = 1 if serving else 0
    st.sv_launched_s[slot] = now_s
    st.q_len[slot + 1] = 0
    st.next_id[0] += 1
    st.order[st.n_alive[0]] = slot
    st.n_alive[0] += 1
    st.max_instances[0] = max(st.max_instances[0], st.n_alive[0])
    if serving:
        _serving_changed(st, now_s, 1)
    return slot


@njit_inline
def _boot(prm: FleetParams, st: FleetState, slot: int, server_id: int, now_s: float) -> None:
    """A server finished booting: it serves, first from the holding queue.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    slot, server_id : int
        The server's slot and id (a retired server's slot may hold another).
    now_s : float
        Now [s].
    """
    if st.sv_used[slot] == 0 or st.sv_id[slot] != server_id:
        return
    st.sv_serving[slot] = 1
    _serving_changed(st, now_s, 1)
    while st.sv_active[slot] < prm.workers and _next_from(prm, st, 0, now_s):
        _serve_head(prm, st, slot, 0, now_s)


@njit_inline
def _retire(prm: FleetParams, st: FleetState, slot: int, end_s: float) -> None:
    """Meter a server's life and free its slot (the caller updates ``order``).

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    slot : int
        The server.
    end_s : float
        When it terminates [s].
    """
    st.sv_used[slot] = 0
    if st.sv_serving[slot] != 0:
        _serving_changed(st, end_s, -1)
    launched_s = st.sv_launched_s[slot]
    life_s = lifetime_s(launched_s, end_s, prm.horizon_s)
    st.alive_s[0] += life_s
    end_in_s = clip_to_horizon_s(end_s, prm.horizon_s)
    add_interval(
        st.b_alive_s, launched_s, end_in_s, 1.0, prm.horizon_s, prm.bin_width_s, prm.n_bins
    )
    if metered_instance(launched_s, prm.horizon_s):
        st.life_ms[st.n_life[0]] = ms_ceil(life_s)
        st.n_life[0] += 1


# -- autoscaling -----------------------------------------------------------------------------
@njit_inline
def _scale_out(prm: FleetParams, st: FleetState, now_s: float, n: int) -> None:
    """Launch ``n`` servers; each serves once booted, unless its boot ends past the horizon.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    now_s : float
        Now [s].
    n : int
        Servers to launch.
    """
    boot_s = now_s + prm.boot_time_s
    for _ in range(n):
        slot = _launch(st, now_s, False)
        if within_horizon(boot_s, prm.horizon_s):
            _push(st, max(boot_s, st.now_s[0]), EVENT_BOOT, slot, float(st.sv_id[slot]))
    st.last_action_s[0] = now_s


@njit_inline
def _scale_in(prm: FleetParams, st: FleetState, now_s: float, n: int) -> None:
    """Retire up to ``n`` idle servers, newest first; only a real retirement is an action.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    now_s : float
        Now [s].
    n : int
        Most servers to retire.
    """
    total = st.n_alive[0]
    retired = 0
    for j in range(total - 1, -1, -1):
        if retired >= n:
            break
        s = st.order[j]
        if st.sv_serving[s] != 0 and st.sv_active[s] == 0 and st.q_len[s + 1] == 0:
            _retire(prm, st, s, now_s)
            retired += 1
    if retired > 0:
        w = 0
        for j in range(total):
            if st.sv_used[st.order[j]] != 0:
                st.order[w] = st.order[j]
                w += 1
        st.n_alive[0] = w
        st.last_action_s[0] = now_s


@njit_inline
def _evaluate(prm: FleetParams, st: FleetState) -> None:
    """Evaluation ``k``: target tracking on the utilisation of the window just ended.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    """
    k = st.eval_k[0]
    period_s = prm.evaluation_period_s
    now_s = k * period_s
    _serving_changed(st, now_s, 0)
    capacity_s = st.serving_integral_s[0] * prm.workers
    st.serving_integral_s[0] = 0.0
    busy_s = 0.0
    if k - 1 >= st.win_next[0]:
        mask = len(st.win_busy_s) - 1
        busy_s = st.win_busy_s[(k - 1) & mask]
        st.win_busy_s[(k - 1) & mask] = 0.0
        st.win_next[0] = k
    util = busy_s / capacity_s if capacity_s > 0 else 0.0
    desired = desired_capacity(
        st.serving[0], min(util, 1.0), prm.target_utilization, prm.minimum, prm.maximum
    )
    desired = scale_from_zero(desired, st.serving[0], st.in_system[0])
    total = st.n_alive[0]
    if desired > total:
        _scale_out(prm, st, now_s, desired - total)
    elif desired < total and cooldown_over(now_s, st.last_action_s[0], prm.cooldown_s):
        _scale_in(prm, st, now_s, total - desired)
    st.eval_k[0] = k + 1
    if within_horizon((k + 1) * period_s, prm.horizon_s):
        _push(st, max((k + 1) * period_s, st.now_s[0]), EVENT_EVALUATION, 0, 0.0)


# -- the loop --------------------------------------------------------------------------------
@njit_inline
def event(prm: FleetParams, st: FleetState) -> None:
    """Handle the first event on the heap: a completion, a boot or an evaluation.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    """
    now_s = st.ev_t_s[0]
    kind = st.ev_order[0] >> SEQ_BITS
    slot = st.ev_slot[0]
    value = st.ev_value[0]
    st.heap_n[0] = heap_pop(st.ev_t_s, st.ev_order, st.ev_slot, st.ev_value, st.heap_n[0])
    st.now_s[0] = now_s
    if kind == EVENT_COMPLETION:
        _complete(prm, st, slot, value)
    elif kind == EVENT_BOOT:
        _boot(prm, st, slot, int(value), now_s)
    else:
        _evaluate(prm, st)


@njit_inline
def room(prm: FleetParams, st: FleetState) -> bool:
    """Whether the heap and the lifetime buffer can take whatever one step may add.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.

    Returns
    -------
    bool
        False when the caller must grow the arrays before the next step.
    """
    n_slots = len(st.sv_used)
    need_heap = max(prm.workers, n_slots) + 2
    heap_free = len(st.ev_t_s) - st.heap_n[0]
    return heap_free >= need_heap and len(st.life_ms) - st.n_life[0] >= n_slots


@njit
def close(prm: FleetParams, st: FleetState) -> None:
    """Drop what is still queued (no server left to run it), then retire every server.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    """
    n = st.n_alive[0]
    for j in range(-1, n):
        q = 0 if j < 0 else st.order[j] + 1
        while st.q_len[q] > 0:
            a_s = st.nd_arrival_s[st.q_head[q]]
            _pop_head(st, q)
            _drop(prm, st, dropped_at_close_s(a_s, prm.horizon_s))
    for j in range(n):
        _retire(prm, st, st.order[j], prm.horizon_s)
    st.n_alive[0] = 0


@njit
def start_servers(prm: FleetParams, st: FleetState, n: int) -> None:
    """The servers serving from time 0, and the first evaluation within the horizon.

    Parameters
    ----------
    prm, st : FleetParams, FleetState
        The platform's parameters and the run's state.
    n : int
        Servers serving from time 0.
    """
    for _ in range(n):
        _launch(st, 0.0, True)
    if prm.autoscale and within_horizon(prm.evaluation_period_s, prm.horizon_s):
        st.eval_k[0] = 1
        _push(st, prm.evaluation_period_s, EVENT_EVALUATION, 0, 0.0)
