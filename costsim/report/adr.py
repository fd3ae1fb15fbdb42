"""Decision records: ``costsim report DIR`` turns a run or sweep folder into MADR 4 Markdown.

The record follows MADR 4 (https://adr.github.io/madr/): front matter, Context and Problem
Statement, Decision Drivers, Considered Options, Decision Outcome with Consequences, Pros and Cons
of the Options, More Information. The same folder gives the same bytes: the date comes from
``--date`` or ``SOURCE_DATE_EPOCH`` (for byte-identical rebuilds), else it is today (UTC): a
record is dated when it was written, not when its newest price list was.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from costsim.kinds import KINDS, OptionKind
from costsim.output import write_atomic
from costsim.report.doc import Bullets, Code, Document, Heading, Image, Para, Table, to_markdown
from costsim.report.html import to_html
from costsim.report.load import Output, load_output, result_from_output
from costsim.report.sweep_fallback import draw_missing
from costsim.slo import SloRule, pick, run_outcome, sweep_outcome


def _kind(name: str) -> OptionKind[Any] | None:
    """The adapter of an option kind named in a summary (None for a kind this version lacks)."""
    return KINDS.get(name)


def kind_words(name: str) -> str:
    """What an option kind is, for people (``rented VPS``); the tag itself if unknown."""
    kind = _kind(name)
    return kind.words if kind is not None else name


def ops_load(name: str) -> str:
    """What running an option kind asks of a team."""
    kind = _kind(name)
    return kind.ops_load if kind is not None else ""


def pays_for_idle(name: str) -> bool:
    """Whether an option kind bills capacity that sits idle (a fleet does)."""
    kind = _kind(name)
    return kind.pays_for_idle if kind is not None else False


def report_date(summary: dict[str, Any], date: str | None = None) -> str:
    """The record's date: ``date``, else ``SOURCE_DATE_EPOCH``, else today (UTC).

    ``summary`` is accepted for callers that pass it; the catalogs' dates are listed in the
    record's own table and are not the date of the decision.
    """
    if date:
        return date
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return dt.datetime.now(dt.UTC).date().isoformat()


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
    path = Path(scenario_file)
    if not scenario_file or not path.is_file():
        return []
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.startswith("#"):
            break
        lines.append(raw.lstrip("#").strip())
    return [line for line in lines if line]


def describe_option(o: dict[str, Any]) -> str:
    """One line on what an option is (its kind's words for its ``detail``)."""
    kind = _kind(o["kind"])
    return kind.describe(o) if kind is not None else o["kind"]


# -- runs ---------------------------------------------------------------------------------------
def meets_slo(o: dict[str, Any], rule: SloRule) -> bool:
    """Whether an option of a run's summary meets the SLO (:mod:`costsim.slo`'s one rule)."""
    return rule.outcome_meets(run_outcome(o))


def choose(options: list[dict[str, Any]], rule: SloRule) -> tuple[dict[str, Any], bool]:
    """The cheapest option meeting the SLO, or (when none does) the one with the lowest p99.

    Parameters
    ----------
    options : list of dict
        The options of a run's ``summary.json``.
    rule : SloRule
        The scenario's SLO.

    Returns
    -------
    (dict, bool)
        The chosen option, and whether it meets the SLO.
    """
    best = pick(options, run_outcome, rule)
    if best is not None:
        return best, True
    return min(options, key=lambda o: o["latency_ms"]["p99"]), False


def slo_driver(rule: SloRule) -> str:
    """The decision driver that states the SLO rule the record applies."""
    if rule.p99_ms is None:
        return f"**SLO:** {rule.lost_words()}"
    return f"**SLO:** p99 latency at most {ms(rule.p99_ms)}, and {rule.lost_words()}"


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


def _judgement(o: dict[str, Any], options: list[dict[str, Any]], rule: SloRule) -> list[str]:
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
    verdict = "Good" if meets_slo(o, rule) else "Bad"
    word = "meets" if verdict == "Good" else "misses"
    limit = f"p99 {ms(rule.p99_ms)}, " if rule.p99_ms is not None else ""
    out.append(f"{verdict}, because it {word} the SLO ({limit}{rule.lost_words()})")
    if o["utilization"] < 0.2 and pays_for_idle(o["kind"]):
        out.append(f"Bad, because {idle_pct(o['utilization'])} of the paid capacity sits idle")
    if o["requests"]["cold_starts"]:
        out.append(
            f"Bad, because {o['requests']['cold_starts']:,} requests waited for a cold start"
        )
    out.append(f"Neutral, operational load: {ops_load(o['kind'])}")
    return out


def _break_even(name: str, cross: dict[str, Any]) -> list[str]:
    var = cross.get("variable", "the swept variable")
    out = []
    for c in cross.get("crossovers", []):
        if name in (c["a"], c["b"]):
            other = c["b"] if c["a"] == name else c["a"]
            lo, hi = c.get("ci95") or [c["at"], c["at"]]
            unit = f" {cross['unit']}" if cross.get("unit") else ""
            where = f"{var} = {c['at']:.3g}{unit} (95 % interval {lo:.3g} to {hi:.3g})"
            if c.get("at_text"):
                rlo, rhi = c.get("ci95_rps") or [c["at_rps"], c["at_rps"]]
                where = (
                    f"{c['at_text']} ({var} = {c['at']:.3g}; 95 % interval "
                    f"{rlo:.3g} to {rhi:.3g} req/s)"
                )
            out.append(f"**Break-even** with {other} at {where}")
    return out


def run_document(out: Output, status: str, date: str, command: str) -> Document:
    """The decision record of a run folder."""
    s = out.summary
    options = s["options"]
    rule = SloRule.from_summary(s)
    slo = rule.p99_ms
    chosen, ok = choose(options, rule)
    doc = Document({"status": status, "date": date})
    doc.add(Heading(1, f"{s['scenario']}: run it on {chosen['name']} ({chosen['kind']})"))
    doc.add(Heading(2, "Context and Problem Statement"))
    question = question_lines(s.get("scenario_file", "")) or [s.get("description", "")]
    doc.add(Para(_sentence(" ".join(q.removeprefix("Question: ") for q in question))))
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
    drivers = [
        slo_driver(rule),
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
    if pays_for_idle(chosen["kind"]):
        cons.append(f"Bad, because {idle_pct(chosen['utilization'])} of the paid capacity is idle")
    cons.append(f"Neutral, because it means {ops_load(chosen['kind'])}")
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
        doc.add(Para(f"{kind_words(o['kind'])}: {describe_option(o)}."))
        doc.add(
            Bullets(
                _facts(o) + _break_even(o["name"], out.crossovers) + _judgement(o, options, rule)
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


def point_mean(o: dict[str, Any], metric: str, default: float = 0.0) -> float:
    """A sweep point's metric: the replication mean of ``{mean, ci95, n}`` (or a bare number)."""
    value = o.get(metric, default)
    if isinstance(value, dict):
        value = value.get("mean", default)
    return float(value)


def _most(rows: list[dict[str, Any]], metric: str) -> float:
    """The largest mean of ``metric`` over a sweep's points (0 where a point lacks it)."""
    return max((float(r[metric]["mean"]) for r in rows if metric in r), default=0.0)


def sweep_document(out: Output, status: str, date: str, command: str) -> Document:
    """The decision record of a sweep folder."""
    s, cross = out.summary, out.crossovers
    axis = s["vary"][0]
    var, values = axis["path"], axis["values"]
    points = s["points"]
    names = [o["name"] for o in points[0]["options"]]
    kinds = {o["name"]: o.get("kind", "?") for o in points[0]["options"]}
    rule = SloRule.from_summary(s)
    # from the points themselves, by the rule the sweep applies, so that a crossovers.json of
    # another version cannot make the record disagree with its own table
    winners = [(pick(p["options"], sweep_outcome, rule) or {}).get("name") for p in points]
    counts = {n: winners.count(n) for n in names}
    chosen = max(names, key=lambda n: (counts[n], -names.index(n)))
    doc = Document({"status": status, "date": date})
    doc.add(Heading(1, f"{s['scenario']}: where each option wins as {var} varies"))
    doc.add(Heading(2, "Context and Problem Statement"))
    question = question_lines(s.get("scenario_file", "")) or [s.get("description", "")]
    doc.add(Para(_sentence(" ".join(q.removeprefix("Question: ") for q in question if q))))
    shown = ", ".join(f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in values)
    doc.add(
        Para(
            f"The sweep varies `{var}` over {shown}, with {s.get('replications', 1)} "
            f"replications of {float(s.get('horizon_s', 0)) / 86400:g} simulated days at each "
            "point; costs are scaled to a 730-hour month."
        )
    )
    doc.add(Heading(2, "Decision Drivers"))
    drivers = [
        slo_driver(rule),
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
    rated = all("mean_rps" in p for p in points) and len({p["mean_rps"] for p in points}) > 1
    rows = []
    for p, w in zip(points, winners, strict=False):
        shown_params = ", ".join(
            f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in p["params"].values()
        )
        traffic = (
            [f"{p['mean_rps']:.3g}", f"{p['requests_per_month'] / 1e6:,.3g}M"] if rated else []
        )
        rows.append(
            [shown_params]
            + traffic
            + [usd(point_mean(_sweep_point_option(p, n), "cost_usd")) for n in names]
            + [w or "none"]
        )
    heads = [var, *(["req/s", "requests/month"] if rated else [])]
    doc.add(
        Table(
            [*heads, *[f"{n} $/month" for n in names], "cheapest within SLO"],
            rows,
            "l" + "r" * (len(names) + len(heads) - 1) + "l",
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
    cons.append(f"Neutral, because it means {ops_load(kinds[chosen])}")
    doc.add(Bullets(cons))
    doc.add(Heading(2, "Pros and Cons of the Options"))
    idle = cross.get("idle_fraction", {})
    for n in names:
        rows_n = [_sweep_point_option(p, n) for p in points]
        cost = [point_mean(r, "cost_usd") for r in rows_n]
        p99 = [point_mean(r, "p99_ms") for r in rows_n]
        facts = [
            f"**Cost:** {usd(min(cost))} to {usd(max(cost))} per month over the range",
            f"**Latency:** p99 {ms(min(p99))} to {ms(max(p99))}",
            f"**Cold starts:** up to {100 * _most(rows_n, 'cold_start_rate'):.2f} % of requests",
            f"**Throttled:** up to {100 * _most(rows_n, 'throttle_rate'):.2f} %; "
            f"**dropped:** up to {100 * _most(rows_n, 'drop_rate'):.2f} %",
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
        facts.append(f"Neutral, operational load: {ops_load(kinds[n])}")
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
