"""The metadata cascade: each field from the first source that has it (pure).

JS variables, then `<meta>` tags, then the DOM, then visible text (see the package's
docstring for the order). Values read from script may hold any character a JS escape
can write: every name is made one clean line before it is shown anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

from lxml.html import HtmlElement

from ..chars import one_line, xml_safe
from ..jsvars import js_block, js_key, js_number, js_string
from ..kinds import PICTURE_LIST
from ..lazyre import lazy
from ..models import BEIJING, PAGE_KINDS, Article
from ..urls import ArticleId, clean_image_url, clean_url
from .dom import Dom

ZERO_WIDTH = lazy("[\u200b\u200c\u200d\u2060\ufeff]")

_DATE_TEXT = lazy(
    r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)


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


def dom_text(dom: Dom, *selectors: str) -> str:
    """Text of the first element found by id (`#x`) or class (`.x`)."""
    for sel in selectors:
        if sel.startswith("#"):
            found = dom.by_id(sel[1:])
            els: Iterable[HtmlElement] = [found] if found is not None else []
        else:
            els = dom.by_class(sel[1:])
        for el in els:
            text = ZERO_WIDTH.sub("", el.text_content()).strip()
            if text:
                return re.sub(r"\s+", " ", text)
    return ""


def read_metadata(a: Article, html: str, data: str, dom: Dom) -> None:
    a.title = _first(
        lambda: js_string(html, "msg_title"),
        lambda: js_key(data, "title"),
        lambda: _meta(dom, "og:title", "twitter:title"),
        lambda: dom_text(dom, "#activity-name", "#js_text_title", ".rich_media_title"),
        lambda: dom_text(dom, "#js_image_desc_title"),
        lambda: (dom.doc.findtext(".//title") or "").strip(),
    )
    a.title = one_line(ZERO_WIDTH.sub("", a.title))
    a.published = read_publish_time(html, data, dom)
    a.author = _first(
        lambda: js_string(html, "author"),
        lambda: js_key(data, "author"),
        lambda: _meta(dom, "author"),
        lambda: dom_text(dom, "#js_author_name", ".rich_media_meta_nickname_author"),
    )
    a.account_name = _first(
        lambda: js_string(html, "nickname"),
        lambda: js_key(data, "nick_name"),
        lambda: js_key(data, "nickname"),
        lambda: dom_text(
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
        lambda: dom_text(dom, "#publish_time", "#post-date", ".publish_time"),
        lambda: dom_text(dom, "#meta_content", ".rich_media_meta_list"),
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
