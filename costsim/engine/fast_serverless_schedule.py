"""The provisioned schedule's steps of the compiled serverless loop.

:func:`_advance` runs, in time order, the completions and the schedule's change points due by
an arrival: a rise adds warm provisioned instances (:func:`_provision`), a fall turns the
newest on demand (:func:`_unprovision`); a completion comes first at equal times. The other
model steps are in :mod:`costsim.engine.fast_serverless_steps`; numba inlines both into
:mod:`costsim.engine.fast_serverless_loop` (clear the cache after editing either:
``find costsim -name '*.nb[ic]' -delete``).
"""

from __future__ import annotations

from costsim.engine.fast_common import ms_ceil, njit_inline
from costsim.engine.fast_serverless_state import (
    ACTIVE,
    ACTIVE_SINCE,
    CREATED,
    H_PACTIVE,
    ID,
    IDLE,
    PROV,
    READY,
    free_find,
    free_insert,
    free_remove,
    list_push,
    list_unlink,
)

# the steps are private to the compiled engine: this module and the loop are their callers
from costsim.engine.fast_serverless_steps import _close_period, _finish, _record
from costsim.platforms.serverless_rules import NO_PERIOD_S


@njit_inline
def _provision(p, s, a, t_s: float) -> None:
    """Add one warm provisioned instance at ``t_s`` [s] (no cold start).

    Parameters
    ----------
    p, s, a : record
        The pool's parameters, state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    t_s : float
        When the schedule raises the provisioned count [s].
    """
    s.n_free_slots -= 1
    slot = a.slots_free[s.n_free_slots]
    a.slot_f[CREATED, slot] = t_s
    a.slot_f[IDLE, slot] = t_s
    a.slot_f[READY, slot] = t_s
    a.slot_f[ACTIVE_SINCE, slot] = NO_PERIOD_S
    a.slot_i[ID, slot] = s.next_id
    a.slot_i[ACTIVE, slot] = 0
    a.slot_i[PROV, slot] = 1
    s.next_id += 1
    s.n_alive += 1
    s.max_instances = max(s.max_instances, s.n_alive)
    list_push(a, slot, 1)
    if not p.lean:
        s.nf_prov = free_insert(a.f_prov, s.nf_prov, slot, a.slot_i, p.sign)
    a.prov_stack[s.n_prov] = slot
    s.n_prov += 1


@njit_inline
def _unprovision(p, s, a, t_s: float) -> None:
    """Turn the newest provisioned instance on demand at ``t_s`` [s].

    Parameters
    ----------
    p, s, a : record
        The pool's parameters, state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    t_s : float
        When the schedule lowers the provisioned count [s].
    """
    s.n_prov -= 1
    slot = a.prov_stack[s.n_prov]
    si = a.slot_i
    active = si[ACTIVE, slot]
    if active == 0:
        _close_period(s, a, slot)
        list_unlink(a, slot, 1)
    else:
        # its provisioned activity period ends here, an on-demand one begins
        period_s = t_s - a.slot_f[ACTIVE_SINCE, slot]
        s.active_s += period_s
        _record(s, a, H_PACTIVE, ms_ceil(period_s))
        a.slot_f[ACTIVE_SINCE, slot] = t_s
    if not p.lean and active < p.conc:
        k = free_find(a.f_prov, s.nf_prov, p.sign * si[ID, slot], si, p.sign)
        s.nf_prov = free_remove(a.f_prov, s.nf_prov, k)
        s.nf_other = free_insert(a.f_other, s.nf_other, slot, si, p.sign)
    si[PROV, slot] = 0
    if active == 0:
        a.slot_f[IDLE, slot] = t_s
        list_push(a, slot, 0)
        # on demand now, it ages like any other: from its creation
        s.idle_created_s = min(s.idle_created_s, a.slot_f[CREATED, slot])


@njit_inline
def _advance(p, s, a, t_s: float) -> bool:
    """Run the completions and the provisioned schedule's changes due by ``t_s`` [s], in time
    order (a completion first at equal times).

    Parameters
    ----------
    p, s, a : record
        The pool's parameters, state and arrays (:mod:`costsim.engine.fast_serverless_state`).
    t_s : float
        Run what is due up to this time [s] (``inf``: everything left).

    Returns
    -------
    bool
        False when a change needs more free slots or overflow room than there is
        (``need_slots`` says how many slots); the caller grows the arrays and calls again.
    """
    n_pc = len(a.pc_t)
    while True:
        due_c = s.heap_n > 0 and a.ht[0] <= t_s
        due_p = s.pc_pos < n_pc and a.pc_t[s.pc_pos] <= t_s
        if due_c and (not due_p or a.ht[0] <= a.pc_t[s.pc_pos]):
            _finish(p, s, a)
        elif due_p:
            t_pc = a.pc_t[s.pc_pos]
            level = a.pc_n[s.pc_pos]
            rise = level - s.pc_level
            if rise > s.n_free_slots or s.ov_n + s.n_alive + 2 > a.overflow.shape[1]:
                s.need_slots = max(rise, 1)
                return False
            s.need_slots = 0
            s.now_s = max(s.now_s, t_pc)
            for _ in range(rise):
                _provision(p, s, a, t_pc)
            for _ in range(-rise):
                _unprovision(p, s, a, t_pc)
            s.pc_level = level
            s.pc_pos += 1
        else:
            return True
