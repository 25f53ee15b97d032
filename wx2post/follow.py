"""Followed accounts: a feed or OPML input becomes one entry per article.

The runner asks `feed_entries` what a feed holds and handles each entry as it
handles any input: an item that carries the article's HTML is drafted from it
(no request to WeChat); an item with only a summary names a WeChat link, which
is fetched politely like any link; a feed that cannot be fetched or read is one
failed entry, never the end of the batch. Getting a feed document (a URL named
on the command line or in an OPML list) is the caller's `get`, so this module
does no I/O of its own.

`--since` and `--limit` bound a first run: items published before `since` are
left out, and of each feed only the newest `limit` items are taken; entries come
oldest first, as album articles do, so posts are written in publishing order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import lxml.html

from .errors import InputError, WxError
from .models import Article
from .sources.feeds import Feed, FeedItem, parse_feed, parse_opml, sniff
from .urls import clean_article_url, clean_url, redact


class FeedError(InputError):
    """A feed or subscription list that could not be fetched or read."""

    kind = "feed"


@dataclass
class FeedEntry:
    """One article a feed names, or the failure to read one feed."""

    source: str  # for messages and --json: the clean article link, else feed#guid
    key: str = ""  # the site state's input key
    link: str = ""  # a WeChat article to fetch (items that carry only a summary)
    article: Article | None = None  # full-text items: metadata from the item and the feed
    html: str = ""  # ... and the article's HTML
    error: WxError | None = None
    warnings: list[str] = field(default_factory=list)


Get = Callable[[str], bytes]


def is_feed(raw: bytes) -> bool:
    """Feed or OPML, told by content (the first few KB)."""
    return sniff(raw) is not None


def feed_entries(
    origin: str, raw: bytes, get: Get, *, since: datetime | None = None, limit: int | None = None
) -> Iterator[FeedEntry]:
    """The articles of the feed (or of every feed of the OPML list) in `raw`."""
    if sniff(raw) == "opml":
        try:
            urls = parse_opml(raw, origin)
        except WxError as exc:
            yield _failure(origin, exc)
            return
        for url in urls:
            try:
                document = get(url)
            except WxError as exc:
                yield _failure(url, exc)
                continue
            if sniff(document) == "opml":
                yield _failure(url, FeedError("an OPML list inside an OPML list is not followed", source=url))
                continue
            yield from _one_feed(url, document, since, limit)
        return
    yield from _one_feed(origin, raw, since, limit)


def _one_feed(origin: str, raw: bytes, since: datetime | None, limit: int | None) -> Iterator[FeedEntry]:
    try:
        feed = parse_feed(raw, origin)
    except WxError as exc:
        yield _failure(origin, exc)
        return
    for item in select_items(feed.items, since, limit):
        yield item_entry(item, feed)


def select_items(items: list[FeedItem], since: datetime | None, limit: int | None) -> list[FeedItem]:
    """Items on or after `since`, the newest `limit` of them, oldest first.

    Items without a date sort as the oldest and are kept by `since` (a bridge that
    drops dates must not hide every article)."""
    if since is not None:
        items = [i for i in items if i.published is None or i.published >= since]
    ordered = sorted(items, key=lambda i: i.published.timestamp() if i.published else float("-inf"))
    if limit is not None:
        ordered = ordered[-limit:] if limit > 0 else []
    return ordered


def item_entry(item: FeedItem, feed: Feed) -> FeedEntry:
    """What to do with one item: draft it from its HTML, fetch its link, or fail it."""
    article_link = clean_article_url(item.link) or clean_article_url(item.guid) or ""
    other_link = "" if article_link else _safe_link(item.link)
    key = article_link or f"feed:{feed_label(feed.feed_id)}#{item.guid or item.title}"
    source = article_link or other_link or redact(key)
    html = item.html or ("" if article_link else item.summary)  # no link: its content is all there is
    if html.strip():
        article = Article(
            title=item.title,
            published=item.published,
            author=item.author if item.author != feed.title else "",
            account_name=feed.title,
            summary=_text(item.summary)[:300],
            url=article_link or other_link,
            origin=source,
        )
        return FeedEntry(source=source, key=key, article=article, html=html)
    if article_link:
        return FeedEntry(source=source, key=key, link=article_link)
    return FeedEntry(
        source=source,
        key=key,
        error=FeedError("the feed item has neither a WeChat link nor the article's content", source=source),
    )


def feed_label(url: str) -> str:
    """How a feed URL is named in messages, --json and the state: scheme, host and
    path. Its query, fragment and user:password are the user's access to the feed
    (RSSHub's `key=`/`code=`, a bridge's token), never shown."""
    if not url.lower().startswith(("http://", "https://")):
        return redact(url)  # a file path
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    label = urlunsplit((parts.scheme.lower(), host + port, parts.path, "", ""))
    # A credential spelled into the path itself: the server is all that is shown.
    return redact(label) or urlunsplit((parts.scheme.lower(), host + port, "/…", "", ""))


def _failure(origin: str, exc: WxError) -> FeedEntry:
    source = feed_label(origin)
    return FeedEntry(source=source, error=FeedError(exc.reason, source=source))


def _safe_link(link: str) -> str:
    cleaned = clean_url(link.strip()) if link.strip() else ""
    return cleaned if cleaned.lower().startswith(("http://", "https://")) else ""


def _text(html: str) -> str:
    if not html.strip():
        return ""
    try:
        return " ".join(lxml.html.fromstring(html).text_content().split())
    except (ValueError, lxml.etree.ParserError):
        return ""
