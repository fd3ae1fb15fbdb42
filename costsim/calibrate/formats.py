"""The known log and trace formats: every reader module, imported in sniffing order.

The reader modules register their formats in :mod:`costsim.calibrate.sources` when imported;
this module imports them all, so that the registry and the readers do not import each other.
"""

from __future__ import annotations

from pathlib import Path

from costsim.calibrate import read_access, read_lambda, read_metrics, read_traces
from costsim.calibrate.evidence import Evidence
from costsim.calibrate.sources import HEAD_CHARS, READERS, Reader, read_text
from costsim.errors import InputError

#: The reader modules, in sniffing order (importing them filled the registry).
MODULES = (read_access, read_lambda, read_metrics, read_traces)


def readers() -> dict[str, Reader]:
    """Every known reader, by format name."""
    return READERS


def read_source(path: str, fmt: str | None = None) -> Evidence:
    """Read one file with the named reader, or the first whose sniffer recognises it."""
    known = readers()
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
    evidence = reader.read(path)
    if not evidence.used.get(path):
        first = evidence.bad[0].one_line() if evidence.bad else f"{path}: nothing to read"
        raise InputError(
            f"no usable line in this {reader.name} file ({len(evidence.bad)} bad lines; "
            f"first: {first})",
            file=path,
        )
    return evidence
