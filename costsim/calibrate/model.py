"""From evidence to a calibrated workload: durations, cold starts, arrivals, memory, CPU share."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from costsim.calibrate.cpu_fit import CpuFit, fit_cpu_bound, mean_by_memory
from costsim.calibrate.evidence import Evidence, Requests
from costsim.calibrate.fit import DurationFit, fit_durations
from costsim.calibrate.presets import ColdStartPreset, cold_start_preset
from costsim.calibrate.profile_fit import ProfileFit, counts_from_times, fit_profile
from costsim.errors import InputError
from costsim.stats.distributions import Empirical, Exponential, _Dist

#: Lambda memory bounds and the default when nothing says otherwise [MB]
LAMBDA_MIN_MB = 128.0
LAMBDA_MAX_MB = 10240.0
#: fewest logged Init Durations that are fitted; with fewer a published preset is used
MIN_INIT_SAMPLES = 10
#: epoch times after this are real calendar times; smaller ones are trace-relative [s]
EPOCH_2001_S = 978307200.0


@dataclass
class Calibration:
    """Everything fitted from the sources, with where each value came from.

    Attributes
    ----------
    duration : _Dist
        Request duration at ``memory_mb`` [s].
    duration_note : str
        Where it came from and how well it fits.
    duration_fit : DurationFit or None
        The fit behind it, when it was fitted from per-request durations.
    cold_start : _Dist
        Init duration [s]; fitted from ``Init Duration`` or a published preset.
    cold_note : str
    profile : ProfileFit or None
        The arrival profile fit (None without any arrival data).
    memory_mb : float
        Function memory to write [MB].
    memory_note : str
    cpu : CpuFit or None
        CPU-bound share fit (needs two or more memory sizes).
    requests : Requests or None
        The per-request records (for replay and backtest).
    minute_counts : ndarray
        Arrivals per minute over the observed period.
    t0_s : float
        Start of the observed period [s, epoch or trace-relative].
    absolute_time : bool
        Whether ``t0_s`` is a real calendar time.
    """

    duration: _Dist
    duration_note: str
    duration_fit: DurationFit | None
    cold_start: _Dist
    cold_note: str
    init_fit: DurationFit | None
    profile: ProfileFit | None
    memory_mb: float
    memory_note: str
    cpu: CpuFit | None
    requests: Requests | None
    minute_counts: np.ndarray
    t0_s: float
    absolute_time: bool
    evidence: Evidence
    interarrival_cv: float | None = None
    #: the inter-arrival gaps fitted like durations (exponential-like gaps mean Poisson arrivals)
    interarrival_fit: DurationFit | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def span_s(self) -> float:
        """Length of the observed period [s]."""
        return 60.0 * len(self.minute_counts)


def _minute_counts(ev: Evidence, req: Requests | None) -> tuple[np.ndarray, float, bool]:
    """Arrivals per minute, the start [s], and whether the minutes are measured (not spread)."""
    if req is not None and len(req):
        t0 = float(math.floor(req.start_s.min()))
        span = max(float(req.start_s.max()) - t0 + 1e-9, 60.0)
        return counts_from_times(req.start_s, 60.0, t0, span), t0, True
    if ev.series:
        s = ev.series[0]
        if s.interval_s <= 60.0:
            factor = max(1, round(60.0 / s.interval_s))
            whole = len(s.counts) // factor * factor
            counts = s.counts[:whole].reshape(-1, factor).sum(axis=1) if whole else s.counts
            return counts, s.t0_s, True
        # a coarser period spread evenly over its minutes (its within-period shape is unknown)
        factor = round(s.interval_s / 60.0)
        return np.repeat(s.counts / factor, factor), s.t0_s, False
    return np.zeros(0), 0.0, True


def _memory(ev: Evidence, req: Requests | None, cpu_best: float | None) -> tuple[float, str]:
    if req is not None and np.isfinite(req.memory_mb).any():
        sizes, counts = np.unique(req.memory_mb[np.isfinite(req.memory_mb)], return_counts=True)
        mb = float(sizes[np.argmax(counts)])
        note = f"'Memory Size' of the REPORT lines ({int(counts.max())} of {len(req)} invocations)"
        used = req.max_memory_mb[np.isfinite(req.max_memory_mb)]
        if len(used):
            p99 = float(np.quantile(used, 0.99))
            note += f"; 'Max Memory Used' p99 {p99:.0f} MB, max {float(used.max()):.0f} MB"
        return mb, note
    if ev.memory_mb:
        path, mb = ev.memory_mb[0]
        lam = min(max(math.ceil(mb), LAMBDA_MIN_MB), LAMBDA_MAX_MB)
        return lam, f"mean allocated memory {mb:.0f} MB in {path} (Lambda needs at least 128 MB)"
    if cpu_best is not None:
        return cpu_best, "cheapest memory size of the Power Tuning run"
    return LAMBDA_MIN_MB, "no memory in the sources; Lambda's smallest size"


def calibrate(ev: Evidence, provider: str = "aws-lambda", seed: int = 0) -> Calibration:
    """Fit a workload to the evidence of one or more sources."""
    notes = list(dict.fromkeys(ev.notes))
    req = ev.all_requests("lambda-report")
    others = sorted({p.source for p in ev.requests} - {"lambda-report"})
    if req is not None and others:
        # the same invocations seen twice (a gateway log and the function's own) would count
        # twice: the REPORT lines are the billed record, so they win
        notes.append(f"REPORT lines present: the {', '.join(others)} records were not used")
    elif req is None:
        req = ev.all_requests()
    # -- durations ---------------------------------------------------------------------------------
    duration_fit: DurationFit | None = None
    if req is not None and len(req) >= 2:
        warm = ~req.cold
        sample = req.duration_ms[warm] if warm.sum() >= 2 else req.duration_ms
        duration_fit = fit_durations(sample / 1000.0, seed=seed)
        duration: _Dist = duration_fit.chosen
        duration_note = (
            f"fitted to {duration_fit.n} logged durations ({req.source}): " + duration_fit.summary()
        )
    elif ev.durations:
        path, dist = ev.durations[0]
        duration, duration_note = dist, f"percentiles of {path} (merged as a mixture)"
    elif any(s.duration_ms is not None for s in ev.series):
        s = next(s for s in ev.series if s.duration_ms is not None)
        assert s.duration_ms is not None
        ok = np.isfinite(s.duration_ms) & (s.counts > 0)
        if not ok.any():
            raise InputError("the metric export has no Duration values with invocations")
        mean_ms = float(np.average(s.duration_ms[ok], weights=s.counts[ok]))
        duration = Exponential(dist="exponential", mean=mean_ms / 1000.0)
        duration_note = (
            f"count-weighted mean of the {s.source} Duration column ({mean_ms:.4g} ms); a metric "
            "export gives only means, so the shape is assumed exponential"
        )
    else:
        raise InputError(
            "no durations in the sources: add REPORT logs, an access log with request times, a "
            "CloudWatch Duration column or an Azure 2019 durations file"
        )
    # -- CPU share and memory ----------------------------------------------------------------------
    cpu: CpuFit | None = None
    cheapest: float | None = None
    if ev.power:
        curve = ev.power[0]
        finite = np.isfinite(curve.cost_usd)
        if finite.any():
            cheapest = float(curve.memory_mb[finite][np.argmin(curve.cost_usd[finite])])
    memory_mb, memory_note = _memory(ev, req, cheapest)
    if ev.power:
        curve = ev.power[0]
        cpu = fit_cpu_bound(curve.memory_mb, curve.duration_ms, memory_mb)
    elif req is not None and np.isfinite(req.memory_mb).any():
        sizes, means = mean_by_memory(req.memory_mb, req.duration_ms)
        cpu = fit_cpu_bound(sizes, means, memory_mb)
    # -- cold starts -------------------------------------------------------------------------------
    init_fit: DurationFit | None = None
    n_cold = int(req.cold.sum()) if req is not None else 0
    if req is not None and n_cold >= MIN_INIT_SAMPLES:
        init_fit = fit_durations(req.init_ms[req.cold] / 1000.0, seed=seed)
        cold: _Dist = init_fit.chosen
        cold_note = f"fitted to {init_fit.n} logged 'Init Duration' values: " + init_fit.summary()
    else:
        preset: ColdStartPreset | None = cold_start_preset(provider, memory_mb)
        few = ""
        if n_cold and req is not None:
            mean_init = float(np.nanmean(req.init_ms))
            few = (
                f"only {n_cold} Init Duration(s) logged (mean {mean_init:.4g} ms), too few to fit; "
            )
        if preset is None:
            cold = Empirical(dist="empirical", percentiles={0: 0.25, 100: 0.25})
            cold_note = few + "no published preset: 250 ms"
        else:
            cold = preset.dist
            cold_note = (few or "no Init Duration in the sources: ") + (
                f"preset for {preset.provider} at {preset.memory_mb:g} MB from {preset.source}"
            )
    # -- arrivals ----------------------------------------------------------------------------------
    minutes, t0, measured = _minute_counts(ev, req)
    profile = fit_profile(minutes, t0, t0 > EPOCH_2001_S, measured) if minutes.sum() > 0 else None
    cv = None
    gap_fit = None
    if req is not None and len(req) >= 3:
        gaps = np.diff(np.sort(req.start_s))
        if gaps.mean() > 0:
            cv = float(gaps.std() / gaps.mean())
            gap_fit = fit_durations(gaps, seed=seed)
    return Calibration(
        duration=duration,
        duration_note=duration_note,
        duration_fit=duration_fit,
        cold_start=cold,
        cold_note=cold_note,
        init_fit=init_fit,
        profile=profile,
        memory_mb=memory_mb,
        memory_note=memory_note,
        cpu=cpu,
        requests=req,
        minute_counts=minutes,
        t0_s=t0,
        absolute_time=t0 > EPOCH_2001_S,
        evidence=ev,
        interarrival_cv=cv,
        interarrival_fit=gap_fit,
        notes=notes,
    )
