"""Fetch article pages and album listings from mp.weixin.qq.com: the only module that does.

Politeness is the point. WeChat answers clients it suspects with a verification
page (环境异常) and every further request only extends the block, so: a desktop
browser User-Agent, a pause with jitter between articles, retries that back off,
and after one verification nothing more is requested in this run.

Privacy: a pasted link is reduced to its identity (`urls.article_id`) before
anything else, so a reader's `key`/`uin`/`pass_ticket` and the sharer's ids are
never sent, logged or put in an error. Logs and errors name the identity URL on
mp.weixin.qq.com even when a mirror is used.

A proxy or mirror that speaks like mp.weixin.qq.com can be used by setting
`WX2POST_MP_BASE_URL=http://host:port` (or `base_url=`): it replaces scheme and
host only; path and identity query are kept. The tests use exactly this.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .album import PAGE_SIZE, AlbumItem, newest_first_so_far, oldest_first, parse_album_json
from .errors import FailurePage, FetchError, InputError, NotAnArticle, VerificationRequired, WxError
from .failures import failure_for, looks_like_article, page_failure
from .files import write_atomic
from .http import USER_AGENT, HttpClient, HttpError, Limits
from .jsvars import js_string
from .lazyre import lazy
from .sources import MAX_PAGE_BYTES, PageSource, page_bytes
from .sources.decode import decode_text, header_charset, page_encoding
from .urls import ArticleId, album_url, article_id, clean_article_url, redact

DEFAULT_BASE_URL = "https://mp.weixin.qq.com"
BASE_URL_ENV = "WX2POST_MP_BASE_URL"

__all__ = ["USER_AGENT", "PageFetcher", "html_name", "resolve_base_url"]

CAPTCHA_PATH = "/mp/wappoc_appmsgcaptcha"
ALBUM_PACE = 1 / 3  # album JSON pages are cheap for WeChat: a third of the article pause
BACKOFF_BASE = 1.0  # seconds before the first retry; doubles each time (no jitter: one request at a time)
MAX_RETRY_AFTER = 60.0  # a server asking for longer is treated as asking for this
MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_ALBUM_PAGES = 500  # a stuck cursor must not page forever
PAGE_HEADERS = {
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
}
ACCEPT_HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_DOCUMENT = "application/rss+xml,application/atom+xml,application/feed+json,text/xml,*/*;q=0.8"
_OG_URL = lazy(r'<meta[^<>]+property=["\']og:url["\'][^<>]+content=["\']([^"\']+)', re.I)
_SAFE_NAME = lazy(r"[^A-Za-z0-9_-]+")
_VERIFY_ADVICE = "wait, slow down with --delay, or save the page from a browser and convert the file"

log = logging.getLogger("wx2post.fetch")


@dataclass
class _Entry:
    """What one article gave this run: its page (compressed, pages are large) or its failure."""

    html: bytes = b""
    error: WxError | None = None
    warnings: tuple[str, ...] = ()  # what decoding replaced (told again on a cache hit)

    def result(self, origin: str) -> PageSource:
        if self.error is not None:
            raise self.error
        text = zlib.decompress(self.html).decode("utf-8")
        return PageSource(html=text, origin=origin, warnings=list(self.warnings))


class PageFetcher:
    """Fetches article pages and album listings politely; one instance per run."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        delay: float = 3.0,
        jitter: float = 1.0,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        deadline: float = 120.0,
        retries: int = 3,
        max_redirects: int = 5,
        save_html: Path | None = None,
        client: HttpClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if delay < 0 or jitter < 0 or retries < 0 or max_redirects < 0:
            raise ValueError("delay, jitter, retries and max_redirects must not be negative")
        self.base_url = resolve_base_url(base_url)
        self.delay, self.jitter = delay, jitter
        self.limits = Limits(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            deadline=deadline,
            max_bytes=MAX_PAGE_BYTES,
            max_redirects=max_redirects,
            retries=retries,
            backoff=BACKOFF_BASE,
            jitter=0.0,
            max_wait=MAX_RETRY_AFTER,
        )
        self.save_html = save_html
        self._own_client = client is None
        self._client = client or HttpClient(pool_size=2, sleep=sleep, clock=clock)
        self._sleep, self._clock = sleep, clock
        self._random = random.Random()
        self._cache: dict[str, _Entry] = {}
        self._last_end: float | None = None  # clock() when the last request finished
        self._articles_requested = 0
        self._blocked: VerificationRequired | None = None

    # -- public API ----------------------------------------------------------

    def fetch_article(self, link: str) -> PageSource:
        """The page of the article `link` names (any pasted form), fetched at most once a run.

        Raises InputError (not an article link), VerificationRequired, FailurePage
        (deleted, violation, ...), NotAnArticle, or FetchError (network).
        """
        ident = _article_ident(link)
        url = ident.url
        cached = self._cache.get(ident.key)
        if cached is not None:
            log.info("already fetched in this run: %s", url)
            return cached.result(url)
        try:
            return self._accept(ident, *self._get(url, "article"))
        except VerificationRequired as exc:
            self._blocked = exc
            raise
        except (FailurePage, NotAnArticle) as exc:
            # Permanent answers (deleted, not an article) will not change this run.
            if not getattr(exc, "transient", False):
                self._cache[ident.key] = _Entry(error=exc)
            raise

    def fetch_document(self, url: str, *, max_bytes: int = MAX_PAGE_BYTES) -> bytes:
        """A document the user named — a feed, an OPML list — from any host, private
        ones included (bridges run on localhost): retried, redirects capped, size and
        time bounded, never paced like WeChat. Raises FetchError."""
        source = redact(url)
        try:
            _, data = self._client.get(
                url, dataclasses.replace(self.limits, max_bytes=max_bytes), accept=ACCEPT_DOCUMENT
            )
        except HttpError as error:
            what = f"the server answered HTTP {error.status}" if error.status else error.reason
            tries = f" (after {error.attempts} attempts)" if error.attempts > 1 else ""
            raise FetchError(what + tries, source=source) from None
        return data

    def seen(self, link: str) -> bool:
        """Whether this run already fetched (or failed) the article `link` names."""
        ident = article_id(link)
        return ident is not None and ident.key in self._cache

    def album_links(self, album: str, limit: int | None = None) -> list[str]:
        """The album's article links (clean identity URLs), oldest first.

        With `limit`, only the newest `limit` articles (still oldest first).
        """
        clean = album_url(album)
        if clean is None:
            raise InputError(
                "not a WeChat album link (expected https://mp.weixin.qq.com/mp/appmsgalbum?__biz=…&album_id=…)",
                source=redact(album),
            )
        if limit is not None and limit <= 0:
            return []
        query = dict(parse_qsl(urlsplit(clean).query))
        try:
            items = self._list_album(query["__biz"], query["album_id"], clean, limit)
        except VerificationRequired as exc:
            self._blocked = exc
            raise
        return oldest_first(items, limit)

    def close(self) -> None:
        self._cache.clear()
        if self._own_client:
            self._client.close()

    def __enter__(self) -> PageFetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- articles ------------------------------------------------------------

    def _accept(self, ident: ArticleId, content_type: str, raw: bytes) -> PageSource:
        """Check the page is the article (not a failure page), remember it, save it.

        Only failures.py judges the page here: the article is parsed once, later, by
        the pipeline (a full parse is most of the work of a conversion). The page is
        decoded as a saved one is (sources/decode.py), in the charset the response's
        Content-Type names when it has no byte-order mark; what had to be replaced is a
        warning of the article, as for a saved page.
        """
        url = ident.url
        if not raw.strip():
            raise FetchError("WeChat sent an empty page; try again later", source=url)
        page, charset = page_bytes(raw, url), header_charset(content_type)
        html, warning = decode_text(page, charset)
        warnings = (warning,) if warning else ()
        failure = page_failure(html, source=url)  # verification, deleted, ... pages
        if failure is not None:
            raise failure
        if not looks_like_article(html):
            raise NotAnArticle("not a WeChat article page", source=url)
        # The page tells its long form: a later short or long link to it is a cache hit.
        long = article_id(page_link(html))
        entry = _Entry(html=zlib.compress(html.encode("utf-8"), 1), warnings=warnings)
        self._cache[ident.key] = entry
        if long is not None and long.key:
            self._cache[long.key] = entry
        if self.save_html is not None:
            target = self.save_html / html_name(long if long and long.biz else ident)
            write_atomic(target, saved_page(raw, page, charset))
            log.info("saved %s as %s", url, target)
        return PageSource(html=html, origin=url, warnings=list(warnings))

    # -- albums --------------------------------------------------------------

    def _list_album(self, biz: str, album_id: str, source: str, limit: int | None) -> list[AlbumItem]:
        items: list[AlbumItem] = []
        known: set[str] = set()
        cursor: tuple[str, str] | None = None
        for _ in range(MAX_ALBUM_PAGES):
            params = [("action", "getalbum"), ("__biz", biz), ("album_id", album_id)]
            params += [("count", str(PAGE_SIZE)), ("f", "json")]
            if cursor:
                params += [("begin_msgid", cursor[0]), ("begin_itemidx", cursor[1])]
            url = f"{DEFAULT_BASE_URL}/mp/appmsgalbum?{urlencode(params)}"
            _, body = self._get(url, "album", source=source, max_bytes=MAX_JSON_BYTES)
            page = parse_album_json(body.decode("utf-8", "replace"), biz=biz, source=source, start=len(items))
            fresh = [i for i in page.items if i.key not in known]
            items += fresh
            known.update(i.key for i in fresh)
            # WeChat may repeat the cursor's article; a page with nothing new means the end.
            if not page.more or not fresh:
                break
            if limit is not None and len(items) >= limit and newest_first_so_far(items):
                break  # newest first: later pages only hold older articles
            cursor = (page.items[-1].msgid, page.items[-1].itemidx)
        log.info("album %s lists %d articles", source, len(items))
        return items

    # -- HTTP ----------------------------------------------------------------

    def _get(
        self, url: str, kind: str, *, source: str = "", max_bytes: int = MAX_PAGE_BYTES
    ) -> tuple[str, bytes]:
        """GET `url` (logical, on mp.weixin.qq.com): paced, retried, redirects vetted.
        (Content-Type, body)."""
        source = source or url
        if self._blocked is not None:
            raise VerificationRequired(
                "verification",
                "not requested: WeChat asked for a verification earlier in this run; " + _VERIFY_ADVICE,
                source=source,
            )
        self._pace(kind)
        if kind == "article":
            self._articles_requested += 1
        log.info("GET %s", url)
        try:
            answer, data = self._client.get(
                self._on_base(url),
                dataclasses.replace(self.limits, max_bytes=max_bytes),
                accept=ACCEPT_HTML,
                headers=PAGE_HEADERS,
                redirect=lambda current, to: self._on_base(self._redirect_target(current, to, source)),
            )
        except HttpError as error:
            raise _fetch_error(error, source) from None
        finally:
            self._last_end = self._clock()
        return answer.content_type, data

    def _redirect_target(self, current: str, location: str, source: str) -> str:
        """The logical URL a redirect leads to; refuses to leave WeChat (or the mirror)."""
        target = urljoin(current, location.strip())
        parts = urlsplit(target)
        if parts.path.rstrip("/") == CAPTCHA_PATH:
            failure = failure_for(CAPTCHA_PATH.lstrip("/"), source=source)
            raise failure or VerificationRequired("verification", _VERIFY_ADVICE, source=source)
        base = urlsplit(self.base_url)
        on_mirror = (parts.hostname, parts.port) == (base.hostname, base.port)
        if parts.hostname != "mp.weixin.qq.com" and not on_mirror:
            raise FetchError(
                f"WeChat redirected to another site ({parts.hostname}); open the link in a browser, "
                "save the page and convert the file",
                source=source,
            )
        # Stay logical (on mp.weixin.qq.com) and keep only an article's identity.
        logical = urlunsplit(("https", "mp.weixin.qq.com", parts.path or "/", parts.query, ""))
        log.info("redirected to %s", clean_article_url(logical) or logical)
        return clean_article_url(logical) or logical

    def _on_base(self, url: str) -> str:
        """The logical URL with the configured scheme and host (a mirror, or WeChat itself)."""
        parts = urlsplit(url)
        base = urlsplit(self.base_url)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))

    def _pace(self, kind: str) -> None:
        """Sleep what is left of the pause since the last request finished.

        Articles wait `delay` ± `jitter` after an earlier article; anything else
        (album pages, the first article after them) waits a third of that. The
        first request of a run never waits.
        """
        if self._last_end is None:
            return
        pause = max(0.0, self.delay + self._random.uniform(-self.jitter, self.jitter))
        if kind != "article" or not self._articles_requested:
            pause *= ALBUM_PACE
        remaining = pause - (self._clock() - self._last_end)
        if remaining > 0:
            self._sleep(remaining)


def resolve_base_url(base_url: str | None = None) -> str:
    """`base_url`, else $WX2POST_MP_BASE_URL, else mp.weixin.qq.com; as scheme://host[:port]."""
    raw = (base_url or os.environ.get(BASE_URL_ENV, "")).strip() or DEFAULT_BASE_URL
    parts = urlsplit(raw)
    has_path = parts.path not in ("", "/") or parts.query or parts.fragment
    if parts.scheme not in ("http", "https") or not parts.netloc or has_path:
        # The value may hold a proxy password: do not echo it.
        raise InputError(f"the base URL ({BASE_URL_ENV}) must look like https://host[:port], with no path")
    return f"{parts.scheme}://{parts.netloc}"


def html_name(ident: ArticleId) -> str:
    """A deterministic, file-system-safe name for an article's saved page."""
    # `__biz` is base64: its `=` padding adds nothing but noise to a file name.
    stem = f"{ident.biz.rstrip('=')}_{ident.mid}_{ident.idx or '1'}" if ident.biz else f"s_{ident.short}"
    return _SAFE_NAME.sub("_", stem).strip("_")[:150] + ".html"


def _article_ident(link: str) -> ArticleId:
    ident = article_id(link)
    if ident is None or not ident.key:
        raise InputError(
            "not a WeChat article link (expected https://mp.weixin.qq.com/s/… or /s?__biz=…&mid=…)",
            source=redact(link.strip()),
        )
    return ident


def page_link(html: str) -> str:
    """The article's own link as the page states it (`msg_link`, else `og:url`); '' if none."""
    link = js_string(html, "msg_link")
    if not link:
        m = _OG_URL.search(html, 0, 400_000)
        link = m.group(1) if m else ""
    return clean_article_url(link.replace("&amp;", "&")) or ""


def saved_page(raw: bytes, page: bytes, charset: str) -> bytes:
    """What --save-html keeps: the page as received, with a `<meta charset>` line first when
    only the HTTP header said its encoding (a GBK page served with `charset=GBK` and no
    `<meta>`), so that converting the file later reads it the same way."""
    used = page_encoding(page, charset)
    if not charset or not used or used == page_encoding(page):
        return raw
    return f'<meta charset="{used}">\n'.encode("ascii") + raw


def _fetch_error(error: HttpError, source: str) -> WxError:
    """The client's failure, told as a page fetch: what to do about it."""
    if error.status == 429:
        message = f"WeChat says there were too many requests (HTTP 429); {_VERIFY_ADVICE}"
        return VerificationRequired("rate-limited", message, source=source)
    if error.status and not error.transient:
        return FetchError(
            f"WeChat answered HTTP {error.status}; check that the link opens in a browser", source=source
        )
    if error.status or error.transient or error.host_down:
        what = f"WeChat answered HTTP {error.status}" if error.status else error.reason
        tries = f" (after {error.attempts} attempts)" if error.attempts > 1 else ""
        return FetchError(
            f"{what}{tries}; check your connection or proxy ({BASE_URL_ENV}) and try again later",
            source=source,
        )
    advice = "open the link in a browser, save the page and convert the file"
    return FetchError(f"{error.reason}; {advice}", source=source)
