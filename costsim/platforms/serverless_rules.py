"""Rules of the serverless model that both engines call, word for word.

The SimPy reference (object based) and the compiled engine (arrays) keep their own procedures,
so that comparing them finds mistakes; the decisions those procedures take are written once,
here, as small pure functions of plain numbers. :mod:`costsim.engine.fast_common` compiles these
very functions for the compiled engine.
"""

from __future__ import annotations

import math

from costsim.platforms.rules import keep_alive_expired


def admits_new_instance(n_alive: int, concurrency_limit: int, tokens: float) -> bool:
    """Whether a cold start may begin, or the request is throttled.

    Parameters
    ----------
    n_alive : int
        Instances alive (provisioned, initialising, busy and idle) [instances].
    concurrency_limit : int
        Most instances alive at once [instances].
    tokens : float
        Tokens in the scale-rate bucket, already refilled to now [instances].

    Returns
    -------
    bool
        True when a new instance may start (below the limit, a token left).
    """
    return n_alive < concurrency_limit and tokens >= 1.0


def times_out(duration_s: float, timeout_s: float) -> bool:
    """Whether a request of ``duration_s`` [s] runs into the function timeout [s].

    A request exactly as long as the timeout completes.

    Parameters
    ----------
    duration_s : float
        The request's duration [s].
    timeout_s : float
        The function timeout [s].

    Returns
    -------
    bool
        True when the duration exceeds the timeout.
    """
    return duration_s > timeout_s


def run_time_s(duration_s: float, timeout_s: float) -> float:
    """How long a request occupies its instance [s]: its duration, cut at the timeout [s].

    Parameters
    ----------
    duration_s : float
        The request's duration [s].
    timeout_s : float
        The function timeout [s].

    Returns
    -------
    float
        ``min(duration_s, timeout_s)`` [s].
    """
    return min(duration_s, timeout_s)


def lifetime_reached(created_s: float, now_s: float, max_lifetime_s: float) -> bool:
    """Whether an instance created at ``created_s`` [s] is too old at ``now_s`` [s] to take a
    new request.

    The platform recycles an execution environment once it is ``max_lifetime_s`` [s] old, busy
    or not (AWS Lambda: "every few hours ... even for functions that are invoked
    continuously"): from exactly that age on it takes no new request, finishes the ones in
    flight and is retired. ``inf`` never recycles.

    Parameters
    ----------
    created_s : float
        When the instance was created [s].
    now_s : float
        Now [s].
    max_lifetime_s : float
        The product's maximum lifetime [s] (``inf``: none).

    Returns
    -------
    bool
        True from the instance's lifetime on.
    """
    return now_s - created_s >= max_lifetime_s


def idle_retire_s(
    created_s: float, idle_since_s: float, keep_alive_s: float, max_lifetime_s: float
) -> float:
    """When an idle on-demand instance retires [s]: at the end of its keep-alive, or at its
    maximum lifetime, whichever comes first.

    An instance that reached its lifetime while busy retires when its last request ends
    (``idle_since_s``): it takes nothing after that.

    Parameters
    ----------
    created_s : float
        When the instance was created [s].
    idle_since_s : float
        When its last request ended [s].
    keep_alive_s : float
        How long an idle instance stays warm [s].
    max_lifetime_s : float
        The product's maximum lifetime [s] (``inf``: none).

    Returns
    -------
    float
        Retirement time [s].
    """
    return min(idle_since_s + keep_alive_s, max(created_s + max_lifetime_s, idle_since_s))


def idle_expired(
    created_s: float, idle_since_s: float, now_s: float, keep_alive_s: float, max_lifetime_s: float
) -> bool:
    """Whether an idle on-demand instance is gone by ``now_s`` [s]: its keep-alive ran out
    (:func:`~costsim.platforms.rules.keep_alive_expired`) or its lifetime was reached
    (:func:`lifetime_reached`).

    Parameters
    ----------
    created_s : float
        When the instance was created [s].
    idle_since_s : float
        When its last request ended [s].
    now_s : float
        Now [s].
    keep_alive_s : float
        How long an idle instance stays warm [s].
    max_lifetime_s : float
        The product's maximum lifetime [s] (``inf``: none).

    Returns
    -------
    bool
        True when the instance is to be retired.
    """
    return keep_alive_expired(idle_since_s, now_s, keep_alive_s) or lifetime_reached(
        created_s, now_s, max_lifetime_s
    )


def retire_at_close_s(
    active: int,
    provisioned: bool,
    created_s: float,
    idle_since_s: float,
    keep_alive_s: float,
    max_lifetime_s: float,
    horizon_s: float,
) -> float:
    """When an instance still alive at the end of the run retires [s].

    An idle on-demand instance lives out its keep-alive or its lifetime (:func:`idle_retire_s`);
    a provisioned one, or one still busy, lives to the horizon.

    Parameters
    ----------
    active : int
        Requests the instance is serving [requests].
    provisioned : bool
        Whether it is a provisioned instance.
    created_s : float
        When it was created [s].
    idle_since_s : float
        When it last became idle [s].
    keep_alive_s : float
        How long an idle instance stays warm [s].
    max_lifetime_s : float
        Age at which the platform recycles it [s] (``inf``: never).
    horizon_s : float
        End of the simulated time [s].

    Returns
    -------
    float
        Retirement time [s].
    """
    if active == 0 and not provisioned:
        return idle_retire_s(created_s, idle_since_s, keep_alive_s, max_lifetime_s)
    return horizon_s


#: No timeout [s]: every request runs to its end.
NO_TIMEOUT_S = math.inf

#: Activity periods of one instance that are closer than this are one period [s]: the meters'
#: resolution, 1 ms. A request that starts as the previous one ends (the next arrival of a
#: steady stream, 40 req/s x 250 ms) continues the instance's period, although float arrival
#: and completion times differ there by a few ulps; an idle gap of 1 ms or more ends it.
ACTIVE_PERIOD_GAP_S = 0.001
#: ``active since`` of an instance with no open activity period (none yet, or just recorded).
NO_PERIOD_S = -1.0


def continues_active_period(period_start_s: float, idle_since_s: float, now_s: float) -> bool:
    """Whether a request starting at ``now_s`` [s] on an idle instance continues its last
    activity period (from ``period_start_s`` to ``idle_since_s`` [s]), or that period is over.

    Products that bill an instance per activity period (Azure Flex Consumption on demand, Cloud
    Run request-based) see one period while requests follow each other without a gap of
    :data:`ACTIVE_PERIOD_GAP_S`; the engines record a period when it is over (a later request
    after a gap, or the instance's retirement). An instance with no open period
    (``period_start_s`` is :data:`NO_PERIOD_S`) starts a new one.

    Parameters
    ----------
    period_start_s : float
        Start of the instance's last activity period [s], or :data:`NO_PERIOD_S`.
    idle_since_s : float
        When that period's last request ended [s].
    now_s : float
        When the new request starts [s].

    Returns
    -------
    bool
        True when the new request continues that period.
    """
    return period_start_s != NO_PERIOD_S and now_s - idle_since_s < ACTIVE_PERIOD_GAP_S


#: No maximum lifetime [s]: the platform never recycles a busy instance.
NO_LIFETIME_S = math.inf
