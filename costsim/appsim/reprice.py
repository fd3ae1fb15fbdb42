"""Re-pricing an application option of a stored run: its usage rated again, no simulation.

:func:`reprice_application` is what ``costsim reprice`` calls (through
:func:`costsim.pricing.reprice.reprice_run`) for an option whose ``meters.json`` entry holds an
``application`` usage; it rewrites the option's per-function costs and per-service costs in
``summary.json`` as a re-run with the same catalogs would write them.
"""

from __future__ import annotations

from typing import Any

from costsim.appsim.blocks import function_cost, service_costs, services_block
from costsim.appsim.rating import rate_usage
from costsim.pricing.registry import CatalogSet
from costsim.results import CostBreakdown


def reprice_application(
    option: dict[str, Any], entry: dict[str, Any], cats: CatalogSet
) -> tuple[CostBreakdown, dict[str, str], dict[str, str]]:
    """Rate ``entry``'s stored usage with ``cats`` and rewrite ``option``'s per-function and
    per-service costs in place.

    Parameters
    ----------
    option : dict
        The option's entry of ``summary.json`` (changed in place).
    entry : dict
        Its entry of ``meters.json`` (with ``horizon_s`` and ``application``).
    cats : CatalogSet
        The catalogs to price with.

    Returns
    -------
    (CostBreakdown, {catalog: version}, {catalog: as_of})
        The option's bill; ``cost_usd`` is left to the caller, as for a single function.
    """
    bill = rate_usage(entry["application"], cats, float(entry["horizon_s"]))
    for block in option.get("functions", []):
        if block.get("name") in bill.per_function:
            block["cost_usd"] = function_cost(bill.per_function[block["name"]])
    option["services_usd"] = services_block(service_costs(bill.lines, bill.services))
    return bill.cost(), bill.versions, bill.dates
