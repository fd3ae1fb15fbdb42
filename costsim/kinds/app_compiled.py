"""Which options the compiled application engine hosts: the whitelist of option settings.

:func:`compiled_gap` names the first setting of an option, or of the application it hosts,
that the compiled engine (:mod:`costsim.engine.fast_app`) does not run; the run then takes the
SimPy reference for the whole scenario and says why in one line. The lists name what the
compiled engine has been made to run exactly as the reference does: a setting not listed that
differs from its default (a new one, such as a per-function provisioned schedule or an
autoscaling fleet) falls back until it is compiled and listed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costsim.application.schema import Application
from costsim.engine.fast_app_features import APPLICATION_FIELDS, application_gap, first_gap
from costsim.kinds.function_settings import FunctionSettings

#: Settings the compiled engine runs, per option model (class name).
_FLEET = frozenset(
    {"name", "kind", "workers", "balancer", "queue_limit", "queue_timeout_s", "prices",
     "background_workers", "count"}
)  # fmt: skip
OPTION_FIELDS: Mapping[str, frozenset[str]] = {
    # instance_concurrency only at its default (1); provisioned_schedule not yet compiled
    "ServerlessOption": frozenset(
        {
            "name",
            "kind",
            "provider",
            "arch",
            "plan",
            "memory_mb",
            "cold_start",
            "keep_alive_s",
            "concurrency_limit",
            "scale_rate",
            "timeout_s",
            "max_lifetime_s",
            "reuse",
            "provisioned_concurrency",
            "billing_granularity_s",
            "init_billed",
            "free_tier",
            "ephemeral_storage_mb",
            "extras",
            "prices",
            "functions",
            "workflow_type",
        }
    ),
    # autoscale not compiled (nor simulated for applications by the reference)
    "VpsOption": _FLEET | {"instance", "savings_plan_discount"},
    "BareMetalOption": _FLEET
    | {"server", "sizing_utilization", "commitment_months", "ops_usd_per_server_month"},
    **APPLICATION_FIELDS,
}


def compiled_gap(opt: Any, app: Application) -> str | None:
    """The first setting of option ``opt`` or of ``app`` the compiled engine does not run, as
    a few words for the one-line note; None when it runs them all."""
    gap = first_gap(opt, OPTION_FIELDS, opt.name, walk=(FunctionSettings,))
    if gap is not None:
        return gap
    return application_gap(app)
