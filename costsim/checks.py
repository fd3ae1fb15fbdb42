"""Every check ``run`` makes before it simulates, for ``validate`` and for each point of a sweep.

``validate`` passing means ``run`` will not refuse the scenario for its input: the schema and
units (at load), the catalog keys and limits (with the ``--catalog`` files), the resource guard
and its analytic estimates, and the traces, opened and read through.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from costsim.guards import Estimate, check_resources


def replay_profiles(node: Any) -> Iterator[Any]:
    """Every replay profile in a traffic tree (a sum's parts included)."""
    from costsim.traffic.replay import Replay

    if isinstance(node, Replay):
        yield node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from replay_profiles(getattr(node, name))
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from replay_profiles(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from replay_profiles(item)


def check_traces(scenario: Any) -> int:
    """Open and read every trace the scenario replays, as ``run`` would.

    Returns
    -------
    int
        Traces read.

    Raises
    ------
    InputError
        ``FILE:LINE: column: message`` for the first bad row of a trace.
    """
    from costsim.traffic import STREAM_ARRIVALS
    from costsim.traffic.context import StreamContext

    count = 0
    for profile in replay_profiles(scenario.traffic):
        ctx = StreamContext(
            seed=scenario.seed,
            key=(STREAM_ARRIVALS, count),
            horizon_s=scenario.horizon,
            chunk_size=1 << 16,
            base_dir=scenario.base_dir,
        )
        # the first chunk reads and checks the whole trace
        next(iter(profile.requests(ctx)), None)
        count += 1
    return count


def check_run_inputs(
    scenario: Any,
    catalog_files: list[str | Path] | None = None,
    *,
    force: bool = False,
    traces: bool = True,
) -> Estimate:
    """Make every check ``run`` makes, without simulating.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.
    catalog_files : list of path, optional
        Extra catalog files (``--catalog``).
    force : bool
        Lift the soft resource limits, as ``run --force`` does.
    traces : bool
        Also read the replayed traces (a sweep reads them once, not per point).

    Returns
    -------
    Estimate
        The resource estimate of the run.
    """
    from costsim.simulate import check_scenario

    estimate = check_resources(scenario, force=force)
    check_scenario(scenario, catalog_files)
    if traces:
        check_traces(scenario)
    return estimate
