"""Azure Functions 2019 trace: durations as the dataset defines them, and the app-memory file.

``function_durations_percentiles.anon.dNN.csv`` has, per function and day, ``Average``,
``Count``, ``Minimum``, ``Maximum`` and ``percentile_Average_{0,1,25,50,75,99,100}`` [ms]. The
dataset's notes (AzureFunctionsDataset2019.md) define the percentiles over the *30-second
averages* of a function's execution time, not over single invocations: they are narrower than the
distribution of invocation durations. ``Minimum`` and ``Maximum`` are of single invocations, so
they replace the 0th and 100th percentile points here. Several functions are merged as a mixture
weighted by ``Count`` (the CDF of the merge is the weighted sum of the functions' CDFs), never by
averaging their percentile points, which would be narrower than any mixture.

``app_memory_percentiles.anon.dNN.csv`` has, per app, ``SampleCount`` and
``AverageAllocatedMb`` with percentiles ``AverageAllocatedMb_pct1`` .. ``_pct100``.
"""

from __future__ import annotations

import numpy as np

from costsim.errors import InputError
from costsim.stats.distributions import Empirical
from costsim.traffic.trace_io import AZURE_2019_PERCENTILES, _number, _open_rows

#: said wherever Azure 2019 durations are used
DURATION_CAVEAT = (
    "Azure 2019 duration percentiles are percentiles of 30-second average durations, not of "
    "single invocations; the 0th/100th points are the trace's true Minimum/Maximum, so the "
    "middle of the distribution is narrower than the real one"
)


def function_knots(row: dict[str, str], path: str, line: int) -> tuple[np.ndarray, np.ndarray]:
    """One function's quantile knots: probabilities [0-1] and durations [s]."""
    cols = [f"percentile_Average_{p}" for p in AZURE_2019_PERCENTILES]
    values = [_number(row[c], path, line, c, minimum=0.0) for c in cols]
    if "Minimum" in row and "Maximum" in row:
        values[0] = _number(row["Minimum"], path, line, "Minimum", minimum=0.0)
        values[-1] = _number(row["Maximum"], path, line, "Maximum", minimum=0.0)
    ms = np.maximum.accumulate(np.asarray(values))
    return np.asarray(AZURE_2019_PERCENTILES, dtype=np.float64) / 100.0, ms / 1000.0


def mixture_empirical(parts: list[tuple[float, np.ndarray, np.ndarray]]) -> Empirical:
    """The exact mixture of piecewise-linear quantile functions ``(weight, q, value_s)``.

    Each part's CDF is piecewise linear between its knots, so the mixture's CDF is piecewise
    linear between the union of all knots and an empirical distribution on those points is the
    mixture itself.
    """
    total = sum(w for w, _, _ in parts)
    xs = np.unique(np.concatenate([v for _, _, v in parts]))
    left = np.zeros(len(xs))
    right = np.zeros(len(xs))
    for w, q, v in parts:
        # F(x-) and F(x): an atom (flat quantile stretch) makes them differ
        ux, first = np.unique(v, return_index=True)
        _, last_rev = np.unique(v[::-1], return_index=True)
        last = len(v) - 1 - last_rev
        left += (w / total) * np.interp(xs, ux, q[first], left=0.0, right=1.0)
        right += (w / total) * np.interp(xs, ux, q[last], left=0.0, right=1.0)
    left[xs <= xs[0]] = 0.0
    pairs: list[tuple[float, float]] = []
    for lo, hi, x in zip(left, right, xs, strict=True):
        pairs += [(round(100.0 * lo, 9), float(x)), (round(100.0 * hi, 9), float(x))]
    # equal probabilities with different values are a gap between parts (a jump of the
    # quantile function): keep both ends, the later a hair above, so nothing fills the gap
    points: dict[float, float] = {}
    for i, (p, x) in enumerate(pairs):
        if p in points:
            nxt = pairs[i + 1][0] if i + 1 < len(pairs) else None
            if x != points[p] and nxt != p and p < 100.0:
                points[p + 1e-6] = x
            continue
        points[p] = x
    points[100.0] = max(points.get(100.0, float(xs[-1])), float(xs[-1]))
    return Empirical(dist="empirical", percentiles=points)


def azure_2019_durations(path: str, functions: set[str] | None) -> Empirical:
    """The duration distribution [s] of the selected functions (all when None), as a mixture."""
    parts: list[tuple[float, np.ndarray, np.ndarray]] = []
    cols = [f"percentile_Average_{p}" for p in AZURE_2019_PERCENTILES]
    for line, row in _open_rows(path):
        if functions is not None and row.get("HashFunction") not in functions:
            continue
        missing = [c for c in (*cols, "Count") if c not in row]
        if missing:
            raise InputError(
                f"missing column {missing[0]!r}; is this an Azure 2019 durations file?",
                file=path,
                line=1,
            )
        count = _number(row["Count"], path, line, "Count", minimum=0.0)
        if count > 0:
            q, v = function_knots(row, path, line)
            parts.append((count, q, v))
    if not parts:
        raise InputError("no duration percentiles for the selected functions", file=path)
    return mixture_empirical(parts)


def azure_2019_memory_mb(path: str, apps: set[str] | None) -> float:
    """Mean allocated memory [MB] of the selected apps (all when None), weighted by samples."""
    total = weight = 0.0
    for line, row in _open_rows(path):
        if apps is not None and row.get("HashApp") not in apps:
            continue
        if "AverageAllocatedMb" not in row or "SampleCount" not in row:
            raise InputError(
                "missing column 'AverageAllocatedMb' or 'SampleCount'; is this an Azure 2019 "
                "app memory file?",
                file=path,
                line=1,
            )
        n = _number(row["SampleCount"], path, line, "SampleCount", minimum=0.0)
        total += n * _number(row["AverageAllocatedMb"], path, line, "AverageAllocatedMb", 0.0)
        weight += n
    if weight == 0:
        raise InputError("no memory samples for the selected apps", file=path)
    return total / weight
