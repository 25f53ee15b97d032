"""Which blocks are headings: `<h1>`-`<h6>` that really hold a title, and short
paragraphs in large bold type (WeChat's editor rarely writes `<h2>`)."""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

from ..lazyre import lazy
from .style import SPACES, Style, inline_style

HEADING_LEVELS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_FONT_SIZE = lazy(r"font-size\s*:\s*(\d+(?:\.\d*)?|\.\d+)\s*px")  # in lowercased CSS
_SENTENCE_END = tuple("。！？；，、,.;!?…")
_SENTENCE_MARK = lazy(r"[。！？；!?;]")
_STYLES = etree.XPath("descendant-or-self::*/@style")  # gathered in C, not element by element


def paragraph_in_heading_tag(el: HtmlElement) -> bool:
    """Some editors (2018 news digests) wrap whole paragraphs in `<h1>`: a long text,
    or one with a sentence end before its last character, is a paragraph."""
    text = SPACES.sub(" ", el.text_content()).strip()
    return len(text) > 60 or bool(_SENTENCE_MARK.search(text[:-1]))


def styled_heading_level(el: HtmlElement) -> int:
    """A short paragraph in large bold type acts as a heading (editors rarely use <h2>)."""
    text = el.text_content()
    if len(text) > 400:
        return 0
    text = SPACES.sub(" ", text).strip()
    if not (2 <= len(text) <= 40) or text.endswith(_SENTENCE_END):
        return 0
    # Large type first: it rules out nearly every short block, and costs one XPath.
    sizes = [float(s) for s in _FONT_SIZE.findall(" ; ".join(_STYLES(el)).lower())]
    size = max(sizes) if sizes else 0
    if size < 18:
        return 0
    if el.find(".//img") is not None or any(
        isinstance(c.tag, str)
        and c.tag in ("p", "section", "div", "ul", "ol", "table", "pre")
        and c.text_content().strip()
        for c in el
    ):
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
