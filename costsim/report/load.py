"""Reading a run or sweep output folder back, so reports need no re-simulation."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from costsim.errors import InputError
from costsim.folders import MANIFEST, mismatches
from costsim.results import (
    TIMESERIES_COLUMNS,
    CostBreakdown,
    LatencySummary,
    OptionResult,
    Result,
)


@dataclass
class Output:
    """A ``run`` or ``sweep`` output folder.

    Attributes
    ----------
    kind : str
        ``run`` or ``sweep`` (a run's ``summary.json`` has no ``kind``).
    summary : dict
        ``summary.json``.
    crossovers : dict
        ``crossovers.json`` of a sweep (or of a sweep in the run's ``sweep/`` subfolder).
    """

    folder: Path
    kind: str
    summary: dict[str, Any]
    crossovers: dict[str, Any] = field(default_factory=dict)
    sweep_summary: dict[str, Any] = field(default_factory=dict)
    #: the folder's manifest vouches for its files (False: a folder without one)
    trusted: bool = False


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            "no such file; is this the folder of a run or a sweep?", file=str(path)
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", file=str(path), line=1)
    return data


def check_belongs_together(folder: Path) -> bool:
    """Refuse a folder whose files do not match its manifest (a mixed or edited result).

    Returns
    -------
    bool
        True when a manifest vouches for the files, False when the folder has none.
    """
    problems = mismatches(folder)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(
            f"the files of this result do not belong together: {problems[0]}{more}; rerun the "
            f"command that wrote it, or delete {MANIFEST} to report on edited files",
            file=str(folder),
        )
    return (folder / MANIFEST).is_file()


def _number(doc: dict[str, Any], key: str, where: str, file: str, integer: bool = False) -> None:
    value = doc.get(key)
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if (
        isinstance(value, bool)
        or not ok
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        kind = "a whole number >= 0" if integer else "a finite number >= 0"
        raise InputError(f"must be {kind}, got {value!r}", file=file, field=f"{where}{key}")


def _check_run_summary(summary: dict[str, Any], file: str) -> None:
    """The fields of a run's summary.json that reports read, with the types they need."""
    if not isinstance(summary.get("scenario"), str):
        raise InputError("must be a name", file=file, field="scenario")
    _number(summary, "seed", "", file, integer=True)
    _number(summary, "horizon_s", "", file)
    options = summary.get("options")
    if not isinstance(options, list) or not options:
        raise InputError("must be a non-empty list of options", file=file, field="options")
    for i, o in enumerate(options):
        at = f"options.{i}."
        if not isinstance(o, dict):
            raise InputError("must be a mapping", file=file, field=at.rstrip("."))
        for key in ("name", "kind"):
            if not isinstance(o.get(key), str):
                raise InputError("must be text", file=file, field=at + key)
        groups = {
            "cost_usd": ("total",),
            "requests": ("arrived", "served", "cold_starts", "throttled", "dropped"),
            "latency_ms": ("mean", "p50", "p95", "p99", "p999"),
            "instances": ("mean", "max", "busy_mean"),
        }
        for group, keys in groups.items():
            sub = o.get(group)
            if not isinstance(sub, dict):
                raise InputError("must be a mapping", file=file, field=at + group)
            for key in keys:
                if group == "cost_usd":
                    if not isinstance(sub.get(key), (int, float)) or isinstance(sub[key], bool):
                        raise InputError("must be a number", file=file, field=f"{at}{group}.{key}")
                else:
                    _number(sub, key, f"{at}{group}.", file, integer=group == "requests")
        comps = o["cost_usd"].get("components", {})
        if not isinstance(comps, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in comps.values()
        ):
            raise InputError(
                "must map names to numbers", file=file, field=at + "cost_usd.components"
            )
        _number(o, "utilization", at, file)


def load_output(folder: Path) -> Output:
    """Read ``folder``'s ``summary.json`` (and ``crossovers.json`` for a sweep).

    Raises
    ------
    InputError
        If the folder is not a result, its files do not belong together (they do not match
        its manifest), or ``summary.json`` lacks a field reports need.
    """
    if not folder.is_dir():
        raise InputError(
            "no such folder; give the --out folder of a run or a sweep", file=str(folder)
        )
    trusted = check_belongs_together(folder)
    summary = _json(folder / "summary.json")
    kind = str(summary.get("kind", "run"))
    if kind not in ("run", "sweep"):
        raise InputError(f"unknown kind {kind!r}", file=str(folder / "summary.json"), field="kind")
    need = ["scenario", "seed", "options"] if kind == "run" else ["scenario", "vary", "points"]
    for key in need:
        if key not in summary:
            raise InputError("missing field", file=str(folder / "summary.json"), field=key)
    if kind == "run":
        _check_run_summary(summary, str(folder / "summary.json"))
    out = Output(folder, kind, summary, trusted=trusted)
    if kind == "sweep":
        cross = folder / "crossovers.json"
        out.crossovers = _json(cross) if cross.exists() else {}
    else:
        sub = folder / "sweep"
        if (sub / "summary.json").exists():
            check_belongs_together(sub)
            out.sweep_summary = _json(sub / "summary.json")
            if (sub / "crossovers.json").exists():
                out.crossovers = _json(sub / "crossovers.json")
    return out


def _floats(rows: list[dict[str, str]], name: str) -> np.ndarray:
    return np.array([float(r[name]) for r in rows], dtype=np.float64)


def result_from_output(out: Output) -> Result:
    """A :class:`Result` rebuilt from a run folder, good enough to draw its charts again.

    Costs come back as the rounded figures of ``summary.json``; usage quantities are not stored
    and stay empty.
    """
    s = out.summary
    series: dict[str, list[dict[str, str]]] = {}
    ts_path = out.folder / "timeseries.csv"
    if ts_path.exists():
        with ts_path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                series.setdefault(row["option"], []).append(row)
    cdf: dict[str, list[dict[str, str]]] = {}
    cdf_path = out.folder / "latency_cdf.csv"
    if cdf_path.exists():
        with cdf_path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                cdf.setdefault(row["option"], []).append(row)
    options = []
    for o in s["options"]:
        rows = series.get(o["name"], [])
        ts = {col: _floats(rows, col) for col in TIMESERIES_COLUMNS}
        crow = cdf.get(o["name"], [])
        req = o["requests"]
        options.append(
            OptionResult(
                name=o["name"],
                kind=o["kind"],
                cost=CostBreakdown(
                    {k: Decimal(repr(v)) for k, v in o["cost_usd"]["components"].items()}
                ),
                arrived=int(req["arrived"]),
                served=int(req["served"]),
                cold_starts=int(req["cold_starts"]),
                throttled=int(req["throttled"]),
                dropped=int(req["dropped"]),
                timed_out=int(req.get("timed_out", 0)),
                latency_ms=LatencySummary(**o["latency_ms"]),
                instances_mean=float(o["instances"]["mean"]),
                instances_max=int(o["instances"]["max"]),
                busy_mean=float(o["instances"]["busy_mean"]),
                utilization=float(o["utilization"]),
                latency_cdf=(
                    _floats(crow, "latency_ms") / 1000.0,
                    _floats(crow, "cumulative_fraction"),
                ),
                timeseries=ts,
                detail=dict(o.get("detail", {})),
                routes=o.get("routes"),
                functions=o.get("functions"),
                queues=o.get("queues"),
                edges=o.get("edges"),
                services=(
                    {k: Decimal(repr(v)) for k, v in o["services_usd"].items()}
                    if isinstance(o.get("services_usd"), dict)
                    else None
                ),
            )
        )
    slo_ms = s.get("slo_ms", {})
    return Result(
        scenario=s["scenario"],
        seed=int(s["seed"]),
        horizon_s=float(s["horizon_s"]),
        engine=str(s.get("engine", "")),
        catalogs=dict(s.get("catalogs", {})),
        options=options,
        bin_width_s=float(s["horizon_s"]) / max(len(options[0].timeseries["t_start_s"]), 1),
        description=str(s.get("description", "")),
        traffic=str(s.get("traffic", "")),
        costsim_version=str(s.get("costsim_version", "")),
        slo=dict(s["slo"]) if "slo" in s else {k: v / 1000.0 for k, v in slo_ms.items()},
        catalog_dates=dict(s.get("catalog_as_of", {})),
        scenario_file=str(s.get("scenario_file", "")),
    )
