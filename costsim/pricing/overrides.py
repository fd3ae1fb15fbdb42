"""Price overrides (``prices:`` in a scenario, ``--price`` on a quote): only what is billed.

An override names something its item bills: a component of a function product or of its
add-ons (``requests``, ``compute``, ``api requests``) or a machine price (``per_hour``,
``per_month``, ``setup``, ...). Any other key is an error that lists the keys the item bills,
with a did-you-mean, because an override that silently does nothing gives a wrong bill.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from costsim.errors import InputError
from costsim.pricing.catalog import MACHINE_PRICES, AddonItem, FunctionItem, MachineItem

#: Machine prices that rating reads, by catalog kind.
MACHINE_OVERRIDES = {
    "vm": ("per_hour", "per_month"),
    "server": MACHINE_PRICES,
}


def billed_keys(items: Iterable[FunctionItem | AddonItem | MachineItem], kind: str) -> list[str]:
    """The override keys ``items`` bill (component names, or machine prices they carry)."""
    keys: list[str] = []
    for item in items:
        if isinstance(item, MachineItem):
            keys += [p for p in MACHINE_OVERRIDES.get(kind, ()) if item.price(p) is not None]
        else:
            keys += [c.name for c in item.components]
    return list(dict.fromkeys(keys))


def check_overrides(
    overrides: dict[str, float],
    items: Iterable[FunctionItem | AddonItem | MachineItem],
    kind: str,
    what: str,
) -> None:
    """Raise :class:`InputError` for an override key that ``items`` do not bill.

    Parameters
    ----------
    overrides : dict
        Key to price.
    items : iterable of catalog items
        The option's item and its add-ons.
    kind : str
        The main catalog's kind (``function``, ``vm``, ``server``).
    what : str
        How to name the item in the message, e.g. ``aws-lambda x86_64``.

    Raises
    ------
    InputError
        With ``field`` set to the offending key.
    """
    allowed = billed_keys(list(items), kind)
    for key in overrides:
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise InputError(
            f"{what} does not bill {key!r}; {hint}it bills: {', '.join(allowed) or 'nothing'}",
            field=key,
        )
