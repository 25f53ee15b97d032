"""Feeds and subscription lists as inputs (pure): bytes in, feed items out.

WeChat-to-RSS bridges (WeWe RSS and its forks, we-mp-rss, RSSHub routes) publish
each account as a feed — RSS 2.0, Atom or JSON Feed — often with the article's
whole HTML in the item ("full-text" mode), and the subscription list as OPML.

- Formats are told apart by content, never by the name (`sniff`): a bridge
  serves `/feeds/MP_WXS_1.atom` as `application/xml`, a user saves it as `.txt`.
- RSS and Atom are read by feedparser, OPML by listparser (both maintained, both
  given bytes only, so neither ever fetches anything itself); JSON Feed 1.0/1.1
  is read here by its spec, it is plain JSON.
- feedparser's own HTML sanitizer is off: it drops `data-src`, where WeChat keeps
  every picture. The item's HTML goes through wx2post's own cleaning, which
  removes script and cleans every link, as for any page.
- Times are the feed's, shown in Beijing time, where WeChat articles live.
"""

from __future__ import annotations

import calendar
import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import InputError
from ..lazyre import lazy
from ..models import BEIJING

FEED_KINDS = ("rss", "atom", "json", "opml")
MAX_FEED_BYTES = 32 * 1024 * 1024  # a full-text feed of 50 long articles is a few MB
# Text shorter than this in an item's content is a teaser, not the article.
MIN_FULL_TEXT_CHARS = 200

_XML_PROLOGUE = lazy(rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.S | re.I)
_ROOT = lazy(rb"<([A-Za-z_][\w.:-]*)")
_TAGS = lazy(r"<[^<>]+>")


@dataclass
class FeedItem:
    """One entry of a feed: an article, by link and/or by its content."""

    guid: str = ""
    link: str = ""  # as the feed gives it; cleaned by whoever uses it
    title: str = ""
    published: datetime | None = None  # Beijing time
    author: str = ""
    html: str = ""  # the full article HTML, when the feed carries it
    summary: str = ""


@dataclass
class Feed:
    title: str = ""
    link: str = ""
    feed_id: str = ""  # the feed's own id (Atom id, JSON feed_url), else where it came from
    items: list[FeedItem] = field(default_factory=list)


def sniff(raw: bytes) -> str | None:
    """ "rss", "atom", "json", "opml", or None for anything else (a page, an export)."""
    head = raw[:4096]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "json" if b"jsonfeed.org/version/" in head.replace(b"\\/", b"/") else None
    start = _XML_PROLOGUE.match(head)
    root = _ROOT.match(head, start.end() if start else 0)
    if root is None:
        return None
    name = root.group(1).decode("ascii", "replace").lower().rpartition(":")[2]
    if name == "rss" or name == "rdf":
        return "rss"
    if name == "feed":
        return "atom"
    if name == "opml":
        return "opml"
    return None


def parse_feed(raw: bytes, origin: str) -> Feed:
    """A feed's items, newest first as feeds list them. Raises InputError."""
    kind = sniff(raw)
    if kind == "json":
        return _json_feed(raw, origin)
    if kind in ("rss", "atom"):
        return _xml_feed(raw, origin)
    raise InputError("not a feed (RSS, Atom or JSON Feed)", source=origin)


def parse_opml(raw: bytes, origin: str) -> list[str]:
    """The feed URLs an OPML subscription list names, in order, each once."""
    import listparser  # only a run that reads OPML pays for it

    result = listparser.parse(bytes(raw))  # bytes: listparser never fetches
    urls = _unique(str(f.get("url", "")).strip() for f in result.get("feeds", []))
    if not urls:
        raise InputError("the OPML file lists no feeds", source=origin)
    return urls


# -- RSS 2.0 / RSS 1.0 / Atom ----------------------------------------------------------


def _xml_feed(raw: bytes, origin: str) -> Feed:
    import feedparser  # a run without feeds never imports it

    parsed = feedparser.parse(bytes(raw), sanitize_html=False, resolve_relative_uris=False)
    entries = parsed.get("entries", [])
    usable = any(e.get("link") or e.get("id") or e.get("content") for e in entries)
    # feedparser reads a malformed feed as best it can: take what it found when that is
    # real items (an undefined entity in one title), refuse a feed cut off mid-item.
    if not parsed.get("version") and not entries or parsed.get("bozo") and not usable:
        reason = parsed.get("bozo_exception") or "unreadable"
        raise InputError(f"not a readable feed ({_one_line(reason)})", source=origin)
    meta = parsed.get("feed", {})
    feed = Feed(
        title=_title(meta.get("title_detail", {}), meta.get("title", "")),
        link=str(meta.get("link", "")),
        feed_id=str(meta.get("id", "") or meta.get("link", "") or origin),
    )
    for entry in entries:
        feed.items.append(_xml_item(entry))
    return feed


def _xml_item(entry: dict) -> FeedItem:  # type: ignore[type-arg]
    contents = entry.get("content") or []
    html = max((str(c.get("value", "")) for c in contents), key=len, default="")
    summary = str(entry.get("summary", ""))
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    return FeedItem(
        guid=str(entry.get("id", "") or entry.get("link", "")),
        link=_best_link(entry),
        title=_title(entry.get("title_detail", {}), entry.get("title", "")),
        published=_beijing(calendar.timegm(when)) if when else None,
        author=_plain(entry.get("author", "")),
        html=html if _is_full_text(html, summary) else "",
        summary=summary,
    )


def _best_link(entry: dict) -> str:  # type: ignore[type-arg]
    """The item's article link: its `alternate` link, else any link, else a URL guid."""
    links = [str(link.get("href", "")) for link in entry.get("links", []) if link.get("href")]
    wechat = [u for u in links if "mp.weixin.qq.com/" in u]
    if wechat:
        return wechat[0]
    link = str(entry.get("link", ""))
    guid = str(entry.get("id", ""))
    if not link and guid.startswith(("http://", "https://")):
        return guid
    return link


# -- JSON Feed (https://www.jsonfeed.org/version/1.1/) ------------------------------------


def _json_feed(raw: bytes, origin: str) -> Feed:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"not a readable JSON feed ({exc.__class__.__name__})", source=origin) from None
    if not isinstance(data, dict) or not isinstance(data.get("items", []), list):
        raise InputError("not a readable JSON feed (no items list)", source=origin)
    feed = Feed(
        title=_plain(_str(data.get("title"))),
        link=_str(data.get("home_page_url")),
        feed_id=_str(data.get("feed_url")) or origin,
    )
    for item in data.get("items", []):
        if isinstance(item, dict):
            feed.items.append(_json_item(item))
    return feed


def _json_item(item: dict) -> FeedItem:  # type: ignore[type-arg]
    html = _str(item.get("content_html"))
    summary = _str(item.get("summary")) or _str(item.get("content_text"))
    if not html and len(_str(item.get("content_text"))) >= MIN_FULL_TEXT_CHARS:
        html = "".join(f"<p>{_escape(p)}</p>" for p in _str(item.get("content_text")).split("\n") if p)
    authors = item.get("authors")
    people: list[object] = authors if isinstance(authors, list) else [item.get("author")]
    names = [_str(a.get("name")) for a in people if isinstance(a, dict) and a.get("name")]
    link = _str(item.get("url")) or _str(item.get("external_url"))
    return FeedItem(
        guid=_str(item.get("id")) or link,
        link=link,
        title=_plain(_str(item.get("title"))),
        published=_iso_time(_str(item.get("date_published")) or _str(item.get("date_modified"))),
        author=", ".join(names),
        html=html if _is_full_text(html, summary) else "",
        summary=summary,
    )


# -- small pure helpers --------------------------------------------------------------------


def _is_full_text(html: str, summary: str) -> bool:
    """The item's content is the article, not a teaser repeated: a bridge in summary
    mode writes the same text into both, or a few words with no picture."""
    text = " ".join(_TAGS.sub(" ", html).split())
    if not text and "<img" not in html:
        return False
    if "js_content" in html or "<img" in html or len(text) >= MIN_FULL_TEXT_CHARS:
        return True
    return text != " ".join(_TAGS.sub(" ", summary).split())


def _beijing(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc).astimezone(BEIJING)


def _iso_time(value: str) -> datetime | None:
    """RFC 3339 as JSON Feed requires (`Z` accepted on every Python)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(BEIJING)


def _plain(value: object) -> str:
    """A title or name that is plain text (JSON Feed, Atom `type="text"`): one line."""
    return " ".join(str(value or "").split())


def _title(detail: dict, value: object) -> str:  # type: ignore[type-arg]
    """An RSS/Atom title: feedparser hands over HTML titles (`type="html"`) as markup."""
    if "html" in str((detail or {}).get("type", "")):
        return _plain(html.unescape(_TAGS.sub("", str(value or ""))))
    return _plain(value)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:200]


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)
