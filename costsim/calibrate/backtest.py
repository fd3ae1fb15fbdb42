"""Backtest: replay the logged period through a scenario's Lambda option and compare the bill.

The logged side is what AWS billed, as the REPORT lines record it: ``Billed Duration`` (which
includes ``Init Duration`` for on-demand ZIP functions on managed runtimes since 2025-08-01) x
``Memory Size`` x the catalog's first-tier GB-second rate, plus requests x the request price; no
free tier. The simulated side is the scenario's serverless option, with the traffic replaced by
the logged arrivals and durations over the logged period, rated with the same catalog and no
free tier, and scaled from a month back to the period.
"""

from __future__ import annotations

import copy
import math
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

from costsim.calibrate.evidence import Evidence, Requests
from costsim.errors import InputError

MONTH_S = 730 * 3600.0


@dataclass(frozen=True)
class Row:
    """One compared quantity."""

    name: str
    unit: str
    logged: float
    simulated: float

    @property
    def difference(self) -> float:
        """Relative difference, simulated vs logged (NaN when nothing was logged)."""
        return (self.simulated - self.logged) / self.logged if self.logged else math.nan


@dataclass(frozen=True)
class Backtest:
    """The comparison table and what it was computed from."""

    option: str
    period_s: float
    memory_mb: float
    rows: list[Row]
    notes: list[str]

    def row(self, name: str) -> Row:
        """The row called ``name``."""
        return next(r for r in self.rows if r.name == name)

    def markdown(self) -> str:
        """The table as Markdown."""
        out = [
            f"Backtest of option `{self.option}` over {self.period_s / 3600:.2f} h at "
            f"{self.memory_mb:g} MB\n",
            "| quantity | unit | logged | simulated | difference |",
            "|---|---|---:|---:|---:|",
        ]
        for r in self.rows:
            diff = "n/a" if math.isnan(r.difference) else f"{100 * r.difference:+.2f}%"
            out.append(f"| {r.name} | {r.unit} | {r.logged:.6g} | {r.simulated:.6g} | {diff} |")
        out += [f"\n- {n}" for n in self.notes]
        return "\n".join(out) + "\n"


def _rates(provider: str, arch: str) -> tuple[Decimal, Decimal, str]:
    """(USD per GB-s, USD per request, catalog label) of the first tier of ``provider``."""
    from costsim.pricing.catalog import FunctionItem
    from costsim.pricing.registry import CatalogSet

    cat = CatalogSet.builtin().get(provider)
    item = cat.items.get(arch)
    if not isinstance(item, FunctionItem):
        raise InputError(f"catalog {provider!r} has no item {arch!r} to price the logs with")
    gb_s = req = None
    for comp in item.components:
        if comp.metric == "compute_gb_s":
            gb_s = comp.tiers[0].per_base_unit
        if comp.metric in ("all_requests", "requests"):
            req = comp.tiers[0].per_base_unit
    if gb_s is None or req is None:
        raise InputError(f"catalog {provider!r} item {arch!r} has no compute or request price")
    return gb_s, req, f"{cat.catalog} {cat.version} (as of {cat.as_of})"


def logged_bill(req: Requests, usd_per_gb_s: Decimal, usd_per_request: Decimal) -> Decimal:
    """What the REPORT lines say was billed [USD]: billed GB-s x rate + requests x price."""
    gb_s = Decimal(0)
    for billed_ms, memory_mb in zip(req.billed_ms, req.memory_mb, strict=True):
        gb_s += Decimal(int(billed_ms)) / 1000 * Decimal(float(memory_mb)) / 1024
    return gb_s * usd_per_gb_s + len(req) * usd_per_request


def run_backtest(ev: Evidence, scenario_path: str, option: str | None = None) -> Backtest:
    """Replay the logs through the scenario's serverless option and compare (see module doc)."""
    from costsim.scenario import scenario_from_data
    from costsim.simulate import simulate
    from costsim.yamlio import load_yaml

    req = ev.all_requests("lambda-report")
    if req is None or not np.isfinite(req.billed_ms).all() or not np.isfinite(req.memory_mb).all():
        raise InputError(
            "a backtest needs Lambda REPORT lines (Billed Duration and Memory Size on every one)",
            file=sorted(ev.used)[0] if ev.used else None,
        )
    data, line_map = load_yaml(scenario_path)
    if not isinstance(data, dict) or not isinstance(data.get("options"), list):
        raise InputError("not a scenario with options", file=scenario_path, line=1)
    serverless = [
        o for o in data["options"] if isinstance(o, dict) and o.get("kind") == "serverless"
    ]
    chosen = [o for o in serverless if option is None or o.get("name") == option]
    if not chosen:
        what = f"no serverless option named {option!r}" if option else "no serverless option"
        raise InputError(what + " to backtest", file=scenario_path, field="options")
    opt = copy.deepcopy(chosen[0])
    opt["free_tier"] = False
    opt["extras"] = []
    start = req.start_s - req.start_s.min()
    period_s = float(math.ceil(start.max() + 1.0))
    notes: list[str] = []
    logged_mb = float(np.median(req.memory_mb))
    with tempfile.TemporaryDirectory(prefix="costsim-backtest-") as tmp:
        csv_path = Path(tmp) / "logged.csv"
        order = np.argsort(start, kind="stable")
        with csv_path.open("w", encoding="utf-8") as fh:
            fh.write("timestamp,duration_ms\n")
            for a, d in zip(start[order], req.duration_ms[order], strict=True):
                fh.write(f"{a:.6f},{d:.3f}\n")
        replayed = dict(data)
        replayed["traffic"] = {"profile": "replay", "format": "timestamps", "path": str(csv_path)}
        replayed["horizon"] = f"{period_s:g}s"
        replayed["options"] = [opt]
        replayed.pop("warmup", None)
        scenario = scenario_from_data(
            replayed, line_map, base_dir=Path(scenario_path).resolve().parent
        )
        result = simulate(scenario)
    res = result.options[0]
    sim_opt = scenario.options[0]
    memory_mb = float(getattr(sim_opt, "memory_mb", logged_mb))
    if abs(memory_mb - logged_mb) > 0.5:
        notes.append(
            f"the scenario runs {memory_mb:g} MB but the logs ran {logged_mb:g} MB: the bills "
            "differ by that choice, not by the model"
        )
    provider = str(getattr(sim_opt, "provider", "aws-lambda"))
    arch = str(getattr(sim_opt, "arch", "x86_64"))
    gb_s_rate, req_rate, label = _rates(provider, arch)
    bill_log = logged_bill(req, gb_s_rate, req_rate)
    bill_sim = res.cost.total * Decimal(period_s) / Decimal(MONTH_S)
    if res.meters is None:
        raise InputError(
            "the simulation of the option gave no meters to compare", file=scenario_path
        )
    durations = res.meters.histograms.get("duration_ms")
    inits = res.meters.histograms.get("init_ms")
    # Lambda rounds each invocation up to 1 ms; init is billed with it (2025-08-01 on)
    sim_billed_ms = (durations.billed_ms(1) if durations else 0) + (
        inits.billed_ms(1) if inits else 0
    )
    sim_init_s = (inits.total_ms if inits else 0) / 1000.0
    rows = [
        Row("invocations", "count", float(len(req)), float(res.served)),
        Row("cold starts", "count", float(req.cold.sum()), float(res.cold_starts)),
        Row("billed duration", "s", float(req.billed_ms.sum()) / 1000.0, sim_billed_ms / 1000.0),
        Row("init duration", "s", float(np.nansum(req.init_ms)) / 1000.0, sim_init_s),
        Row("Lambda bill", "USD", float(bill_log), float(bill_sim)),
    ]
    notes.append(f"priced with {label}, first tier, no free tier")
    notes.append(
        "simulated cold starts come from the scenario's keep_alive, max_lifetime and reuse; their "
        "init times are drawn from its cold_start distribution, not the logged ones"
    )
    if not req.cold[: min(len(req), 1)].all():
        notes.append(
            "the log starts with a warm invocation, but the replay starts with no environment: "
            "expect extra simulated cold starts at the start"
        )
    return Backtest(
        option=str(opt.get("name")), period_s=period_s, memory_mb=memory_mb, rows=rows, notes=notes
    )
