"""What the run and sweep decision records share: formatting, the question, drivers' words,
break-even bullets, the assumptions and the "More Information" section."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from costsim.kinds import KINDS, OptionKind
from costsim.report.doc import Block, Bullets, Code, Document, Heading, Image, Para, Table
from costsim.slo import SloRule
from costsim.units import elapsed_words, span_words


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


def slo_driver(rule: SloRule) -> str:
    """The decision driver that states the SLO rule the record applies."""
    if rule.p99_ms is None:
        return f"**SLO:** {rule.lost_words()}"
    return f"**SLO:** p99 latency at most {ms(rule.p99_ms)}, and {rule.lost_words()}"


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
    """A latency given in milliseconds, for people: ``40.2 ms``, ``850 ms``, and from 10 s on
    in larger units (``5 min 5 s``, not ``304,838 ms``)."""
    if x >= 10_000:
        return elapsed_words(x / 1000)
    return f"{x:,.0f} ms" if x >= 100 else f"{x:,.1f} ms"


def pct(part: float, whole: float) -> str:
    """A share in per cent."""
    return f"{100 * part / whole:.2f} %" if whole else "0 %"


def idle_pct(utilization: float) -> str:
    """The idle share of paid capacity, with a decimal once it rounds to 100 %."""
    idle = 100 * (1 - utilization)
    return f"{idle:.1f} %" if idle > 99 else f"{idle:.0f} %"


def sentence(text: str) -> str:
    """Capitalise the first letter, as the question is lifted from a comment."""
    return text[:1].upper() + text[1:]


def question_lines(scenario_file: str) -> list[str]:
    """The leading comment of a scenario file (its question), without the ``#``."""
    from costsim.errors import InputError
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
    """One line on what an option is (its kind's words for its ``detail``)."""
    kind = _kind(o["kind"])
    return kind.describe(o) if kind is not None else o["kind"]


def break_even(name: str, cross: dict[str, Any]) -> list[str]:
    """The decision record's break-even lines of option ``name``, one per crossover.

    Parameters
    ----------
    name : str
        The option.
    cross : dict
        A sweep's crossovers (``variable``, ``unit``, ``crossovers``: ``a``, ``b``, ``at``,
        ``ci95`` and, when the variable maps to a rate, ``at_text`` and ``ci95_rps``).

    Returns
    -------
    list of str
        Markdown lines, empty when ``name`` crosses no other option.
    """
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


def add_memory_tuning(doc: Document, folder: Path) -> None:
    """Add the memory-tuning charts the folder has (``memory_tuning*.svg``), in name order."""
    for stem in sorted(p.stem for p in folder.glob("memory_tuning*.svg")):
        doc.add(Image(stem, "Memory tuning"))


def add_closing(
    doc: Document, s: dict[str, Any], date: str, command: str, heading: str, blocks: list[Block]
) -> None:
    """Add the end of a decision record: the sensitivity section (``heading`` over ``blocks``;
    none without blocks), then :func:`add_assumptions` and :func:`more_information`."""
    if blocks:
        doc.add(Heading(2, heading))
        for block in blocks:
            doc.add(block)
    add_assumptions(doc, s, date)
    more_information(doc, s, command)


def add_assumptions(doc: Document, s: dict[str, Any], date: str) -> None:
    """Add the "Assumptions and not included" section of a decision record.

    Parameters
    ----------
    doc : Document
        The record being written.
    s : dict
        The run's or sweep's ``summary.json``.
    date : str
        The record's date (YYYY-MM-DD), to judge how old the catalogs are.
    """
    from costsim.report.assumptions import assumptions

    doc.add(Heading(2, "Assumptions and not included"))
    doc.add(Bullets(assumptions(s, date)))


def more_information(doc: Document, s: dict[str, Any], command: str) -> None:
    """Add the "More Information" section: catalogs, seed, engine, version, the command.

    Parameters
    ----------
    doc : Document
        The record being written.
    s : dict
        The run's or sweep's ``summary.json``.
    command : str
        The command that reproduces the record.
    """
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
        f"Seed {s['seed']}, {span_words(float(s['horizon_s']))} simulated, "
        f"engine `{s.get('engine')}`",
        f"costsim {s.get('costsim_version', '?')}",
    ]
    if s.get("kind") == "sweep":
        facts.append(f"{s.get('replications', 1)} replications per point; intervals are 95 %")
    doc.add(Bullets(facts))
    doc.add(Para("To reproduce this record:"))
    doc.add(Code(command))
