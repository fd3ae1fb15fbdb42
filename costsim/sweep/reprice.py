"""Re-pricing a stored sweep from its points' meters: new catalogs, no simulation.

Each point record in ``OUT/points/`` keeps its options' meters. Re-pricing rates them again
through the one rating path (:func:`costsim.pricing.bill.rate`), updates each record's cost
fields, and rebuilds the sweep's tables, ``summary.json`` and ``crossovers.json`` from the
records as the sweep itself does, so the files match a re-run with those catalogs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from costsim.errors import InputError
from costsim.meters import Meters
from costsim.pricing.bill import rate
from costsim.pricing.registry import CatalogSet
from costsim.pricing.reprice import limit_changes, load_json
from costsim.sweep import SweepResult, crossovers_doc, write_sweep_outputs
from costsim.sweep.analysis import aggregate
from costsim.sweep.grid import Axis
from costsim.sweep.runner import normalised
from costsim.sweep.tasks import store


def _records(folder: Path, n_points: int, replications: int) -> list[dict[str, Any]]:
    records = []
    for index in range(n_points):
        for rep in range(replications):
            path = folder / "points" / f"p{index:04d}-r{rep:02d}.json"
            record = load_json(path)
            if not isinstance(record, dict) or "meters" not in record:
                raise InputError(
                    "this point has no stored meters (written by an older costsim); run the "
                    "sweep again",
                    file=str(path),
                )
            records.append(record)
    return records


def _catalogs(record: dict[str, Any], files: list[str], pins: dict[str, str]) -> CatalogSet:
    stored = [Path(p) for p in record.get("catalog_files", [])]
    for path in stored:
        if not path.exists():
            raise InputError(
                f"the sweep priced with catalog file {path}, which is gone; pass it with --catalog"
            )
    cats = CatalogSet.builtin().with_files(list(stored))
    cats = cats.with_pins(dict(record.get("catalogs", {})))
    return cats.with_files(list(files)).with_pins(pins)


def reprice_record(record: dict[str, Any], cats: CatalogSet) -> None:
    """Rate a point record's meters again and update its cost fields in place."""
    versions: dict[str, str] = {}
    dates: dict[str, str] = {}
    for option in record["options"]:
        meters = record["meters"].get(option["name"])
        if meters is None:
            raise InputError(f"point {record.get('index')} has no meters for {option['name']!r}")
        bill = rate(Meters.from_json(meters), cats)
        option["components"] = {k: float(v) for k, v in bill.components.items()}
        option["metrics"]["cost_usd"] = float(bill.total)
        versions.update(bill.versions)
        dates.update(bill.dates)
    record["catalogs"] = versions
    record["catalog_as_of"] = dates


def sweep_limit_changes(
    folder: Path, files: list[str | Path] | None = None, pins: dict[str, str] | None = None
) -> list[str]:
    """Notes for the options whose function product has other limits under ``files`` and
    ``pins`` than the sweep simulated (see :func:`costsim.pricing.reprice.limit_changes`)."""
    summary = load_json(folder / "summary.json")
    if not isinstance(summary, dict) or not summary.get("points"):
        return []
    record = _records(folder, 1, int(summary.get("replications", 1)))[0]
    added = [str(Path(f).resolve()) for f in files or []]
    doc = {"options": record.get("meters", {})}
    before = _catalogs(record, [], {})
    return limit_changes(doc, before, _catalogs(record, added, dict(pins or {})))


def reprice_sweep(
    folder: Path,
    files: list[str | Path] | None = None,
    pins: dict[str, str] | None = None,
    charts: bool = True,
) -> list[Path]:
    """Re-price the sweep in ``folder`` and rewrite its outputs; returns the files written
    (:func:`sweep_limit_changes` says what a re-price cannot redo)."""
    summary = load_json(folder / "summary.json")
    if not isinstance(summary, dict) or summary.get("kind") != "sweep":
        raise InputError("summary.json is not a sweep's", file=str(folder / "summary.json"))
    if "tune_goal" not in summary:
        raise InputError("this sweep was written by an older costsim; run it again")
    axes = [Axis(a["path"], tuple(a["values"]), bool(a["log"])) for a in summary["vary"]]
    records = _records(folder, len(summary["points"]), int(summary["replications"]))
    added = [str(Path(f).resolve()) for f in files or []]
    for record in records:
        reprice_record(record, _catalogs(record, added, dict(pins or {})))
        # a later reprice starts from these catalogs
        record["catalog_files"] = [*record.get("catalog_files", []), *added]
    records = [normalised(r) for r in records]
    points = aggregate(records, len(summary["points"]))
    for old, new in zip(summary["points"], points, strict=True):
        # the traffic a point stands for is the scenario's, not the bill's: keep it
        for key in ("mean_rps", "requests_per_month"):
            if key in old:
                new[key] = old[key]
    catalogs: dict[str, str] = {}
    as_of: dict[str, str] = {}
    for r in records:
        catalogs.update(r["catalogs"])
        as_of.update(r["catalog_as_of"])
    summary["catalogs"] = dict(sorted(catalogs.items()))
    summary["catalog_as_of"] = dict(sorted(as_of.items()))
    summary["points"] = points
    cross = crossovers_doc(summary["slo"], axes, points, records, summary["tune_goal"])
    for record in records:
        store(
            record, folder / "points", f"p{record['index']:04d}-r{record['replication']:02d}.json"
        )
    return write_sweep_outputs(SweepResult(summary, cross, records, 0), axes, folder, charts)
