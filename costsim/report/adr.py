"""Decision records: ``costsim report DIR`` turns a run or sweep folder into MADR 4 Markdown.

The record follows MADR 4 (https://adr.github.io/madr/): front matter, Context and Problem
Statement, Decision Drivers, Considered Options, Decision Outcome with Consequences, Pros and Cons
of the Options, More Information. The same folder gives the same bytes: the date comes from
``--date`` or ``SOURCE_DATE_EPOCH`` (for byte-identical rebuilds), else it is today (UTC): a
record is dated when it was written, not when its newest price list was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from costsim.output import write_atomic
from costsim.report.adr_app import application_blocks
from costsim.report.adr_common import (
    add_closing,
    add_memory_tuning,
    break_even,
    describe_option,
    idle_pct,
    kind_words,
    ms,
    ops_load,
    pays_for_idle,
    pct,
    question_lines,
    report_date,
    sentence,
    slo_driver,
    usd,
)
from costsim.report.adr_sweep import point_mean, sweep_document
from costsim.report.backlog import backlog_words
from costsim.report.doc import Bullets, Document, Heading, Image, Para, md_escape, to_markdown
from costsim.report.html import to_html
from costsim.report.load import Output, load_output, result_from_output
from costsim.report.sensitivity import sensitivity_blocks
from costsim.report.sweep_fallback import draw_missing
from costsim.result_format import batch_words
from costsim.slo import SloRule, pick, run_outcome
from costsim.units import elapsed_words, format_duration, span_words

__all__ = ["point_mean", "report_date", "sweep_document", "usd", "write_report"]


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
        + utilisation_words(o),
        *([f"**Batches:** {batch_words(o['batches'])}"] if o.get("batches") else []),
    ]


def utilisation_words(o: dict[str, Any]) -> str:
    """Utilisation in one wording per kind: serverless bills per use, so nothing paid is idle."""
    if not pays_for_idle(o["kind"]):
        return (
            "billed per use, so no paid capacity sits idle (warm instances were busy "
            f"{100 * o['utilization']:.1f} % of the time the provider kept them)"
        )
    return (
        f"busy {100 * o['utilization']:.1f} % of what is paid for "
        f"({idle_pct(o['utilization'])} idle)"
    )


def _judgement(
    o: dict[str, Any], options: list[dict[str, Any]], rule: SloRule, horizon_s: float
) -> list[str]:
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
    b = o.get("batches")
    if b and b["releases"]:
        on_time = b["finished_within_window"]
        out.append(
            f"{'Good' if on_time else 'Bad'}, because "
            + ("every batch" if on_time else "not every batch")
            + f" finished within the {elapsed_words(b['window_s'])} window"
        )
    if o["utilization"] < 0.2 and pays_for_idle(o["kind"]):
        out.append(f"Bad, because {idle_pct(o['utilization'])} of the paid capacity sits idle")
    if o["requests"]["cold_starts"]:
        out.append(
            f"Bad, because {o['requests']['cold_starts']:,} requests waited for a cold start"
        )
    out += [f"Bad, because its {w}" for w in backlog_words(o.get("queues"), horizon_s)]
    out.append(f"Neutral, operational load: {ops_load(o['kind'])}")
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
    doc.add(Para(md_escape(sentence(" ".join(q.removeprefix("Question: ") for q in question)))))
    arrived = options[0]["requests"]["arrived"]
    doc.add(
        Para(
            f"Traffic: {s.get('traffic', '?')}. The simulation replays {arrived:,} requests over "
            f"{span_words(s['horizon_s'])} ({arrived / s['horizon_s']:,.3g} req/s on average); "
            "costs are scaled to a 730-hour month."
        )
    )
    doc.add(Heading(2, "Decision Drivers"))
    window = options[0].get("batches")
    drivers = [
        slo_driver(rule),
        *(
            [
                f"**Batch window:** every batch done within {elapsed_words(window['window_s'])} "
                "of its release (the makespan, first arrival to last completion, says how close)"
            ]
            if window
            else []
        ),
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
    if chosen.get("batches"):
        doc.add(Para(sentence(batch_words(chosen["batches"])) + "."))
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
    cons += [f"Bad, because its {w}" for w in backlog_words(chosen.get("queues"), s["horizon_s"])]
    cons.append(f"Neutral, because it means {ops_load(chosen['kind'])}")
    cons += break_even(chosen["name"], out.crossovers)
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
                _facts(o)
                + break_even(o["name"], out.crossovers)
                + _judgement(o, options, rule, float(s["horizon_s"]))
            )
        )
    doc.add(Heading(3, "Side by side"))
    doc.add(Image("latency", "Latency percentiles per option, with the SLO"))
    doc.add(Image("latency_cdf", "Latency distribution per option"))
    doc.add(Image("instances", "Instances over time per option, with cold starts"))
    add_memory_tuning(doc, out.folder)
    for block in application_blocks(options, float(s["horizon_s"])):
        doc.add(block)
    blocks = sensitivity_blocks(out.folder, chosen["name"], options)
    add_closing(doc, s, date, command, "Sensitivity: what would change the decision", blocks)
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
            f"--horizon {format_duration(float(s['horizon_s']))} --engine {engine} "
            f"--out {folder_arg}"
        )
    else:
        first = f"costsim run {scenario} --seed {s['seed']} --engine {engine} --out {folder_arg}"
    return f"{first}\ncostsim report {folder_arg}"


def write_report(
    folder: Path,
    *,
    status: str = "proposed",
    date: str | None = None,
    html: bool = True,
    sensitivity: Callable[[Path, dict[str, Any]], list[Path]] | None = None,
) -> list[Path]:
    """Write ``report.md`` (and ``report.html``) into a run or sweep folder.

    Charts the record needs are drawn when the folder lacks them. ``sensitivity(folder,
    summary)``, when given, writes the folder's ``sensitivity.json`` first (``costsim report``
    passes :func:`costsim.sweep.sensitivity.ensure_sensitivity` for a run, which simulates the
    scenario file again under each factor, and
    :func:`costsim.sweep.crossover_sensitivity.ensure_sweep_sensitivity` for a sweep, which
    searches each crossover again under each factor); the record then has a sensitivity
    section.
    Returns the files written.
    """
    out = load_output(folder)
    written: list[Path] = []
    if out.kind == "run":
        from costsim.report.app_charts import APP_CHART_STEMS
        from costsim.report.charts import run_charts

        if sensitivity is not None:
            written += sensitivity(folder, out.summary)

        stems: tuple[str, ...] = ("cost", "latency", "latency_cdf", "instances")
        if any(o.get("routes") for o in out.summary["options"]):
            stems += APP_CHART_STEMS
        if not all((folder / f"{st}.svg").exists() for st in stems):
            written += run_charts(result_from_output(out), folder)
    else:
        if sensitivity is not None:
            written += sensitivity(folder, out.summary)
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
