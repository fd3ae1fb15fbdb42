"""The "Assumptions and not included" section of a decision record.

A reviewer trusts a cost comparison when it says what it took for granted. The bullets come from
three places: the scenario file (which fields were left at their defaults: a default cold-start
distribution is not a measurement), the run's own outputs (the free-tier credit it counted, the
horizon it scaled to a month) and the catalogs' headers (currency and the exchange rate used,
region, and their notes, which say when a price list is known to be stale).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from costsim.kinds import KINDS
from costsim.units import span_words

#: Catalogs whose notes contain one of these words are flagged as possibly out of date.
STALE_WORDS = ("increase", "before the", "predates", "not retrieved", "secondary")
#: A catalog older than this on the record's date is flagged as possibly out of date [days].
STALE_AFTER_DAYS = 183

#: What no option's bill includes unless the scenario models it, by what would model it.
NOT_MODELLED = {
    "egress": "data transfer out (set workload.payload to price it where a catalog has it)",
    "logs": "logs and metrics (e.g. CloudWatch ingestion and storage)",
    "nat": "NAT gateways, load balancers and public IPv4 addresses",
    "storage": "databases, object storage, backups and disks beyond the instance",
    "tax": "sales tax or VAT (catalogs are net prices)",
}


def catalog_headers(names: list[str]) -> dict[str, dict[str, Any]]:
    """The header fields (region, currency, usd_per_eur, notes, as_of) of built-in catalogs.

    Read from the catalog files themselves, so a record can quote them; catalogs that are not
    built in (a user's ``--catalog`` file) are left out.
    """
    from costsim.pricing.catalog import builtin_catalog_files

    out: dict[str, dict[str, Any]] = {}
    for path in builtin_catalog_files():
        try:
            doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(doc, dict) and doc.get("catalog") in names:
            out[str(doc["catalog"])] = {k: v for k, v in doc.items() if k != "items"}
    return out


def _scenario_raw(summary: dict[str, Any]) -> dict[str, Any]:
    path = summary.get("scenario_file")
    if not path or not Path(path).is_file():
        return {}
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _usd(x: float) -> str:
    return f"${x:,.2f}"


def assumptions(summary: dict[str, Any], date: str) -> list[str]:
    """Bullets stating what the record assumes and what it leaves out.

    Parameters
    ----------
    summary : dict
        A run's ``summary.json`` (a sweep's works too; per-option money is then omitted).
    date : str
        The record's date (YYYY-MM-DD), to judge how old the catalogs are.
    """
    raw = _scenario_raw(summary)
    raw_options = {
        str(o.get("name")): o for o in raw.get("options", []) or [] if isinstance(o, dict)
    }
    options = summary.get("options", [])
    kinds = {o["name"]: o.get("kind") for o in options}
    if not kinds and summary.get("points"):
        kinds = {o["name"]: o.get("kind") for o in summary["points"][0]["options"]}
    out: list[str] = []
    horizon = span_words(float(summary.get("horizon_s", 0)))
    out.append(
        f"**Horizon:** {horizon} simulated, with usage scaled to a 730-hour month "
        "before pricing; traffic that does not repeat within the horizon (growth, seasons) is "
        "not in the bill"
    )
    out += _by_kind(options, kinds, raw_options, pays_for_idle=False)
    workload = raw.get("workload") if isinstance(raw.get("workload"), dict) else {}
    duration = workload.get("duration") if isinstance(workload, dict) else None
    if duration is not None:
        shown = ", ".join(f"{k} {v}" for k, v in duration.items() if k != "dist")
        cpu = workload.get("cpu_bound", 0) if isinstance(workload, dict) else 0
        scaled = (
            f"; the CPU-bound share ({cpu}) scales with a function's memory"
            if cpu
            else "; cpu_bound is 0, so a function's memory size does not change it"
        )
        out.append(
            f"**Equal durations:** every request takes the same time on every platform "
            f"({duration.get('dist', '?')}: {shown}){scaled}; a VPS or server's CPU speed and "
            "contention are not modelled beyond its workers"
        )
    out += _by_kind(options, kinds, raw_options, pays_for_idle=True)
    out += _catalogs(summary, date)
    missing = dict(NOT_MODELLED)
    payload = workload.get("payload") if isinstance(workload, dict) else None
    if payload not in (None, 0, "0", "0MB"):
        missing.pop("egress")
    app = raw.get("application")
    if isinstance(app, dict) and app.get("static"):
        # the static sites' CDN data out and origin storage are priced (costsim.appsim.static)
        missing["egress"] = (
            "data transfer out of the API and servers (the static sites' CDN data out is priced)"
        )
        missing["storage"] = (
            "databases, backups, disks beyond the instance and object storage beyond the "
            "static sites'"
        )
    out.append("**Not included:** " + "; ".join(missing.values()))
    return out


def _by_kind(
    options: list[dict[str, Any]],
    kinds: dict[str, Any],
    raw: dict[str, dict[str, Any]],
    pays_for_idle: bool,
) -> list[str]:
    """Each option's own assumptions, in its kind's words, for the kinds that do (or do not)
    pay for idle capacity: pay-per-use kinds are listed before the durations, fleets after."""
    out = []
    for name, tag in kinds.items():
        kind = KINDS.get(str(tag))
        if kind is None or kind.pays_for_idle != pays_for_idle:
            continue
        o = next((x for x in options if x["name"] == name), None)
        out += kind.assumptions(name, o, raw.get(name, {}))
    return out


def _catalogs(summary: dict[str, Any], date: str) -> list[str]:
    names = sorted(summary.get("catalogs", {}))
    headers = catalog_headers(names)
    out = []
    regions = {n: str(h.get("region", "?")) for n, h in headers.items()}
    if len(set(regions.values())) > 1:
        shown = ", ".join(f"{n} {r}" for n, r in sorted(regions.items()))
        out.append(
            f"**Mixed regions:** {shown}; latency between users and each region, and traffic "
            "between regions, are not modelled"
        )
    for n, h in sorted(headers.items()):
        if h.get("currency") == "EUR" and h.get("usd_per_eur"):
            out.append(
                f"**Currency ({n}):** EUR prices converted at {h['usd_per_eur']} USD per EUR, "
                "an assumed rate, not a live one"
            )
    try:
        today = dt.date.fromisoformat(date)
    except ValueError:
        today = None
    for n, h in sorted(headers.items()):
        notes = " ".join(str(h.get("notes", "")).split())
        as_of = h.get("as_of")
        old = ""
        if today is not None and isinstance(as_of, dt.date):
            age = (today - as_of).days
            if age > STALE_AFTER_DAYS:
                old = f"prices as of {as_of} ({age} days before this record); "
        flagged = [w for w in STALE_WORDS if w in notes.lower()]
        if old or any(w in ("increase", "before the", "predates") for w in flagged):
            out.append(f"**Possibly stale ({n}):** {old}its notes say: {notes}")
    return out
