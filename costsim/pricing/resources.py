"""What one instance of a function product is billed as: memory, vCPUs, clock, extra storage.

Each is a :data:`~costsim.pricing.meter_reads.Quantity` of the option's meters (its configured
memory and storage) and the catalog item (step, CPU ratio, clock table, included storage).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

from costsim.meters import Meters
from costsim.pricing.meter_reads import MB_PER_GB, dec, model_of

if TYPE_CHECKING:
    from costsim.pricing.catalog import FunctionBilling, FunctionItem


def memory_mb(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed memory [MB]: the configured memory rounded up to the product's step.

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        Billed memory [MB].
    """
    mem_mb = float(meters.require("memory_mb", model_of(item)))
    step_mb = item.billing.memory_step_mb
    return dec(math.ceil(mem_mb / step_mb - 1e-9) * step_mb)


def memory_gb(meters: Meters, item: FunctionItem) -> Decimal:
    """Billed memory [GB] (1 GB = 1024 MB, as providers bill it).

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        Billed memory [GB].
    """
    return memory_mb(meters, item) / MB_PER_GB


def vcpu_for(memory_mb: float, billing: FunctionBilling) -> float:
    """vCPUs that ``memory_mb`` [MB] buys on a product that ties CPU to memory.

    A fixed size (``vcpu``: Azure Premium EP1 1 vCPU) wins; Lambda: 1 vCPU per 1,769 MB, at
    most 6 (at 10,240 MB); products priced per vCPU-second with a default ratio use
    ``vcpu_per_gb``.

    Parameters
    ----------
    memory_mb : float
        Memory of an instance [MB].
    billing : FunctionBilling
        The item's billing parameters (``vcpu``, ``mb_per_vcpu``, ``max_vcpu``,
        ``vcpu_per_gb``).

    Returns
    -------
    float
        vCPUs per instance [vCPU].
    """
    if billing.vcpu is not None:
        return billing.vcpu
    if billing.mb_per_vcpu is not None:
        return min(memory_mb / billing.mb_per_vcpu, billing.max_vcpu or math.inf)
    return (billing.vcpu_per_gb or 0.0) * memory_mb / 1024.0


def vcpu(meters: Meters, item: FunctionItem) -> Decimal:
    """vCPUs per instance: configured (``vcpu`` in the meters' config) or from memory.

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        vCPUs per instance [vCPU].
    """
    configured = meters.config.get("vcpu")
    if configured is not None:
        return dec(float(configured))
    return dec(vcpu_for(float(meters.require("memory_mb", model_of(item))), item.billing))


def ghz(meters: Meters, item: FunctionItem) -> Decimal:
    """CPU clock bundled with the memory [GHz]: that of the smallest size that fits it.

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        CPU clock [GHz]; 0 when the item has no clock table.
    """
    mem_mb = float(meters.require("memory_mb", model_of(item)))
    table = item.billing.ghz_by_memory_mb
    for size_mb in sorted(table):
        if mem_mb <= size_mb + 1e-9:
            return dec(table[size_mb])
    return dec(table[max(table)]) if table else Decimal(0)


def extra_ephemeral_gb(meters: Meters, item: FunctionItem) -> Decimal:
    """Ephemeral storage above what the price includes [GB].

    Parameters
    ----------
    meters, item : Meters, FunctionItem
        What the option used over its horizon, and the priced variant.

    Returns
    -------
    Decimal
        Storage above the included amount [GB], never negative.
    """
    configured = meters.config.get("ephemeral_storage_mb")
    if configured is None:
        return Decimal(0)
    extra_mb = dec(float(configured)) - dec(item.billing.included_ephemeral_mb)
    return max(extra_mb, Decimal(0)) / MB_PER_GB
