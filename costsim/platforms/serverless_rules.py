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
    """
    return n_alive < concurrency_limit and tokens >= 1.0


def times_out(duration_s: float, timeout_s: float) -> bool:
    """Whether a request of ``duration_s`` [s] runs into the function timeout [s].

    A request exactly as long as the timeout completes.
    """
    return duration_s > timeout_s


def run_time_s(duration_s: float, timeout_s: float) -> float:
    """How long a request occupies its instance [s]: its duration, cut at the timeout [s]."""
    return min(duration_s, timeout_s)


def lifetime_reached(created_s: float, now_s: float, max_lifetime_s: float) -> bool:
    """Whether an instance created at ``created_s`` [s] is too old at ``now_s`` [s] to take a
    new request.

    The platform recycles an execution environment once it is ``max_lifetime_s`` [s] old, busy
    or not (AWS Lambda: "every few hours ... even for functions that are invoked
    continuously"): from exactly that age on it takes no new request, finishes the ones in
    flight and is retired. ``inf`` never recycles.
    """
    return now_s - created_s >= max_lifetime_s


def idle_retire_s(
    created_s: float, idle_since_s: float, keep_alive_s: float, max_lifetime_s: float
) -> float:
    """When an idle on-demand instance retires [s]: at the end of its keep-alive, or at its
    maximum lifetime, whichever comes first.

    An instance that reached its lifetime while busy retires when its last request ends
    (``idle_since_s``): it takes nothing after that.
    """
    return min(idle_since_s + keep_alive_s, max(created_s + max_lifetime_s, idle_since_s))


def idle_expired(
    created_s: float, idle_since_s: float, now_s: float, keep_alive_s: float, max_lifetime_s: float
) -> bool:
    """Whether an idle on-demand instance is gone by ``now_s`` [s]: its keep-alive ran out
    (:func:`~costsim.platforms.rules.keep_alive_expired`) or its lifetime was reached
    (:func:`lifetime_reached`)."""
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
    """
    if active == 0 and not provisioned:
        return idle_retire_s(created_s, idle_since_s, keep_alive_s, max_lifetime_s)
    return horizon_s


#: No timeout [s]: every request runs to its end.
NO_TIMEOUT_S = math.inf
#: No maximum lifetime [s]: the platform never recycles a busy instance.
NO_LIFETIME_S = math.inf
