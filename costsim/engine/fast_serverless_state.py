"""The state of the compiled serverless loop and the structures that find a warm instance.

One record of parameters (:data:`PARAMS`), one record of scalar state (:data:`STATE`) and the
pool's arrays (:class:`Arrays`) are all the model steps of
:mod:`costsim.engine.fast_serverless_steps` read and write. Instances live in stable slots;
two idle lists (on-demand and provisioned instances with no request, in the order they became
idle) and two free sets (instances with a free request slot, by ``sign * id``) let a step find
the instance a reuse rule picks without looking at the others.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from costsim.engine.common import SERVERLESS_HISTOGRAMS
from costsim.engine.fast_common import (
    choose_warm,
    lifetime_reached,
    njit,
    njit_inline,
    prefer_warm,
    record_dtype,
)
from costsim.platforms.rules import REUSE_POLICIES

#: The platform's parameters as the loop reads them (one record, read only).
PARAMS = record_dtype(
    # weight: the share of an instance one request holds
    ("keep_alive_s", "burst", "rate_per_s", "horizon_s", "bin_width_s", "warmup_s", "timeout_s",
     "weight", "max_lifetime_s"),
    # lean: one request per instance and mru, pick from the idle lists; sign: the free sets are
    # sorted by sign * id (-1 for oldest, else 1); has_u: the loop reads the uniforms
    ("policy", "conc", "limit", "n_bins", "lean", "sign", "has_u"),
)  # fmt: skip
#: The scalar state the loop carries from one chunk to the next (one record).
STATE = record_dtype(
    # idle_created_s: at most the earliest creation time [s] of an idle on-demand instance
    # (inf: none), so that the idle list is searched for instances past their lifetime only
    # once one can be
    ("now_s", "tokens", "tokens_at_s", "lat_total_s", "alive_s", "busy_s", "active_s",
     "idle_created_s"),
    ("n_alive", "next_id", "heap_n", "seq", "n_free_slots", "nf_prov", "nf_other", "arrived",
     "served", "cold_starts", "throttled", "timed_out", "provisioned_served", "max_instances",
     "cold_pos", "ov_n",
     # the provisioned schedule: next change, current count, provisioned instances on the
     # stack, and the free slots a change waits for (0: none)
     "pc_pos", "pc_level", "n_prov", "need_slots"),
)  # fmt: skip
# Slot rows: slot_f (float), slot_i (int).
CREATED, IDLE, READY, ACTIVE_SINCE = range(4)
ID, ACTIVE, PROV, PREV, NEXT = range(5)
# Idle-list ends in ``ends``: list 0 (on demand) then list 1 (provisioned), head then tail.
O_HEAD, O_TAIL, P_HEAD, P_TAIL = range(4)
# Histogram rows, in the order of SERVERLESS_HISTOGRAMS.
H_DUR, H_PDUR, H_INIT, H_LIFE, H_ACTIVE, H_PACTIVE = range(len(SERVERLESS_HISTOGRAMS))
MRU, NEWEST, OLDEST, RANDOM_POLICY = (
    REUSE_POLICIES.index(n) for n in ("mru", "newest", "oldest", "random")
)


class Arrays(NamedTuple):
    """The arrays of a pool, as the compiled steps read them (the caller allocates and grows)."""

    slot_f: np.ndarray  # (4, cap) float: CREATED, IDLE, READY, ACTIVE_SINCE [s]
    slot_i: np.ndarray  # (5, cap) int: ID, ACTIVE, PROV, PREV, NEXT
    ends: np.ndarray  # (4,) idle-list heads and tails
    slots_free: np.ndarray  # stack of unused slots
    f_prov: np.ndarray  # free set of provisioned instances, by sign * id
    f_other: np.ndarray  # free set of on-demand instances, by sign * id
    scratch: np.ndarray  # retirements in id order
    cand: np.ndarray  # (2, cap) float: stands for the candidates of ``reuse: random``
    ht: np.ndarray  # event heap: time [s]
    ho: np.ndarray  # order key
    ha: np.ndarray  # 4 * slot + 2 * started on a provisioned instance + timed out
    hv: np.ndarray  # end time [s]
    hist: np.ndarray  # (6, DENSE_MS) counts per whole millisecond
    overflow: np.ndarray  # (2, n) histogram row and value [ms] of values >= DENSE_MS
    lat_counts: np.ndarray
    b_arrivals: np.ndarray
    b_served: np.ndarray
    b_cold: np.ndarray
    b_throttled: np.ndarray
    b_alive: np.ndarray
    b_busy: np.ndarray
    pc_t: np.ndarray  # times of the provisioned schedule's changes [s]
    pc_n: np.ndarray  # the count from each change on
    prov_stack: np.ndarray  # slots of the provisioned instances, oldest first
    batch_tally: np.ndarray  # (batches, 5), see costsim.engine.batches
    batch_cfg: np.ndarray


@njit_inline
def list_push(a, slot: int, lst: int) -> None:
    """Add ``slot`` to idle list ``lst``, after every instance idle as long or longer.

    Parameters
    ----------
    a : record
        The pool's arrays (:class:`Arrays`).
    slot : int
        The instance, its idle time already set.
    lst : int
        The list: 0 on-demand, 1 provisioned.
    """
    ends = a.ends
    si = a.slot_i
    idle_s = a.slot_f[IDLE, slot]
    after = ends[2 * lst + 1]
    while after >= 0 and a.slot_f[IDLE, after] > idle_s:
        after = si[PREV, after]
    before = ends[2 * lst] if after < 0 else si[NEXT, after]
    si[PREV, slot] = after
    si[NEXT, slot] = before
    if after < 0:
        ends[2 * lst] = slot
    else:
        si[NEXT, after] = slot
    if before < 0:
        ends[2 * lst + 1] = slot
    else:
        si[PREV, before] = slot


@njit_inline
def list_unlink(a, slot: int, lst: int) -> None:
    """Remove ``slot`` from idle list ``lst``.

    Parameters
    ----------
    a : record
        The pool's arrays (:class:`Arrays`).
    slot : int
        The instance.
    lst : int
        The list: 0 on-demand, 1 provisioned.
    """
    si = a.slot_i
    prev = si[PREV, slot]
    nxt = si[NEXT, slot]
    if prev < 0:
        a.ends[2 * lst] = nxt
    else:
        si[NEXT, prev] = nxt
    if nxt < 0:
        a.ends[2 * lst + 1] = prev
    else:
        si[PREV, nxt] = prev


@njit
def free_find(fr: np.ndarray, n: int, key: int, si: np.ndarray, sign: int) -> int:
    """Position of the instance with ``sign * id == key`` (or where it goes) in the free set
    ``fr`` of size ``n``, which is sorted by ``sign * id``.

    Parameters
    ----------
    fr : numpy.ndarray
        The free set: slots sorted by ``sign * id``.
    n : int
        Its size.
    key : int
        ``sign * id`` of the instance sought.
    si : numpy.ndarray
        The slots' integer fields (``ID`` row).
    sign : int
        1, or -1 for ``reuse: oldest`` (descending ids).

    Returns
    -------
    int
        The first position whose key is not below ``key`` (binary search).
    """
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) >> 1
        if sign * si[ID, fr[mid]] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def free_insert(fr: np.ndarray, n: int, slot: int, si: np.ndarray, sign: int) -> int:
    """Add ``slot`` to the free set ``fr`` of size ``n``, keeping its order; return the size.

    Parameters
    ----------
    fr : numpy.ndarray
        The free set: slots sorted by ``sign * id``.
    n : int
        Its size.
    slot : int
        The instance to add.
    si : numpy.ndarray
        The slots' integer fields (``ID`` row).
    sign : int
        1, or -1 for ``reuse: oldest``.

    Returns
    -------
    int
        The new size, ``n + 1``.
    """
    key = sign * si[ID, slot]
    k = n
    if n > 0 and sign * si[ID, fr[n - 1]] > key:
        k = free_find(fr, n, key, si, sign)
        for j in range(n, k, -1):
            fr[j] = fr[j - 1]
    fr[k] = slot
    return n + 1


@njit
def free_remove(fr: np.ndarray, n: int, k: int) -> int:
    """Remove position ``k`` from the free set ``fr`` of size ``n``; return the size.

    Parameters
    ----------
    fr : numpy.ndarray
        The free set.
    n : int
        Its size.
    k : int
        The position to remove.

    Returns
    -------
    int
        The new size, ``n - 1``.
    """
    for j in range(k, n - 1):
        fr[j] = fr[j + 1]
    return n - 1


@njit_inline
def mru_in_list(a, tail: int) -> int:
    """The instance ``mru`` prefers in an idle list: its tail, or one idle as long.

    Parameters
    ----------
    a : record
        The pool's arrays (:class:`Arrays`).
    tail : int
        The list's tail (the instance idle most recently).

    Returns
    -------
    int
        The slot :func:`prefer_warm` prefers among the instances idle since the tail's time.
    """
    sf = a.slot_f
    si = a.slot_i
    best = tail
    j = si[PREV, tail]
    while j >= 0 and sf[IDLE, j] == sf[IDLE, tail]:
        if prefer_warm(
            MRU, sf[IDLE, j], sf[CREATED, j], si[ID, j], sf[IDLE, best], sf[CREATED, best],
            si[ID, best],
        ):  # fmt: skip
            best = j
        j = si[PREV, j]
    return best


@njit_inline
def takes_request(p, a, slot: int, t_s: float) -> bool:
    """Whether the free instance in ``slot`` can take a request at ``t_s`` [s]: it is ready,
    and an on-demand one has not reached its lifetime (a provisioned one is replaced warm).

    Parameters
    ----------
    p, a : record
        The pool's parameters and arrays.
    slot : int
        The instance's slot.
    t_s : float
        Arrival time [s].

    Returns
    -------
    bool
        True when the instance may take the request.
    """
    return a.slot_f[READY, slot] <= t_s and (
        a.slot_i[PROV, slot] != 0
        or not lifetime_reached(a.slot_f[CREATED, slot], t_s, p.max_lifetime_s)
    )


@njit_inline
def in_free_set(p, a, fr: np.ndarray, n: int, t_s: float, u: float) -> int:
    """Position in the free set ``fr`` (size ``n``) of the warm instance to use, or -1.

    The candidates are the free instances that can take a request (:func:`takes_request`).
    Ids are given in creation order, so creation times rise with the id: ``newest`` (latest
    created, ties to the highest id) is the last candidate in id order, and ``oldest`` the
    first, so for ``oldest`` the free sets are kept in descending id order (``sign``) and both
    take the candidate nearest the end, where removing it moves nothing. ``mru`` compares the
    candidates with :func:`prefer_warm`; ``random`` takes the candidate :func:`choose_warm`
    names by position.
    With one request per instance every free instance is an idle one, ready and (the reclaim
    has seen to it) within its lifetime.

    Parameters
    ----------
    p : record
        The pool's parameters (``policy``, ``conc``).
    a : record
        The pool's arrays (:class:`Arrays`).
    fr : numpy.ndarray
        The free set.
    n : int
        Its size.
    t_s : float
        Arrival time [s]; an instance still initialising is not ready.
    u : float
        A uniform draw in [0, 1), read for ``reuse: random``.

    Returns
    -------
    int
        The chosen position in ``fr``, or -1 when no free instance is ready.
    """
    policy = p.policy
    check_ready = p.conc > 1
    sf = a.slot_f
    if policy in (NEWEST, OLDEST):
        for j in range(n - 1, -1, -1):
            if not check_ready or takes_request(p, a, fr[j], t_s):
                return j
        return -1
    if policy == RANDOM_POLICY:
        m = n
        if check_ready:
            m = 0
            for j in range(n):
                m += takes_request(p, a, fr[j], t_s)
        if m == 0:
            return -1
        # the random rule reads only how many candidates there are, not their times
        k = choose_warm(RANDOM_POLICY, a.cand[0, :m], a.cand[1, :m], u)
        if not check_ready:
            return k
        for j in range(n):
            if takes_request(p, a, fr[j], t_s):
                if k == 0:
                    return j
                k -= 1
        return -1
    si = a.slot_i
    best = -1
    b = 0
    for j in range(n):
        slot = fr[j]
        if check_ready and not takes_request(p, a, slot, t_s):
            continue
        if best < 0 or prefer_warm(
            policy, sf[IDLE, slot], sf[CREATED, slot], si[ID, slot], sf[IDLE, b],
            sf[CREATED, b], si[ID, b],
        ):  # fmt: skip
            best = j
            b = slot
    return best
