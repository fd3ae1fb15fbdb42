"""An application's static sites: counted from their traffic, rated from the CDN's and origin's
catalogs, the same on every option.

A static site's requests never enter the simulated pools (a CDN serves them whichever way the
API is hosted). :func:`static_usage` replays each site's traffic stream (keyed by the site's
name as a route's is, :func:`costsim.traffic.route_stream_key`) and counts its requests, draws
each response's size from the site's own stream (whole bytes, rounded up) and applies the cache
hit ratio to the count. The result is plain quantities in ``meters.json``;
:func:`rate_static` prices them, so that a re-price gives what a re-run gives. Latency is not
simulated: an edge cache's latency is the network's, which costsim does not model.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np

from costsim.application.static import StaticSite
from costsim.errors import InputError
from costsim.pricing.catalog import AddonItem, Catalog
from costsim.pricing.models import dec, month_factor
from costsim.pricing.rate import breakdown, rate_components
from costsim.pricing.registry import CatalogSet
from costsim.results import CostBreakdown
from costsim.stats.distributions import Fixed
from costsim.traffic import STREAM_SIZES, option_stream_key, route_stream_key, stream
from costsim.traffic.context import StreamContext

Lines = list[tuple[str, Decimal]]
#: Bytes in one MB (sizes are held in MB, 1 MB = 1024 KB = 1,048,576 bytes).
BYTES_PER_MB = 1024 * 1024
#: Bytes in one GB, as the catalogs bill data out.
BYTES_PER_GB = 1024**3
#: Requests counted per chunk of a site's traffic: fixed, so that the byte totals are summed
#: over the same chunks on every run.
CHUNK_REQUESTS = 1 << 18
#: What a static site measures for each of its items: the CDN's every request and the bytes it
#: sends, the origin's fetches (cache misses) and the stored size.
CDN_METRICS = ("requests", "all_requests", "arrivals", "egress_gb", "months")
ORIGIN_METRICS = ("requests", "all_requests", "arrivals", "storage_gb_months", "months")
#: The service name of the lines in ``services_usd``.
SERVICE = "static site"


def _bytes(site: StaticSite, gen: np.random.Generator, n: int) -> int:
    sizes = site.response_size_mb.sample(gen, n)
    return int(np.ceil(sizes * BYTES_PER_MB).astype(np.int64).sum())


def site_usage(site: StaticSite, seed: int, horizon_s: float, base_dir: Path | None) -> dict:
    """One site's usage over the horizon (requests, origin fetches, bytes out, storage).

    Parameters
    ----------
    site : StaticSite
        The site.
    seed : int
        Scenario seed.
    horizon_s : float
        Simulated period [s].
    base_dir : Path or None
        Folder relative trace paths are resolved against.

    Returns
    -------
    dict
        JSON-ready: ``name``, ``cdn``, ``origin``, ``free_tier``, ``requests``,
        ``origin_requests`` (requests the cache missed, rounded half up), ``bytes_out`` and
        ``storage_mb``.
    """
    ctx = StreamContext(
        seed=seed,
        key=route_stream_key(site.name),
        horizon_s=horizon_s,
        chunk_size=CHUNK_REQUESTS,
        base_dir=base_dir,
    )
    gen = stream(seed, STREAM_SIZES, option_stream_key(site.name))
    size = site.response_size_mb
    requests = 0
    bytes_out = 0
    for times, _given in site.traffic.requests(ctx):
        requests += len(times)
        if not isinstance(size, Fixed):
            bytes_out += _bytes(site, gen, len(times))
    if isinstance(size, Fixed):
        bytes_out = requests * math.ceil(size.value * BYTES_PER_MB)
    hits = (Decimal(requests) * dec(site.cache_hit_ratio)).to_integral_value(ROUND_HALF_UP)
    return {
        "name": site.name,
        "cdn": site.cdn,
        "origin": site.origin,
        "free_tier": site.free_tier,
        "requests": requests,
        "origin_requests": requests - int(hits),
        "bytes_out": bytes_out,
        "storage_mb": site.storage_mb,
    }


def static_usage(
    sites: list[StaticSite], seed: int, horizon_s: float, base_dir: Path | None
) -> list[dict]:
    """Every site's usage (:func:`site_usage`), in the file's order."""
    return [site_usage(s, seed, horizon_s, base_dir) for s in sites]


def _quantities(role: str, use: dict, horizon_s: float) -> dict[str, Decimal]:
    """Monthly quantities of one site for its ``cdn`` or ``origin`` item."""
    scale = month_factor(horizon_s)
    if role == "cdn":
        n = Decimal(int(use["requests"])) * scale
        gb = Decimal(int(use["bytes_out"])) / Decimal(BYTES_PER_GB) * scale
        return {"requests": n, "all_requests": n, "arrivals": n, "egress_gb": gb}
    n = Decimal(int(use["origin_requests"])) * scale
    gb_months = dec(float(use["storage_mb"])) / Decimal(1024)  # a stock: not scaled
    return {"requests": n, "all_requests": n, "arrivals": n, "storage_gb_months": gb_months}


@dataclass
class StaticBill:
    """The static sites' lines, each site's own cost and the catalogs priced from.

    Attributes
    ----------
    lines : list of (str, Decimal)
        Monthly lines [USD], the sites on one item rated together (tiers and free allowance
        once per item).
    per_site : dict of str to CostBreakdown
        Each site's own monthly cost, before the free allowance.
    catalogs : list of Catalog
        The catalogs of the items used.
    """

    lines: Lines = field(default_factory=list)
    per_site: dict[str, CostBreakdown] = field(default_factory=dict)
    catalogs: list[Catalog] = field(default_factory=list)


def static_item(
    cats: CatalogSet, key: str, role: str, where: Any, index: int
) -> tuple[Catalog, AddonItem]:
    """The add-on item ``key`` a site's ``role`` (``cdn`` or ``origin``) bills from.

    Raises
    ------
    InputError
        Located at ``application.static.INDEX.ROLE``: an unknown key, or an item billing a
        metric the site does not measure.
    """
    path = ("application", "static", index, role)
    try:
        cat, name = cats.find_item(key, ("addon",))
    except InputError as exc:
        raise where(exc.message, *path) from None
    item = cat.items[name]
    assert isinstance(item, AddonItem)
    allowed = CDN_METRICS if role == "cdn" else ORIGIN_METRICS
    for comp in item.components:
        if comp.metric not in allowed:
            raise where(
                f"{key!r} bills {comp.metric}, which a static site's {role} does not measure "
                f"(it measures {', '.join(allowed)}); use a CDN item such as cloudfront-us for "
                "cdn and an object store such as s3-standard for origin",
                *path,
            )
    return cat, item


def rate_static(usage: list[dict], cats: CatalogSet, horizon_s: float, where: Any) -> StaticBill:
    """Price the sites' stored usage.

    Parameters
    ----------
    usage : list of dict
        :func:`static_usage`'s entries, as stored in ``meters.json``.
    cats : CatalogSet
        The catalogs to price with.
    horizon_s : float
        Simulated period [s]; quantities are scaled from it to a 730-hour month.
    where : callable
        ``where(message, *path)`` locating an error.
    """
    bill = StaticBill()
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, use in enumerate(usage):
        for role in ("cdn", "origin"):
            if use[role] is not None:
                groups[(role, use[role])].append(i)
    own: dict[int, Lines] = defaultdict(list)
    for (role, key), members in groups.items():
        cat, item = static_item(cats, key, role, where, members[0])
        if cat not in bill.catalogs:
            bill.catalogs.append(cat)
        summed: dict[str, Decimal] = defaultdict(Decimal)
        for i in members:
            q = _quantities(role, usage[i], horizon_s)
            for metric, value in q.items():
                summed[metric] += value
            own[i] += rate_components(item.components, {**q, "months": Decimal(1)}, cat, False)
        summed["months"] = Decimal(1)
        free_tier = bool(usage[members[0]]["free_tier"])
        bill.lines += rate_components(item.components, dict(summed), cat, free_tier)
    versions = {c.catalog: c.version for c in bill.catalogs}
    for i, use in enumerate(usage):
        bill.per_site[use["name"]] = breakdown(own[i], versions)
    return bill


def static_blocks(usage: list[dict], bill: StaticBill) -> list[dict[str, Any]]:
    """The per-site block of ``summary.json``: requests, origin fetches, GB out, own cost."""
    blocks = []
    for use in usage:
        cost = bill.per_site[use["name"]]
        blocks.append(
            {
                "name": use["name"],
                "cdn": use["cdn"],
                "origin": use["origin"],
                "requests": int(use["requests"]),
                "origin_requests": int(use["origin_requests"]),
                "gb_out": float(f"{int(use['bytes_out']) / BYTES_PER_GB:.6g}"),
                "latency": "not simulated (served by the CDN)",
                "cost_usd": {
                    "total": float(cost.total.quantize(Decimal("0.000001"))),
                    "components": {
                        k: float(v.quantize(Decimal("0.000001")))
                        for k, v in cost.components.items()
                    },
                    "period": "month",
                    "free_tier": "not applied (see the option's static site lines)",
                },
            }
        )
    return blocks
