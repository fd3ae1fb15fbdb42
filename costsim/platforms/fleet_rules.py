"""Rules of the fleet model (VPS and bare metal), called by the SimPy and compiled engines alike.

Each rule is a small pure function of plain numbers, compiled for the fast engine from this very
function object (see :mod:`costsim.engine.fast_common`), so that no predicate of the model exists
in two copies. The SimPy reference keeps its own procedures (servers and queues as objects) and
calls the same rules, which is what gives the differential tests their power.
"""

from __future__ import annotations


def wait_expired(arrival_s: float, now_s: float, timeout_s: float) -> bool:
    """Whether a request queued since ``arrival_s`` has timed out by ``now_s`` [s].

    The timeout is strict: a request that waited exactly ``timeout_s`` is still served.

    Parameters
    ----------
    arrival_s, now_s : float
        When the request arrived, and now [s].
    timeout_s : float
        Longest wait in the queue (``queue_timeout``) [s].

    Returns
    -------
    bool
        True when it waited longer than the timeout.
    """
    return now_s - arrival_s > timeout_s


def queue_full(length: int, limit: int) -> bool:
    """Whether a queue of ``length`` waiting requests refuses one more (``queue_limit``).

    Parameters
    ----------
    length : int
        Requests waiting [requests].
    limit : int
        Most requests that may wait (``queue_limit``) [requests].

    Returns
    -------
    bool
        True when the queue is full.
    """
    return length >= limit


def lifetime_s(launched_s: float, end_s: float, horizon_s: float) -> float:
    """Alive time [s] within the horizon of an instance launched at ``launched_s`` (boot in).

    Parameters
    ----------
    launched_s, end_s : float
        When the instance was launched and when it terminated [s].
    horizon_s : float
        End of the simulated time [s].

    Returns
    -------
    float
        Alive time within the horizon, never negative [s].
    """
    return max(0.0, min(end_s, horizon_s) - launched_s)


def metered_instance(launched_s: float, horizon_s: float) -> bool:
    """Whether an instance's lifetime enters the meters: it was launched within the horizon.

    Parameters
    ----------
    launched_s : float
        When the instance was launched [s].
    horizon_s : float
        End of the simulated time [s].

    Returns
    -------
    bool
        True when it was launched before the horizon.
    """
    return launched_s < horizon_s


def dropped_at_close_s(arrival_s: float, horizon_s: float) -> float:
    """When a request still waiting at the close, with no server left to run it, is dropped [s].

    At the horizon, or at its arrival if it arrived after it.

    Parameters
    ----------
    arrival_s : float
        When the request arrived [s].
    horizon_s : float
        End of the simulated time [s].

    Returns
    -------
    float
        Time of the drop [s].
    """
    return max(arrival_s, horizon_s)


def within_horizon(t_s: float, horizon_s: float) -> bool:
    """Whether an autoscaling event (an evaluation or a boot) at ``t_s`` [s] happens at all.

    Evaluations and boots past the horizon end the run: they would change nothing that is
    measured, and a group whose boot never completes within the horizon would otherwise keep
    evaluating for ever. Completions still run after the horizon (the run drains).

    Parameters
    ----------
    t_s : float
        Time of the event [s].
    horizon_s : float
        End of the simulated time [s].

    Returns
    -------
    bool
        True when the event is at or before the horizon.
    """
    return t_s <= horizon_s


def scale_from_zero(desired: int, serving: int, in_system: int) -> int:
    """Target capacity once waiting work is seen: at least one server when none serves.

    Parameters
    ----------
    desired : int
        Capacity the target tracking asks for [instances].
    serving : int
        Instances serving now [instances].
    in_system : int
        Requests in service or waiting [requests].

    Returns
    -------
    int
        ``desired``, raised to 1 when nothing serves and work waits.
    """
    if serving == 0 and in_system > 0:
        return max(desired, 1)
    return desired


def cooldown_over(now_s: float, last_action_s: float, cooldown_s: float) -> bool:
    """Whether a scale-in may happen at ``now_s``: ``cooldown_s`` since the last action [s].

    Parameters
    ----------
    now_s, last_action_s : float
        Now, and when the group last scaled [s].
    cooldown_s : float
        Wait after a scaling action [s].

    Returns
    -------
    bool
        True once the cooldown has passed (at exactly ``cooldown_s`` too).
    """
    return now_s - last_action_s >= cooldown_s
