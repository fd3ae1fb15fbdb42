"""The serverless option as a scenario file writes it: its fields, units and checks.

The adapter that turns it into a platform, a pricing spec and report words is
:mod:`costsim.kinds.serverless`, which re-exports these names.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from costsim.fields import (
    MAX_INSTANCES,
    MAX_SPAN_S,
    DurationS,
    Name,
    OneOf,
    PriceOverrides,
    SizeMB,
    Strict,
)
from costsim.kinds.function_settings import FunctionSettings
from costsim.kinds.schedule import ScheduleWindow
from costsim.platforms.rules import REUSE_POLICIES
from costsim.stats.distributions import Distribution, Lognormal
from costsim.units import duration_field

#: Reuse policy of warm instances: a name of ``costsim.platforms.rules.REUSE_POLICIES``.
ReusePolicy = Annotated[
    str,
    BeforeValidator(OneOf(tuple(REUSE_POLICIES), "reuse policy")),
    WithJsonSchema({"type": "string", "enum": list(REUSE_POLICIES)}),
]


def lifetime_or_off(value: Any, info: Any) -> float:
    """A maximum instance lifetime as written: a duration [s], or ``off`` (never: ``inf``).

    YAML 1.1 reads a bare ``off`` as false, so false means off too.
    """
    if value is False or (isinstance(value, str) and value.strip().lower() == "off"):
        return math.inf
    return duration_field(value, info)


#: A maximum lifetime [s]: a duration with its unit, or ``off`` (held as ``inf``).
LifetimeS = Annotated[float, BeforeValidator(lifetime_or_off)]


class ScaleRate(Strict):
    """A token bucket on new instances: at most ``instances`` new ones per ``per`` seconds.

    AWS Lambda allows 1,000 new execution environments every 10 s per function.
    """

    instances: int = Field(ge=1, le=MAX_INSTANCES)
    per_s: DurationS = Field(gt=0, alias="per")


class Extra(Strict):
    """A priced add-on of a serverless option, billed alongside each invocation.

    Written as a plain add-on key (``api-gateway-http``) or as a mapping. ``key`` names an add-on
    catalog item; ``catalog`` + ``item`` name any catalog item, e.g. ``{catalog:
    aws-step-functions, item: standard}``. ``per_request`` multiplies every quantity the extra is
    rated on: 6 state transitions per execution, or 0.05 authorizer calls per API call when 95 %
    hit the authorizer cache. ``transitions`` is the option's requests (one workflow execution
    each) before the multiplier. ``free_tier`` overrides the option's setting for this extra.
    """

    key: str | None = None
    catalog: str | None = None
    item: str | None = None
    per_request: float = Field(default=1.0, ge=0, le=1000, allow_inf_nan=False)
    free_tier: bool | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Extra:
        if (self.key is None) == (self.catalog is None):
            raise ValueError("an extra needs either key or catalog (with item), not both")
        if self.catalog is not None and self.item is None:
            raise ValueError(f"extra from catalog {self.catalog!r} needs an item")
        return self

    @property
    def label(self) -> str:
        """How the extra is named in outputs: its key, or ``catalog/item``, with the factor."""
        name = self.key if self.key is not None else f"{self.catalog}/{self.item}"
        return name if self.per_request == 1.0 else f"{name} x{self.per_request:g}"


def _extra(value: Any) -> Any:
    return {"key": value} if isinstance(value, str) else value


ExtraSpec = Annotated[Extra, BeforeValidator(_extra)]


class ServerlessOption(Strict):
    """Functions billed per invocation (AWS Lambda, Azure Functions, Cloud Run, ...)."""

    name: Name
    kind: Literal["serverless"]
    provider: str = "aws-lambda"
    arch: Literal["x86_64", "arm64"] = "x86_64"
    #: The priced variant of the provider's catalog, for products that are not split by
    #: architecture (``consumption`` for azure-functions, ``request-based`` for gcp-cloud-run,
    #: ``standard`` for cloudflare-workers); ``arch`` chooses it otherwise.
    plan: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    memory_mb: SizeMB = Field(default=128.0, gt=0, alias="memory")
    cold_start: Distribution = Field(
        default_factory=lambda: Lognormal(dist="lognormal", median=0.25, p99=0.9)
    )
    keep_alive_s: DurationS = Field(default=600.0, ge=0, le=MAX_SPAN_S, alias="keep_alive")
    concurrency_limit: int = Field(default=1000, ge=1, le=MAX_INSTANCES)
    #: New instances per period; unset, the product's published rate (Lambda: 1,000 per 10 s).
    scale_rate: ScaleRate | None = None
    #: Longest an invocation may run; unset, the product's limit (Lambda: 15 min). A longer one
    #: holds its instance that long, is billed that long and is counted ``timed_out``.
    timeout_s: DurationS | None = Field(default=None, gt=0, le=86400.0, alias="timeout")
    #: Age at which the platform recycles a busy instance (``off``: never); unset, the
    #: product's (Lambda: 2 h, off for products that publish none).
    max_lifetime_s: LifetimeS | None = Field(default=None, gt=0, alias="max_lifetime")
    reuse: ReusePolicy = "mru"
    provisioned_concurrency: int = Field(default=0, ge=0)
    #: Windows of provisioned concurrency over the run (dated, daily/weekly or cron), each with
    #: its count; outside every window, ``provisioned_concurrency``.
    provisioned_schedule: list[ScheduleWindow] = Field(default_factory=list, max_length=1000)
    instance_concurrency: int = Field(default=1, ge=1, le=1000)
    # products bill in steps of 1 ms to 1 min; an hour is a generous bound that keeps billed
    # durations (and their sums) finite
    billing_granularity_s: DurationS | None = Field(
        default=None, gt=0, le=3600, alias="billing_granularity"
    )
    init_billed: bool | None = None
    free_tier: bool = True
    ephemeral_storage_mb: SizeMB = Field(default=512.0, ge=0, alias="ephemeral_storage")
    extras: list[ExtraSpec] = Field(default_factory=list)
    prices: PriceOverrides = Field(default_factory=dict)
    #: Per-function settings for an application scenario: ``{ingest: {memory: 1GB}}``.
    functions: dict[str, FunctionSettings] = Field(default_factory=dict)
    #: For an application scenario: run every workflow on this option as Step Functions
    #: ``standard`` (billed per state transition) or ``express`` (per request and GB-second);
    #: unset, each route's ``workflow.type``.
    workflow_type: Literal["standard", "express"] | None = None

    @model_validator(mode="after")
    def _provisioned_within_limit(self) -> ServerlessOption:
        if self.provisioned_concurrency > self.concurrency_limit:
            raise ValueError("provisioned_concurrency cannot exceed concurrency_limit")
        return self

    @property
    def most_provisioned(self) -> int:
        """The largest provisioned count the option ever asks for."""
        return max([self.provisioned_concurrency, *(w.count for w in self.provisioned_schedule)])
