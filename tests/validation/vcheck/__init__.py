"""Validation checks of costsim's models against queueing theory, a peer simulator and bills.

Each check is a function ``check(size, mapper) -> list[Row]`` registered in :data:`CHECKS`.
``size`` is ``"fast"`` (the subset run by ``make test``) or ``"full"`` (``make validation``);
``mapper`` maps a function over replications (the built-in ``map``, or a process pool's).
The same functions feed the pytest tests and ``make_validation_doc.py``, which writes
``docs/VALIDATION.md``.
"""

from vcheck import app_pools, applications, billing, calibration, lifetime, little, peers, queueing
from vcheck.core import CHECKS, Estimate, Row, verdicts

#: Order of the checks in the table.
ORDER = ("erlang_c", "random_balancing", "erlang_b", "mmck", "mginf", "little", "simfaas",
         "billing", "calibration", "lifetime", "applications", "app_pools")  # fmt: skip

__all__ = ["CHECKS", "ORDER", "Estimate", "Row", "app_pools", "applications", "billing", "calibration",
           "lifetime", "little", "peers",
           "queueing", "verdicts"]  # fmt: skip
