"""The decision record of a sweep folder: where each option wins as the swept variable moves."""

from __future__ import annotations

from typing import Any

from costsim.report.adr_common import (
    add_closing,
    add_memory_tuning,
    break_even,
    ms,
    ops_load,
    pays_for_idle,
    question_lines,
    sentence,
    slo_driver,
    usd,
)
from costsim.report.doc import Bullets, Document, Heading, Image, Para, Table, md_escape
from costsim.report.load import Output
from costsim.report.sweep_sensitivity import sweep_sensitivity_blocks
from costsim.slo import SloRule, pick, sweep_outcome
from costsim.units import elapsed_words, short_value, span_words


def _sweep_point_option(point: dict[str, Any], name: str) -> dict[str, Any]:
    return next(o for o in point["options"] if o["name"] == name)


def point_mean(o: dict[str, Any], metric: str, default: float = 0.0) -> float:
    """A sweep point's metric: the replication mean of ``{mean, ci95, n}`` (or a bare number)."""
    value = o.get(metric, default)
    if isinstance(value, dict):
        value = value.get("mean", default)
    return float(value)


_RATES = ("cold_start_rate", "throttle_rate", "drop_rate")


def _shown(value: Any) -> str:
    """A swept value for people: 3 significant digits, with its unit as written."""
    return short_value(value)


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
    doc.add(
        Para(md_escape(sentence(" ".join(q.removeprefix("Question: ") for q in question if q))))
    )
    shown = ", ".join(f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in values)
    doc.add(
        Para(
            f"The sweep varies `{var}` over {shown}, with {s.get('replications', 1)} "
            f"replications of {span_words(float(s.get('horizon_s', 0)))} simulated at each "
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
        f"**{w['option']}** from {var} = {_shown(w['from'])} to {_shown(w['to'])}"
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
        worst = {m: max(point_mean(r, m) for r in rows_n) for m in _RATES}
        facts = [
            f"**Cost:** {usd(min(cost))} to {usd(max(cost))} per month over the range",
            f"**Latency:** p99 {ms(min(p99))} to {ms(max(p99))}",
            f"**Cold starts:** up to {100 * worst['cold_start_rate']:.2f} % of requests",
            f"**Throttled:** up to {100 * worst['throttle_rate']:.2f} %; "
            f"**dropped:** up to {100 * worst['drop_rate']:.2f} %",
        ]
        if any("within_window" in r for r in rows_n):
            on_time = sum(point_mean(r, "within_window") == 1.0 for r in rows_n)
            longest = max(point_mean(r, "makespan_s") for r in rows_n)
            facts.append(
                f"**Batch window:** every batch on time at {on_time} of {len(points)} points "
                f"(in every replication); makespan up to {elapsed_words(longest)}"
            )
        if not pays_for_idle(kinds[n]):
            facts.append("**Idle capacity:** none paid for (billed per use)")
        elif idle.get(n):
            facts.append(
                f"**Idle capacity:** {100 * min(idle[n]):.0f} % to {100 * max(idle[n]):.0f} % "
                "of what is paid for"
            )
        facts += break_even(n, cross)
        wins = counts.get(n, 0)
        facts.append(
            f"{'Good' if wins else 'Bad'}, because it wins at {wins} of {len(points)} points"
        )
        facts.append(f"Neutral, operational load: {ops_load(kinds[n])}")
        doc.add(Heading(3, n))
        doc.add(Bullets(facts))
    add_memory_tuning(doc, out.folder)
    blocks = sweep_sensitivity_blocks(out.folder, bool(s["vary"][0].get("log")))
    add_closing(doc, s, date, command, "Sensitivity: what moves the crossovers", blocks)
    return doc
