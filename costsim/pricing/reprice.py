"""Re-pricing a stored run from its ``meters.json``: new catalogs, no simulation.

``costsim run`` stores each option's meters and what it was priced as beside ``summary.json``.
Re-pricing rates those meters again through the one rating path and rewrites the cost fields
of ``summary.json`` and the cost column of ``timeseries.csv``; every other byte stays, so the
files are the same as a re-run with those catalogs would write.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costsim.errors import InputError
from costsim.meters import METERS_FORMAT, Meters
from costsim.pricing.bill import rate
from costsim.pricing.models import month_factor
from costsim.pricing.registry import CatalogSet
from costsim.results import CostBreakdown, cost_dict, dump_meters, dump_summary

#: Re-prices an application option: ``(summary option, meters entry, catalogs) -> (cost,
#: versions, dates)``, rewriting the option's per-function and per-service costs in place
#: (:func:`costsim.appsim.reprice.reprice_application`, passed in from above this layer).
RateApplication = Callable[
    [dict[str, Any], dict[str, Any], CatalogSet],
    tuple[CostBreakdown, dict[str, str], dict[str, str]],
]


@dataclass
class Repriced:
    """The rewritten files of one run folder (text, not yet written)."""

    summary_json: str
    timeseries_csv: str | None
    meters_json: str


def load_json(path: Path) -> Any:
    """A JSON file, or a one-line :class:`InputError` naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"no {path.name} here; reprice needs a folder written by 'costsim run --out'",
            file=str(path),
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path.name}: {exc}", file=str(path)) from None


def catalogs_for_meters(
    doc: dict[str, Any], files: list[str | Path], pins: dict[str, str]
) -> CatalogSet:
    """The catalogs a reprice uses: those of the run (its versions and its catalog files),
    then ``files`` (which win), then ``pins``."""
    stored = [Path(p) for p in doc.get("catalog_files", [])]
    for path in stored:
        if not path.exists():
            raise InputError(
                f"the run priced with catalog file {path}, which is gone; pass it with --catalog"
            )
    cats = CatalogSet.builtin().with_files(list(stored)).with_pins(dict(doc.get("catalogs", {})))
    return cats.with_files(list(files)).with_pins(pins)


def reprice_run(
    summary: dict[str, Any],
    meters_doc: dict[str, Any],
    cats: CatalogSet,
    timeseries_csv: str | None = None,
    added_files: list[str] | None = None,
    rate_application: RateApplication | None = None,
) -> Repriced:
    """Price a stored run's meters again and rewrite its cost fields.

    Parameters
    ----------
    summary : dict
        The run's ``summary.json`` document.
    meters_doc : dict
        Its ``meters.json`` document.
    cats : CatalogSet
        The catalogs to price with (see :func:`catalogs_for_meters`).
    timeseries_csv : str, optional
        The run's ``timeseries.csv`` text, whose cost column is redone.
    added_files : list of str, optional
        Catalog files given for this re-price (absolute), recorded in ``meters.json`` so that
        a later re-price starts from these catalogs, as a re-run with them would record.
    rate_application : callable, optional
        Re-prices an option of an application run (see :data:`RateApplication`); without it
        such a run is refused.
    """
    if meters_doc.get("format") != METERS_FORMAT:
        raise InputError(
            f"meters.json format {meters_doc.get('format')!r} is not {METERS_FORMAT}; "
            "run the scenario again"
        )
    stored = meters_doc.get("options", {})
    versions: dict[str, str] = {}
    dates: dict[str, str] = {}
    costs: dict[str, tuple[float, list[float]]] = {}
    for option in summary.get("options", []):
        name = option.get("name")
        if name not in stored:
            raise InputError(f"meters.json has no meters for option {name!r}")
        entry = stored[name]
        meters = Meters.from_json(entry)
        if "application" in entry:
            if rate_application is None:
                raise InputError(f"option {name!r} is an application's; reprice it from the CLI")
            cost, used, as_of = rate_application(option, entry, cats)
        else:
            bill = rate(meters, cats)
            cost = CostBreakdown(bill.components, bill.versions)
            used, as_of = bill.versions, bill.dates
        option["cost_usd"] = cost_dict(cost)
        versions.update(used)
        dates.update(as_of)
        horizon_cost = float(cost.total / month_factor(meters.horizon_s))
        costs[name] = (horizon_cost, [float(x) for x in entry.get("cost_share", [])])
    summary["catalogs"] = dict(sorted(versions.items()))
    summary["catalog_as_of"] = dict(sorted(dates.items()))
    ts = _timeseries(timeseries_csv, costs) if timeseries_csv is not None else None
    meters_doc["catalogs"] = dict(sorted(versions.items()))
    meters_doc["catalog_files"] = [*meters_doc.get("catalog_files", []), *(added_files or [])]
    return Repriced(dump_summary(summary), ts, dump_meters(meters_doc))


def _cell(value: float) -> str:
    return f"{value:.6g}"


def _timeseries(text: str, costs: dict[str, tuple[float, list[float]]]) -> str:
    """``timeseries.csv`` with ``cost_usd_cumulative`` redone from each option's cost share."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0][-1] != "cost_usd_cumulative":
        raise InputError("timeseries.csv has no cost_usd_cumulative column")
    seen: dict[str, int] = {}
    for row in rows[1:]:
        name = row[0]
        i = seen.get(name, 0)
        seen[name] = i + 1
        total, share = costs.get(name, (0.0, []))
        if i < len(share):
            row[-1] = _cell(share[i] * total)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def reprice_folder(
    folder: Path,
    files: list[str | Path] | None = None,
    pins: dict[str, str] | None = None,
    rate_application: RateApplication | None = None,
) -> tuple[Repriced, list[str]]:
    """Re-price the run in ``folder``; returns the new texts and the file names to write.

    ``rate_application`` re-prices the options of an application run (see
    :func:`reprice_run`).
    """
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder written by 'costsim run --out'")
    summary = load_json(folder / "summary.json")
    meters_doc = load_json(folder / "meters.json")
    if not isinstance(summary, dict) or not isinstance(meters_doc, dict):
        raise InputError("summary.json and meters.json must hold JSON objects", file=str(folder))
    added = [str(Path(f).resolve()) for f in files or []]
    cats = catalogs_for_meters(meters_doc, list(added), dict(pins or {}))
    ts_path = folder / "timeseries.csv"
    ts = ts_path.read_text(encoding="utf-8") if ts_path.exists() else None
    out = reprice_run(summary, meters_doc, cats, ts, added, rate_application)
    names = ["summary.json", "meters.json"]
    names += ["timeseries.csv"] if out.timeseries_csv is not None else []
    return out, names
