"""The CPU-bound share of a duration, from mean durations at two or more memory sizes.

costsim scales only the CPU-bound share ``f`` of a duration with the vCPUs memory buys
(:func:`costsim.platforms.serverless.duration_factor`): at memory ``m``,
``d(m) = d_io + d_cpu * v(ref) / v(m)`` with ``v(m) = min(m / 1769 MB, 6, threads)``. Given
``(m, d)`` points this is linear in ``d_io`` and ``d_cpu``; both are fitted by non-negative least
squares for each thread count 1..6 and the best fit is kept. Then
``f = d_cpu / (d_io + d_cpu)`` at the reference memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from costsim.platforms.serverless import usable_vcpus


@dataclass(frozen=True)
class CpuFit:
    """Fitted CPU-bound share.

    Attributes
    ----------
    cpu_bound : float
        Share of the duration at ``reference_memory_mb`` that is CPU work [0-1].
    reference_memory_mb : float
        Memory the share refers to [MB].
    threads : int
        Threads the fit found the code keeps busy.
    io_ms, cpu_ms : float
        Fitted I/O and CPU parts of the duration at the reference memory [ms].
    rms_error : float
        Relative RMS error of the fitted durations against the measured ones.
    points : int
        Memory sizes used.
    """

    cpu_bound: float
    reference_memory_mb: float
    threads: int
    io_ms: float
    cpu_ms: float
    rms_error: float
    points: int

    def predict_ms(self, memory_mb: np.ndarray) -> np.ndarray:
        """Fitted mean duration [ms] at ``memory_mb`` [MB]."""
        ref = usable_vcpus(self.reference_memory_mb, self.threads)
        ratio = np.array([ref / usable_vcpus(float(m), self.threads) for m in memory_mb])
        return self.io_ms + self.cpu_ms * ratio


def fit_cpu_bound(
    memory_mb: np.ndarray, duration_ms: np.ndarray, reference_memory_mb: float
) -> CpuFit | None:
    """Fit the CPU-bound share; None with fewer than two distinct memory sizes."""
    m = np.asarray(memory_mb, dtype=np.float64)
    d = np.asarray(duration_ms, dtype=np.float64)
    if len(np.unique(m)) < 2:
        return None
    best: CpuFit | None = None
    for threads in range(1, 7):
        ref = usable_vcpus(reference_memory_mb, threads)
        ratio = np.array([ref / usable_vcpus(float(x), threads) for x in m])
        if np.ptp(ratio) == 0:
            continue
        coef, _ = nnls(np.column_stack([np.ones_like(ratio), ratio]), d)
        io_ms, cpu_ms = float(coef[0]), float(coef[1])
        err = float(
            np.sqrt(np.mean((io_ms + cpu_ms * ratio - d) ** 2)) / max(float(d.mean()), 1e-12)
        )
        total = io_ms + cpu_ms
        fit = CpuFit(
            cpu_bound=cpu_ms / total if total > 0 else 0.0,
            reference_memory_mb=reference_memory_mb,
            threads=threads,
            io_ms=io_ms,
            cpu_ms=cpu_ms,
            rms_error=err,
            points=len(np.unique(m)),
        )
        # a thread count only wins when it fits clearly better (fewer threads otherwise)
        if best is None or err < best.rms_error * 0.9 - 1e-12:
            best = fit
    return best if best is not None and math.isfinite(best.rms_error) else None


def mean_by_memory(memory_mb: np.ndarray, duration_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean duration [ms] per distinct memory size [MB] of a request log."""
    ok = np.isfinite(memory_mb) & np.isfinite(duration_ms)
    sizes = np.unique(memory_mb[ok])
    means = np.array([duration_ms[ok][memory_mb[ok] == s].mean() for s in sizes])
    return sizes, means
