"""Finding catalogs and items by key: built-in catalogs, pinned versions and user files."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from costsim.errors import InputError
from costsim.pricing.catalog import Catalog, load_builtin_catalogs, load_catalog_file


@dataclass
class CatalogSet:
    """All catalogs available to a run; later additions take precedence.

    Parameters
    ----------
    catalogs : list of Catalog
        Candidate catalogs, any number of versions each.
    pins : dict
        ``{catalog: version}`` choices; otherwise the newest version is used.
    """

    catalogs: list[Catalog] = field(default_factory=list)
    pins: dict[str, str] = field(default_factory=dict)

    @classmethod
    def builtin(cls) -> CatalogSet:
        """The catalogs shipped with costsim."""
        return cls(load_builtin_catalogs())

    def with_files(self, paths: list[str | Path]) -> CatalogSet:
        """A copy with the user's catalog files added (they win over built-ins)."""
        extra = [load_catalog_file(p) for p in paths]
        pins = dict(self.pins)
        for cat in extra:
            pins[cat.catalog] = cat.version
        return CatalogSet([*self.catalogs, *extra], pins)

    def with_pins(self, pins: dict[str, str]) -> CatalogSet:
        """A copy with catalog versions pinned, e.g. ``{"aws-lambda": "2026-10"}``."""
        merged = dict(self.pins)
        merged.update(pins)
        out = CatalogSet(list(self.catalogs), merged)
        for name, version in pins.items():
            out.get(name, version)  # fail early on an unknown pin
        return out

    def names(self) -> list[str]:
        """Catalog names, sorted."""
        return sorted({c.catalog for c in self.catalogs})

    def get(self, name: str, version: str | None = None) -> Catalog:
        """The catalog ``name`` (``name@version`` accepted), pinned or newest version."""
        if "@" in name:
            name, version = name.split("@", 1)
        version = version or self.pins.get(name)
        matches = [c for c in self.catalogs if c.catalog == name]
        if not matches:
            raise InputError(f"unknown catalog {name!r}{_did_you_mean(name, self.names())}")
        if version is not None:
            matches = [c for c in matches if c.version == version]
            if not matches:
                have = ", ".join(sorted({c.version for c in self.catalogs if c.catalog == name}))
                raise InputError(f"catalog {name!r} has no version {version!r}; have {have}")
        # later entries (user files) win among equal versions
        return max(enumerate(matches), key=lambda ic: (ic[1].version, ic[0]))[1]

    def find_item(self, key: str, kinds: tuple[str, ...]) -> tuple[Catalog, str]:
        """Find the catalog holding item ``key`` (with its prefix), among catalogs of ``kinds``.

        Returns
        -------
        (catalog, item name without prefix)
        """
        known: list[str] = []
        for name in self.names():
            cat = self.get(name)
            if cat.kind not in kinds:
                continue
            for item in cat.items:
                full = cat.key_prefix + item
                known.append(full)
                if full == key:
                    return cat, item
        raise InputError(
            f"unknown catalog key {key!r}{_did_you_mean(key, known)}; "
            "'costsim catalog list' shows the keys"
        )


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""
