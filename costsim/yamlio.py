"""YAML loading that remembers where every value came from.

``load_yaml`` returns plain Python data plus a :class:`LineMap` from field paths to 1-based line
numbers, so that validation errors can point at ``FILE:LINE``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from costsim.errors import InputError
from costsim.fileio import MAX_YAML_BYTES, read_text

PathKey = tuple[str | int, ...]


@dataclass
class LineMap:
    """Map from a field path (keys and list indices) to its 1-based line in the source file."""

    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, loc: Sequence[object], data: Any = None) -> tuple[int | None, str]:
        """Find the line of the deepest known prefix of ``loc``.

        Parameters
        ----------
        loc : sequence
            A location as pydantic reports it. Elements that are not keys of the data
            (discriminator tags such as ``'serverless'``) are skipped.
        data : object, optional
            The loaded data, used to tell real keys from tags.

        Returns
        -------
        (line, dotted_path)
        """
        path: list[str | int] = []
        node = data
        for part in loc:
            found, child = child_of(node, part)
            if found:
                node = child
            elif isinstance(part, str) and _is_tag(part, node):
                continue
            else:
                node = None
            path.append(part if isinstance(part, (str, int)) else str(part))
        line = None
        for cut in range(len(path), -1, -1):
            key = tuple(path[:cut])
            if key in self.lines:
                line = self.lines[key]
                break
        return line, ".".join(str(p) for p in path)


def child_of(node: Any, part: object) -> tuple[bool, Any]:
    """``(True, node[part])`` if ``part`` is a key or index of ``node``, else ``(False, None)``."""
    if isinstance(node, dict) and part in node:
        return True, node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return True, node[part]
    return False, None


def without_key_tags(loc: Sequence[object], data: Any) -> tuple[object, ...]:
    """``loc`` without the tags of unions told apart by a key (``{call: f}``, ``{map: f}``).

    pydantic puts such a tag into the location before the field, as in
    ``states.1.map.items``; the tag is also a key of the data, so it would be followed into
    its value. A part is a tag when it is a key of the mapping, the next part is not inside
    that key's value, and the next part is a key of the same mapping.
    """
    out: list[object] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node and i + 1 < len(loc):
            nxt = loc[i + 1]
            inside, _ = child_of(node[part], nxt)
            if not inside and isinstance(nxt, (str, int)) and nxt in node:
                continue
        out.append(part)
        found, child = child_of(node, part)
        # a tag stays at its mapping; so does the index a one-state branch is wrapped in
        kept = _is_tag(part, node) if isinstance(part, str) else isinstance(node, dict)
        node = child if found else (node if kept else None)
    return tuple(out)


def _is_tag(part: str, node: Any) -> bool:
    # pydantic puts the discriminator value (e.g. 'serverless') or a function-validator name
    # into the location of tagged-union errors; such a part is not a key of the user's data.
    if not isinstance(node, dict):
        return False
    return part in {str(v) for v in node.values() if isinstance(v, (str, int))} or part.startswith(
        "function-"
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    pass


# Dates stay text: an unquoted ``2026-09-31`` anywhere (even in a description) would otherwise
# fail inside the YAML library; the fields that hold dates parse and check them, with a line.
# Clock times stay text too: YAML 1.1 reads an unquoted ``14:30`` as the base-60 number 870
# (YAML 1.2 dropped that), so ``at: 14:30`` would reach the schedule as 870.
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _without_base_60(tag: str, rx: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(r"(?!.*:)" + rx.pattern, rx.flags) if tag in _NUMBER_TAGS else rx


_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [
        (tag, _without_base_60(tag, rx))
        for tag, rx in resolvers
        if tag != "tag:yaml.org,2002:timestamp"
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_MERGE_TAG = "tag:yaml.org,2002:merge"


#: Most values one YAML file may expand to; aliases can otherwise blow a small file up
#: exponentially ("billion laughs").
MAX_NODES = 250_000


@dataclass
class _Walk:
    """State of one :func:`_construct` walk: values so far and the collections being built."""

    file: str
    lines: dict[PathKey, int]
    count: int = 0
    open_nodes: set[int] = field(default_factory=set)
    loader: _UniqueKeyLoader = field(default_factory=lambda: _UniqueKeyLoader(""))


def _construct(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], file: str) -> Any:
    return _build(node, path, _Walk(file, lines))


def _build(node: yaml.Node, path: PathKey, walk: _Walk) -> Any:
    lines, file = walk.lines, walk.file
    walk.count += 1
    if walk.count > MAX_NODES:
        raise InputError(
            f"the file expands to more than {MAX_NODES:,} values; are aliases (*name) nested?",
            file=file,
            line=node.start_mark.line + 1,
        )
    if id(node) in walk.open_nodes:
        raise InputError(
            "an alias refers to a collection that contains it",
            file=file,
            line=node.start_mark.line + 1,
        )
    lines[path] = node.start_mark.line + 1
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        walk.open_nodes.add(id(node))
        try:
            return _build_collection(node, path, walk)
        finally:
            walk.open_nodes.discard(id(node))
    return walk.loader.construct_object(node, deep=True)


def _build_collection(node: yaml.Node, path: PathKey, walk: _Walk) -> Any:
    lines, file = walk.lines, walk.file
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        merges = [(k, v) for k, v in node.value if k.tag == _MERGE_TAG]
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = walk.loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                raise InputError(
                    "mapping keys must be plain names",
                    file=file,
                    line=key_node.start_mark.line + 1,
                )
            if key in out:
                raise InputError(
                    f"duplicate key {key!r}",
                    file=file,
                    line=key_node.start_mark.line + 1,
                    field=".".join(str(p) for p in (*path, key)),
                )
            out[key] = _build(value_node, (*path, key), walk)
            lines[(*path, key)] = key_node.start_mark.line + 1
        for key_node, merge in merges:
            _merge_into(out, merge, key_node.start_mark.line + 1, path, walk)
        return out
    return [_build(item, (*path, i), walk) for i, item in enumerate(node.value)]


def _merge_into(
    out: dict[Any, Any], node: yaml.Node, line: int, path: PathKey, walk: _Walk
) -> None:
    """Apply a merge key (``<<: *base`` or ``<<: [*a, *b]``): keys written in the mapping win,
    then earlier merged mappings win over later ones (YAML 1.1 merge semantics)."""
    sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
    for source in sources:
        if not isinstance(source, yaml.MappingNode):
            raise InputError(
                "'<<' merges mappings only: write '<<: *name' where &name marks a mapping",
                file=walk.file,
                line=line,
                field=".".join(str(p) for p in path) or None,
            )
        # the merged keys' lines go to a side map: a key written in the mapping keeps its own
        # line (and so do the fields under it), and so does the mapping itself
        written = set(out)
        lines, walk.lines = walk.lines, {}
        try:
            merged = _build(source, path, walk)
        finally:
            side, walk.lines = walk.lines, lines
        for key, value in merged.items():
            out.setdefault(key, value)
        depth = len(path)
        for where, line in side.items():
            if len(where) > depth and where[depth] not in written:
                lines.setdefault(where, line)


def load_yaml_text(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse YAML text, returning the data and its line map.

    Raises
    ------
    InputError
        On a YAML syntax error or duplicate key, with file and line.
    """
    lines: dict[PathKey, int] = {}
    try:
        node = yaml.compose(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "YAML syntax error"
        raise InputError(
            f"YAML syntax error: {problem}; check indentation and quoting", file=file, line=line
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        raise InputError(
            f"character {chr(exc.character)!r} (#x{exc.character:04x}) is not allowed in YAML; "
            "remove it",
            file=file,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML error: {exc}", file=file) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", file=file) from None
    if node is None:
        return None, LineMap(file, lines)
    try:
        data = _construct(node, (), lines, file)
    except RecursionError:
        raise InputError("YAML nested too deeply", file=file) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise InputError(
            f"YAML error: {exc.problem}", file=file, line=mark.line + 1 if mark else None
        ) from None
    return data, LineMap(file, lines)


def load_yaml(path: str | Path) -> tuple[Any, LineMap]:
    """Read and parse a YAML file (see :func:`load_yaml_text`).

    Raises
    ------
    InputError
        If the file is missing, not a regular file, bigger than :data:`MAX_YAML_BYTES`,
        unreadable, not UTF-8, or not valid YAML.
    """
    text = read_text(Path(path), MAX_YAML_BYTES, "YAML file")
    return load_yaml_text(text, str(path))
