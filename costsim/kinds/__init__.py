"""Option kinds: one adapter per kind, the only place that names one.

:data:`KINDS` maps each ``kind:`` tag to its adapter (:class:`~costsim.kinds.base.OptionKind`).
The scenario schema builds its option union from it; the simulation chain, the resource guard,
the sweep and the decision record look adapters up in it. A new kind is a module here with its
schema and adapter, one line below, its catalog and its tests.
"""

from __future__ import annotations

import difflib
from typing import Any

from costsim.kinds.bare_metal import BareMetalKind, BareMetalOption
from costsim.kinds.base import OptionContext, OptionKind, Resolved, SizeEstimate
from costsim.kinds.base import option_context as option_context
from costsim.kinds.serverless import ServerlessKind, ServerlessOption
from costsim.kinds.vps import VpsKind, VpsOption

#: Every option kind by its ``kind:`` tag, in the order the docs list them.
KINDS: dict[str, OptionKind[Any]] = {
    k.name: k for k in (ServerlessKind(), VpsKind(), BareMetalKind())
}

__all__ = [
    "KINDS",
    "BareMetalOption",
    "OptionContext",
    "OptionKind",
    "Resolved",
    "ServerlessOption",
    "SizeEstimate",
    "VpsOption",
    "adapter",
    "kind_of",
    "option_context",
]


def adapter(name: str) -> OptionKind[Any]:
    """The adapter of kind ``name``.

    Raises
    ------
    KeyError
        Naming the known kinds, with a did-you-mean.
    """
    try:
        return KINDS[name]
    except KeyError:
        close = difflib.get_close_matches(name, KINDS, n=1)
        tip = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"unknown option kind {name!r}{tip} (known: {', '.join(KINDS)})") from None


def kind_of(option: Any) -> OptionKind[Any]:
    """The adapter of an option model (or anything with a ``kind`` attribute)."""
    return adapter(option.kind)
