"""Rules of the serverless model that both engines call, word for word.

The SimPy reference (object based) and the compiled engine (arrays) keep their own procedures,
so that comparing them finds mistakes; the decisions those procedures take are written once,
here, as small pure functions of plain numbers. :mod:`costsim.engine.fast_common` compiles these
very functions for the compiled engine.
"""

from __future__ import annotations

import math


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


def counts_for_latency(arrival_s: float, warmup_s: float) -> bool:
    """Whether a request arriving at ``arrival_s`` [s] enters the latency statistics.

    Requests arriving before the warm-up ends (``warmup_s`` [s]) are counted and billed but
    left out of the latency histogram.
    """
    return arrival_s >= warmup_s


def times_out(duration_s: float, timeout_s: float) -> bool:
    """Whether a request of ``duration_s`` [s] runs into the function timeout [s].

    A request exactly as long as the timeout completes.
    """
    return duration_s > timeout_s


def run_time_s(duration_s: float, timeout_s: float) -> float:
    """How long a request occupies its instance [s]: its duration, cut at the timeout [s]."""
    return min(duration_s, timeout_s)


def busy_integral_s(start_s: float, end_s: float, horizon_s: float, weight: float) -> float:
    """Busy instance-seconds [s] a request running from ``start_s`` to ``end_s`` adds.

    ``weight`` is the share of an instance one request holds (``1 / instance_concurrency``);
    time after the horizon [s] does not count.
    """
    return weight * (min(end_s, horizon_s) - min(start_s, horizon_s))


def alive_end_s(end_s: float, horizon_s: float) -> float:
    """End of an instance's alive time as measured: its retirement [s], cut at the horizon."""
    return min(end_s, horizon_s)


def retire_at_close_s(
    active: int, provisioned: bool, idle_since_s: float, keep_alive_s: float, horizon_s: float
) -> float:
    """When an instance still alive at the end of the run retires [s].

    An idle on-demand instance lives out its keep-alive; a provisioned one, or one still busy,
    lives to the horizon.
    """
    if active == 0 and not provisioned:
        return idle_since_s + keep_alive_s
    return horizon_s


#: No timeout [s]: every request runs to its end.
NO_TIMEOUT_S = math.inf
