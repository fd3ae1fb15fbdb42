"""Decision rules shared by every engine.

Each rule is a small pure function of plain numbers and numpy arrays, so that every engine calls
the same code and no rule exists in two copies. Ties are always broken by instance id, so the
rules are deterministic.
"""

from __future__ import annotations

import math

import numpy as np

# Reuse policies for warm serverless instances (index = code used by the engines).
REUSE_POLICIES = ("mru", "newest", "oldest", "random")
# Balancers for fleets of servers.
BALANCERS = ("shared_queue", "round_robin", "random", "least_connections")


def billed_duration_s(duration_s: float, granularity_s: float, minimum_s: float = 0.0) -> float:
    """Round a duration up to the billing granularity, with a minimum.

    Parameters
    ----------
    duration_s : float
        Measured duration [s].
    granularity_s : float
        Billing increment [s] (0.001 for AWS Lambda, 3600 for hourly VMs).
    minimum_s : float
        Smallest billed duration [s].

    Returns
    -------
    float
        Billed duration [s].
    """
    if granularity_s > 0:
        # Guard against float noise turning 0.3 s into 301 ms at a 1 ms granularity.
        units = math.ceil(duration_s / granularity_s - 1e-9)
        billed = units * granularity_s
    else:
        billed = duration_s
    return max(billed, minimum_s)


def keep_alive_expired(idle_since_s: float, now_s: float, keep_alive_s: float) -> bool:
    """Whether an instance idle since ``idle_since_s`` has been reclaimed by ``now_s``.

    An instance is still warm at exactly ``idle_since_s + keep_alive_s``.

    Parameters
    ----------
    idle_since_s : float
        When the instance last became idle [s].
    now_s : float
        The time asked about [s].
    keep_alive_s : float
        How long an idle instance stays warm [s].

    Returns
    -------
    bool
        True once the idle time exceeds the keep-alive.
    """
    return now_s - idle_since_s > keep_alive_s


def prefer_warm(
    policy: int,
    idle_a_s: float,
    created_a_s: float,
    id_a: int,
    idle_b_s: float,
    created_b_s: float,
    id_b: int,
) -> bool:
    """Whether warm instance ``a`` is preferred to ``b`` under a reuse policy.

    Parameters
    ----------
    policy : int
        Index into :data:`REUSE_POLICIES` (0 mru, 1 newest, 2 oldest). ``random`` (3) has no
        preference order; see :func:`choose_warm`.
    idle_a_s, created_a_s, id_a, idle_b_s, created_b_s, id_b : float, float, int
        When each instance last became idle [s], when it was created [s], and its id.

    Returns
    -------
    bool
        mru prefers the instance idle most recently, newest the one created last (ties to the
        highest id for both); oldest prefers the one created first (ties to the lowest id).
    """
    if policy == 0:
        return idle_a_s > idle_b_s or (idle_a_s == idle_b_s and id_a > id_b)
    if policy == 1:
        return created_a_s > created_b_s or (created_a_s == created_b_s and id_a > id_b)
    return created_a_s < created_b_s or (created_a_s == created_b_s and id_a < id_b)


def choose_warm(policy: int, idle_since_s: np.ndarray, created_s: np.ndarray, u: float) -> int:
    """Pick one of the candidate warm instances (given in increasing instance-id order).

    Parameters
    ----------
    policy : int
        Index into :data:`REUSE_POLICIES`: 0 mru (idle most recently), 1 newest (created last),
        2 oldest (created first), 3 random.
    idle_since_s : numpy.ndarray
        When each candidate last became idle [s].
    created_s : numpy.ndarray
        When each candidate was created [s].
    u : float
        A uniform draw in [0, 1), used by ``random``.

    Returns
    -------
    int
        Position of the chosen candidate: the one :func:`prefer_warm` prefers to all others
        (positions stand in for ids, as the candidates are in id order), or for ``random`` the
        one at position ``floor(u * n)``.
    """
    n = len(idle_since_s)
    if policy == 3:
        return min(int(u * n), n - 1)
    best = 0
    for i in range(1, n):
        if prefer_warm(
            policy, idle_since_s[i], created_s[i], i, idle_since_s[best], created_s[best], best
        ):
            best = i
    return best


def bucket_refill(
    tokens: float, last_s: float, now_s: float, capacity: float, rate_per_s: float
) -> float:
    """Tokens in a scale-rate bucket at ``now_s`` after refilling since ``last_s``.

    Parameters
    ----------
    tokens : float
        Tokens at ``last_s``.
    capacity : float
        Bucket size (the burst of new instances allowed at once).
    rate_per_s : float
        Refill rate [tokens/s].
    last_s, now_s : float
        When the bucket last held ``tokens``, and now [s].

    Returns
    -------
    float
        Tokens at ``now_s``, at most ``capacity`` (a full bucket when the rate is infinite).
    """
    if rate_per_s == math.inf:
        return capacity  # explicit: (now - last) * inf is NaN when no time has passed
    elapsed_s = now_s - last_s
    if elapsed_s <= 0.0:
        return min(capacity, tokens)
    return min(capacity, tokens + elapsed_s * rate_per_s)


def choose_server(
    balancer: int, active: np.ndarray, queued: np.ndarray, rr_counter: int, u: float
) -> int:
    """Pick the server for an arriving request among the serving ones (in id order).

    Parameters
    ----------
    balancer : int
        Index into :data:`BALANCERS`. For 0 (``shared_queue``) the first server with a free slot
        and the fewest active requests is taken; the caller checks for a free slot first.
    active : numpy.ndarray
        Requests in service on each server.
    queued : numpy.ndarray
        Requests waiting in each server's own queue.
    rr_counter : int
        Requests routed so far by round robin.
    u : float
        A uniform draw in [0, 1), used by ``random``.

    Returns
    -------
    int
        Position of the chosen server.
    """
    n = len(active)
    if balancer == 1:
        return rr_counter % n
    if balancer == 2:
        return min(int(u * n), n - 1)
    best = 0
    if balancer == 3:
        for i in range(1, n):
            if active[i] + queued[i] < active[best] + queued[best]:
                best = i
        return best
    for i in range(1, n):
        if active[i] < active[best]:
            best = i
    return best


def desired_capacity(
    serving: int, utilization: float, target_utilization: float, minimum: int, maximum: int
) -> int:
    """Target tracking: instances needed to bring utilisation to its target.

    ``ceil(serving * utilization / target)``, clamped to ``[minimum, maximum]``.

    Parameters
    ----------
    serving : int
        Instances serving requests [instances].
    utilization : float
        Their measured utilisation over the last evaluation period [1].
    target_utilization : float
        The utilisation the policy steers to [1].
    minimum, maximum : int
        Bounds of the group [instances].

    Returns
    -------
    int
        Desired number of instances.
    """
    want = math.ceil(serving * utilization / target_utilization - 1e-9) if serving else 0
    return max(minimum, min(maximum, want))


def counts_in_latency(arrival_s: float, warmup_s: float) -> bool:
    """Whether a request arriving at ``arrival_s`` [s] enters the latency statistics.

    Requests arriving before the warm-up ends (``warmup_s`` [s]) are counted and billed but
    left out of latency, on every model.

    Parameters
    ----------
    arrival_s : float
        Arrival time of the request [s].
    warmup_s : float
        End of the warm-up [s].

    Returns
    -------
    bool
        True when the request arrived at or after the end of the warm-up.
    """
    return arrival_s >= warmup_s


def busy_within_horizon_s(start_s: float, end_s: float, horizon_s: float, weight: float) -> float:
    """Busy instance-equivalent time [s] of a request served over ``[start_s, end_s]``.

    Only the part within the horizon [s] counts; ``weight`` is the share of an instance one
    request holds (``1 / instance_concurrency`` or ``1 / workers``).

    Parameters
    ----------
    start_s, end_s : float
        When service starts and ends [s].
    horizon_s : float
        End of the simulated time [s].
    weight : float
        Share of an instance the request holds [1].

    Returns
    -------
    float
        Busy instance-seconds within the horizon [s].
    """
    return weight * (min(end_s, horizon_s) - min(start_s, horizon_s))


def clip_to_horizon_s(t_s: float, horizon_s: float) -> float:
    """A time [s] cut at the horizon: nothing after it is measured (an instance's alive time,
    a busy period feeding the autoscaler).

    Parameters
    ----------
    t_s : float
        A time [s].
    horizon_s : float
        End of the simulated time [s].

    Returns
    -------
    float
        ``min(t_s, horizon_s)`` [s].
    """
    return min(t_s, horizon_s)
