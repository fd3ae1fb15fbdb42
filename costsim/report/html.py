"""``report.html``: the decision record as one self-contained file, charts inlined."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from costsim.report.doc import Bullets, Code, Document, Heading, Image, Para, Table

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;line-height:1.5;color:#1a1a1a}
h1{font-size:1.6rem}h2{font-size:1.3rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
h3{font-size:1.1rem}table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.25rem .6rem}th{background:#f3f3f3}td.r{text-align:right}
code{background:#f3f3f3;padding:0 .2rem}pre{background:#f3f3f3;padding:.6rem;overflow-x:auto}
img{max-width:100%;height:auto}dl.front{color:#555;font-size:.9rem}
dl.front dt{display:inline;font-weight:bold}dl.front dd{display:inline;margin:0 1rem 0 .3rem}
""".strip()


def inline(text: str) -> str:
    """Escape ``text`` and turn ``**bold**`` and ```code``` into HTML; a backslash-escaped
    character (user text, see :func:`costsim.report.doc.md_escape`) stays literal."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(1))
        return f"\x00{len(kept) - 1}\x00"

    out = re.sub(r"\\([!-/:-@\[-`{-~])", keep, text)
    out = html.escape(out, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    return re.sub("\x00(\\d+)\x00", lambda m: html.escape(kept[int(m.group(1))]), out)


def _image(folder: Path, block: Image) -> str:
    # PNG rather than SVG: a third of the size once base64-encoded, with the same pixels
    png = folder / f"{block.stem}.png"
    if png.exists():
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        src = f"data:image/png;base64,{data}"
    else:
        src = f"{block.stem}.svg"
    return f'<figure><img alt="{html.escape(block.alt)}" src="{src}"></figure>'


def to_html(doc: Document, folder: Path, title: str) -> str:
    """The document as a standalone HTML page; SVG charts in ``folder`` are inlined."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        '<dl class="front">'
        + "".join(
            f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in doc.front.items()
        )
        + "</dl>",
    ]
    for b in doc.blocks:
        if isinstance(b, Heading):
            parts.append(f"<h{b.level}>{inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            parts.append(f"<p>{inline(b.text)}</p>")
        elif isinstance(b, Bullets):
            parts.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            align = b.align or "l" * len(b.header)
            head = "".join(f"<th>{inline(h)}</th>" for h in b.header)
            body = "".join(
                "<tr>"
                + "".join(
                    f'<td class="{a}">{inline(c)}</td>' for a, c in zip(align, row, strict=False)
                )
                + "</tr>"
                for row in b.rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(b, Image):
            parts.append(_image(folder, b))
        elif isinstance(b, Code):
            parts.append(f"<pre><code>{html.escape(b.text)}</code></pre>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
