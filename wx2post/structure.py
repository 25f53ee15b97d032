"""Find the article in a page that lost WeChat's template: no ids, no classes, no scripts (pure).

Savers and archives re-serialise pages: archive.today flattens them to inline styles,
some exporters drop every id, class and script. What survives is the page's shape:
a title heading, the account block under it (原创, author, account name, date), the
body, and a footer (阅读原文, 喜欢此内容的人还喜欢, the QR code box). The body is
the smallest element holding nearly all the text between the account block and the
footer. When the shape is not there either, a general main-content extractor
(`extract_main`) is the last resort.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from .lazyre import lazy

# Elements a body can be: the text-bearing containers WeChat and its editors write.
_CONTAINERS = frozenset(("div", "section", "article", "main", "td", "body"))
_BLOCKS = frozenset(("p", "section", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre"))
# Short elements that open the footer: what follows them is page chrome, not the article.
# Matched whole (an article may well say 留言 or 阅读原文 in a sentence) or, for the
# longer phrases, followed by a few characters (微信扫一扫可打开此内容 ...).
_FOOTER_WHOLE = frozenset(("阅读原文", "写留言", "留言", "精选留言", "喜欢此内容的人还喜欢"))
_FOOTER_STARTS = ("微信扫一扫", "预览时标签不可点", "继续滑动看下一个", "向上滑动看下一个")
_DATE = lazy(r"\d{4}\s*(?:年|-|/|\.)\s*\d{1,2}\s*(?:月|-|/|\.)\s*\d{1,2}")
_SPACE = lazy(r"[\s\u200b\u200c\u200d\u2060\ufeff\u00a0\u3000]+")
# The body holds at least this share of the text between the account block and the footer:
# less, and a wrapper of all but the article's opening paragraphs would do.
_BODY_SHARE = 0.95
# ... and at least this many characters, or a picture: else the page has no article here.
_MIN_TEXT = 10


@dataclass
class Found:
    """What the page's shape says: the body and the metadata read around it."""

    body: HtmlElement
    title: str = ""
    account: str = ""
    date_text: str = ""


def find_by_structure(doc: HtmlElement, known_title: str = "") -> Found | None:
    """The article in a template-less page, or None when the page does not have its shape."""
    title_el = _title_heading(doc, _SPACE.sub(" ", known_title).strip())
    if title_el is None:
        return None
    meta_el = _account_block(title_el)
    start = meta_el if meta_el is not None else title_el
    order = {el: i for i, el in enumerate(doc.iter())}
    first = _last_descendant_position(start, order) + 1
    body, footer = _body_and_footer(doc, order, first)
    if body is None:
        return None
    drop = [title_el] + ([meta_el] if meta_el is not None else [])
    found = Found(body=_copy_within(body, order, drop, footer), title=_text(title_el))
    if meta_el is not None:
        found.account = _account_name(meta_el)
        m = _DATE.search(_text(meta_el))
        found.date_text = _text(meta_el)[m.start() :] if m else ""
    return found


def extract_main(html: str) -> HtmlElement | None:
    """A general main-content extractor's body (trafilatura), or None.

    trafilatura recovered 95% of the body text of the shared corpus's articles with
    their ids, classes and scripts stripped, readability-lxml 59% (benchmarks/extractors.py):
    it is the one used. Its output is simple HTML that wx2post cleans and renders as usual.
    """
    import lxml_html_clean  # noqa: F401  trafilatura's justext needs it; lxml's wheel lost it
    import trafilatura  # only pages that need it pay for the import

    out = trafilatura.extract(
        html, output_format="html", include_images=True, include_tables=True, include_links=True
    )
    if not out or not out.strip():
        return None
    tree = lxml.html.fromstring(out)
    body = tree.find(".//body")
    found = body if body is not None else tree
    found.tag = "div"
    if len(_SPACE.sub("", found.text_content())) < _MIN_TEXT and found.find(".//img") is None:
        return None  # a stray link or caption is not an article
    return found


def _title_heading(doc: HtmlElement, known: str = "") -> HtmlElement | None:
    """WeChat's title: the h1 (2015+ pages) or h2 (older ones) with the page's known title
    (`<title>`, og:title), else the first h1 or h2 with text; in a page without either
    (a flattened one sets its title in a styled div), the first element with that text."""
    headings = [el for el in doc.iter("h1", "h2") if _text(el)]
    if known:
        for el in headings:
            if _text(el) == known:
                return el
    if headings:
        return headings[0]
    if known:
        body = doc.find("body")
        for el in (body if body is not None else doc).iter():
            if isinstance(el.tag, str) and el.tag not in ("a", "body") and _text(el) == known:
                return el  # the outermost such element: the account block is its next sibling
    return None


def _account_block(title: HtmlElement) -> HtmlElement | None:
    """The short element after the title that holds a date or the account's link."""
    el = title.getnext()
    seen = 0
    while el is not None and seen < 3:
        if isinstance(el.tag, str):
            text = _text(el)
            if text and len(text) <= 200 and (_DATE.search(text) or el.find(".//a") is not None):
                return el
            if text:
                seen += 1
        el = el.getnext()
    return None


def _account_name(meta: HtmlElement) -> str:
    for a in meta.iter("a"):
        href = a.get("href") or ""
        if href.startswith("javascript") or "profile" in href or not href:
            name = _text(a)
            if name:
                return name
    return ""


def _last_descendant_position(el: HtmlElement, order: dict[HtmlElement, int]) -> int:
    last = order[el]
    for child in el.iter():
        last = max(last, order.get(child, last))
    return last


def _body_and_footer(
    doc: HtmlElement, order: dict[HtmlElement, int], first: int
) -> tuple[HtmlElement | None, HtmlElement | None]:
    """The body, and the element where the footer starts (None: no footer).

    A footer phrase is the footer only where it lies outside the body found with it
    as the bound: in the page it is a sibling of the body, while an article that has
    a paragraph 留言 or 阅读原文 of its own holds it inside.
    """
    for footer in [*_footer_candidates(doc, order, first), None]:
        last = order[footer] if footer is not None else len(order)
        texts = _texts_between(doc, order, first, last)
        total = sum(texts.values())
        if total < _MIN_TEXT and not _has_picture_between(doc, order, first, last):
            continue
        body = _smallest_holding(doc, order, first, last, texts, total)
        if body is not None and (footer is None or body not in footer.iterancestors()):
            return body, footer
    return None, None


def _footer_candidates(doc: HtmlElement, order: dict[HtmlElement, int], after: int) -> list[HtmlElement]:
    found = []
    for el in doc.iter():
        if order[el] < after or not isinstance(el.tag, str):
            continue
        text = _text(el)
        if text in _FOOTER_WHOLE or (len(text) <= 30 and text.startswith(_FOOTER_STARTS)):
            if any(isinstance(c.tag, str) and _text(c) == text for c in el):
                continue  # a wrapper of the phrase: its innermost element stands for it
            found.append(el)
            if len(found) == 8:
                break
    return found


def _texts_between(doc: HtmlElement, order: dict[HtmlElement, int], first: int, last: int) -> dict:
    """Characters of text owned by each element between two document positions."""
    texts: dict[HtmlElement, int] = {}
    for el in doc.iter():
        pos = order[el]
        if not (first <= pos < last) or not isinstance(el.tag, str) or el.tag in ("script", "style"):
            continue
        n = len(_SPACE.sub("", el.text or "")) + sum(
            len(_SPACE.sub("", c.tail or "")) for c in el if order[c] < last
        )
        if n:
            texts[el] = n
    return texts


def _has_picture_between(doc: HtmlElement, order: dict[HtmlElement, int], first: int, last: int) -> bool:
    return any(first <= order[img] < last for img in doc.iter("img"))


def _smallest_holding(
    doc: HtmlElement, order: dict, first: int, last: int, texts: dict, total: int
) -> HtmlElement | None:
    """The deepest container whose text between the bounds is most of it all."""
    held: dict[HtmlElement, int] = {}
    for el, n in texts.items():
        for anc in el.iterancestors():
            held[anc] = held.get(anc, 0) + n
        held[el] = held.get(el, 0) + n
    best: HtmlElement | None = None
    best_depth = -1
    for el, n in held.items():
        if el.tag not in _CONTAINERS or n < _BODY_SHARE * total:
            continue
        depth = sum(1 for _ in el.iterancestors())
        if depth > best_depth:
            best, best_depth = el, depth
    if best is None and total == 0:
        # Pictures only (a picture post): the container of the pictures after the title.
        imgs = [img for img in doc.iter("img") if first <= order[img] < last]
        best = imgs[0].getparent() if imgs else None
        while best is not None and best.tag not in _CONTAINERS:
            best = best.getparent()
    return best


def _copy_within(
    body: HtmlElement, order: dict[HtmlElement, int], drop: list[HtmlElement], footer: HtmlElement | None
) -> HtmlElement:
    """A copy of the body without the title, the account block and anything from the footer on.

    deepcopy keeps the tree's shape, so walking both trees side by side maps each original
    element to its copy: the bounds are found by identity, never by comparing text.
    """
    copied = copy.deepcopy(body)
    end = order[footer] if footer is not None else len(order)
    doomed = [
        twin
        for orig, twin in zip(body.iter(), copied.iter(), strict=True)
        if orig is not body and (orig in drop or order.get(orig, -1) >= end)
    ]
    for twin in doomed:
        _remove(twin)
    return copied


def _remove(el: HtmlElement) -> None:
    parent = el.getparent()
    if parent is not None:
        el.tail = None
        parent.remove(el)


def _text(el: HtmlElement) -> str:
    return _SPACE.sub(" ", etree.tostring(el, method="text", encoding="unicode", with_tail=False)).strip()
