"""HTML page -> Article: metadata cascade, page kind, failure pages (pure).

Precedence for every field (first non-empty wins):
1. inline JS variables (`var msg_title`, `var ct`, `window.cgiDataNew`, ...),
2. `og:` and other `<meta>` tags,
3. the DOM (`#activity-name`, `#js_name`, `#publish_time`, ...),
4. visible text (`2022年05月03日 10:12`).
Page JavaScript is never executed: values are read with regular expressions.

A saved page is up to 4 MB, mostly inline script, around a ~60 KB article, so no
stage works on the whole page: the page is scanned as a `PageText` (a few `find`
passes for script bounds and metadata anchors), the DOM parser sees it with its
script and style bodies cut out, and only the scripts holding metadata are
searched with regular expressions. `parse_source` scans a big UTF-8 page read
from disk as bytes and decodes only those slices.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

from lxml import etree
from lxml.html import HtmlElement  # noqa: E402

from .chars import one_line, xml_safe
from .errors import NotAnArticle
from .failures import failure_for
from .jsvars import (
    decode_value,
    js_block,
    js_key,
    js_number,
    js_string,
)
from .kinds import PICTURE_LIST, picture_body, picture_dom_body, share_body, text_body
from .lazyre import lazy
from .markup import build_tree, cap_values
from .models import BEIJING, PAGE_KINDS, Article
from .sources import SMALL_PAGE_CHARS, PageSource, PageText
from .urls import clean_image_url, clean_url

# Data blocks whose object keys (`title: JsDecode('...')`) are metadata.
_DATA_BLOCK_STARTS = ("cgiDataNew", "__QMTPL_SSR_DATA__")
_DATE_TEXT = lazy(
    r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_ZERO_WIDTH = lazy("[\u200b\u200c\u200d\u2060\ufeff]")
_XML_SPACE = lazy("[ \t\r\n]+")
# libxml2 indexes every `id` of an HTML page as it parses it (the first element of
# each id): XPath's id() reads that index instead of walking the tree.
_BY_ID = etree.XPath("id($name)")
_CLASS_CANDIDATES = etree.XPath("descendant-or-self::*[contains(@class, $name)]")


def parse_page(html: str, origin: str = "") -> Article:
    """Parse a whole page. Raises FailurePage, NotAnArticle or InputError."""
    return parse_text(PageText(html), origin)


def parse_source(page: PageSource) -> Article:
    """`parse_page(page.html, page.origin)`, without decoding a big UTF-8 page whole.

    A page from sources.read_page is scanned as bytes: only the markup around
    its scripts and the scripts holding metadata are decoded.
    """
    try:
        return parse_text(page.page_text(), page.origin)
    except UnicodeDecodeError:  # a big page declared UTF-8 is not: read it decoded whole
        return parse_text(PageText(page.html), page.origin)


def parse_text(page: PageText, origin: str = "") -> Article:
    """Parse a page given as PageText (a str, or a big UTF-8 page's bytes)."""
    doc, warnings = build_tree(without_scripts(page), origin)
    dom = Dom(doc)
    data = _data_blocks(page)
    article = Article(origin=origin, warnings=warnings)
    _read_metadata(article, metadata_scripts(page), data, dom)
    body = kind_body(article, page, data, dom, find_body(doc, dom))
    if body is None or is_empty(body):
        failure = failure_for(_visible_text(doc) + _failure_hints(page), source=origin)
        if failure is not None:
            raise failure
        if not looks_like_wechat(page):
            raise NotAnArticle("not a WeChat article page", source=origin)
        body = template_less_body(article, doc, page)
    if not looks_like_wechat(page):
        raise NotAnArticle("not a WeChat article page", source=origin)
    article.content = body
    article.warnings += cap_values(body)
    return article


def kind_body(
    article: Article, page: PageText, data: str, dom: Dom, body: HtmlElement | None
) -> HtmlElement | None:
    """The body of a picture, text or share post (kinds.py), else `body`."""
    holder = dom.by_id("js_image_content")
    if article.kind == "article" and body is None and holder is not None:
        article.kind = "picture"  # its scripts (item_show_type) were stripped
    if article.kind == "picture":
        saved = picture_dom_body(dom.doc, holder, dom.by_id("js_image_desc")) if holder is not None else None
        return picture_body(page, data, saved if saved is not None else body)
    if article.kind == "text":
        return text_body(page, data, body)
    if dom.by_id("js_share_notice") is not None:
        source = dom.by_id("js_share_source")  # 阅读全文, the shared article's link
        card_link = source.get("data-url", "") if source is not None else ""
        title, account = _dom_text(dom, ".original_panel_title"), _dom_text(dom, "#js_share_author")
        share = share_body(page, data, title, account, card_link, article.url)
        article.shared, article.warnings = share.shared, article.warnings + share.warnings
        return share.body
    return body


def parse_fragment(html: str, origin: str = "", warnings: list[str] | None = None) -> HtmlElement:
    """The body of an article given as HTML alone (a feed item's content): its
    `#js_content` when it holds a whole page, else everything in it. What had to
    be flattened or cut is added to `warnings`."""
    doc, flattened = build_tree(f"<html><body>{html}</body></html>", origin)
    body = find_body(doc)
    if body is None:
        body = doc.find("body")
        if body is not None:
            body.tag = "div"
    if body is None or is_empty(body):
        raise NotAnArticle("the feed item holds no article text", source=origin)
    cut = flattened + cap_values(body)
    if warnings is not None:
        warnings += cut
    return body


def template_less_body(article: Article, doc: HtmlElement, page: PageText) -> HtmlElement:
    """A page that lost WeChat's template (ids, classes, scripts stripped by a saver, an
    exporter or an archive): the body found by the page's shape, with the title, account
    and date read around it, else by a general main-content extractor. Only a page
    where neither finds anything holds no article text."""
    from .structure import extract_main, find_by_structure  # template-less pages only

    found = find_by_structure(doc, article.title)
    if found is not None:
        # The title heading beats `<title>`, which some savers set to the account's name.
        if found.title and (not article.title or article.title == (doc.findtext(".//title") or "").strip()):
            article.title = found.title
        article.account_name = article.account_name or found.account
        article.published = article.published or parse_time(found.date_text)
        return found.body
    body = extract_main(page.text())
    if body is None or is_empty(body):
        reason = "the page holds no article text (an empty or unsupported page)"
        raise NotAnArticle(reason, source=article.origin)
    return body


def looks_like_wechat(page: PageText) -> bool:
    markers = ("js_content", "rich_media", "mp.weixin.qq.com", "mmbiz.qpic.cn", "msg_title")
    # Markers sit in the first few hundred KB of a real page: look there first.
    return any(page.find(m, 0, 400_000) >= 0 for m in markers) or any(page.find(m) >= 0 for m in markers)


class Dom:
    """The parsed page, with the lookups metadata makes in it gathered once.

    lxml's get_element_by_id and iterfind walk the whole tree on every call, and
    the metadata cascade makes a dozen of them on a tree of thousands of elements.
    """

    def __init__(self, doc: HtmlElement) -> None:
        self.doc = doc
        self._ids: dict[str, HtmlElement | None] = {}
        self._metas: list[HtmlElement] | None = None

    def by_id(self, id_: str) -> HtmlElement | None:
        """`doc.get_element_by_id(id_, None)`: the first element with that id in the page
        as parsed (the index is the parser's: an element removed since is not found)."""
        if id_ not in self._ids:
            # id() would read a name holding white space as several names.
            found = _BY_ID(self.doc, name=id_) if id_.split() == [id_] else []
            self._ids[id_] = found[0] if found and _root(found[0]) is _root(self.doc) else None
        return self._ids[id_]

    def by_class(self, name: str) -> list[HtmlElement]:
        """`doc.find_class(name)`. Its XPath normalises every class attribute of
        the page (2 ms on a big page); a plain substring test picks the few
        candidates, and their class tokens (split at XML white space) decide."""
        return [
            el for el in _CLASS_CANDIDATES(self.doc, name=name) if name in _XML_SPACE.split(el.get("class"))
        ]

    def metas(self) -> list[HtmlElement]:
        """Every `<meta>`, in document order."""
        if self._metas is None:
            self._metas = list(self.doc.iter("meta"))
        return self._metas


def _root(el: HtmlElement) -> HtmlElement:
    while (parent := el.getparent()) is not None:
        el = parent
    return el


def find_body(doc: HtmlElement, dom: Dom | None = None) -> HtmlElement | None:
    """The article body: `#js_content`, or `.rich_media_content` on old/re-serialised pages."""
    dom = dom or Dom(doc)
    body = dom.by_id("js_content")
    if body is None:
        found = dom.by_class("rich_media_content")
        body = found[0] if found else None
    return body


def is_empty(el: HtmlElement) -> bool:
    if el.find(".//img") is not None or el.find(".//iframe") is not None:
        return False
    if el.find(".//mpvoice") is not None or el.find(".//mpvideo") is not None:
        return False
    return not _ZERO_WIDTH.sub("", el.text_content()).strip()


def _visible_text(doc: HtmlElement) -> str:
    parts = []
    for node in doc.iter():
        if node.tag in ("script", "style", etree.Comment):
            continue
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        if node.tail:
            parts.append(node.tail)
    return " ".join(parts)


def _failure_hints(page: PageText) -> str:
    # The verification redirect and account migration show up in script or URLs only.
    return " ".join(h for h in ("wappoc_appmsgcaptcha", "transfer_target_link") if page.find(h) >= 0)


def without_scripts(page: PageText) -> str:
    """The page with inline script and style bodies cut out, for the DOM parser.

    Scripts are 90% of a modern page's 2-4 MB and are read separately (jsvars);
    cutting them with find is several times cheaper than parsing them. Only what
    is left is decoded.
    """
    if len(page) < SMALL_PAGE_CHARS:
        return page.text()
    return _cut_bodies(_cut_bodies(page, "script"), "style").text()


def _cut_bodies(page: PageText, tag: str) -> PageText:
    kept = []
    pos = 0
    opening, closing = f"<{tag}", f"</{tag}>"
    while True:
        start = page.find(opening, pos)
        body = page.find(">", start) if start >= 0 else -1
        end = page.find(closing, body) if body >= 0 else -1
        if end < 0:
            break
        kept.append((pos, body + 1))
        pos = end
    kept.append((pos, len(page)))
    return page.keep(kept)


# Statements that open the script holding an era's metadata variables.
_METADATA_ANCHORS = ("var msg_title", "window.msg_title", "var biz ", "var biz=")
# (needle, the anchors containing it): one pass over the page each.
_ANCHOR_PASSES = (("msg_title", ("var msg_title", "window.msg_title")), ("var biz", ("var biz ", "var biz=")))


def metadata_scripts(page: PageText) -> str:
    """The inline scripts that assign the metadata variables.

    A modern page carries 2-4 MB of inlined library code that mentions the same
    names (`window.msg_title || ''`); searching only the scripts that assign them
    is both faster and safer. A page without any anchor is searched whole (old and
    re-serialised pages are small).
    """
    assigned = _assignments(page)
    ranges: list[tuple[int, int]] = []
    for anchor in _METADATA_ANCHORS:
        if any(start <= page.find(anchor, start, end) for start, end in ranges):
            continue  # already inside a script we have
        pos = assigned[anchor]
        if pos < 0:
            continue
        start = max(page.rfind("<script", 0, pos), 0)
        end = page.find("</script>", pos)
        ranges.append((start, end if end >= 0 else len(page)))
    if not ranges:
        return page.text()
    return "\n".join(page.text(a, b) for a, b in sorted(set(ranges)))


def _assignments(page: PageText) -> dict[str, int]:
    """Where each anchor is first assigned (`window.msg_title = ...`), -1 if never.

    Mere reads (`window.msg_title || ''` in the 1.5 MB library script of 2024+
    pages) are skipped. Each pass over a 4 MB page costs a millisecond or two and
    an absent anchor costs a whole one, so anchors sharing a needle are looked
    for in the same pass.
    """
    found = dict.fromkeys(_METADATA_ANCHORS, -1)
    for needle, anchors in _ANCHOR_PASSES:
        pos = page.find(needle)
        while pos >= 0 and any(found[a] < 0 for a in anchors):
            for anchor in anchors:
                at = pos - anchor.index(needle)
                if found[anchor] < 0 and at >= 0 and page.startswith(anchor, at):
                    if _is_assignment(page, at, anchor):
                        found[anchor] = at
            pos = page.find(needle, pos + 1)
    return found


def _is_assignment(page: PageText, pos: int, anchor: str) -> bool:
    after = page.chars(pos + len(anchor), 8).lstrip()
    return anchor.endswith("=") or (after.startswith("=") and not after.startswith("=="))


def _data_blocks(page: PageText) -> str:
    """The text of the data objects that hold metadata as object keys."""
    blocks = []
    for name in _DATA_BLOCK_STARTS:
        pos = page.find(name)
        while pos >= 0:
            # Within 40 characters: `name = {` (`window.cgiDataNew = {`).
            window = page.chars(pos, 80)
            eq = window.find("=", 0, 40)
            if eq >= 0 and window[eq + 1 : eq + 40].lstrip().startswith("{"):
                start = pos + page.width(window[:eq])
                end = page.find("</script>", start)
                blocks.append(page.text(start, end if end > 0 else len(page)))
                break
            pos = page.find(name, pos + len(name))
    return "\n".join(blocks)


def _first(*getters: Callable[[], str]) -> str:
    for get in getters:
        value = get()
        if value:
            return value.strip()
    return ""


def _meta(dom: Dom, *keys: str) -> str:
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            for el in dom.metas():
                if el.get(attr) == key:
                    content = (el.get("content") or "").strip()
                    if content:
                        return content
    return ""


def _dom_text(dom: Dom, *selectors: str) -> str:
    """Text of the first element found by id (`#x`) or class (`.x`)."""
    for sel in selectors:
        if sel.startswith("#"):
            found = dom.by_id(sel[1:])
            els: Iterable[HtmlElement] = [found] if found is not None else []
        else:
            els = dom.by_class(sel[1:])
        for el in els:
            text = _ZERO_WIDTH.sub("", el.text_content()).strip()
            if text:
                return re.sub(r"\s+", " ", text)
    return ""


def _read_metadata(a: Article, html: str, data: str, dom: Dom) -> None:
    a.title = _first(
        lambda: js_string(html, "msg_title"),
        lambda: js_key(data, "title"),
        lambda: _meta(dom, "og:title", "twitter:title"),
        lambda: _dom_text(dom, "#activity-name", "#js_text_title", ".rich_media_title"),
        lambda: _dom_text(dom, "#js_image_desc_title"),
        lambda: (dom.doc.findtext(".//title") or "").strip(),
    )
    a.title = one_line(_ZERO_WIDTH.sub("", a.title))
    a.published = read_publish_time(html, data, dom)
    a.author = _first(
        lambda: js_string(html, "author"),
        lambda: js_key(data, "author"),
        lambda: _meta(dom, "author"),
        lambda: _dom_text(dom, "#js_author_name", ".rich_media_meta_nickname_author"),
    )
    a.account_name = _first(
        lambda: js_string(html, "nickname"),
        lambda: js_key(data, "nick_name"),
        lambda: js_key(data, "nickname"),
        lambda: _dom_text(
            dom,
            "#js_name",
            ".profile_nickname",
            ".account_nickname_inner",
            ".wx_follow_nickname",
            "#profileBt",
        ),
    )
    a.account_id = _first(
        lambda: js_string(html, "user_name"),
        lambda: js_key(data, "user_name"),
    )
    if not a.account_id.startswith("gh_"):
        a.account_id = ""
    a.account_alias = _first(
        lambda: js_string(html, "alias"),
        lambda: js_key(data, "alias"),
        lambda: _profile_alias(dom),
    )
    cover = _first(
        lambda: js_string(html, "msg_cdn_url"),
        lambda: data_cover(data),
        lambda: _meta(dom, "og:image", "twitter:image"),
    )
    a.cover_url = clean_image_url(cover) if cover.startswith(("http", "//")) else ""
    a.summary = _first(
        lambda: js_string(html, "msg_desc"),
        lambda: js_key(data, "desc"),
        lambda: _meta(dom, "description", "og:description", "twitter:description"),
    )
    a.url = _canonical_url(html, data, dom)
    source = _first(lambda: js_string(html, "msg_source_url"), lambda: _read_original_link(dom.doc))
    a.source_url = clean_url(source) if source.startswith(("http", "//")) else ""
    a.original = _copyright(html, data, dom)
    show_type = _first(
        lambda: js_string(html, "item_show_type"),
        lambda: _numeric_var(html, "item_show_type"),
        lambda: js_key(data, "item_show_type"),
    )
    a.kind = PAGE_KINDS.get(int(show_type), "article") if show_type.isdigit() else "article"
    _make_showable(a)


def _make_showable(a: Article) -> None:
    """Names go into file names, front matter and terminal messages: one clean line
    each. Values read from script may hold any character a JS escape can write."""
    for name in ("author", "account_name", "account_id", "account_alias"):
        setattr(a, name, one_line(getattr(a, name)))
    a.summary = summary_sentence(a.summary)
    for name in ("url", "source_url", "cover_url"):
        setattr(a, name, xml_safe(getattr(a, name)))


SUMMARY_CHARS = 120
_SENTENCE_END = lazy(r"[。！？!?…]+[”’」』）)]*|\.(?=\s|$)")


def summary_sentence(text: str) -> str:
    """A summary as `subtitle`/`description` show it: its first sentence, at most
    120 characters (cut with `…`). A picture post's `desc` is its whole text."""
    text = one_line(text)
    end = _SENTENCE_END.search(text)
    if end is not None:
        text = text[: end.end()]
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1].rstrip() + "…"


def _numeric_var(html: str, name: str) -> str:
    return js_number(html, name)


def _profile_alias(dom: Dom) -> str:
    # Old profile card: <label>微信号</label><span class="profile_meta_value">alias</span>
    for label in dom.by_class("profile_meta_label"):
        if "微信号" in label.text_content():
            value = label.getnext()
            while value is not None and not isinstance(value.tag, str):
                value = value.getnext()  # a comment between label and value
            if value is not None:
                return value.text_content().strip()
    return ""


def _read_original_link(doc: HtmlElement) -> str:
    for el in doc.iterfind(".//a[@id='js_view_source']"):
        href = el.get("href") or ""
        if href.startswith("http"):
            return href
    return ""


def _canonical_url(html: str, data: str, dom: Dom) -> str:
    candidates = [
        js_string(html, "msg_link"),
        _meta(dom, "og:url", "twitter:url"),
        js_key(data, "link"),
    ]
    for el in dom.doc.iterfind(".//link[@rel='canonical']"):
        candidates.append(el.get("href") or "")
    for c in candidates:
        cleaned = clean_url(c) if c else ""
        if cleaned.startswith("https://mp.weixin.qq.com/s"):
            return cleaned
    # Pieces of identity as separate variables (old pages).
    parts = {n: js_string(html, n) for n in ("biz", "mid", "idx", "sn")}
    if parts["biz"] and parts["mid"]:
        from .urls import ArticleId

        return ArticleId(parts["biz"], parts["mid"], parts["idx"] or "1", parts["sn"]).url
    return ""


def _copyright(html: str, data: str, dom: Dom) -> bool | None:
    stat = _first(
        lambda: js_string(html, "_copyright_stat"),
        lambda: js_string(html, "copyright_stat"),
        lambda: _numeric_var(html, "copyright_stat"),
        lambda: js_key(data, "copyright_stat"),
    )
    if stat == "1":
        return True
    if dom.by_id("copyright_logo") is not None:
        return True
    if stat in ("0", "2"):
        return False
    return None


def read_publish_time(html: str, data: str, dom: Dom) -> datetime | None:
    """Publish time in Beijing time: epoch vars, Beijing-time strings, then page text."""
    candidates: tuple[Callable[[], str], ...] = (
        lambda: js_string(html, "ct"),
        lambda: _numeric_var(html, "ct"),
        lambda: js_string(html, "create_time"),
        lambda: js_key(data, "create_time"),
        lambda: js_string(html, "publish_time"),
        lambda: _meta(dom, "article:published_time", "og:article:published_time"),
        lambda: _dom_text(dom, "#publish_time", "#post-date", ".publish_time"),
        lambda: _dom_text(dom, "#meta_content", ".rich_media_meta_list"),
    )
    for candidate in candidates:
        raw = candidate()
        when = parse_time(raw)
        if when:
            return when
    return None


def parse_time(raw: str) -> datetime | None:
    """`1651543920`, `2022-05-03 10:12`, `2022年05月03日 10:12`, ISO 8601 -> Beijing time."""
    raw = raw.strip()
    if not raw:
        return None
    if raw.isdigit() and len(raw) in (10, 13):
        seconds = int(raw) // (1000 if len(raw) == 13 else 1)
        return datetime.fromtimestamp(seconds, BEIJING) if seconds > 0 else None
    try:
        iso = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if iso.tzinfo is not None:
            return iso.astimezone(BEIJING)
    except ValueError:
        pass
    m = _DATE_TEXT.search(raw)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(x) if x else 0 for x in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=BEIJING)
    except ValueError:
        return None


def data_cover(data: str) -> str:
    """The post's own `cdn_url` in `cgiDataNew`, not one of a picture post's pictures
    (`picture_page_info_list[].cdn_url`, which may come first)."""
    m = PICTURE_LIST.search(data)
    if not m:
        return js_key(data, "cdn_url")
    start = data.find("[", m.end())
    pictures = js_block(data[m.start() :], PICTURE_LIST)
    return js_key(data[: m.start()], "cdn_url") or js_key(data[start + len(pictures) :], "cdn_url")


__all__ = ["parse_page", "parse_source", "parse_text", "parse_time", "find_body", "decode_value"]
