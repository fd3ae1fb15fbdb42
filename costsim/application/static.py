"""The static site of an application (``application.static``): served by a CDN, never simulated.

A single-page app, its scripts and images are served by a CDN in front of an object store
(CloudFront and S3 in the talk) whichever way the API is hosted, so a static site is priced the
same next to every option and its requests never enter the simulated pools. Each site has its
own traffic, a response size per request, a cache hit ratio (the share of requests the edge
answers without fetching from the origin) and the catalog items of its CDN and origin.

The response size is a size (``200KB``) or a distribution of sizes written with units
(``{dist: lognormal, median: 20KB, p99: 1MB}``); it is held, and drawn, in MB. The checks that
need the rest of the application (names shared with routes, one free allowance per CDN item) are
:func:`check_static`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError, ValidationInfo

from costsim.fields import Name, SizeMB
from costsim.fields import Strict as _Strict
from costsim.stats.distributions import Distribution
from costsim.traffic.compose import Profile
from costsim.units import UNITS_REQUIRED, parse_size_mb

#: Distributions a response size may follow, and the fields of each that are sizes.
SIZE_FIELDS: dict[str, tuple[str, ...]] = {
    "fixed": ("value",),
    "exponential": ("mean",),
    "lognormal": ("median", "p99"),
    "gamma": ("mean",),
    "weibull": ("scale",),
}
#: Largest object a static site may serve [MB]: 30 GB, CloudFront's largest cacheable file
#: (a response beyond it is a typo in the unit).
MAX_RESPONSE_MB = 30 * 1024.0
#: Largest stored site [MB]: 1 PB.
MAX_STORAGE_MB = 1024.0**3


def _size(value: Any, field: str, units_required: bool) -> float:
    """A size [MB]; in a scenario file a bare non-zero number is refused (KB or MB?), in a
    stored scenario (a dump, in MB) it is read as MB."""
    bare = isinstance(value, (int, float)) and not isinstance(value, bool)
    at = "" if field == "response_size" else f"{field}: "
    if bare and value != 0 and units_required:
        raise ValueError(f"{at}write the size with its unit, e.g. '{value:g}KB' or '{value:g}MB'")
    mb = parse_size_mb(value)
    if not 0 <= mb <= MAX_RESPONSE_MB:
        raise ValueError(f"{at}a response size is within 0 .. 30GB, got {value!r}")
    return mb


def _response_size(value: Any, info: ValidationInfo) -> Any:
    """Read ``response_size``: a size, or a distribution whose size fields carry units."""
    units = bool((info.context or {}).get(UNITS_REQUIRED))
    if not isinstance(value, dict):
        value = {"dist": "fixed", "value": _size(value, "response_size", units)}
        units = False
    dist = value.get("dist")
    if dist not in SIZE_FIELDS:
        raise ValueError(
            f"a response size is a size ('200KB') or {{dist: ...}} with dist one of "
            f"{', '.join(SIZE_FIELDS)}; got dist {dist!r}"
        )
    out = dict(value)
    for key in SIZE_FIELDS[dist]:
        if key in out:
            out[key] = _size(out[key], key, units)
    try:
        # validated here, sizes in MB: the scenario's "durations need a unit" rule is not theirs
        return TypeAdapter(Distribution).validate_python(out)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"][1:])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "required field is missing"
        raise ValueError(f"{where}: {msg}" if where else msg) from None


#: A response size [MB]: fixed or a distribution of sizes.
SizeDistribution = Annotated[Distribution, BeforeValidator(_response_size)]


class StaticSite(_Strict):
    """A static site served by a CDN: priced on every option, not simulated.

    Attributes
    ----------
    name : str
        The site's name; its arrivals are keyed by it as a route's are (distinct from the routes').
    traffic : Profile
        Its requests (every object fetched: pages, scripts, images).
    response_size : Distribution
        Bytes sent per request, as a size (``200KB``) or a distribution of sizes [MB].
    cache_hit_ratio : float
        Share of requests the CDN answers from its cache; the others are fetched from the origin.
    cdn : str
        The add-on item that bills the edge's requests and data out (``cloudfront-us``).
    origin : str or None
        The add-on item that bills origin fetches and storage (``s3-standard``); null for none.
    storage : float
        The site's stored size, billed by the origin per GB-month [MB].
    free_tier : bool
        Whether the CDN's and origin's monthly free allowances are credited (CloudFront's is
        always free: 1 TB and 10 million requests a month).
    """

    name: Name
    traffic: Profile
    response_size_mb: SizeDistribution = Field(alias="response_size")
    cache_hit_ratio: float = Field(ge=0, le=1, allow_inf_nan=False)
    cdn: str = "cloudfront-us"
    origin: str | None = "s3-standard"
    storage_mb: SizeMB = Field(default=0.0, ge=0, le=MAX_STORAGE_MB, alias="storage")
    free_tier: bool = True


def check_static(
    sites: list[StaticSite], route_names: list[str], error: Any, root: tuple[str | int, ...]
) -> None:
    """Raise the first problem of the static sites as an :class:`~costsim.errors.InputError`.

    Parameters
    ----------
    sites : list of StaticSite
        The application's static sites.
    route_names : list of str
        The application's route names (a site's name must differ: arrivals are keyed by name).
    error : callable
        ``error(message, *path)`` locating the message in the scenario file.
    root : tuple
        Field path of the application block.
    """
    seen: set[str] = set()
    free: dict[tuple[str, str], bool] = {}
    for i, site in enumerate(sites):
        here = (*root, "static", i)
        if site.name in seen or site.name in route_names:
            raise error(
                f"{site.name!r} names another route or static site; names must be unique (each "
                "one's traffic is drawn from a stream keyed by its name)",
                *here,
                "name",
            )
        seen.add(site.name)
        for role, key in (("cdn", site.cdn), ("origin", site.origin)):
            if key is not None and free.setdefault((role, key), site.free_tier) != site.free_tier:
                raise error(
                    f"the sites on {key!r} share its monthly free allowance (they are billed "
                    "together): give them the same free_tier",
                    *here,
                    "free_tier",
                )
