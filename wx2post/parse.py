"""HTML page -> Article: metadata cascade, page kind, failure pages (pure).

Precedence for every field (first non-empty wins):
1. inline JS variables (`var msg_title`, `var ct`, `window.cgiDataNew`, ...),
2. `og:` and other `<meta>` tags,
3. the DOM (`#activity-name`, `#js_name`, `#publish_time`, ...),
4. visible text (`2022年05月03日 10:12`).
Page JavaScript is never executed: values are read with regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

import lxml.html
from lxml import etree
from lxml.html import HtmlElement  # noqa: E402

from .errors import InputError, NotAnArticle
from .failures import failure_for
from .jsvars import (
    _STR as _JS_STR,
)
from .jsvars import (
    decode_value,
    js_block,
    js_key,
    js_number,
    js_string,
    js_strings,
    shallow_string,
    top_level_items,
)
from .models import BEIJING, PAGE_KINDS, Article
from .urls import clean_image_url, clean_url

# Data blocks whose object keys (`title: JsDecode('...')`) are metadata.
_DATA_BLOCK_STARTS = ("cgiDataNew", "__QMTPL_SSR_DATA__")
_PICTURE_LIST = re.compile(r"picture_page_info_list\s*[:=]\s*(?=\[)")
_DATE_TEXT = re.compile(
    r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def parse_page(html: str, origin: str = "") -> Article:
    """Parse a whole page. Raises FailurePage, NotAnArticle or InputError."""
    try:
        doc = lxml.html.document_fromstring(without_scripts(html))
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"not an HTML page ({exc})", source=origin) from exc
    data = _data_blocks(html)
    article = Article(origin=origin)
    _read_metadata(article, metadata_scripts(html), data, doc)
    body = find_body(doc)
    if article.kind == "picture":
        body = picture_body(html, data, body)
    elif article.kind == "text":
        body = text_body(html, data, body)
    elif doc.get_element_by_id("js_share_notice", None) is not None:
        body = share_body(html, doc, article)
    if body is None or is_empty(body):
        failure = failure_for(_visible_text(doc) + _failure_hints(html), source=origin)
        if failure is not None:
            raise failure
        if not looks_like_wechat(html):
            raise NotAnArticle("not a WeChat article page", source=origin)
        raise NotAnArticle("the page holds no article text (an empty or unsupported page)", source=origin)
    if not looks_like_wechat(html):
        raise NotAnArticle("not a WeChat article page", source=origin)
    article.content = body
    return article


def looks_like_wechat(html: str) -> bool:
    head = html[:400_000]
    markers = ("js_content", "rich_media", "mp.weixin.qq.com", "mmbiz.qpic.cn", "msg_title")
    return any(m in head for m in markers) or any(m in html for m in markers)


def find_body(doc: HtmlElement) -> HtmlElement | None:
    """The article body: `#js_content`, or `.rich_media_content` on old/re-serialised pages."""
    body = doc.get_element_by_id("js_content", None)
    if body is None:
        found = doc.find_class("rich_media_content")
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


def _failure_hints(html: str) -> str:
    # The verification redirect and account migration show up in script or URLs only.
    return " ".join(h for h in ("wappoc_appmsgcaptcha", "transfer_target_link") if h in html)


def without_scripts(html: str) -> str:
    """The page with inline script and style bodies cut out, for the DOM parser.

    Scripts are 90% of a modern page's 2-4 MB and are read separately (jsvars);
    cutting them with str.find is several times cheaper than parsing them.
    """
    if len(html) < 200_000:
        return html
    return _cut_bodies(_cut_bodies(html, "script"), "style")


def _cut_bodies(html: str, tag: str) -> str:
    out = []
    pos = 0
    opening, closing = f"<{tag}", f"</{tag}>"
    while True:
        start = html.find(opening, pos)
        body = html.find(">", start) if start >= 0 else -1
        end = html.find(closing, body) if body >= 0 else -1
        if end < 0:
            break
        out.append(html[pos : body + 1])
        pos = end
    out.append(html[pos:])
    return "".join(out)


# Statements that open the script holding an era's metadata variables.
_METADATA_ANCHORS = ("var msg_title", "window.msg_title", "var biz ", "var biz=")


def metadata_scripts(html: str) -> str:
    """The inline scripts that assign the metadata variables.

    A modern page carries 2-4 MB of inlined library code that mentions the same
    names (`window.msg_title || ''`); searching only the scripts that assign them
    is both faster and safer. A page without any anchor is searched whole (old and
    re-serialised pages are small).
    """
    ranges: list[tuple[int, int]] = []
    for anchor in _METADATA_ANCHORS:
        if any(start <= html.find(anchor, start, end) for start, end in ranges):
            continue  # already inside a script we have
        pos = _assignment(html, anchor)
        if pos < 0:
            continue
        start = max(html.rfind("<script", 0, pos), 0)
        end = html.find("</script>", pos)
        ranges.append((start, end if end >= 0 else len(html)))
    if not ranges:
        return html
    return "\n".join(html[a:b] for a, b in sorted(set(ranges)))


def _assignment(html: str, anchor: str) -> int:
    """Where `anchor` is assigned (`window.msg_title = ...`), skipping mere reads
    (`window.msg_title || ''` in the 1.5 MB library script of 2024+ pages)."""
    pos = html.find(anchor)
    while pos >= 0:
        after = html[pos + len(anchor) : pos + len(anchor) + 8].lstrip()
        if anchor.endswith("=") or (after.startswith("=") and not after.startswith("==")):
            return pos
        pos = html.find(anchor, pos + len(anchor))
    return -1


def _data_blocks(html: str) -> str:
    """The text of the data objects that hold metadata as object keys."""
    blocks = []
    for name in _DATA_BLOCK_STARTS:
        pos = html.find(name)
        while pos >= 0:
            eq = html.find("=", pos, pos + 40)
            if eq >= 0 and html[eq + 1 : eq + 40].lstrip().startswith("{"):
                end = html.find("</script>", eq)
                blocks.append(html[eq : end if end > 0 else len(html)])
                break
            pos = html.find(name, pos + len(name))
    return "\n".join(blocks)


def _first(*getters: Callable[[], str]) -> str:
    for get in getters:
        value = get()
        if value:
            return value.strip()
    return ""


def _meta(doc: HtmlElement, *keys: str) -> str:
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            for el in doc.iterfind(f".//meta[@{attr}='{key}']"):
                content = (el.get("content") or "").strip()
                if content:
                    return content
    return ""


def _dom_text(doc: HtmlElement, *selectors: str) -> str:
    """Text of the first element found by id (`#x`) or class (`.x`)."""
    for sel in selectors:
        if sel.startswith("#"):
            found = doc.get_element_by_id(sel[1:], None)
            els: Iterable[HtmlElement] = [found] if found is not None else []
        else:
            els = doc.find_class(sel[1:])
        for el in els:
            text = _ZERO_WIDTH.sub("", el.text_content()).strip()
            if text:
                return re.sub(r"\s+", " ", text)
    return ""


def _read_metadata(a: Article, html: str, data: str, doc: HtmlElement) -> None:
    a.title = _first(
        lambda: js_string(html, "msg_title"),
        lambda: js_key(data, "title"),
        lambda: _meta(doc, "og:title", "twitter:title"),
        lambda: _dom_text(doc, "#activity-name", "#js_text_title", ".rich_media_title"),
        lambda: _dom_text(doc, "#js_image_desc_title"),
        lambda: (doc.findtext(".//title") or "").strip(),
    )
    a.title = re.sub(r"\s+", " ", _ZERO_WIDTH.sub("", a.title)).strip()
    a.published = read_publish_time(html, data, doc)
    a.author = _first(
        lambda: js_string(html, "author"),
        lambda: js_key(data, "author"),
        lambda: _meta(doc, "author"),
        lambda: _dom_text(doc, "#js_author_name", ".rich_media_meta_nickname_author"),
    )
    a.account_name = _first(
        lambda: js_string(html, "nickname"),
        lambda: js_key(data, "nick_name"),
        lambda: js_key(data, "nickname"),
        lambda: _dom_text(
            doc,
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
        lambda: _profile_alias(doc),
    )
    cover = _first(
        lambda: js_string(html, "msg_cdn_url"),
        lambda: data_cover(data),
        lambda: _meta(doc, "og:image", "twitter:image"),
    )
    a.cover_url = clean_image_url(cover) if cover.startswith(("http", "//")) else ""
    a.summary = _first(
        lambda: js_string(html, "msg_desc"),
        lambda: js_key(data, "desc"),
        lambda: _meta(doc, "description", "og:description", "twitter:description"),
    )
    a.url = _canonical_url(html, data, doc)
    source = _first(lambda: js_string(html, "msg_source_url"), lambda: _read_original_link(doc))
    a.source_url = clean_url(source) if source.startswith(("http", "//")) else ""
    a.original = _copyright(html, data, doc)
    show_type = _first(
        lambda: js_string(html, "item_show_type"),
        lambda: _numeric_var(html, "item_show_type"),
        lambda: js_key(data, "item_show_type"),
    )
    a.kind = PAGE_KINDS.get(int(show_type), "article") if show_type.isdigit() else "article"


def _numeric_var(html: str, name: str) -> str:
    return js_number(html, name)


def _profile_alias(doc: HtmlElement) -> str:
    # Old profile card: <label>微信号</label><span class="profile_meta_value">alias</span>
    for label in doc.find_class("profile_meta_label"):
        if "微信号" in label.text_content():
            value = label.getnext()
            if value is not None:
                return value.text_content().strip()
    return ""


def _read_original_link(doc: HtmlElement) -> str:
    for el in doc.iterfind(".//a[@id='js_view_source']"):
        href = el.get("href") or ""
        if href.startswith("http"):
            return href
    return ""


def _canonical_url(html: str, data: str, doc: HtmlElement) -> str:
    candidates = [
        js_string(html, "msg_link"),
        _meta(doc, "og:url", "twitter:url"),
        js_key(data, "link"),
    ]
    for el in doc.iterfind(".//link[@rel='canonical']"):
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


def _copyright(html: str, data: str, doc: HtmlElement) -> bool | None:
    stat = _first(
        lambda: js_string(html, "_copyright_stat"),
        lambda: js_string(html, "copyright_stat"),
        lambda: _numeric_var(html, "copyright_stat"),
        lambda: js_key(data, "copyright_stat"),
    )
    if stat == "1":
        return True
    if doc.get_element_by_id("copyright_logo", None) is not None:
        return True
    if stat in ("0", "2"):
        return False
    return None


def read_publish_time(html: str, data: str, doc: HtmlElement) -> datetime | None:
    """Publish time in Beijing time: epoch vars, Beijing-time strings, then page text."""
    candidates: tuple[Callable[[], str], ...] = (
        lambda: js_string(html, "ct"),
        lambda: _numeric_var(html, "ct"),
        lambda: js_string(html, "create_time"),
        lambda: js_key(data, "create_time"),
        lambda: js_string(html, "publish_time"),
        lambda: _meta(doc, "article:published_time", "og:article:published_time"),
        lambda: _dom_text(doc, "#publish_time", "#post-date", ".publish_time"),
        lambda: _dom_text(doc, "#meta_content", ".rich_media_meta_list"),
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
    m = _PICTURE_LIST.search(data)
    if not m:
        return js_key(data, "cdn_url")
    start = data.find("[", m.end())
    pictures = js_block(data[m.start() :], _PICTURE_LIST)
    return js_key(data[: m.start()], "cdn_url") or js_key(data[start + len(pictures) :], "cdn_url")


def picture_body(html: str, data: str, fallback: HtmlElement | None) -> HtmlElement | None:
    """Picture posts (item_show_type 8) have no `#js_content`: build one from the data.

    Images come from `picture_page_info_list[].cdn_url` (not the nested
    watermark's), the text from the post's description.
    """
    block = js_block(data, _PICTURE_LIST) or js_block(html, _PICTURE_LIST)
    urls = []
    for item in top_level_items(block):
        url = shallow_string(item, "cdn_url")
        if url and url not in urls:
            urls.append(url)
    text = js_key(data, "content_noencode") or js_key(data, "desc") or js_string(html, "msg_desc")
    if not urls and not text:
        return fallback
    body = text_to_body(text)
    for url in urls:
        p = etree.SubElement(body, "p")
        etree.SubElement(p, "img", {"data-src": url})
    return body


def text_to_body(text: str) -> HtmlElement:
    """Plain text (blank line = paragraph, newline = line break) as a body element."""
    body = lxml.html.fromstring("<div id='js_content'></div>")
    for para in re.split(r"\n\s*\n", text.strip()):
        if not para.strip():
            continue
        p = etree.SubElement(body, "p")
        lines = para.strip().split("\n")
        p.text = lines[0]
        for line in lines[1:]:
            br = etree.SubElement(p, "br")
            br.tail = line
    return body


def text_body(html: str, data: str, fallback: HtmlElement | None) -> HtmlElement | None:
    """Text posts (item_show_type 10): `#js_content` is a template shell; the text
    is in `content_noencode` (or `TextContentNoEncode`)."""
    text = js_key(data, "content_noencode") or js_strings(html, ("TextContentNoEncode", "ContentNoEncode"))
    return text_to_body(text) if text.strip() else fallback


_SHARE_NOTICE = re.compile(r"getElementById\(\s*['\"]js_share_notice['\"]\s*\)\.innerHTML\s*=\s*" + _JS_STR)


def share_body(html: str, doc: HtmlElement, article: Article) -> HtmlElement | None:
    """A share post: the sharer's comment (set by script) plus a card for the shared article."""
    m = _SHARE_NOTICE.search(html)
    comment = decode_value(m.group("v")) if m else ""
    body = text_to_body(comment) if comment else lxml.html.fromstring("<div id='js_content'></div>")
    title = _dom_text(doc, ".original_panel_title").removesuffix("原创").strip()
    author = _dom_text(doc, "#js_share_author")
    if title:
        card = etree.SubElement(body, "blockquote")
        p = etree.SubElement(card, "p")
        p.text = "分享："
        a = etree.SubElement(p, "a", {"href": article.url} if article.url else {})
        a.text = title
        if author:
            a.tail = f"（{author}）"
    return body


__all__ = ["parse_page", "parse_time", "find_body", "decode_value"]
