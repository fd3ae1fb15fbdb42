"""Reading the meters for billing: each read names the billing model that needs it.

A meter the run did not measure is an error (:meth:`~costsim.meters.Meters.require`), never a
zero. Money and quantities are :class:`~decimal.Decimal` from here on; :func:`dec` turns a
measured float into one exactly as written.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from costsim.errors import InputError
from costsim.meters import Meters, MsHistogram

if TYPE_CHECKING:  # the catalog validates items against BILLING_MODELS: it imports pricing.models
    from costsim.pricing.catalog import FunctionItem

#: Milliseconds per second.
MS_PER_S = Decimal(1000)
#: Megabytes per gigabyte, as providers bill memory (1 GB = 1024 MB).
MB_PER_GB = Decimal(1024)

#: ``quantity(meters, item) -> Decimal`` over the horizon, in the metric's base unit.
Quantity = Callable[[Meters, "FunctionItem"], Decimal]


def dec(x: float | int) -> Decimal:
    """A float as the Decimal of its shortest repr (exact for what was written).

    Parameters
    ----------
    x : float or int
        The number.

    Returns
    -------
    Decimal
        ``Decimal(repr(x))`` for a float, the integer itself otherwise.
    """
    return Decimal(repr(float(x))) if isinstance(x, float) else Decimal(int(x))


def model_of(item: FunctionItem) -> str:
    """The item's billing model, which names a missing meter's consumer in the error.

    Parameters
    ----------
    item : FunctionItem
        The priced variant.

    Returns
    -------
    str
        Its ``billing.model`` (``per_request``, ``per_instance``, ...).
    """
    return item.billing.model


def meter_histogram(meters: Meters, name: str, item: FunctionItem) -> MsHistogram:
    """The integer-millisecond histogram meter ``name``; an error if missing or not one.

    Parameters
    ----------
    meters : Meters
        What the option used over its horizon.
    name : str
        The meter (``duration_ms``, ``init_ms``, ...).
    item : FunctionItem
        The priced variant, whose billing model needs the meter.

    Returns
    -------
    MsHistogram
        The meter.
    """
    value = meters.require(name, model_of(item))
    if not isinstance(value, MsHistogram):
        raise InputError(f"meter {name!r} must be a histogram")
    return value


def meter_total(meters: Meters, name: str, item: FunctionItem) -> Decimal:
    """The total meter ``name`` (seconds, bytes, ...) as a Decimal; an error if missing.

    Parameters
    ----------
    meters : Meters
        What the option used over its horizon.
    name : str
        The meter (``provisioned_instance_s``, ``bytes_out``, ``cpu_s``, ...).
    item : FunctionItem
        The priced variant, whose billing model needs the meter.

    Returns
    -------
    Decimal
        The meter's value in its own unit.
    """
    return dec(float(meters.require(name, model_of(item))))


def meter_count(meters: Meters, name: str, item: FunctionItem) -> Decimal:
    """The count meter ``name`` (``served``, ``arrived``, ...); an error if missing.

    Parameters
    ----------
    meters : Meters
        What the option used over its horizon.
    name : str
        The count.
    item : FunctionItem
        The priced variant, whose billing model needs the meter.

    Returns
    -------
    Decimal
        The count [requests].
    """
    return Decimal(int(meters.require(name, model_of(item))))
