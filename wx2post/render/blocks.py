"""The block walker: one handler per element, found in a table by tag.

The walker collects inline runs until a block ends, then hands them to the inline
emitter (inline.py). A block tag flushes the runs before and after it and is
handled by `BLOCK_HANDLERS[tag]` (any other block tag is a paragraph); inline tags
with a meaning of their own (`<br>`, `<img>`) are in `INLINE_HANDLERS`, and every
other inline tag only changes the style of its text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from lxml.html import HtmlElement

from ..lazyre import lazy
from .escape import link_target, longest_run
from .headings import HEADING_LEVELS, paragraph_in_heading_tag, styled_heading_level
from .inline import runs_to_markdown
from .style import BLOCK_TAGS, BREAK, SPACES, Break, ImageTarget, Run, Style, inline_style
from .tables import table_markdown

_ALT_ESCAPE = lazy(r"([\\\[\]`*_])")
_LIST_START = lazy(r"(?:[-+*]|\d{1,9}[.)]) ")


def render_markdown(body: HtmlElement, image_target: ImageTarget) -> str:
    """The body as Markdown; images are written as `image_target(index)` says."""
    walker = Walker(image_target)
    walker.walk_children(body, Style())
    walker.flush()
    text = "\n\n".join(b for b in walker.blocks if b.strip())
    return text.strip() + "\n" if text.strip() else ""


class Walker:
    def __init__(self, image_target: ImageTarget, plain_bold: bool = False) -> None:
        self.image_target = image_target
        self.plain_bold = plain_bold  # inside a heading, which is bold already
        self.blocks: list[str] = []
        self.runs: list[Run | Break] = []

    def walk_children(self, el: HtmlElement, style: Style) -> None:
        # The hot loop of rendering (every element of the body passes here once):
        # text and tails are added inline, not through `text()`.
        runs = self.runs
        text_style = dataclasses.replace(style, bold=False) if self.plain_bold and style.bold else style
        text = el.text
        if text:
            runs.append(Run(text, text_style))
        for child in el:
            tag = child.tag  # lxml builds a new str on every `.tag`: read it once
            if tag.__class__ is str and tag:  # not a comment or processing instruction
                self.walk(child, tag.lower(), style)
                runs = self.runs  # a block flushes: the list is a new one
            text = child.tail
            if text:
                runs.append(Run(text, text_style))

    def walk(self, el: HtmlElement, tag: str, style: Style) -> None:
        if tag in BLOCK_TAGS:
            self.flush()
            BLOCK_HANDLERS.get(tag, convert_paragraph)(self, el, tag, inline_style(el, tag, style))
            self.flush()
        else:
            INLINE_HANDLERS.get(tag, convert_inline)(self, el, tag, style)

    def flush(self) -> None:
        if self.runs:
            paragraph = runs_to_markdown(self.runs)
            self.runs = []
            if paragraph.strip():
                self.blocks.append(paragraph)

    def sub(self, el: HtmlElement, style: Style, plain_bold: bool = False) -> list[str]:
        """The blocks of `el` rendered on their own (a cell, an item, a quote)."""
        walker = Walker(self.image_target, plain_bold or self.plain_bold)
        walker.walk_children(el, style)
        walker.flush()
        return walker.blocks

    def heading(self, el: HtmlElement, level: int, style: Style) -> None:
        """`## Title` on one line, with a space after the hashes and no `**` inside."""
        blocks = self.sub(el, Style(href=style.href), plain_bold=True)
        text = SPACES.sub(" ", " ".join(blocks)).strip()
        if not text:
            return
        if text.startswith("!["):  # an image dressed as a heading
            self.blocks.append(text)
            return
        self.blocks.append("#" * level + " " + text)


Handler = Callable[[Walker, HtmlElement, str, Style], None]


# --- block handlers (the style given is the block's own) ---------------------------


def convert_paragraph(w: Walker, el: HtmlElement, tag: str, style: Style) -> None:
    level = styled_heading_level(el)
    if level:
        w.heading(el, level, style)
    else:
        w.walk_children(el, style)


def convert_heading(w: Walker, el: HtmlElement, tag: str, style: Style) -> None:
    if paragraph_in_heading_tag(el):
        convert_paragraph(w, el, tag, style)
    else:
        w.heading(el, HEADING_LEVELS[tag], style)


def convert_pre(w: Walker, el: HtmlElement, tag: str, style: Style) -> None:
    w.blocks.append(code_block(el))


def convert_table(w: Walker, el: HtmlElement, tag: str, style: Style) -> None:
    w.blocks.append(table_markdown(w, el))


def convert_list(w: Walker, el: HtmlElement, tag: str, style: Style) -> None:
    w.blocks.append(list_markdown(w, el, ordered=tag == "ol"))


def convert_blockquote(w: Walker, el: HtmlElement, tag: str, style: Style) -> None:
    inner = "\n\n".join(w.sub(el, style))
    if inner.strip():
        w.blocks.append(quote_lines(inner))


def convert_hr(w: Walker, el: HtmlElement, tag: str, style: Style) -> None:
    w.blocks.append("---")


BLOCK_HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(HEADING_LEVELS, convert_heading),
    "pre": convert_pre,
    "table": convert_table,
    "ul": convert_list,
    "ol": convert_list,
    "blockquote": convert_blockquote,
    "hr": convert_hr,
}


# --- inline handlers (the style given is the parent's) -----------------------------


def convert_inline(w: Walker, el: HtmlElement, tag: str, style: Style) -> None:
    if el.get("data-wx2post-formula"):
        convert_formula(w, el)
    else:
        w.walk_children(el, inline_style(el, tag, style))


def convert_br(w: Walker, el: HtmlElement, tag: str, style: Style) -> None:
    w.runs.append(BREAK)


def convert_img(w: Walker, el: HtmlElement, tag: str, style: Style) -> None:
    """`![alt](ref)`; a picture inside a link (a banner to another article) keeps it."""
    index = el.get("data-wx2post-image")
    if index is None:
        return
    ref, alt = w.image_target(int(index))
    alt = _ALT_ESCAPE.sub(r"\\\1", SPACES.sub(" ", alt)).strip()
    text = f"![{alt}]({ref})"
    if style.href:
        text = f"[{text}]({link_target(style.href)})"
    w.runs.append(Run(text, Style(raw=True)))


def convert_formula(w: Walker, el: HtmlElement) -> None:
    latex = (el.text or "").strip()
    if not latex:
        return
    if el.get("data-wx2post-formula") == "block":
        w.flush()
        w.blocks.append(f"$$\n{latex}\n$$")
    else:
        w.runs.append(Run(f"${latex}$", Style(raw=True)))


INLINE_HANDLERS: dict[str, Handler] = {"br": convert_br, "img": convert_img}


# --- the blocks' Markdown ----------------------------------------------------------


def list_markdown(w: Walker, el: HtmlElement, ordered: bool) -> str:
    """`- item` / `1. item`; nested lists indented under their item, kept tight."""
    items: list[str] = []
    pad = ""
    number = int(el.get("start", "1")) if (el.get("start") or "").isdigit() else 1
    for li in _list_children(el):
        if not isinstance(li.tag, str):
            continue
        tag = li.tag.lower()
        if tag != "li":
            if tag in ("ul", "ol"):
                content = list_markdown(w, li, ordered=tag == "ol")
            else:
                content = _join_item_blocks(w.sub(li, Style()))
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
        content = _join_item_blocks(w.sub(li, Style()))
        if not content:
            continue
        pad = " " * len(marker)
        items.append(marker + _indent(content, pad)[len(pad) :])
    return "\n".join(items)


def _list_children(el: HtmlElement) -> list[HtmlElement]:
    """The list's children, with text written straight into it (`<ul>文字<li>…`, or after an
    item) held in a `<span>` of its own: a browser shows it, so the post keeps it, unmarked."""
    children: list[HtmlElement] = []

    def loose(text: str | None) -> None:
        if text and text.strip():
            holder = el.makeelement("span", {})
            holder.text = text
            children.append(holder)

    loose(el.text)
    for child in el:
        children.append(child)
        loose(child.tail)
    return children


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
    fence = "`" * max(3, longest_run(text, "`") + 1)
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
