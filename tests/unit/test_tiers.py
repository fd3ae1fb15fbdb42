"""Tier splitting: the one place usage is divided across price tiers."""

from decimal import Decimal

import pytest

from costsim.pricing.tiers import split_tiers, tiered_cost

D = Decimal


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (D(0), [D(0), D(0), D(0)]),
        (D(3), [D(3), D(0), D(0)]),
        (D(5), [D(5), D(0), D(0)]),
        (D(7), [D(5), D(2), D(0)]),
        (D(25), [D(5), D(5), D(15)]),
    ],
)
def test_split_fills_tiers_in_order(quantity: Decimal, expected: list[Decimal]) -> None:
    """Each tier takes what falls between its lower and upper bound; parts sum to the total."""
    parts = split_tiers(quantity, [D(5), D(10), None])
    assert parts == expected
    assert sum(parts) == quantity


def test_single_open_tier_takes_everything() -> None:
    assert split_tiers(D("123.4"), [None]) == [D("123.4")]


def test_tiered_cost_multiplies_each_part_by_its_price() -> None:
    costs = tiered_cost(D(7), [D(5), None], [D(2), D(1)])
    assert costs == [D(10), D(2)]
