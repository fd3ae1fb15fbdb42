"""Decision records: ``costsim report DIR`` turns a run or sweep folder into MADR 4 Markdown.

The record follows MADR 4 (https://adr.github.io/madr/): front matter, Context and Problem
Statement, Decision Drivers, Considered Options, Decision Outcome with Consequences, Pros and Cons
of the Options, More Information. The same folder gives the same bytes: the date comes from
``--date``, ``SOURCE_DATE_EPOCH`` or the newest catalog date, never from the clock.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from costsim.errors import InputError
from costsim.output import write_atomic
from costsim.report.doc import (
    Bullets,
    Code,
    Document,
    Heading,
    Image,
    Para,
    Table,
    md_escape,
    to_markdown,
)
from costsim.report.html import to_html
from costsim.report.load import Output, load_output, result_from_output
from costsim.report.sweep_fallback import draw_missing, slo_p99_ms

#: Largest share of requests throttled or dropped that still counts as meeting the SLO.
MAX_LOST_SHARE = 0.001

KIND_WORDS = {"serverless": "serverless functions", "vps": "rented VPS", "bare_metal": "bare metal"}
OPS_LOAD = {
    "serverless": "no servers to patch or size; the provider scales and bills per invocation, "
    "at the price of cold starts, account limits and lock-in to its runtime",
    "vps": "machines to patch, monitor and size (or an autoscaling policy to tune); capacity "
    "arrives in minutes",
    "bare_metal": "hardware to order, patch and replace; capacity takes days to arrive, so the "
    "fleet must be sized for the peak up front",
}


def report_date(summary: dict[str, Any], date: str | None = None) -> str:
    """The record's date: ``date``, else ``SOURCE_DATE_EPOCH``, else the newest catalog date."""
    if date:
        return date
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    dates = sorted(summary.get("catalog_as_of", {}).values())
    return dates[-1] if dates else "1970-01-01"


def usd(x: float) -> str:
    """Money for people: ``$1,234.56`` (``$0.0012`` below a cent)."""
    sign = "-" if x < 0 else ""
    x = abs(x)
    return sign + (f"${x:,.2f}" if x >= 0.01 or x == 0 else f"${x:.4f}")


def ms(x: float) -> str:
    """Milliseconds for people."""
    return f"{x:,.0f} ms" if x >= 100 else f"{x:,.1f} ms"


def pct(part: float, whole: float) -> str:
    """A share in per cent."""
    return f"{100 * part / whole:.2f} %" if whole else "0 %"


def idle_pct(utilization: float) -> str:
    """The idle share of paid capacity, with a decimal once it rounds to 100 %."""
    idle = 100 * (1 - utilization)
    return f"{idle:.1f} %" if idle > 99 else f"{idle:.0f} %"


def _sentence(text: str) -> str:
    """Capitalise the first letter, as the question is lifted from a comment."""
    return text[:1].upper() + text[1:]


def question_lines(scenario_file: str) -> list[str]:
    """The leading comment of a scenario file (its question), without the ``#``."""
    from costsim.fileio import MAX_YAML_BYTES, read_text

    path = Path(scenario_file)
    if not scenario_file or not path.is_file():
        return []
    try:
        # summary.json names the file: it may be hand-edited to point anywhere
        text = read_text(path, MAX_YAML_BYTES, "YAML file")
    except InputError:
        return []
    lines = []
    for raw in text.splitlines():
        if not raw.startswith("#"):
            break
        lines.append(raw.lstrip("#").strip())
    return [line for line in lines if line]


def describe_option(o: dict[str, Any]) -> str:
    """One line on what an option is."""
    d = o.get("detail", {})
    if o["kind"] == "serverless":
        extras = ", ".join(d.get("extras", []))
        text = f"{d.get('provider', '?')} functions, {d.get('memory_mb', 0):g} MB"
        text += f", keep-alive {d.get('keep_alive_s', 0):g} s"
        return text + (f", with {extras}" if extras else "")
    if o["kind"] == "vps":
        scale = "an autoscaled group" if d.get("autoscale") else f"{o['instances']['max']} x"
        return f"{scale} {d.get('instance', '?')} ({d.get('workers', '?')} workers each)"
    return (
        f"{d.get('servers', '?')} x {d.get('server', '?')} ({d.get('workers', '?')} workers each)"
    )


# -- runs ---------------------------------------------------------------------------------------
def meets_slo(o: dict[str, Any], slo_ms: float | None) -> bool:
    """Whether a run option meets the p99 SLO and loses at most :data:`MAX_LOST_SHARE`."""
    req = o["requests"]
    lost = (req["throttled"] + req["dropped"]) / max(req["arrived"], 1)
    return lost <= MAX_LOST_SHARE and (slo_ms is None or o["latency_ms"]["p99"] <= slo_ms)


def choose(options: list[dict[str, Any]], slo_ms: float | None) -> tuple[dict[str, Any], bool]:
    """The cheapest option meeting the SLO, or (when none does) the one with the lowest p99."""
    ok = [o for o in options if meets_slo(o, slo_ms)]
    if ok:
        return min(ok, key=lambda o: o["cost_usd"]["total"]), True
    return min(options, key=lambda o: o["latency_ms"]["p99"]), False


def _facts(o: dict[str, Any]) -> list[str]:
    req, lat = o["requests"], o["latency_ms"]
    n = req["arrived"]
    comps = ", ".join(f"{k} {usd(v)}" for k, v in o["cost_usd"]["components"].items())
    return [
        f"**Cost:** {usd(o['cost_usd']['total'])} per month ({comps})",
        f"**Latency:** p50 {ms(lat['p50'])}, p95 {ms(lat['p95'])}, p99 {ms(lat['p99'])}, "
        f"p99.9 {ms(lat['p999'])}",
        f"**Cold starts:** {req['cold_starts']:,} ({pct(req['cold_starts'], n)} of requests)",
        f"**Throttled:** {req['throttled']:,} ({pct(req['throttled'], n)}); **dropped:** "
        f"{req['dropped']:,} ({pct(req['dropped'], n)})",
        f"**Instances:** mean {o['instances']['mean']:.2f}, max {o['instances']['max']}; "
        f"utilisation {100 * o['utilization']:.1f} % of what is paid for",
    ]


def _judgement(o: dict[str, Any], options: list[dict[str, Any]], slo: float | None) -> list[str]:
    cheapest = min(options, key=lambda x: x["cost_usd"]["total"])
    fastest = min(options, key=lambda x: x["latency_ms"]["p99"])
    out = []
    if o is cheapest:
        out.append("Good, because it is the cheapest option")
    else:
        ratio = o["cost_usd"]["total"] / max(cheapest["cost_usd"]["total"], 1e-9)
        out.append(f"Bad, because it costs {ratio:,.1f} times as much as {cheapest['name']}")
    rest = [x["latency_ms"]["p99"] for x in options if x is not o]
    if o is fastest and rest and o["latency_ms"]["p99"] < 0.95 * min(rest):
        out.append("Good, because it has the lowest p99 latency")
    if slo is not None:
        verdict = "Good" if meets_slo(o, slo) else "Bad"
        word = "meets" if verdict == "Good" else "misses"
        out.append(f"{verdict}, because it {word} the SLO (p99 {ms(slo)})")
    if o["utilization"] < 0.2 and o["kind"] != "serverless":
        out.append(f"Bad, because {idle_pct(o['utilization'])} of the paid capacity sits idle")
    if o["requests"]["cold_starts"]:
        out.append(
            f"Bad, because {o['requests']['cold_starts']:,} requests waited for a cold start"
        )
    out.append(f"Neutral, operational load: {OPS_LOAD.get(o['kind'], '')}")
    return out


def _break_even(name: str, cross: dict[str, Any]) -> list[str]:
    var = cross.get("variable", "the swept variable")
    out = []
    for c in cross.get("crossovers", []):
        if name in (c["a"], c["b"]):
            other = c["b"] if c["a"] == name else c["a"]
            lo, hi = c.get("ci95") or [c["at"], c["at"]]
            out.append(
                f"**Break-even** with {other} at {var} = {c['at']:.3g} "
                f"(95 % interval {lo:.3g} to {hi:.3g})"
            )
    return out


def run_document(out: Output, status: str, date: str, command: str) -> Document:
    """The decision record of a run folder."""
    s = out.summary
    options = s["options"]
    slo = s.get("slo_ms", {}).get("p99")
    chosen, ok = choose(options, slo)
    doc = Document({"status": status, "date": date})
    doc.add(Heading(1, f"{s['scenario']}: run it on {chosen['name']} ({chosen['kind']})"))
    doc.add(Heading(2, "Context and Problem Statement"))
    question = question_lines(s.get("scenario_file", "")) or [s.get("description", "")]
    doc.add(Para(md_escape(_sentence(" ".join(q.removeprefix("Question: ") for q in question)))))
    arrived = options[0]["requests"]["arrived"]
    days = s["horizon_s"] / 86400
    doc.add(
        Para(
            f"Traffic: {s.get('traffic', '?')}. The simulation replays {arrived:,} requests over "
            f"{days:g} days ({arrived / s['horizon_s']:,.3g} req/s on average); costs are scaled "
            "to a 730-hour month."
        )
    )
    doc.add(Heading(2, "Decision Drivers"))
    drivers = []
    if slo:
        drivers.append(
            f"**SLO:** p99 latency at most {ms(slo)}, and at most {100 * MAX_LOST_SHARE:g} % of "
            "requests throttled or dropped"
        )
    drivers += [
        "**Cost:** the monthly bill at the simulated traffic, from dated price catalogs",
        "**Operational load:** what the team has to run, patch and size",
    ]
    doc.add(Bullets(drivers))
    doc.add(Heading(2, "Considered Options"))
    doc.add(Bullets([f"**{o['name']}** ({o['kind']}): {describe_option(o)}" for o in options]))
    doc.add(Heading(2, "Decision Outcome"))
    others = sorted((o for o in options if o is not chosen), key=lambda o: o["cost_usd"]["total"])
    vs = ", ".join(f"{usd(o['cost_usd']['total'])} for {o['name']}" for o in others)
    lat = chosen["latency_ms"]
    if ok:
        because = (
            f"it is the cheapest option that meets the SLO: {usd(chosen['cost_usd']['total'])} "
            f"per month against {vs or 'no other option'}, with a p99 of {ms(lat['p99'])}"
        )
        if slo:
            because += f" against the SLO of {ms(slo)}"
    else:
        because = (
            f"no option meets the SLO, and it comes closest: p99 {ms(lat['p99'])}"
            + (f" against {ms(slo)}" if slo else "")
            + f", at {usd(chosen['cost_usd']['total'])} per month ({vs})"
        )
    doc.add(Para(f'Chosen option: "{chosen["name"]}", because {because}.'))
    doc.add(Image("cost", "Monthly cost per option, components stacked"))
    doc.add(Heading(3, "Consequences"))
    cons = []
    if others:
        runner = others[0]
        saving = runner["cost_usd"]["total"] - chosen["cost_usd"]["total"]
        if saving > 0:
            cons.append(
                f"Good, because it saves {usd(saving)} per month "
                f"({pct(saving, runner['cost_usd']['total'])}) against {runner['name']}"
            )
        else:
            cons.append(
                f"Bad, because it costs {usd(-saving)} per month more than {runner['name']}"
            )
    if chosen["requests"]["cold_starts"]:
        cons.append(
            f"Bad, because {pct(chosen['requests']['cold_starts'], chosen['requests']['arrived'])}"
            " of requests wait for a cold start"
        )
    if chosen["kind"] != "serverless":
        cons.append(f"Bad, because {idle_pct(chosen['utilization'])} of the paid capacity is idle")
    cons.append(f"Neutral, because it means {OPS_LOAD.get(chosen['kind'], '')}")
    cons += _break_even(chosen["name"], out.crossovers)
    doc.add(Bullets(cons))
    if out.sweep_summary:
        doc.add(
            Para(
                "The sweep in `sweep/` shows where this changes with "
                f"{out.crossovers.get('variable', 'traffic')}:"
            )
        )
        doc.add(Image("sweep/sweep_cost", "Cost against the swept variable, with crossovers"))
    doc.add(Heading(2, "Pros and Cons of the Options"))
    for o in options:
        doc.add(Heading(3, o["name"]))
        doc.add(Para(f"{KIND_WORDS.get(o['kind'], o['kind'])}: {describe_option(o)}."))
        doc.add(
            Bullets(
                _facts(o) + _break_even(o["name"], out.crossovers) + _judgement(o, options, slo)
            )
        )
    doc.add(Heading(3, "Side by side"))
    doc.add(Image("latency", "Latency percentiles per option, with the SLO"))
    doc.add(Image("latency_cdf", "Latency distribution per option"))
    doc.add(Image("instances", "Instances over time per option, with cold starts"))
    for stem in sorted(p.stem for p in out.folder.glob("memory_tuning*.svg")):
        doc.add(Image(stem, "Memory tuning"))
    _more_information(doc, s, command)
    return doc


def _more_information(doc: Document, s: dict[str, Any], command: str) -> None:
    doc.add(Heading(2, "More Information"))
    rows = [
        [name, version, s.get("catalog_as_of", {}).get(name, "?")]
        for name, version in sorted(s.get("catalogs", {}).items())
    ]
    doc.add(Para("Prices come from these catalogs (`costsim catalog show NAME` lists sources):"))
    doc.add(Table(["catalog", "version", "as of"], rows))
    facts = [
        f"Scenario `{s['scenario']}`"
        + (f" (`{s['scenario_file']}`)" if s.get("scenario_file") else ""),
        f"Seed {s['seed']}, {s['horizon_s'] / 86400:g} simulated days, engine `{s.get('engine')}`",
        f"costsim {s.get('costsim_version', '?')}",
    ]
    if s.get("kind") == "sweep":
        facts.append(f"{s.get('replications', 1)} replications per point; intervals are 95 %")
    doc.add(Bullets(facts))
    doc.add(Para("To reproduce this record:"))
    doc.add(Code(command))


# -- sweeps -------------------------------------------------------------------------------------
def _sweep_point_option(point: dict[str, Any], name: str) -> dict[str, Any]:
    return next(o for o in point["options"] if o["name"] == name)


def _point_ok(o: dict[str, Any], slo: float | None) -> bool:
    lost = o.get("throttle_rate", 0.0) + o.get("drop_rate", 0.0)
    return lost <= MAX_LOST_SHARE and (slo is None or o["p99_ms"]["mean"] <= slo)


def sweep_document(out: Output, status: str, date: str, command: str) -> Document:
    """The decision record of a sweep folder."""
    s, cross = out.summary, out.crossovers
    axis = s["vary"][0]
    var, values = axis["path"], axis["values"]
    points = s["points"]
    names = [o["name"] for o in points[0]["options"]]
    kinds = {o["name"]: o.get("kind", "?") for o in points[0]["options"]}
    slo = slo_p99_ms(s)
    winners = [w.get("option") for w in cross.get("slo_winners", [])] or [
        next(
            (
                o["name"]
                for o in sorted(p["options"], key=lambda o: o["cost_usd"]["mean"])
                if _point_ok(o, slo)
            ),
            None,
        )
        for p in points
    ]
    counts = {n: winners.count(n) for n in names}
    chosen = max(names, key=lambda n: (counts[n], -names.index(n)))
    doc = Document({"status": status, "date": date})
    doc.add(Heading(1, f"{s['scenario']}: where each option wins as {var} varies"))
    doc.add(Heading(2, "Context and Problem Statement"))
    question = question_lines(s.get("scenario_file", "")) or [s.get("description", "")]
    doc.add(
        Para(md_escape(_sentence(" ".join(q.removeprefix("Question: ") for q in question if q))))
    )
    shown = ", ".join(f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in values)
    doc.add(
        Para(
            f"The sweep varies `{var}` over {shown}, with {s.get('replications', 1)} "
            f"replications of {float(s.get('horizon_s', 0)) / 86400:g} simulated days at each "
            "point; costs are scaled to a 730-hour month."
        )
    )
    doc.add(Heading(2, "Decision Drivers"))
    drivers = []
    if slo:
        drivers.append(
            f"**SLO:** p99 latency at most {ms(slo)}, and at most "
            f"{100 * MAX_LOST_SHARE:g} % of requests throttled or dropped"
        )
    drivers += [
        f"**Cost:** the monthly bill across the range of `{var}`",
        "**Operational load:** what the team has to run, patch and size",
    ]
    doc.add(Bullets(drivers))
    doc.add(Heading(2, "Considered Options"))
    doc.add(Bullets([f"**{n}** ({kinds[n]})" for n in names]))
    doc.add(Heading(2, "Decision Outcome"))
    share = f"{counts[chosen]} of {len(points)}"
    doc.add(
        Para(
            f'Chosen option: "{chosen}", because it is the cheapest option meeting the SLO at '
            f"{share} simulated points. Where the winner changes:"
        )
    )
    ranges = [
        f"**{w['option']}** from {var} = {w['from']:g} to {w['to']:g}"
        for w in cross.get("winners", [])
    ]
    doc.add(Bullets(ranges or ["(no crossovers file: see the table below)"]))
    rows = []
    for p, w in zip(points, winners, strict=False):
        rows.append(
            [
                ", ".join(
                    f"{v:g}" if isinstance(v, (int, float)) else str(v)
                    for v in p["params"].values()
                )
            ]
            + [usd(_sweep_point_option(p, n)["cost_usd"]["mean"]) for n in names]
            + [w or "none"]
        )
    doc.add(
        Table(
            [var, *[f"{n} $/month" for n in names], "cheapest within SLO"],
            rows,
            "l" + "r" * len(names) + "l",
        )
    )
    doc.add(Image("sweep_cost", "Monthly cost against the swept variable, with crossovers"))
    doc.add(Image("sweep_p99", "p99 latency against the swept variable, with the SLO"))
    if (out.folder / "sweep_winners.svg").exists():
        doc.add(Image("sweep_winners", "Which option wins at each point"))
    doc.add(Heading(3, "Consequences"))
    cons = [f"Good, because {chosen} is the cheapest option within the SLO over {share} points"]
    lost = [p for p, w in zip(points, winners, strict=False) if w and w != chosen]
    if lost:
        cons.append(
            f"Bad, because at {len(lost)} points another option is cheaper; re-decide if "
            f"`{var}` moves there (break-even points below)"
        )
    cons.append(f"Neutral, because it means {OPS_LOAD.get(kinds[chosen], '')}")
    doc.add(Bullets(cons))
    doc.add(Heading(2, "Pros and Cons of the Options"))
    idle = cross.get("idle_fraction", {})
    for n in names:
        rows_n = [_sweep_point_option(p, n) for p in points]
        cost = [r["cost_usd"]["mean"] for r in rows_n]
        p99 = [r["p99_ms"]["mean"] for r in rows_n]
        facts = [
            f"**Cost:** {usd(min(cost))} to {usd(max(cost))} per month over the range",
            f"**Latency:** p99 {ms(min(p99))} to {ms(max(p99))}",
            f"**Cold starts:** up to {100 * max(r.get('cold_start_rate', 0) for r in rows_n):.2f} %"
            " of requests",
            f"**Throttled:** up to {100 * max(r.get('throttle_rate', 0) for r in rows_n):.2f} %; "
            f"**dropped:** up to {100 * max(r.get('drop_rate', 0) for r in rows_n):.2f} %",
        ]
        if idle.get(n):
            facts.append(
                f"**Idle capacity:** {100 * min(idle[n]):.0f} % to {100 * max(idle[n]):.0f} %"
            )
        facts += _break_even(n, cross)
        wins = counts.get(n, 0)
        facts.append(
            f"{'Good' if wins else 'Bad'}, because it wins at {wins} of {len(points)} points"
        )
        facts.append(f"Neutral, operational load: {OPS_LOAD.get(kinds[n], '')}")
        doc.add(Heading(3, n))
        doc.add(Bullets(facts))
    for stem in sorted(p.stem for p in out.folder.glob("memory_tuning*.svg")):
        doc.add(Image(stem, "Memory tuning"))
    _more_information(doc, s, command)
    return doc


# -- entry point --------------------------------------------------------------------------------
def reproduce_command(out: Output, folder_arg: str) -> str:
    """The shell commands that regenerate ``folder_arg`` and its report."""
    s = out.summary
    scenario = s.get("scenario_file") or f"scenarios/{s['scenario']}.yaml"
    engine = s.get("engine", "simpy")
    if out.kind == "sweep":
        vary = " ".join(
            f"--vary {a['path']}=" + ",".join(str(v) for v in a["values"]) for a in s["vary"]
        )
        first = (
            f"costsim sweep {scenario} {vary} --replications {s.get('replications', 1)} "
            f"--engine {engine} --out {folder_arg}"
        )
    else:
        first = f"costsim run {scenario} --seed {s['seed']} --engine {engine} --out {folder_arg}"
    return f"{first}\ncostsim report {folder_arg}"


def write_report(
    folder: Path, *, status: str = "proposed", date: str | None = None, html: bool = True
) -> list[Path]:
    """Write ``report.md`` (and ``report.html``) into a run or sweep folder.

    Charts the record needs are drawn when the folder lacks them. Returns the files written.
    """
    out = load_output(folder)
    written: list[Path] = []
    if out.kind == "run":
        from costsim.report.charts import run_charts

        stems = ("cost", "latency", "latency_cdf", "instances")
        if not all((folder / f"{st}.svg").exists() for st in stems):
            written += run_charts(result_from_output(out), folder)
    else:
        written += draw_missing(out.summary, out.crossovers, folder)
    command = reproduce_command(out, folder.as_posix())
    day = report_date(out.summary, date)
    build = run_document if out.kind == "run" else sweep_document
    doc = build(out, status, day, command)
    md = folder / "report.md"
    write_atomic(md, to_markdown(doc))
    written.append(md)
    if html:
        page = folder / "report.html"
        title = next((b.text for b in doc.blocks if isinstance(b, Heading)), "costsim report")
        write_atomic(page, to_html(doc, folder, title))
        written.append(page)
    return written
