"""Tier maths: the one place where usage is split across price tiers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal


def split_tiers(quantity: Decimal, bounds: Sequence[Decimal | None]) -> list[Decimal]:
    """Split ``quantity`` across consecutive tiers.

    Parameters
    ----------
    quantity : Decimal
        Total usage in the tiers' unit (>= 0).
    bounds : sequence of Decimal or None
        Cumulative upper bound of each tier; ``None`` for an unbounded last tier.

    Returns
    -------
    list of Decimal
        The part of ``quantity`` that falls in each tier; they sum to ``quantity`` when the last
        tier is unbounded.

    Examples
    --------
    >>> split_tiers(Decimal(7), [Decimal(5), Decimal(10), None])
    [Decimal('5'), Decimal('2'), Decimal('0')]
    """
    parts: list[Decimal] = []
    lower = Decimal(0)
    for upper in bounds:
        top = quantity if upper is None else min(quantity, upper)
        parts.append(max(Decimal(0), top - lower))
        if upper is not None:
            lower = upper
    return parts


def tiered_cost(
    quantity: Decimal, bounds: Sequence[Decimal | None], unit_prices: Sequence[Decimal]
) -> list[Decimal]:
    """Cost of ``quantity`` in each tier: ``split_tiers(quantity) * unit_price``."""
    return [q * p for q, p in zip(split_tiers(quantity, bounds), unit_prices, strict=True)]
