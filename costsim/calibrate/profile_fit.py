"""Fitting the arrival profile: a daily (and weekly) cycle with its error, or a replay.

Hourly arrival counts are regressed on ``1, cos(w t), sin(w t)`` with ``w = 2 pi / 1 day``
(least squares), which is costsim's ``diurnal`` profile: mean ``b0``, amplitude
``sqrt(b1^2 + b2^2) / b0`` and peak hour ``atan2(b2, b1) / w``. With a week or more of data the
weekend factor is the ratio of whole Saturdays' and Sundays' arrivals to whole weekdays' (the
daily cycle sums to zero over a day), and the cycle is fitted to the counts weighted by it, as
costsim's profile multiplies the weekend rate.

The fit is kept only when it describes the traffic: the hourly counts must lie within
:data:`MAX_HOURLY_ERROR` (relative RMS error) of the fit, and the per-minute counts must be
about as variable as Poisson arrivals at the fitted rate (index of dispersion at most
:data:`MAX_DISPERSION`). Otherwise the log is kept as a replay, which preserves its bursts.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

DAY_S = 86400.0
HOUR_S = 3600.0
#: fewest whole hours a daily cycle is fitted to (a "last 24 h" export is a little short of 24)
MIN_HOURS_DIURNAL = 22
#: largest relative RMS error of hourly counts for which a fitted profile is written
MAX_HOURLY_ERROR = 0.25
#: largest variance/mean of per-minute counts (around the fit) still taken as Poisson
MAX_DISPERSION = 2.0


@dataclass(frozen=True)
class ProfileFit:
    """The fitted arrival profile of a log.

    Attributes
    ----------
    kind : str
        ``diurnal``, ``constant`` or ``replay`` (the fit was not good enough).
    mean_rps : float
        The profile's ``mean_rps`` [1/s]: the mean rate on weekdays (weekends are this times
        ``weekend_factor``); for a constant profile the mean over the period.
    peak_to_trough : float
        Ratio of the fitted daily peak to the trough.
    peak_hour : float
        Hour of the daily peak [h, UTC when the log has real times].
    weekend_factor : float
        Fitted Saturday/Sunday rate over the weekday rate (1 with less than a week of data).
    hourly_error : float
        Relative RMS error of the hourly counts against the fit.
    dispersion : float
        Variance over mean of per-minute counts around the fitted rate (1 for Poisson).
    span_s : float
        Length of the observed period [s].
    reason : str
        Why this kind was chosen.
    hourly_counts, hourly_fit : ndarray
        Observed and fitted arrivals per hour (for the report's chart).
    """

    kind: str
    mean_rps: float
    peak_to_trough: float
    peak_hour: float
    weekend_factor: float
    hourly_error: float
    dispersion: float
    span_s: float
    reason: str
    hourly_counts: np.ndarray
    hourly_fit: np.ndarray
    t0_s: float


def counts_from_times(
    times_s: np.ndarray, width_s: float, t0_s: float, span_s: float
) -> np.ndarray:
    """Arrivals per bin of ``width_s`` [s] from ``t0_s`` over ``span_s``."""
    n_bins = max(1, math.ceil(span_s / width_s - 1e-9))
    idx = np.clip(((times_s - t0_s) // width_s).astype(np.int64), 0, n_bins - 1)
    return np.bincount(idx, minlength=n_bins).astype(np.float64)


def _rebin(counts: np.ndarray, factor: int) -> np.ndarray:
    """Sums over whole bins of ``factor``; a shorter series is one bin scaled to full width."""
    whole = len(counts) // factor * factor
    if whole == 0:
        return counts.sum(keepdims=True) * factor / max(len(counts), 1)
    return counts[:whole].reshape(-1, factor).sum(axis=1)


def fit_profile(
    minute_counts: np.ndarray, t0_s: float, absolute_time: bool, per_minute: bool = True
) -> ProfileFit:
    """Fit per-minute arrival counts that start at ``t0_s`` [s].

    ``per_minute`` is False when the counts were spread from coarser periods: their per-minute
    variability is then unknown and not checked (``dispersion`` is NaN).
    """
    minutes = np.asarray(minute_counts, dtype=np.float64)
    span_s = len(minutes) * 60.0
    hourly = _rebin(minutes, 60)
    n_hours = len(hourly)
    mean_rps = float(minutes.sum() / span_s) if span_s else 0.0
    t_mid = t0_s + (np.arange(n_hours) + 0.5) * HOUR_S
    w = 2.0 * math.pi / DAY_S
    if n_hours >= MIN_HOURS_DIURNAL:
        weekday = _weekday(t_mid, absolute_time)
        weekend = weekday >= 5
        use_week = span_s >= 6.9 * DAY_S and weekend.any() and (~weekend).any()
        weight = np.ones(n_hours)
        weekend_factor = 1.0
        if use_week:
            # the cycle sums to zero over whole days, so whole days' totals give the factor
            days = np.floor((t_mid - t0_s) / DAY_S).astype(np.int64)
            whole = days < int(span_s // DAY_S)
            per_day = np.bincount(days[whole], weights=hourly[whole])
            day_weekend = np.bincount(days[whole], weights=weekend[whole].astype(float)) > 12
            if day_weekend.any() and (~day_weekend).any():
                ends, wdays = per_day[day_weekend], per_day[~day_weekend]
                factor = float(ends.mean() / max(wdays.mean(), 1e-12))
                # kept when it stands out of the day-to-day scatter (3 standard errors)
                rel_var = sum(
                    float(x.var(ddof=1)) / len(x) / max(float(x.mean()), 1e-12) ** 2
                    for x in (ends, wdays)
                    if len(x) > 1
                )
                rel_se = math.sqrt(rel_var) if len(ends) > 1 and len(wdays) > 1 else math.inf
                if abs(factor - 1.0) > 3.0 * factor * rel_se:
                    weekend_factor = factor
                    weight = np.where(weekend, weekend_factor, 1.0)
        design = np.column_stack([weight, weight * np.cos(w * t_mid), weight * np.sin(w * t_mid)])
        coef, *_ = np.linalg.lstsq(design, hourly, rcond=None)
        b0 = max(float(coef[0]), 1e-12)
        # an hourly count averages the cycle over its hour, which shrinks the amplitude by
        # sinc(pi h / day) = 0.9971; undo that so the fit is of the rate itself
        shrink = math.sin(math.pi * HOUR_S / DAY_S) / (math.pi * HOUR_S / DAY_S)
        amp = min(math.hypot(float(coef[1]), float(coef[2])) / b0 / shrink, 0.95)
        peak_hour = (math.atan2(float(coef[2]), float(coef[1])) / w / HOUR_S) % 24.0
        fitted = np.maximum(design @ coef, 0.0)
        # the cycle counts only when it stands out of the noise: under a constant rate the
        # fitted (b1, b2) is ~normal with sd se each, so |b| > 3 se has odds exp(-4.5) = 1 %
        resid_var = float(np.sum((hourly - fitted) ** 2)) / max(n_hours - 3, 1)
        se = math.sqrt(2.0 * resid_var / n_hours) / float(np.mean(weight))
        significant = math.hypot(float(coef[1]), float(coef[2])) > 3.0 * se
        if not significant:
            amp = 0.0
        kind = "diurnal" if (amp >= 0.05 and significant) or weekend_factor != 1.0 else "constant"
        # the profile's mean_rps is the weekday mean: weekends are that times the factor
        mean_rps = b0 / HOUR_S
    else:
        amp, peak_hour, weekend_factor = 0.0, 14.0, 1.0
        fitted = np.full(n_hours, hourly.mean())
        kind = "constant"
    peak_to_trough = (1.0 + amp) / (1.0 - amp)
    scale = max(float(hourly.mean()), 1e-12)
    hourly_error = float(np.sqrt(np.mean((hourly - fitted) ** 2)) / scale)
    # per-minute dispersion around the fitted rate (each fitted hour spread evenly)
    if n_hours >= MIN_HOURS_DIURNAL:
        full = minutes[: n_hours * 60]
        resid = full - np.repeat(fitted / 60.0, 60)
        dispersion = float(np.mean(resid**2) / max(float(full.mean()), 1e-12))
    else:
        dispersion = float(minutes.var() / max(float(minutes.mean()), 1e-12))
    if not per_minute:
        dispersion = math.nan
    if hourly_error > MAX_HOURLY_ERROR:
        kind, reason = "replay", f"hourly counts are {100 * hourly_error:.0f}% off any daily cycle"
    elif per_minute and dispersion > MAX_DISPERSION:
        kind, reason = (
            "replay",
            f"per-minute counts are {dispersion:.1f}x as variable as Poisson arrivals (bursty)",
        )
    elif kind == "constant" and n_hours < MIN_HOURS_DIURNAL:
        reason = "less than a day of data: a constant rate"
    else:
        reason = f"hourly counts within {100 * hourly_error:.0f}% (RMS) of the fit, " + (
            f"per-minute dispersion {dispersion:.2f} (Poisson: 1)"
            if per_minute
            else "per-minute burstiness unknown (coarser periods)"
        )
    return ProfileFit(
        kind=kind,
        mean_rps=mean_rps,
        peak_to_trough=peak_to_trough,
        peak_hour=peak_hour,
        weekend_factor=weekend_factor,
        hourly_error=hourly_error,
        dispersion=dispersion,
        span_s=span_s,
        reason=reason,
        hourly_counts=hourly,
        hourly_fit=fitted,
        t0_s=t0_s,
    )


def _weekday(t_s: np.ndarray, absolute_time: bool) -> np.ndarray:
    """Day of the week (0 = Monday): from the calendar for real times, else costsim's day 0."""
    days = np.floor(t_s / DAY_S).astype(np.int64)
    if absolute_time:
        # 1970-01-01 was a Thursday (weekday 3)
        return (days + dt.date(1970, 1, 1).weekday()) % 7
    return days % 7
