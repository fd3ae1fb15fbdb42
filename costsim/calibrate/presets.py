"""Cold-start presets from published measurements, used when a log shows no ``Init Duration``.

Each preset is a lognormal matched to a published mean and standard deviation and says where the
numbers come from. (Tanasa's 2023 Node.js 20 benchmark, avg 242 ms and p90 584 ms at 256 MB, has
no lognormal with that mean and p90, so it is cited in docs/VALIDATION.md but not a preset.)
:func:`cold_start_preset` picks the row of the provider (and runtime, when known) nearest in
memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from costsim.stats.distributions import Z_99, Lognormal

WANG_2018 = (
    "Wang et al., 'Peeking Behind the Curtains of Serverless Platforms', USENIX ATC 2018, as "
    "parameterised (mean, sd) in OpenDC ColdStartModel.kt (128 MB and 2048 MB from the paper, "
    "sizes between interpolated) [secondary]"
)


@dataclass(frozen=True)
class ColdStartPreset:
    """A measured cold start: provider, runtime, memory [MB], the fit and its source."""

    provider: str
    runtime: str
    memory_mb: float
    median_s: float
    p99_s: float
    source: str

    @property
    def dist(self) -> Lognormal:
        """The preset as a scenario distribution."""
        return Lognormal(dist="lognormal", median=self.median_s, p99=self.p99_s)


def _from_mean_sd(mean_ms: float, sd_ms: float) -> tuple[float, float]:
    """Lognormal (median, p99) [s] with the given mean and standard deviation [ms]."""
    s2 = math.log1p((sd_ms / mean_ms) ** 2)
    mu = math.log(mean_ms / 1000.0) - s2 / 2.0
    return math.exp(mu), math.exp(mu + Z_99 * math.sqrt(s2))


def _wang(provider: str, memory_mb: float, mean_ms: float, sd_ms: float) -> ColdStartPreset:
    median, p99 = _from_mean_sd(mean_ms, sd_ms)
    return ColdStartPreset(provider, "any", memory_mb, median, p99, WANG_2018)


#: the published measurements, one row per provider, runtime and memory
PRESETS: tuple[ColdStartPreset, ...] = (
    _wang("aws-lambda", 128, 265.21, 354.43),
    _wang("aws-lambda", 256, 261.46, 334.23),
    _wang("aws-lambda", 512, 257.71, 314.03),
    _wang("aws-lambda", 1024, 253.96, 293.83),
    _wang("aws-lambda", 1536, 250.07, 273.63),
    _wang("aws-lambda", 2048, 246.11, 253.43),
    _wang("azure-functions", 1536, 242.66, 340.67),
    _wang("gcp-cloud-functions-gen1", 128, 493.04, 345.8),
    _wang("gcp-cloud-functions-gen1", 2048, 110.77, 124.3),
)


def cold_start_preset(
    provider: str, memory_mb: float, runtime: str = "any"
) -> ColdStartPreset | None:
    """The preset of ``provider`` (and ``runtime`` if measured) nearest to ``memory_mb``."""
    rows = [p for p in PRESETS if p.provider == provider]
    exact = [p for p in rows if p.runtime == runtime]
    rows = exact or [p for p in rows if p.runtime == "any"] or rows
    if not rows:
        return None
    return min(rows, key=lambda p: (abs(math.log(p.memory_mb / memory_mb)), p.memory_mb))
