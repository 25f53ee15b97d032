"""Cleaned body (lxml) -> Markdown (pure).

WeChat's editor produces deep `<section>`/`<span>` nesting where bold is split
into many adjacent runs. Instead of translating tag by tag (which is how `****`
and bold split mid-word end up in posts), inline content is flattened into
styled runs, runs of the same style are merged, and emphasis markers are
written only where the style changes, outside surrounding spaces and
punctuation so that every CommonMark and kramdown reader closes them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from lxml.html import HtmlElement  # noqa: E402

BLOCK_TAGS = frozenset(
    "p div section article header footer aside main nav figure figcaption center address "
    "blockquote ul ol li dl dt dd pre table thead tbody tfoot tr td th hr "
    "h1 h2 h3 h4 h5 h6 form fieldset details summary".split()
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_FONT_SIZE = re.compile(r"font-size\s*:\s*([\d.]+)\s*px", re.I)
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(bold|bolder|[6-9]00)", re.I)
_NORMAL_WEIGHT = re.compile(r"font-weight\s*:\s*(normal|lighter|[1-4]00)", re.I)
_ITALIC_STYLE = re.compile(r"font-style\s*:\s*(italic|oblique)", re.I)
_SENTENCE_END = tuple("。！？；，、,.;!?…")
_LINE_START_ESCAPE = re.compile(r"^(\s*)([#>+=]|-(?!-)|\d+[.)](?=\s|$)|[-*_](?:\s*[-*_]){2,}\s*$)")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")

ImageTarget = Callable[[int], tuple[str, str]]  # index -> (reference, alt)


@dataclass(frozen=True)
class Style:
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str = ""
    raw: bool = False  # already Markdown (an image, a formula): written as is


@dataclass
class Run:
    text: str
    style: Style


class _Break:
    """A hard line break (`<br>`)."""


BREAK = _Break()


def render_markdown(body: HtmlElement, image_target: ImageTarget) -> str:
    """The body as Markdown; images are written as `image_target(index)` says."""
    walker = _Walker(image_target)
    walker.walk_children(body, Style())
    walker.flush()
    text = "\n\n".join(b for b in walker.blocks if b.strip())
    return text.strip() + "\n" if text.strip() else ""


class _Walker:
    def __init__(self, image_target: ImageTarget) -> None:
        self.image_target = image_target
        self.blocks: list[str] = []
        self.runs: list[Run | _Break] = []

    # --- traversal -------------------------------------------------------------
    def walk_children(self, el: HtmlElement, style: Style) -> None:
        self.text(el.text, style)
        for child in el:
            self.walk(child, style)
            self.text(child.tail, style)

    def walk(self, el: HtmlElement, style: Style) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if not tag:
            return
        if tag in BLOCK_TAGS:
            self.flush()
            self.block(el, tag, style)
            self.flush()
            return
        if tag == "br":
            self.runs.append(BREAK)
        elif tag == "img":
            self.image(el)
        elif el.get("data-wx2post-formula"):
            self.formula(el)
        else:
            self.walk_children(el, inline_style(el, tag, style))

    def text(self, text: str | None, style: Style) -> None:
        if text:
            self.runs.append(Run(text, style))

    def flush(self) -> None:
        if self.runs:
            paragraph = runs_to_markdown(self.runs)
            self.runs = []
            if paragraph.strip():
                self.blocks.append(paragraph)

    def sub(self, el: HtmlElement, style: Style) -> list[str]:
        walker = _Walker(self.image_target)
        walker.walk_children(el, style)
        walker.flush()
        return walker.blocks

    # --- blocks ----------------------------------------------------------------
    def block(self, el: HtmlElement, tag: str, style: Style) -> None:
        style = inline_style(el, tag, style)
        if tag in _HEADINGS:
            self.heading(el, _HEADINGS[tag], style)
        elif tag == "pre":
            self.blocks.append(code_block(el))
        elif tag == "table":
            self.blocks.append(self.table(el))
        elif tag in ("ul", "ol"):
            self.blocks.append(self.list_block(el, ordered=tag == "ol"))
        elif tag == "blockquote":
            inner = "\n\n".join(self.sub(el, style))
            if inner.strip():
                self.blocks.append(quote_lines(inner))
        elif tag == "hr":
            self.blocks.append("---")
        else:
            level = styled_heading_level(el)
            if level:
                self.heading(el, level, style)
            else:
                self.walk_children(el, style)

    def heading(self, el: HtmlElement, level: int, style: Style) -> None:
        blocks = self.sub(el, Style(href=style.href))
        text = " ".join(" ".join(b.split("\n")) for b in blocks).strip()
        text = re.sub(r"\s{2,}", " ", text.replace("  ", " "))
        if not text:
            return
        if text.startswith("!["):  # an image dressed as a heading
            self.blocks.append(text)
            return
        self.blocks.append("#" * level + " " + strip_outer_bold(text))

    def image(self, el: HtmlElement) -> None:
        index = el.get("data-wx2post-image")
        if index is None:
            return
        ref, alt = self.image_target(int(index))
        self.runs.append(Run(f"![{escape_text(alt)}]({ref})", Style(raw=True)))

    def formula(self, el: HtmlElement) -> None:
        latex = (el.text or "").strip()
        if not latex:
            return
        if el.get("data-wx2post-formula") == "block":
            self.flush()
            self.blocks.append(f"$$\n{latex}\n$$")
        else:
            self.runs.append(Run(f"${latex}$", Style(raw=True)))

    def list_block(self, el: HtmlElement, ordered: bool) -> str:
        items = []
        number = int(el.get("start", "1")) if (el.get("start") or "").isdigit() else 1
        for li in el:
            if not isinstance(li.tag, str):
                continue
            if li.tag.lower() != "li":
                blocks = self.sub(li, Style())
                if blocks:
                    items.append("\n\n".join(blocks))
                continue
            marker = f"{number}. " if ordered else "- "
            number += 1
            content = "\n\n".join(self.sub(li, Style())).strip()
            if not content:
                continue
            pad = " " * len(marker)
            lines = content.split("\n")
            items.append(marker + lines[0] + "".join("\n" + (pad + ln if ln else "") for ln in lines[1:]))
        return "\n".join(items)

    def table(self, el: HtmlElement) -> str:
        rows = [tr for tr in el.iter("tr") if _closest_table(tr) is el]
        if not rows:
            return "\n\n".join(self.sub(el, Style()))
        merged = any(
            (c.get("rowspan") or "1") not in ("", "1") or (c.get("colspan") or "1") not in ("", "1")
            for tr in rows
            for c in tr
            if isinstance(c.tag, str) and c.tag in ("td", "th")
        )
        grid = [[self.cell(c) for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")] for tr in rows]
        grid = [r for r in grid if r]
        if not grid or not any(any(c.strip() for c in r) for r in grid):
            return ""
        if merged:
            return html_table(rows, self)
        width = max(len(r) for r in grid)
        grid = [r + [""] * (width - len(r)) for r in grid]
        lines = ["| " + " | ".join(grid[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in grid[1:]]
        return "\n".join(lines)

    def cell(self, td: HtmlElement) -> str:
        blocks = self.sub(td, Style())
        text = "<br>".join(b.replace("\n", "<br>") for b in blocks)
        return text.replace("|", "\\|").strip()


def _closest_table(el: HtmlElement) -> HtmlElement | None:
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def html_table(rows: list[HtmlElement], walker: _Walker) -> str:
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
            text = walker.cell(c).replace("\\|", "|")
            cells.append(f"<{c.tag}{attrs}>{text}</{c.tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def inline_style(el: HtmlElement, tag: str, parent: Style) -> Style:
    css = el.get("style", "")
    bold = parent.bold
    if tag in ("strong", "b") or _BOLD_STYLE.search(css):
        bold = True
    elif _NORMAL_WEIGHT.search(css):
        bold = False
    italic = parent.italic or tag in ("em", "i", "cite") or bool(_ITALIC_STYLE.search(css))
    code = parent.code or tag in ("code", "kbd", "samp", "tt")
    href = parent.href
    if tag == "a" and el.get("href"):
        href = el.get("href", "")
    return Style(bold=bold, italic=italic, code=code, href=href)


def styled_heading_level(el: HtmlElement) -> int:
    """A short paragraph in large bold type acts as a heading (editors rarely use <h2>)."""
    if el.find(".//img") is not None or any(
        isinstance(c.tag, str)
        and c.tag in ("p", "section", "div", "ul", "ol", "table", "pre")
        and c.text_content().strip()
        for c in el
    ):
        return 0
    text = re.sub(r"\s+", " ", el.text_content()).strip()
    if not (2 <= len(text) <= 40) or text.endswith(_SENTENCE_END):
        return 0
    sizes = [float(s) for s in _FONT_SIZE.findall(el.get("style", ""))]
    all_bold = True
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        sizes += [float(s) for s in _FONT_SIZE.findall(node.get("style", ""))]
    all_bold = _all_text_bold(el, False)
    size = max(sizes) if sizes else 0
    if size >= 20 and all_bold:
        return 2
    if size >= 18 and all_bold:
        return 3
    return 0


def _all_text_bold(el: HtmlElement, bold: bool) -> bool:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    bold = inline_style(el, tag, Style(bold=bold)).bold
    if el.text and el.text.strip() and not bold:
        return False
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if not _all_text_bold(child, bold):
            return False
        if child.tail and child.tail.strip() and not bold:
            return False
    return True


# --- inline runs -> Markdown -----------------------------------------------------


def runs_to_markdown(runs: list[Run | _Break]) -> str:
    """Merge runs of equal style and write markers only at style changes."""
    lines: list[list[Run]] = [[]]
    for run in runs:
        if isinstance(run, _Break):
            lines.append([])
        else:
            lines[-1].append(run)
    out_lines = [_line_to_markdown(line) for line in lines]
    # Drop empty lines produced by <br> runs at the start/end or doubled.
    text = "  \n".join(out_lines)
    text = re.sub(r"(?:[ \t]*  \n){2,}", "  \n", text)
    text = re.sub(r"^(?:\s*  \n)+|(?:  \n\s*)+$", "", text)
    return "\n".join(escape_line_start(ln) for ln in text.split("\n")).strip()


def _line_to_markdown(line: list[Run]) -> str:
    # Whitespace-only runs take their neighbour's style so `**a** **b**` stays one run.
    groups: list[tuple[Style, str]] = []
    for run in line:
        text = re.sub(r"[ \t\r\n\f\v]+", " ", run.text)
        if not text:
            continue
        if groups and (
            groups[-1][0] == run.style or (not text.strip() and not run.style.raw and not groups[-1][0].raw)
        ):
            groups[-1] = (groups[-1][0], groups[-1][1] + text)
        else:
            groups.append((run.style, text))
    merged: list[tuple[Style, str]] = []
    for style, text in groups:
        if merged and merged[-1][0] == style:
            merged[-1] = (style, merged[-1][1] + text)
        else:
            merged.append((style, text))
    # Links: consecutive groups sharing an href become one link.
    out = []
    i = 0
    while i < len(merged):
        style, text = merged[i]
        if style.href and not style.raw:
            j = i
            inner = []
            while j < len(merged) and merged[j][0].href == style.href:
                inner.append(_styled(merged[j][0], merged[j][1]))
                j += 1
            label = "".join(inner).strip()
            out.append(f"[{label}]({_link_target(style.href)})" if label else "")
            i = j
            continue
        out.append(text if style.raw else _styled(style, text))
        i += 1
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def _link_target(href: str) -> str:
    href = href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return href


def _styled(style: Style, text: str) -> str:
    if style.raw:
        return text
    if style.code:
        core = text.strip()
        if not core:
            return text
        fence = "`" * (_longest_run(core, "`") + 1)
        pad = " " if core.startswith("`") or core.endswith("`") else ""
        return f"{fence}{pad}{core}{pad}{fence}"
    escaped = escape_text(text)
    marker = ("**" if style.bold else "") + ("*" if style.italic else "")
    if not marker:
        return escaped
    lead, core, trail = split_edges(escaped)
    if not core:
        return escaped
    return f"{lead}{marker}{core}{marker[::-1]}{trail}"


def split_edges(text: str) -> tuple[str, str, str]:
    """Leading and trailing spaces and punctuation stay outside emphasis markers."""
    start = 0
    while start < len(text) and _is_edge(text, start):
        start += 1
    end = len(text)
    while end > start and _is_edge(text, end - 1):
        end -= 1
    return text[:start], text[start:end], text[end:]


def _is_edge(text: str, i: int) -> bool:
    c = text[i]
    if c.isspace():
        return True
    if c == "\\" or (i > 0 and text[i - 1] == "\\"):
        return True  # keep escapes whole and outside
    return unicodedata.category(c).startswith("P")


def _longest_run(text: str, ch: str) -> int:
    runs = re.findall(re.escape(ch) + "+", text)
    return max((len(r) for r in runs), default=0)


_ESCAPE = re.compile(r"([\\`*_\[\]~])")


def escape_text(text: str) -> str:
    """Escape characters Markdown would read as syntax inside a line."""
    text = _ESCAPE.sub(r"\\\1", text)
    text = text.replace("<", "&lt;")
    text = _ENTITY_LIKE.sub("&amp;", text)
    return text.replace("$$", "\\$\\$")


def escape_line_start(line: str) -> str:
    """`#`, `>`, `-`, `1.` at a line start would become a heading, quote or list."""
    return _LINE_START_ESCAPE.sub(lambda m: m.group(1) + "\\" + m.group(2), line, count=1)


def strip_outer_bold(text: str) -> str:
    """A heading is bold already: `## **Title**` -> `## Title`."""
    m = re.fullmatch(r"\*\*([^*].*?)\*\*", text)
    return m.group(1) if m and "**" not in m.group(1) else text


def quote_lines(text: str) -> str:
    return "\n".join(("> " + ln) if ln.strip() else ">" for ln in text.split("\n"))


def code_block(pre: HtmlElement) -> str:
    """A fenced block with every newline kept; WeChat puts one `<code>` per line."""
    codes = [c for c in pre if isinstance(c.tag, str) and c.tag == "code"]
    if len(codes) > 1:
        text = "\n".join(_code_text(c) for c in codes)
    else:
        text = _code_text(pre)
    text = text.replace("\u00a0", " ").strip("\n")
    fence = "`" * max(3, _longest_run(text, "`") + 1)
    lang = pre.get("data-wx2post-lang", "")
    return f"{fence}{lang}\n{text}\n{fence}"


def _code_text(el: HtmlElement) -> str:
    parts: list[str] = []

    def visit(node: HtmlElement) -> None:
        if isinstance(node.tag, str) and node.tag == "br":
            parts.append("\n")
        elif isinstance(node.tag, str):
            if node.text:
                parts.append(node.text)
            for child in node:
                visit(child)
                if child.tail:
                    parts.append(child.tail)
            if node.tag in ("p", "div") and parts and not parts[-1].endswith("\n"):
                parts.append("\n")

    visit(el)
    return "".join(parts)
