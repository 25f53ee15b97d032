"""Cleaned body (lxml) -> Markdown (pure).

WeChat's editor produces deep `<section>`/`<span>` nesting where bold is split
into many adjacent runs. Instead of translating tag by tag (which is how `****`
and bold split mid-word end up in posts), inline content is flattened into
styled runs, runs of the same style are merged, and emphasis markers are
written only where the style changes, between words (never inside one), with
spaces outside and punctuation outside only where CommonMark's flanking rules
need it (`**答**：正文`, `**第一部分（上）**`). tests/test_render.py reads the
output back with a CommonMark parser to check that every marker is taken.
Escaping is minimal: `[1]`, `snake_case` and a lone `~` stay as written.
"""

from __future__ import annotations

import dataclasses
import html
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
_SENTENCE_MARK = re.compile(r"[。！？；!?;]")
_ALT_ESCAPE = re.compile(r"([\\\[\]`*_])")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_SPACES = re.compile(r"\s+")
_ASCII_SPACES = re.compile(r"[ \t\r\n\f\v]+")

ImageTarget = Callable[[int], tuple[str, str]]  # index -> (reference, alt)


@dataclass(frozen=True, slots=True)
class Style:
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str = ""
    raw: bool = False  # already Markdown (an image, a formula): written as is


@dataclass(slots=True)
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
    def __init__(self, image_target: ImageTarget, plain_bold: bool = False) -> None:
        self.image_target = image_target
        self.plain_bold = plain_bold  # inside a heading, which is bold already
        self.blocks: list[str] = []
        self.runs: list[Run | _Break] = []

    # --- traversal -------------------------------------------------------------
    def walk_children(self, el: HtmlElement, style: Style) -> None:
        self.text(el.text, style)
        for child in el:
            self.walk(child, style)
            self.text(child.tail, style)

    def walk(self, el: HtmlElement, style: Style) -> None:
        tag = el.tag  # lxml builds a new str on every `.tag`: read it once
        if not isinstance(tag, str) or not tag:
            return
        tag = tag.lower()
        if tag in BLOCK_TAGS:
            self.flush()
            self.block(el, tag, style)
            self.flush()
            return
        if tag == "br":
            self.runs.append(BREAK)
        elif tag == "img":
            self.image(el, style)
        elif el.get("data-wx2post-formula"):
            self.formula(el)
        else:
            self.walk_children(el, inline_style(el, tag, style))

    def text(self, text: str | None, style: Style) -> None:
        if text:
            if self.plain_bold and style.bold:
                style = dataclasses.replace(style, bold=False)
            self.runs.append(Run(text, style))

    def flush(self) -> None:
        if self.runs:
            paragraph = runs_to_markdown(self.runs)
            self.runs = []
            if paragraph.strip():
                self.blocks.append(paragraph)

    def sub(self, el: HtmlElement, style: Style, plain_bold: bool = False) -> list[str]:
        walker = _Walker(self.image_target, plain_bold or self.plain_bold)
        walker.walk_children(el, style)
        walker.flush()
        return walker.blocks

    # --- blocks ----------------------------------------------------------------
    def block(self, el: HtmlElement, tag: str, style: Style) -> None:
        style = inline_style(el, tag, style)
        if tag in _HEADINGS and not paragraph_in_heading_tag(el):
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
        """`## Title` on one line, with a space after the hashes and no `**` inside."""
        blocks = self.sub(el, Style(href=style.href), plain_bold=True)
        text = _SPACES.sub(" ", " ".join(blocks)).strip()
        if not text:
            return
        if text.startswith("!["):  # an image dressed as a heading
            self.blocks.append(text)
            return
        self.blocks.append("#" * level + " " + text)

    def image(self, el: HtmlElement, style: Style) -> None:
        """`![alt](ref)`; a picture inside a link (a banner to another article) keeps it."""
        index = el.get("data-wx2post-image")
        if index is None:
            return
        ref, alt = self.image_target(int(index))
        alt = _ALT_ESCAPE.sub(r"\\\1", _SPACES.sub(" ", alt)).strip()
        text = f"![{alt}]({ref})"
        if style.href:
            text = f"[{text}]({_link_target(style.href)})"
        self.runs.append(Run(text, Style(raw=True)))

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
        """`- item` / `1. item`; nested lists indented under their item, kept tight."""
        items: list[str] = []
        pad = ""
        number = int(el.get("start", "1")) if (el.get("start") or "").isdigit() else 1
        for li in el:
            if not isinstance(li.tag, str):
                continue
            tag = li.tag.lower()
            if tag != "li":
                if tag in ("ul", "ol"):
                    content = self.list_block(li, ordered=tag == "ol")
                else:
                    content = _join_item_blocks(self.sub(li, Style()))
                if not content:
                    continue
                if items and tag in ("ul", "ol"):
                    # WeChat's editor nests a list straight inside the list: it
                    # belongs to the item before it.
                    items[-1] += "\n" + _indent(content, pad)
                else:
                    items.append(content)
                continue
            marker = f"{number}. " if ordered else "- "
            number += 1
            content = _join_item_blocks(self.sub(li, Style()))
            if not content:
                continue
            pad = " " * len(marker)
            items.append(marker + _indent(content, pad)[len(pad) :])
        return "\n".join(items)

    def table(self, el: HtmlElement) -> str:
        rows = [tr for tr in el.iter("tr") if _closest_table(tr) is el]
        if not rows or is_layout_table(rows):
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
        text = "<br>".join(b.replace("  \n", "\n").replace("\n", "<br>") for b in blocks)
        return text.replace("|", "\\|").strip()


def paragraph_in_heading_tag(el: HtmlElement) -> bool:
    """Some editors (2018 news digests) wrap whole paragraphs in `<h1>`: a long text,
    or one with a sentence end before its last character, is a paragraph."""
    text = _SPACES.sub(" ", el.text_content()).strip()
    return len(text) > 60 or bool(_SENTENCE_MARK.search(text[:-1]))


def is_layout_table(rows: list[HtmlElement]) -> bool:
    """A table of one column only lays out the page (old templates wrap the lead or
    the whole body in one): its cells are read as ordinary blocks."""
    return all(sum(1 for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")) <= 1 for tr in rows)


_LIST_START = re.compile(r"(?:[-+*]|\d{1,9}[.)]) ")


def _join_item_blocks(blocks: list[str]) -> str:
    """A list item's blocks: a nested list follows its line directly (a tight list)."""
    out = ""
    for block in blocks:
        if not out:
            out = block
        else:
            out += ("\n" if _LIST_START.match(block) else "\n\n") + block
    return out.strip()


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + ln if ln else "" for ln in text.split("\n"))


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
            text = cell_html(c, walker.image_target)
            cells.append(f"<{c.tag}{attrs}>{text}</{c.tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def cell_html(cell: HtmlElement, image_target: ImageTarget) -> str:
    """A cell of an HTML table as inline HTML: Markdown is not read inside an HTML
    block (CommonMark, kramdown), so `**x**` there would show its stars."""
    parts: list[str] = []

    def text(t: str | None) -> None:
        if t:
            parts.append(html.escape(_SPACES.sub(" ", t), quote=False))

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


def inline_style(el: HtmlElement, tag: str, parent: Style) -> Style:
    """The style of an element's text: tags, then inline CSS (which wins, as in a browser:
    WeChat's editor writes `<strong><span style="font-weight: normal">`)."""
    css = el.get("style", "")
    bold = parent.bold or tag in ("strong", "b")
    italic = parent.italic or tag in ("em", "i", "cite")
    if "font-weight" in css:
        if _BOLD_STYLE.search(css):
            bold = True
        elif _NORMAL_WEIGHT.search(css):
            bold = False
    if "font-style" in css and _ITALIC_STYLE.search(css):
        italic = True
    code = parent.code or tag in ("code", "kbd", "samp", "tt")
    href = parent.href
    if tag == "a" and el.get("href"):
        href = el.get("href", "")
    return _style(bold, italic, code, href)


_STYLES: dict[tuple[bool, bool, bool, str], Style] = {}


def _style(bold: bool, italic: bool, code: bool, href: str) -> Style:
    # Styles are immutable values and a body uses a handful: made once each,
    # not once per element (a frozen dataclass is slow to build).
    key = (bold, italic, code, href)
    style = _STYLES.get(key)
    if style is None:
        if len(_STYLES) > 4096:  # links are many across a batch: keep the table small
            _STYLES.clear()
        style = _STYLES[key] = Style(bold=bold, italic=italic, code=code, href=href)
    return style


def styled_heading_level(el: HtmlElement) -> int:
    """A short paragraph in large bold type acts as a heading (editors rarely use <h2>)."""
    text = el.text_content()
    if len(text) > 400:
        return 0
    text = _SPACES.sub(" ", text).strip()
    if not (2 <= len(text) <= 40) or text.endswith(_SENTENCE_END):
        return 0
    if el.find(".//img") is not None or any(
        isinstance(c.tag, str)
        and c.tag in ("p", "section", "div", "ul", "ol", "table", "pre")
        and c.text_content().strip()
        for c in el
    ):
        return 0
    sizes = [float(s) for s in _FONT_SIZE.findall(el.get("style", ""))]
    for node in el.iter():
        if isinstance(node.tag, str) and node is not el:
            sizes += [float(s) for s in _FONT_SIZE.findall(node.get("style", ""))]
    size = max(sizes) if sizes else 0
    if size < 18:
        return 0
    all_bold = _all_text_bold(el, False)
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
    """One block's runs as Markdown: `<br>` is a hard break, `<br><br>` a new paragraph."""
    lines: list[list[Run]] = [[]]
    for run in runs:
        if isinstance(run, _Break):
            lines.append([])
        else:
            lines[-1].append(run)
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        text = line_to_markdown(line)
        if text:
            paragraphs[-1].append(escape_line_start(text))
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join("  \n".join(p) for p in paragraphs if p)


@dataclass
class _Unit:
    """A word, a space, a punctuation mark or an atom (link, code span, image) of a line.

    Emphasis markers go between units, so a run is never split mid-word.
    """

    text: str
    kind: str  # "word", "space", "punct" or "atom"
    bold: bool = False
    italic: bool = False
    link: tuple[str, list[tuple[Style, str]]] | None = None  # (href, label runs)


_TOKEN = re.compile(r"<https?://[^\s<>]+>|\\.|&(?:lt|gt|amp|#\d+);|\s+|[^\W_]+|.", re.S)


def line_to_markdown(line: list[Run], before: str = "", after: str = "") -> str:
    """Inline runs (no breaks) as one line of Markdown.

    Runs of the same style are merged first, so WeChat's many adjacent `<strong>`
    runs become one `**...**`. Markers are placed where the emphasis starts and
    ends, with spaces always outside and punctuation outside only where CommonMark
    would otherwise not see the marker (`**答**：正文`, but `**第一部分（上）**`).
    `before` and `after` are the characters around the line (a link label's brackets).
    """
    if not line:
        return ""
    in_label = before == "["
    if all(_is_plain(run.style) for run in line):  # most lines: no emphasis to place
        text = _SPACES.sub(" ", "".join([run.text for run in line])).strip()
        return escape_text(text, autolink=not in_label, label=in_label)
    units = _units(_merge_runs(line), in_label)
    _spread_over_spaces(units)
    bold = _ranges(units, "bold", 0, len(units), before, after)
    italic: list[tuple[int, int]] = []
    for lo, hi in _intervals(units, bold):
        italic += _ranges(units, "italic", lo, hi, before, after)
    italic = [r for r in italic if not _ambiguous(units, r, before, after)]
    while True:
        opens, closes = _markers(bold, italic)
        crowded = {k for k in opens if k in closes and _crowded(units, k, opens[k], closes[k])}
        if not crowded:
            break
        # A closing marker right before an opening one is one delimiter run (`***`):
        # readers only split it reliably between two letters, and `****` never
        # reads well. Give up the italic that meets a bold marker there.
        italic = [(s, e) for s, e in italic if s not in crowded and e not in crowded]
    in_bold = _membership(len(units), bold)
    in_italic = _membership(len(units), italic)
    out = ""
    for i, unit in enumerate(units):
        out += closes.get(i, "") + opens.get(i, "")
        if unit.link is not None:
            if out.endswith("!") and (len(out) - 1 - len(out[:-1].rstrip("\\"))) % 2 == 0:
                out = out[:-1] + "\\!"  # `![label](href)` would be an image
            out += _link_markdown(unit.link, in_bold[i], in_italic[i])
        else:
            out += unit.text
    out += closes.get(len(units), "")
    return out.strip()


def _ambiguous(units: list[_Unit], span: tuple[int, int], before: str, after: str) -> bool:
    """An italic `*` between two punctuation marks both opens and closes, and
    CommonMark's pairing rules may then match it with a bold marker: not worth it."""
    s, e = span
    prev = units[s - 1].text[-1] if s > 0 else before
    nxt = units[e].text[0] if e < len(units) else after
    return (_edge_punct(units[s].text[0]) and _context_punct(prev)) or (
        _edge_punct(units[e - 1].text[-1]) and _context_punct(nxt)
    )


def _crowded(units: list[_Unit], k: int, opens: str, closes: str) -> bool:
    if len(opens) + len(closes) >= 4:
        return True
    return not (units[k - 1].text[-1].isalnum() and units[k].text[0].isalnum())


def _markers(
    bold: list[tuple[int, int]], italic: list[tuple[int, int]]
) -> tuple[dict[int, str], dict[int, str]]:
    opens: dict[int, str] = {}
    closes: dict[int, str] = {}
    for ranges, marker in ((bold, "**"), (italic, "*")):
        for s, e in ranges:
            opens[s] = opens.get(s, "") + marker
            closes[e] = marker + closes.get(e, "")
    return opens, closes


def _is_plain(style: Style) -> bool:
    return not (style.bold or style.italic or style.code or style.href or style.raw)


def _merge_runs(line: list[Run]) -> list[tuple[Style, str]]:
    groups: list[tuple[Style, str]] = []
    for run in line:
        text = run.text if run.style.raw else _ASCII_SPACES.sub(" ", run.text)
        if not text:
            continue
        if groups and groups[-1][0] == run.style:
            groups[-1] = (run.style, groups[-1][1] + text)
        else:
            groups.append((run.style, text))
    return groups


def _units(groups: list[tuple[Style, str]], in_label: bool = False) -> list[_Unit]:
    units: list[_Unit] = []

    def add(unit: _Unit) -> None:
        if unit.kind == "space" and (not units or units[-1].kind == "space"):
            return  # one space between words, none at the start
        units.append(unit)

    i = 0
    while i < len(groups):
        style, text = groups[i]
        if style.raw:
            add(_Unit(text, "atom"))
        elif style.href:
            j = i
            label: list[tuple[Style, str]] = []
            while j < len(groups) and groups[j][0].href == style.href and not groups[j][0].raw:
                label.append(
                    (
                        Style(bold=groups[j][0].bold, italic=groups[j][0].italic, code=groups[j][0].code),
                        groups[j][1],
                    )
                )
                j += 1
            visible = [s for s, t in label if t.strip()]
            if not visible:
                add(_Unit(" ", "space", style.bold, style.italic))
            else:
                add(
                    _Unit(
                        "[]",
                        "atom",
                        bold=all(s.bold for s in visible),
                        italic=all(s.italic for s in visible),
                        link=(style.href, label),
                    )
                )
            i = j
            continue
        elif style.code:
            core = text.strip()
            if core:
                if text[0] == " ":
                    add(_Unit(" ", "space"))
                add(_Unit(code_span(core), "atom", bold=style.bold, italic=style.italic))
                if text[-1] == " ":
                    add(_Unit(" ", "space"))
        else:
            for token in _TOKEN.findall(escape_text(text, autolink=not in_label, label=in_label)):
                if token.startswith("<http"):
                    add(_Unit(token, "atom", style.bold, style.italic))
                elif token.isspace():
                    add(_Unit(" ", "space", style.bold, style.italic))
                elif token[0].isalnum():
                    add(_Unit(token, "word", style.bold, style.italic))
                else:
                    add(_Unit(token, "punct", style.bold, style.italic))
        i += 1
    while units and units[-1].kind == "space":
        units.pop()
    return units


def _spread_over_spaces(units: list[_Unit]) -> None:
    """A space between two bold words is bold too: `**a b**`, not `**a** **b**`."""
    for i, unit in enumerate(units):
        if unit.kind == "space" and 0 < i < len(units) - 1:
            unit.bold = units[i - 1].bold and units[i + 1].bold
            unit.italic = units[i - 1].italic and units[i + 1].italic


def _ranges(
    units: list[_Unit], flag: str, lo: int, hi: int, before: str, after: str
) -> list[tuple[int, int]]:
    """Maximal stretches of `flag` in units[lo:hi], trimmed until their markers work."""

    # The characters around a marker are the real neighbours even at a bold
    # boundary: `*` closing next to `**` opening is one delimiter run `***`.
    def char_before(k: int) -> str:
        return units[k - 1].text[-1] if k > 0 else before

    def char_after(k: int) -> str:
        return units[k].text[0] if k < len(units) else after

    ranges = []
    i = lo
    while i < hi:
        if not getattr(units[i], flag):
            i += 1
            continue
        j = i
        while j < hi and getattr(units[j], flag):
            j += 1
        s, e = i, j
        while s < e and not _can_open(char_before(s), units[s]):
            s += 1
        while e > s and not _can_close(units[e - 1], char_after(e)):
            e -= 1
        if any(units[k].kind in ("word", "atom") for k in range(s, e)):
            ranges.append((s, e))
        i = j
    return ranges


def _intervals(units: list[_Unit], bold: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Bold ranges and the gaps between them: italic never crosses a bold marker."""
    out = []
    pos = 0
    for s, e in bold:
        if s > pos:
            out.append((pos, s))
        out.append((s, e))
        pos = e
    if pos < len(units):
        out.append((pos, len(units)))
    return out


def _membership(n: int, ranges: list[tuple[int, int]]) -> list[bool]:
    inside = [False] * n
    for s, e in ranges:
        for k in range(s, e):
            inside[k] = True
    return inside


def _is_space(c: str) -> bool:
    return not c or c.isspace()


def _edge_punct(c: str) -> bool:
    # Broad: punctuation and symbols. A marker is moved off such a character.
    return unicodedata.category(c)[0] in "PS"


def _context_punct(c: str) -> bool:
    # Narrow: what every CommonMark version counts as punctuation beside a marker.
    if not c:
        return False
    return unicodedata.category(c)[0] == "P" or (c.isascii() and not c.isalnum() and not c.isspace())


def _can_open(prev: str, unit: _Unit) -> bool:
    if unit.kind == "space":
        return False
    first = unit.text[0]
    return not _edge_punct(first) or _is_space(prev) or _context_punct(prev)


def _can_close(unit: _Unit, nxt: str) -> bool:
    if unit.kind == "space":
        return False
    last = unit.text[-1]
    return not _edge_punct(last) or _is_space(nxt) or _context_punct(nxt)


def _link_markdown(link: tuple[str, list[tuple[Style, str]]], bold: bool, italic: bool) -> str:
    """`[label](href)`; emphasis already written around the link is not repeated inside."""
    href, label = link
    runs = [
        Run(t, Style(bold=s.bold and not bold, italic=s.italic and not italic, code=s.code)) for s, t in label
    ]
    text = line_to_markdown(runs, "[", "]")
    return f"[{text}]({_link_target(href)})"


def _link_target(href: str) -> str:
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def code_span(text: str) -> str:
    fence = "`" * (_longest_run(text, "`") + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _longest_run(text: str, ch: str) -> int:
    runs = re.findall(re.escape(ch) + "+", text)
    return max((len(r) for r in runs), default=0)


_ALWAYS = re.compile(r"[`*]")
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|\s|$)")
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_LINK_CLOSE = re.compile(r"\](?=[(\[:])")
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")


_BRACKET = re.compile(r"[\[\]]")
_BARE_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def escape_text(text: str, autolink: bool = True, label: bool = False) -> str:
    """Escape what Markdown would read as syntax. A bare URL that would need an
    escape (`?__biz=`, `*`) becomes an `<autolink>` instead, inside which nothing is
    escaped; other URLs stay exactly as written."""
    if label:
        return escape_plain(text, label=True)
    if not autolink or "://" not in text:
        return escape_plain(text)
    out = []
    pos = 0
    for m in _BARE_URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?'")
        while url.endswith((")", "]")) and url.count(url[-1]) > url.count("(" if url[-1] == ")" else "["):
            url = url[:-1]
        out.append(escape_plain(text[pos : m.start()]))
        out.append(url if escape_plain(url) == url else f"<{url}>")
        pos = m.start() + len(url)
    out.append(escape_plain(text[pos:]))
    return "".join(out)


def escape_plain(text: str, label: bool = False) -> str:
    """Escape what Markdown (CommonMark or kramdown) would read as syntax, and only that.

    `[1]` reference marks, `snake_case`, `C:\\dir` and a single `~` stay as they are:
    a bracket is escaped only where it would close a link (`](`, `][`, `]:`), an
    underscore only at a word edge, a backslash only before punctuation, tildes
    only when two could pair up as strikethrough.
    """
    if "\\" in text:
        text = _BACKSLASH.sub(r"\\\\", text)
    if "`" in text or "*" in text:
        text = _ALWAYS.sub(r"\\\g<0>", text)
    if "_" in text:
        text = _UNDERSCORE.sub(r"\\_", text)
    if label:  # inside `[...]` every bracket is escaped
        text = _BRACKET.sub(r"\\\g<0>", text)
    else:
        if "]" in text:
            text = _LINK_CLOSE.sub(r"\\]", text)
        text = text.replace("[^", "\\[^")
    if text.count("~") >= 2:
        text = text.replace("~", "\\~")
    if "&" in text:
        text = _ENTITY_LIKE.sub("&amp;", text)
    if "<" in text:
        text = _TAG_OPEN.sub("&lt;", text)
    return text.replace("$$", "\\$\\$")


_LINE_START_ESCAPE = re.compile(
    r"^(?:(?P<char>[#>|])|(?P<list>[-+])(?=[ \t]|$)|(?P<num>\d{1,9})(?P<dot>[.)])(?=[ \t]|$)"
    r"|(?P<colon>:)(?=[ \t])|(?P<brace>\{)(?=:)|(?P<rule>[-=]+[ \t]*$))"
)


def escape_line_start(line: str) -> str:
    """What a line may not start with: `#` (a heading even without a space in kramdown),
    `>`, `|` (a kramdown table), `- `, `+ `, `1. `, `: `, `{:`, `---` and `===`."""
    m = _LINE_START_ESCAPE.match(line)
    if not m:
        return line
    if m.group("num"):
        return m.group("num") + "\\" + line[m.end("num") :]
    return "\\" + line


def quote_lines(text: str) -> str:
    return "\n".join(("> " + ln) if ln.strip() else ">" for ln in text.split("\n"))


def code_block(pre: HtmlElement) -> str:
    """A fenced block with every newline kept; WeChat puts one `<code>` per line."""
    codes = [c for c in pre if isinstance(c.tag, str) and c.tag == "code"]
    if len(codes) > 1:
        # `<code><br></code>` is an empty line, not two.
        text = "\n".join(_code_text(c).removesuffix("\n") for c in codes)
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
