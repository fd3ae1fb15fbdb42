"""Every source format costsim calibrate reads, by name, in the order files are sniffed."""

from __future__ import annotations

from pathlib import Path

from costsim.calibrate import read_access, read_lambda, read_metrics, read_traces
from costsim.calibrate.evidence import Evidence
from costsim.calibrate.sources import HEAD_CHARS, Reader, Selection, read_text
from costsim.errors import InputError

#: the registry of readers: format name -> reader (first match wins when sniffing)
READERS: dict[str, Reader] = {
    r.name: r
    for module in (read_traces, read_lambda, read_metrics, read_access)
    for r in module.FORMATS
}


def readers() -> dict[str, Reader]:
    """Every known reader, by format name."""
    return dict(READERS)


def read_source(path: str, fmt: str | None = None, selection: Selection | None = None) -> Evidence:
    """Read one file with the named reader, or the first whose sniffer recognises it.

    ``selection`` picks one function or app out of a public trace; other formats ignore it.
    """
    known = READERS
    if fmt is not None:
        if fmt not in known:
            raise InputError(
                f"unknown format {fmt!r}; choose one of {', '.join(sorted(known))}",
                field="--format",
            )
        found: Reader | None = known[fmt]
    else:
        head = read_text(path)[:HEAD_CHARS]
        name = Path(path).name
        found = next((r for r in known.values() if r.sniff(head, name)), None)
        if found is None:
            raise InputError(
                "cannot tell what kind of log this is; name it with --format "
                f"({', '.join(sorted(known))})",
                file=path,
                line=1,
            )
    assert found is not None
    reader: Reader = found
    if selection is not None and reader.read_selected is not None:
        evidence = reader.read_selected(path, selection)
    else:
        evidence = reader.read(path)
    if not evidence.used.get(path):
        first = evidence.bad[0].one_line() if evidence.bad else f"{path}: nothing to read"
        raise InputError(
            f"no usable line in this {reader.name} file ({len(evidence.bad)} bad lines; "
            f"first: {first})",
            file=path,
        )
    return evidence
