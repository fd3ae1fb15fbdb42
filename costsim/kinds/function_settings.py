"""Per-function settings of an application on a serverless option (``functions: {f: {...}}``).

They live with the option kinds, not in :mod:`costsim.application.schema`, because a function's
``provisioned_schedule`` is the single-function option's own window model
(:class:`~costsim.kinds.schedule.ScheduleWindow`), with the same semantics.
"""

from __future__ import annotations

from pydantic import Field

from costsim.application.schema import MAX_CONCURRENCY
from costsim.fields import DurationS, SizeMB, Strict
from costsim.kinds.schedule import ScheduleWindow
from costsim.stats.distributions import Distribution


class FunctionSettings(Strict):
    """Per-option settings of one function on a serverless option (``functions: {f: {...}}``).

    Attributes
    ----------
    provisioned : int or None
        Instances kept warm all the time; the function's ``provisioned`` when omitted (and the
        base count outside the windows of ``provisioned_schedule``).
    provisioned_schedule : list of ScheduleWindow
        Windows of provisioned instances, as a single function's option takes them: the count
        is the largest open window's, at least ``provisioned``.
    instance_concurrency : int or None
        Executions one instance runs at once; the option's when omitted.
    """

    memory_mb: SizeMB | None = Field(default=None, gt=0, alias="memory")
    keep_alive_s: DurationS | None = Field(default=None, ge=0, alias="keep_alive")
    reserved_concurrency: int | None = Field(default=None, ge=0, le=MAX_CONCURRENCY)
    provisioned: int | None = Field(default=None, ge=0, le=MAX_CONCURRENCY)
    provisioned_schedule: list[ScheduleWindow] = Field(default_factory=list, max_length=1000)
    instance_concurrency: int | None = Field(default=None, ge=1, le=1000)
    cold_start: Distribution | None = None
