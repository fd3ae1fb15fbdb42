"""Outcomes of a request, a call or a task, ordered by severity, and the process type.

A request's outcome is the worst on its path (``OK < ERROR < THROTTLED < DROPPED``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

OK, ERROR, THROTTLED, DROPPED = 0, 1, 2, 3
#: An execution cut at its function's timeout; a host turns it into ERROR for the caller.
TIMED_OUT = 4

#: A SimPy process of the application engine, returning an outcome.
Proc = Generator[simpy.Event, Any, int]
