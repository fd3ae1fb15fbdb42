"""Compatibility path: the distributions live in :mod:`costsim.stats.distributions`.

Kept so that notebooks and branches written against ``costsim.traffic.distributions`` still
import; new code imports :mod:`costsim.stats.distributions`.
"""

from costsim.stats.distributions import *  # noqa: F403
