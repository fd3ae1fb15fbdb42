"""Writing a calibrated scenario: YAML in which every fitted value says where it came from."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from costsim.calibrate.model import Calibration
from costsim.stats.distributions import (
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Weibull,
    _Dist,
)

#: how the traffic is written: a fitted profile when it fits, the log itself, or forced
TRAFFIC_MODES = ("auto", "fit", "replay")
#: concurrent requests per VPS in the comparison option, and the utilisation it is sized for
VPS_WORKERS = 8
VPS_TARGET_UTILIZATION = 0.6


def ms(seconds: float) -> str:
    """A duration [s] as a unit string in milliseconds, 6 significant digits."""
    return f"{1000.0 * seconds:.6g}ms"


def _key(percent: float) -> str:
    # scenario YAML takes only plain (string or integer) keys: fractions go in quotes
    return str(int(percent)) if percent == int(percent) else f'"{percent:.10g}"'


def dist_yaml(dist: _Dist) -> str:
    """A distribution as a YAML flow mapping in the scenario's shape."""
    if isinstance(dist, Lognormal):
        return f"{{dist: lognormal, median: {ms(dist.median)}, p99: {ms(dist.p99)}}}"
    if isinstance(dist, Gamma):
        return f"{{dist: gamma, mean: {ms(dist.mean)}, cv: {dist.cv:.6g}}}"
    if isinstance(dist, Weibull):
        return f"{{dist: weibull, scale: {ms(dist.scale)}, shape: {dist.shape:.6g}}}"
    if isinstance(dist, Exponential):
        return f"{{dist: exponential, mean: {ms(dist.mean)}}}"
    if isinstance(dist, Fixed):
        return f"{{dist: fixed, value: {ms(dist.value)}}}"
    if isinstance(dist, Empirical) and dist.percentiles is not None:
        points = ", ".join(f"{_key(k)}: {ms(v)}" for k, v in sorted(dist.percentiles.items()))
        return f"{{dist: empirical, percentiles: {{{points}}}}}"
    raise TypeError(f"cannot write {type(dist).__name__}")


def _comment(text: str, indent: str = "") -> str:
    """``text`` as YAML comment lines of at most ~100 characters."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(indent) + 2 + len(line) + 1 + len(w) > 100:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "".join(f"{indent}# {ln}\n" for ln in lines if ln)


def _horizon_s(cal: Calibration, replay: bool) -> float:
    span = max(cal.span_s, 3600.0)
    if replay:
        return math.ceil(span / 60.0) * 60.0
    days = math.ceil(span / 86400.0 - 1e-9)
    return 86400.0 * min(max(days, 1), 7)


def _horizon_text(seconds: float) -> str:
    if seconds % 86400 == 0:
        return f"{int(seconds // 86400)}d"
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 60)}min"


def write_replay_csv(cal: Calibration, path: Path) -> None:
    """The logged requests as a costsim request log: arrival [s] and duration [ms]."""
    assert cal.requests is not None
    req = cal.requests
    t = req.start_s - req.start_s.min()
    with path.open("w", encoding="utf-8") as fh:
        fh.write("timestamp,duration_ms\n")
        for a, d in zip(t, req.duration_ms, strict=True):
            fh.write(f"{a:.6f},{d:.3f}\n")


def write_counts_csv(cal: Calibration, path: Path) -> None:
    """The per-minute arrival counts as a costsim count series."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write("count\n")
        for c in np.round(cal.minute_counts).astype(np.int64):
            fh.write(f"{c}\n")


def _traffic(cal: Calibration, out: Path, mode: str) -> tuple[str, bool, list[Path]]:
    p = cal.profile
    assert p is not None
    replay = mode == "replay" or (mode == "auto" and p.kind == "replay")
    if not replay:
        head = _comment(
            f"Traffic: fitted to {int(cal.minute_counts.sum())} arrivals over "
            f"{p.span_s / 3600:.1f} h as a {p.kind} profile; {p.reason}."
            + (
                f" Peak hour in {'UTC' if cal.absolute_time else 'trace time'}."
                if p.kind == "diurnal"
                else ""
            )
        )
        if p.kind == "constant":
            return head + f"traffic: {{profile: constant, mean_rps: {p.mean_rps:.6g}}}\n", False, []
        return (
            head
            + "traffic:\n  profile: diurnal\n"
            + f"  mean_rps: {p.mean_rps:.6g}\n"
            + f"  peak_to_trough: {p.peak_to_trough:.4g}\n"
            + f"  peak_hour: {p.peak_hour:.3g}\n"
            + (f"  weekend_factor: {p.weekend_factor:.4g}\n" if p.weekend_factor != 1.0 else ""),
            False,
            [],
        )
    why = p.reason if p.kind == "replay" else "replay asked for"
    if cal.requests is not None:
        csv_path = out.with_name(out.stem + ".requests.csv")
        write_replay_csv(cal, csv_path)
        head = _comment(
            f"Traffic: the logged requests replayed ({len(cal.requests)} arrivals with their "
            f"logged durations), because {why}. A fitted diurnal profile would be "
            f"{100 * p.hourly_error:.0f}% off hourly."
        )
        text = f"traffic: {{profile: replay, format: timestamps, path: {csv_path.name}}}\n"
        return head + text, True, [csv_path]
    csv_path = out.with_name(out.stem + ".counts.csv")
    write_counts_csv(cal, csv_path)
    head = _comment(f"Traffic: the per-minute counts replayed, because {why}.")
    text = f"traffic: {{profile: replay, format: counts, path: {csv_path.name}, interval: 1min}}\n"
    return head + text, True, [csv_path]


def _vps_count(cal: Calibration) -> int:
    peak_rps = float(cal.minute_counts.max()) / 60.0 if len(cal.minute_counts) else 0.0
    busy = peak_rps * cal.duration.mean_s
    return max(1, math.ceil(busy / (VPS_WORKERS * VPS_TARGET_UTILIZATION)))


def scenario_text(
    cal: Calibration, out: Path, name: str, mode: str = "auto"
) -> tuple[str, list[Path]]:
    """The scenario YAML and the data files it refers to (written next to ``out``)."""
    traffic, replay, files = _traffic(cal, out, mode)
    sources = ", ".join(sorted(cal.evidence.used))
    bad = len(cal.evidence.bad)
    lines = [
        _comment(
            f"Calibrated by 'costsim calibrate' from {sources}. {bad} unusable lines were "
            "skipped (listed by the command)."
        ),
    ]
    for note in cal.notes:
        lines.append(_comment("Caveat: " + note))
    lines.append(f"name: {name}\n")
    lines.append("description: Fitted from logs by costsim calibrate.\n")
    lines.append(_comment("the observed period (a fitted profile runs whole days, at most a week)"))
    lines.append(f"horizon: {_horizon_text(_horizon_s(cal, replay))}\n")
    lines.append("seed: 1\n")
    lines.append(traffic)
    lines.append("workload:\n")
    lines.append(_comment(cal.duration_note, "  "))
    lines.append(f"  duration: {dist_yaml(cal.duration)}\n")
    if cal.cpu is not None:
        c = cal.cpu
        lines.append(
            _comment(
                f"CPU-bound share fitted from mean durations at {c.points} memory sizes: "
                f"{c.io_ms:.4g} ms I/O + {c.cpu_ms:.4g} ms CPU at {c.reference_memory_mb:g} MB, "
                f"{c.threads} thread(s), RMS error {100 * c.rms_error:.1f}%",
                "  ",
            )
        )
        lines.append(f"  cpu_bound: {c.cpu_bound:.4f}\n")
        lines.append(f"  threads: {c.threads}\n")
    lines.append(
        f"  reference_memory: {cal.memory_mb:g}MB   # the memory the durations were logged at\n"
    )
    lines.append("options:\n")
    lines.append("  - name: lambda\n    kind: serverless\n    provider: aws-lambda\n")
    lines.append(_comment(cal.memory_note, "    "))
    lines.append(f"    memory: {cal.memory_mb:g}MB\n")
    lines.append(_comment(cal.cold_note, "    "))
    lines.append(f"    cold_start: {dist_yaml(cal.cold_start)}\n")
    lines.append(
        _comment(
            "AWS keeps an idle environment about 10 min (M. Shilkov 2019; Shahrad et al. ATC "
            "2020; 5-7 min in Shilkov's 2021 data)",
            "    ",
        )
    )
    lines.append("    keep_alive: 10min\n")
    count = _vps_count(cal)
    lines.append(
        _comment(
            f"for comparison: sized so the logged peak minute keeps {VPS_WORKERS}-worker VPSs at "
            f"{100 * VPS_TARGET_UTILIZATION:.0f}% busy",
            "  ",
        )
    )
    lines.append(
        f"  - {{name: vps, kind: vps, instance: hetzner-cx33, count: {count}, "
        f"workers: {VPS_WORKERS}}}\n"
    )
    return "".join(lines), files


def write_scenario(cal: Calibration, out: Path, name: str, mode: str = "auto") -> list[Path]:
    """Write the scenario to ``out`` (and its data files beside it); return every file written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    text, files = scenario_text(cal, out, name, mode)
    out.write_text(text, encoding="utf-8")
    return [out, *files]
