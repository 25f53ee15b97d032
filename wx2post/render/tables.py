"""Tables: a GFM table when the grid is plain, HTML when cells are merged, and the
cells' blocks when the table only lays out the page (one column)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from lxml.html import HtmlElement

from ..lazyre import lazy
from ..safety import sanitize_html
from .style import BLOCK_TAGS, SPACES, ImageTarget, Style, inline_style

if TYPE_CHECKING:
    from .blocks import Walker


def table_markdown(walker: Walker, el: HtmlElement) -> str:
    rows = [tr for tr in el.iter("tr") if _closest_table(tr) is el]
    if not rows or is_layout_table(rows):
        return "\n\n".join(walker.sub(el, Style()))
    merged = any(
        (c.get("rowspan") or "1") not in ("", "1") or (c.get("colspan") or "1") not in ("", "1")
        for tr in rows
        for c in tr
        if isinstance(c.tag, str) and c.tag in ("td", "th")
    )
    grid = [
        [cell_markdown(walker, c) for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        for tr in rows
    ]
    grid = [r for r in grid if r]
    if not grid or not any(any(c.strip() for c in r) for r in grid):
        return ""
    if merged:
        return html_table(rows, walker)
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    lines = ["| " + " | ".join(grid[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in grid[1:]]
    return "\n".join(lines)


_UNESCAPED_PIPE = lazy(r"(?<!\\)((?:\\\\)*)\|")


def cell_markdown(walker: Walker, td: HtmlElement) -> str:
    blocks = walker.sub(td, Style())
    text = "<br>".join(b.replace("  \n", "\n").replace("\n", "<br>") for b in blocks)
    # Text already has its pipes escaped (escape.escape_plain); a pipe in a code span
    # does not, and would end the cell.
    return _UNESCAPED_PIPE.sub(r"\1\\|", text).strip()


def is_layout_table(rows: list[HtmlElement]) -> bool:
    """A table of one column only lays out the page (old templates wrap the lead or
    the whole body in one): its cells are read as ordinary blocks."""
    return all(sum(1 for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")) <= 1 for tr in rows)


def _closest_table(el: HtmlElement) -> HtmlElement | None:
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def html_table(rows: list[HtmlElement], walker: Walker) -> str:
    """Tables with merged cells stay HTML: GFM tables cannot express rowspan/colspan."""
    out = ["<table>"]
    for tr in rows:
        cells = []
        for c in tr:
            if not isinstance(c.tag, str) or c.tag not in ("td", "th"):
                continue
            attrs = "".join(
                f' {name}="{int(c.get(name))}"'
                for name in ("rowspan", "colspan")
                if (c.get(name) or "").isdigit() and c.get(name) != "1"
            )
            text = cell_html(c, walker.image_target)
            cells.append(f"<{c.tag}{attrs}>{text}</{c.tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    # Built from escaped values; the sanitizer is the second wall (allow-listed tags,
    # attributes and URL schemes), so a slip here cannot publish script.
    return sanitize_html("\n".join(out))


def cell_html(cell: HtmlElement, image_target: ImageTarget) -> str:
    """A cell of an HTML table as inline HTML: Markdown is not read inside an HTML
    block (CommonMark, kramdown), so `**x**` there would show its stars."""
    parts: list[str] = []

    def text(t: str | None) -> None:
        if t:
            parts.append(html.escape(SPACES.sub(" ", t), quote=False))

    def visit(el: HtmlElement, style: Style) -> None:
        text(el.text)
        for child in el:
            tag = child.tag.lower() if isinstance(child.tag, str) else ""
            if tag == "br":
                parts.append("<br>")
            elif tag == "img" and child.get("data-wx2post-image") is not None:
                ref, alt = image_target(int(child.get("data-wx2post-image", "0")))
                parts.append(f'<img src="{html.escape(ref)}" alt="{html.escape(alt)}">')
            elif tag in BLOCK_TAGS:
                visit(child, style)
                if parts and parts[-1] != "<br>":
                    parts.append("<br>")
            elif tag:
                inner = inline_style(child, tag, style)
                link = f'<a href="{html.escape(inner.href)}">'
                wrap = [
                    (inner.href and inner.href != style.href, link, "</a>"),
                    (inner.bold and not style.bold, "<strong>", "</strong>"),
                    (inner.italic and not style.italic, "<em>", "</em>"),
                    (inner.code and not style.code, "<code>", "</code>"),
                ]
                parts.extend(open_ for on, open_, _ in wrap if on)
                visit(child, inner)
                parts.extend(close for on, _, close in reversed(wrap) if on)
            text(child.tail)

    visit(cell, Style())
    out = "".join(parts).strip()
    while out.endswith("<br>"):
        out = out[:-4].rstrip()
    while out.startswith("<br>"):
        out = out[4:].lstrip()
    return out
