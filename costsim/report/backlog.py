"""Queues that back up: the consumers of an application's queue cannot keep up.

A stable queue's mean wait is short next to the horizon (seconds against hours). When the
consumers are slower than the arrivals, the wait grows with the time simulated and the backlog
left at the end is worked off after the horizon (the engine drains every queue), where no
server is billed. The route latencies do not show it, since sends are not on the path, so the
run's table and the decision record say it in words.
"""

from __future__ import annotations

from typing import Any

from costsim.units import elapsed_words, span_words

#: Mean wait of a queue, as a share of the horizon, from which it is said to back up.
BACKLOG_SHARE = 0.1


def backlog_words(queues: list[dict[str, Any]] | None, horizon_s: float) -> list[str]:
    """One sentence per queue of an option whose messages wait too long, else none.

    Parameters
    ----------
    queues : list of dict or None
        The option's ``queues`` block of ``summary.json`` (``name``, ``wait_ms`` with ``mean``).
    horizon_s : float
        The simulated horizon [s].

    Returns
    -------
    list of str
        E.g. ``"queue jobs backs up: messages waited 1 h 6 min on average (55 % of the 2 hours
        simulated), so its consumers cannot keep up; the backlog is worked off after the
        horizon, which the bill does not cover"``.
    """
    out = []
    for q in queues or []:
        wait_s = float(q.get("wait_ms", {}).get("mean", 0.0)) / 1000
        if horizon_s <= 0 or wait_s < BACKLOG_SHARE * horizon_s:
            continue
        out.append(
            f"queue {q['name']} backs up: messages waited {elapsed_words(wait_s)} on average "
            f"({100 * wait_s / horizon_s:.0f} % of the {span_words(horizon_s)} simulated), so its "
            "consumers cannot keep up; the backlog is worked off after the horizon, which the "
            "bill does not cover"
        )
    return out
