"""A tiny document model, rendered to Markdown (``report.md``) and HTML (``report.html``).

Building the record once as blocks, rather than writing Markdown and parsing it back, keeps the
two renderings in step. Inline text may use ``**bold**`` and ```code``` only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Heading:
    """A heading of ``level`` 1-4."""

    level: int
    text: str


@dataclass
class Para:
    """A paragraph."""

    text: str


@dataclass
class Bullets:
    """A bullet list."""

    items: list[str]


@dataclass
class Table:
    """A table; ``align`` holds ``l`` or ``r`` per column."""

    header: list[str]
    rows: list[list[str]]
    align: str = ""


@dataclass
class Image:
    """A chart: ``stem`` names ``stem.svg`` and ``stem.png`` in the report's folder."""

    stem: str
    alt: str


@dataclass
class Code:
    """A code block."""

    text: str
    lang: str = "sh"


Block = Heading | Para | Bullets | Table | Image | Code


@dataclass
class Document:
    """Front matter plus blocks."""

    front: dict[str, str]
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        """Append blocks."""
        self.blocks.extend(blocks)


#: ASCII punctuation Markdown gives a meaning to; a backslash before it shows it as written.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&]|^[-+])")


def md_escape(text: str) -> str:
    """User text (a description, a comment) shown as written in Markdown: no markup, no raw
    HTML, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(doc: Document) -> str:
    """The document as Markdown with YAML front matter; charts are relative SVG links."""
    lines = ["---"] + [f"{k}: {v}" for k, v in doc.front.items()] + ["---", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            lines += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, Para):
            lines += [b.text, ""]
        elif isinstance(b, Bullets):
            lines += [f"* {item}" for item in b.items] + [""]
        elif isinstance(b, Table):
            align = b.align or "l" * len(b.header)
            lines.append("| " + " | ".join(_cell(h) for h in b.header) + " |")
            lines.append("|" + "|".join("---:" if a == "r" else "---" for a in align) + "|")
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in b.rows]
            lines.append("")
        elif isinstance(b, Image):
            lines += [f"![{b.alt}]({b.stem}.svg)", ""]
        else:
            lines += [f"```{b.lang}", b.text, "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
