"""The fit report of ``costsim calibrate --report DIR``: Markdown with a QQ plot, a CDF overlay
and the daily profile, so a reader can see the data against the fit."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from costsim.calibrate.fit import DurationFit, cdf
from costsim.calibrate.model import Calibration
from costsim.calibrate.writer import dist_yaml
from costsim.report.style import LINESTYLES, PALETTE, chart_style, save, source_line

#: quantiles the QQ plot compares [0-1]
QQ_PROBS = np.concatenate([np.linspace(0.005, 0.95, 60), np.linspace(0.955, 0.995, 9)])


def _durations_ms(cal: Calibration) -> np.ndarray:
    req = cal.requests
    if req is None:
        return np.zeros(0)
    warm = ~req.cold
    return req.duration_ms[warm] if warm.sum() >= 2 else req.duration_ms


def qq_chart(cal: Calibration, fit: DurationFit, out: Path) -> list[Path]:
    """Sample quantiles of the logged durations against the chosen fit's quantiles."""
    data = _durations_ms(cal)
    with chart_style():
        fig, ax = plt.subplots(figsize=(5.5, 5.0))
        sample = np.quantile(data, QQ_PROBS)
        model = np.array([1000.0 * fit.chosen.quantile_s(float(q)) for q in QQ_PROBS])
        ax.plot(model, sample, "o", markersize=3.5, color=PALETTE[0], label="quantiles 0.5-99.5 %")
        lo, hi = float(min(model.min(), sample.min())), float(max(model.max(), sample.max()))
        ax.plot([lo, hi], [lo, hi], color="black", linewidth=0.8, linestyle="--", label="y = x")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"{fit.name} fit quantile [ms], log scale")
        ax.set_ylabel("logged duration quantile [ms], log scale")
        ax.set_title(f"QQ plot: logged durations against the {fit.name} fit (KS D={fit.ks:.3f})")
        ax.legend(loc="upper left", fontsize=8)
        source_line(fig, f"n={fit.n} warm invocations; points on the line mean the fit holds")
        return save(fig, out, "duration_qq")


def cdf_chart(
    data_ms: np.ndarray,
    fit: DurationFit,
    out: Path,
    stem: str = "duration_cdf",
    what: str = "Duration",
) -> list[Path]:
    """The empirical CDF of ``data_ms`` [ms] with every candidate's CDF over it."""
    data = np.sort(data_ms)
    with chart_style():
        fig, ax = plt.subplots()
        frac = np.arange(1, len(data) + 1) / len(data)
        ax.step(
            data, frac, where="post", color="black", linewidth=1.6, label=f"logged (n={len(data)})"
        )
        grid = np.geomspace(max(float(data.min()), 1e-3), float(data.max()), 300)
        for i, c in enumerate(fit.candidates):
            ax.plot(
                grid,
                cdf(c.dist, grid / 1000.0),
                color=PALETTE[(i + 1) % len(PALETTE)],
                linestyle=LINESTYLES[(i + 1) % 8],
                linewidth=1.2,
                label=f"{c.name}: AIC {c.aic - fit.candidates[0].aic:+.0f}, KS D={c.ks:.3f}",
            )
        if fit.name == "empirical":
            ax.plot(
                grid, cdf(fit.chosen, grid / 1000.0), color=PALETTE[0], label="empirical (chosen)"
            )
        ax.set_xscale("log")
        ax.set_ylim(0, 1.01)
        ax.set_xlabel(f"{what.lower()} [ms], log scale")
        ax.set_ylabel("share of invocations at or below [-]")
        ax.set_title(f"{what} CDF: data and candidates ({fit.name} chosen by AIC)")
        ax.legend(loc="lower right", fontsize=8)
        source_line(fig, "AIC relative to the best candidate; KS D = largest CDF gap")
        return save(fig, out, stem)


def profile_chart(cal: Calibration, out: Path) -> list[Path]:
    """Arrivals per hour over the logged period, with the fitted profile."""
    p = cal.profile
    assert p is not None
    hours = np.arange(len(p.hourly_counts))
    with chart_style():
        fig, ax = plt.subplots()
        ax.bar(
            hours, p.hourly_counts, width=0.9, color=PALETTE[4], label="logged arrivals per hour"
        )
        ax.plot(
            hours,
            p.hourly_fit,
            color=PALETTE[5],
            linewidth=1.8,
            label="fitted daily cycle" if p.kind != "constant" else "fitted constant rate",
        )
        ax.set_xlabel("hour since the first logged arrival [h]")
        ax.set_ylabel("arrivals per hour [1/h]")
        kind = p.kind if p.kind != "replay" else "kept as a replay"
        ax.set_title(f"Arrival profile: {kind}, hourly RMS error {100 * p.hourly_error:.0f}%")
        ax.legend(loc="upper right", fontsize=8)
        source_line(fig, p.reason)
        return save(fig, out, "daily_profile")


def markdown(cal: Calibration, charts: list[str]) -> str:
    """The report text."""
    lines = ["# Calibration report", "", f"Sources: {', '.join(sorted(cal.evidence.used))}", ""]
    lines.append(f"Unusable lines skipped: {len(cal.evidence.bad)}")
    for b in cal.evidence.bad[:20]:
        lines.append(f"- `{b.one_line()}`")
    lines += [
        "",
        "## Durations",
        "",
        cal.duration_note,
        "",
        f"Written: `{dist_yaml(cal.duration)}`",
        "",
    ]
    fit = cal.duration_fit
    if fit is not None:
        lines += [
            "| candidate | parameters | log-likelihood | AIC - best | KS D |",
            "|---|---|---:|---:|---:|",
        ]
        for c in fit.candidates:
            params = ", ".join(f"{k}={v:.4g}" for k, v in c.params.items())
            lines.append(
                f"| {c.name} | {params} | {c.log_likelihood:.1f} | "
                f"{c.aic - fit.candidates[0].aic:.1f} | {c.ks:.4f} |"
            )
        lines += [
            "",
            f"Sample: n={fit.n}, median {1000 * fit.p50_s:.4g} ms, p99 {1000 * fit.p99_s:.4g} ms, "
            f"mean {1000 * fit.mean_s:.4g} ms (95% CI {1000 * fit.mean_ci_s[0]:.4g}-"
            f"{1000 * fit.mean_ci_s[1]:.4g}).",
            "",
        ]
    lines += [
        "## Cold starts",
        "",
        cal.cold_note,
        "",
        f"Written: `{dist_yaml(cal.cold_start)}`",
        "",
    ]
    if cal.profile is not None:
        p = cal.profile
        lines += [
            "## Arrivals",
            "",
            f"{p.kind}: {p.reason}. Mean {p.mean_rps:.4g} req/s over {p.span_s / 3600:.1f} h; "
            f"peak/trough {p.peak_to_trough:.3g} at {p.peak_hour:.1f} h; weekend factor "
            f"{p.weekend_factor:.3g}; hourly RMS error {100 * p.hourly_error:.1f}%; per-minute "
            f"dispersion {p.dispersion:.2f}.",
            "",
        ]
        if cal.interarrival_cv is not None:
            lines += [f"Inter-arrival CV {cal.interarrival_cv:.2f} (1 for Poisson arrivals).", ""]
        if cal.interarrival_fit is not None:
            g = cal.interarrival_fit
            lines += [
                "Inter-arrival gaps fitted like durations (a gamma or Weibull shape near 1 is "
                f"Poisson-like, below 1 bursty): {g.summary()}; "
                + ", ".join(
                    f"{c.name} " + " ".join(f"{k}={v:.3g}" for k, v in c.params.items())
                    for c in g.candidates
                )
                + ".",
                "",
            ]
    lines += ["## Memory and CPU", "", f"Memory {cal.memory_mb:g} MB: {cal.memory_note}.", ""]
    if cal.cpu is not None:
        cf = cal.cpu
        lines += [
            f"CPU-bound share {cf.cpu_bound:.3f} at {cf.reference_memory_mb:g} MB "
            f"({cf.points} sizes, {cf.threads} thread(s), RMS error {100 * cf.rms_error:.1f}%).",
            "",
        ]
    for note in cal.notes:
        lines += [f"> Caveat: {note}", ""]
    for chart in charts:
        lines += [f"![{chart}]({chart})", ""]
    return "\n".join(lines)


def write_report(cal: Calibration, folder: Path) -> list[Path]:
    """Write ``folder/calibration.md`` and its charts; returns every file written."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if cal.duration_fit is not None and cal.requests is not None:
        written += qq_chart(cal, cal.duration_fit, folder)
        written += cdf_chart(_durations_ms(cal), cal.duration_fit, folder)
    if cal.init_fit is not None and cal.requests is not None:
        inits = cal.requests.init_ms[cal.requests.cold]
        written += cdf_chart(inits, cal.init_fit, folder, "init_cdf", "Init duration")
    if cal.profile is not None:
        written += profile_chart(cal, folder)
    charts = [p.name for p in written if p.suffix == ".png"]
    md = folder / "calibration.md"
    md.write_text(markdown(cal, charts), encoding="utf-8")
    return [md, *written]
