"""The decision rules shared by every engine (costsim.platforms.rules)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from costsim.platforms.rules import (
    billed_duration_s,
    bucket_refill,
    choose_server,
    choose_warm,
    desired_capacity,
    keep_alive_expired,
)


@pytest.mark.parametrize(
    ("duration_s", "granularity_s", "minimum_s", "billed_s"),
    [
        (0.1234, 0.001, 0.0, 0.124),
        (0.3, 0.001, 0.0, 0.3),  # float noise does not push an exact multiple up
        (0.0, 0.001, 0.0, 0.0),
        (0.1234, 0.1, 0.0, 0.2),
        (0.01, 0.1, 0.0, 0.1),
        (1.0, 3600.0, 3600.0, 3600.0),
        (3601.0, 3600.0, 3600.0, 7200.0),
        (0.5, 0.0, 0.0, 0.5),  # no granularity: exact
        (0.5, 0.0, 1.0, 1.0),
    ],
)
def test_billed_duration_rounds_up_with_minimum(
    duration_s: float, granularity_s: float, minimum_s: float, billed_s: float
) -> None:
    """Durations are rounded up to the granularity, then raised to the minimum."""
    assert billed_duration_s(duration_s, granularity_s, minimum_s) == pytest.approx(billed_s)


def test_keep_alive_is_inclusive_at_the_boundary() -> None:
    """Warm at exactly idle + keep_alive, reclaimed just after."""
    assert not keep_alive_expired(1.0, 11.0, 10.0)
    assert keep_alive_expired(1.0, 11.000001, 10.0)


IDLE = np.array([2.0, 3.5, 1.5])
CREATED = np.array([0.0, 0.5, 1.0])


@pytest.mark.parametrize(("policy", "expected"), [(0, 1), (1, 2), (2, 0)])
def test_choose_warm_policies(policy: int, expected: int) -> None:
    """mru: idle most recently; newest: created last; oldest: created first."""
    assert choose_warm(policy, IDLE, CREATED, 0.0) == expected


def test_choose_warm_ties_are_broken_by_id() -> None:
    """Ties go to the highest id for mru/newest and to the lowest for oldest."""
    same = np.array([1.0, 1.0, 1.0])
    assert choose_warm(0, same, same, 0.0) == 2
    assert choose_warm(1, same, same, 0.0) == 2
    assert choose_warm(2, same, same, 0.0) == 0


@pytest.mark.parametrize(("u", "expected"), [(0.0, 0), (0.33, 0), (0.34, 1), (0.999999, 2)])
def test_choose_warm_random_uses_floor_u_n(u: float, expected: int) -> None:
    """random takes candidate floor(u * n)."""
    assert choose_warm(3, IDLE, CREATED, u) == expected


def test_bucket_refill_is_linear_and_capped() -> None:
    """Tokens grow at the rate and never beyond the bucket size."""
    assert bucket_refill(0.0, 0.0, 0.5, 2.0, 1.0) == 0.5
    assert bucket_refill(1.5, 0.0, 10.0, 2.0, 1.0) == 2.0
    assert bucket_refill(math.inf, 0.0, 0.0, math.inf, math.inf) == math.inf
    assert bucket_refill(0.5, 1.0, 1.0, 2.0, 1.0) == 0.5  # no time passed
    # an infinite rate keeps the bucket full, without computing 0 * inf = NaN
    assert bucket_refill(0.0, 1.0, 1.0, 5.0, math.inf) == 5.0


def test_choose_server_balancers() -> None:
    """shared_queue: fewest active; round_robin: counter mod n; random: floor(u n);
    least_connections: fewest active + queued, ties to the lowest id."""
    active = np.array([2, 1, 1])
    queued = np.array([0, 2, 0])
    assert choose_server(0, active, queued, 0, 0.0) == 1
    assert choose_server(1, active, queued, 7, 0.0) == 1
    assert choose_server(2, active, queued, 0, 0.7) == 2
    assert choose_server(3, active, queued, 0, 0.0) == 2
    assert choose_server(3, np.array([1, 1]), np.array([0, 0]), 0, 0.0) == 0


@pytest.mark.parametrize(
    ("serving", "util", "target", "lo", "hi", "expected"),
    [
        (1, 1.0, 0.5, 1, 3, 2),
        (2, 0.5, 0.5, 1, 3, 2),  # at target: unchanged (no float creep to 3)
        (2, 0.1, 0.5, 1, 3, 1),
        (4, 1.0, 0.5, 1, 3, 3),  # capped at the maximum
        (0, 0.0, 0.5, 0, 3, 0),
        (0, 0.0, 0.5, 2, 3, 2),  # raised to the minimum
    ],
)
def test_desired_capacity_tracks_the_target(
    serving: int, util: float, target: float, lo: int, hi: int, expected: int
) -> None:
    """ceil(serving * utilization / target), clamped to [minimum, maximum]."""
    assert desired_capacity(serving, util, target, lo, hi) == expected
