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

import email.utils
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

import requests
from requests.adapters import HTTPAdapter

from .album import PAGE_SIZE, AlbumItem, newest_first_so_far, oldest_first, parse_album_json
from .errors import FailurePage, FetchError, InputError, NotAnArticle, VerificationRequired, WxError
from .failures import failure_for
from .files import write_atomic
from .parse import parse_page
from .sources import MAX_PAGE_BYTES, PageSource, decode_page
from .urls import ArticleId, album_url, article_id, clean_article_url, redact

DEFAULT_BASE_URL = "https://mp.weixin.qq.com"
BASE_URL_ENV = "WX2POST_MP_BASE_URL"

# A current desktop Chrome: WeChat serves the full article page to it without login.
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
CAPTCHA_PATH = "/mp/wappoc_appmsgcaptcha"
ALBUM_PACE = 1 / 3  # album JSON pages are cheap for WeChat: a third of the article pause
BACKOFF_BASE = 1.0  # seconds before the first retry; doubles each time
MAX_BACKOFF = 30.0
MAX_RETRY_AFTER = 60.0  # a server asking for longer is treated as asking for this
MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_ALBUM_PAGES = 500  # a stuck cursor must not page forever
# A server trickling bytes defeats the per-read timeout; bound the whole body too.
TOTAL_READ_FACTOR = 4
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_VERIFY_ADVICE = "wait, slow down with --delay, or save the page from a browser and convert the file"

log = logging.getLogger("wx2post.fetch")


@dataclass
class _Response:
    status: int
    body: bytes
    location: str
    retry_after: str


@dataclass
class _Entry:
    """What one article gave this run: its page (compressed, pages are large) or its failure."""

    html: bytes = b""
    error: WxError | None = None

    def result(self, origin: str) -> PageSource:
        if self.error is not None:
            raise self.error
        return PageSource(html=zlib.decompress(self.html).decode("utf-8"), origin=origin)


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
        retries: int = 3,
        max_redirects: int = 5,
        save_html: Path | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if delay < 0 or jitter < 0 or retries < 0 or max_redirects < 0:
            raise ValueError("delay, jitter, retries and max_redirects must not be negative")
        self.base_url = resolve_base_url(base_url)
        self.delay, self.jitter = delay, jitter
        self.timeout = (connect_timeout, read_timeout)
        self.retries, self.max_redirects = retries, max_redirects
        self.save_html = save_html
        self._own_session = session is None
        self._session = session or _new_session()
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
            response = self._get(url, "article")
            return self._accept(ident, response.body)
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
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(min(BACKOFF_BASE * 2 ** (attempt - 1), MAX_BACKOFF))
            try:
                current = url
                for _ in range(self.max_redirects + 1):
                    response = self._download(current, max_bytes, source)
                    if response.status not in _REDIRECTS:
                        break
                    current = urljoin(current, response.location.strip())
                else:
                    raise FetchError(f"more than {self.max_redirects} redirects", source=source)
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = _describe(exc)
                continue
            except requests.RequestException as exc:
                problem = f"the download failed ({type(exc).__name__})"
                continue
            if response.status < 400:
                return response.body
            problem = f"the server answered HTTP {response.status}"
            if response.status != 429 and response.status < 500:
                break
        raise FetchError(problem, source=source)

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
        if self._own_session:
            self._session.close()

    def __enter__(self) -> PageFetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- articles ------------------------------------------------------------

    def _accept(self, ident: ArticleId, raw: bytes) -> PageSource:
        """Check the page is the article (not a failure page), remember it, save it."""
        url = ident.url
        if not raw.strip():
            raise FetchError("WeChat sent an empty page; try again later", source=url)
        html = decode_page(raw, url)
        article = parse_page(html, url)  # raises on verification, deleted, ... pages
        # The page tells its long form: a later short or long link to it is a cache hit.
        long = article_id(article.url) if article.url else None
        entry = _Entry(html=zlib.compress(html.encode("utf-8"), 1))
        self._cache[ident.key] = entry
        if long is not None and long.key:
            self._cache[long.key] = entry
        if self.save_html is not None:
            target = self.save_html / html_name(long if long and long.biz else ident)
            write_atomic(target, raw)
            log.info("saved %s as %s", url, target)
        return PageSource(html=html, origin=url)

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
            body = self._get(url, "album", source=source, max_bytes=MAX_JSON_BYTES).body
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

    def _get(self, url: str, kind: str, *, source: str = "", max_bytes: int = MAX_PAGE_BYTES) -> _Response:
        """GET `url` (logical, on mp.weixin.qq.com): paced, retried, redirects followed."""
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
        try:
            return self._get_with_retries(url, source, max_bytes)
        finally:
            self._last_end = self._clock()

    def _get_with_retries(self, url: str, source: str, max_bytes: int) -> _Response:
        attempts = self.retries + 1
        problem = ""
        status = 0
        for attempt in range(attempts):
            wait = min(BACKOFF_BASE * 2**attempt, MAX_BACKOFF)
            try:
                response = self._follow(url, source, max_bytes)
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem, status = _describe(exc), 0
            except requests.RequestException as exc:  # broken chunking, bad encoding
                problem, status = f"the download failed ({type(exc).__name__})", 0
            else:
                status = response.status
                if status < 400:
                    return response
                if status != 429 and status < 500:
                    raise FetchError(
                        f"WeChat answered HTTP {status}; check that the link opens in a browser",
                        source=source,
                    )
                problem = f"WeChat answered HTTP {status}"
                asked = _retry_after(response.retry_after) if status in (429, 503) else None
                wait = asked if asked is not None else wait
            if attempt + 1 < attempts:
                log.warning("%s: %s; retrying in %.1f s", source, problem, wait)
                self._sleep(wait)
        if status == 429:
            message = f"WeChat says there were too many requests (HTTP 429); {_VERIFY_ADVICE}"
            raise VerificationRequired("rate-limited", message, source=source)
        tries = f"{attempts} attempts" if attempts > 1 else "1 attempt"
        raise FetchError(
            f"{problem} ({tries}); check your connection or proxy ({BASE_URL_ENV}) and try again later",
            source=source,
        )

    def _follow(self, url: str, source: str, max_bytes: int) -> _Response:
        """One attempt: GET and follow redirects by hand, spotting the verification one."""
        for _ in range(self.max_redirects + 1):
            log.info("GET %s", url)
            response = self._download(self._on_base(url), max_bytes, source)
            if response.status not in _REDIRECTS:
                return response
            url = self._redirect_target(url, response.location, source)
        raise FetchError(
            f"more than {self.max_redirects} redirects; open the link in a browser, "
            "save the page and convert the file",
            source=source,
        )

    def _redirect_target(self, current: str, location: str, source: str) -> str:
        if not location:
            raise FetchError("WeChat sent a redirect without a target; try again later", source=source)
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
        return clean_article_url(logical) or logical

    def _download(self, url: str, max_bytes: int, source: str) -> _Response:
        started = time.monotonic()  # real time: the injected clock is only for pacing
        deadline = started + self.timeout[1] * TOTAL_READ_FACTOR
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
        }
        with self._session.get(
            url, headers=headers, timeout=self.timeout, allow_redirects=False, stream=True
        ) as r:
            chunks: list[bytes] = []
            size = 0
            for chunk in r.iter_content(65536):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(
                        f"the answer is larger than {max_bytes // 2**20} MiB, not a WeChat page",
                        source=source,
                    )
                if time.monotonic() > deadline:
                    raise requests.Timeout("the download was too slow")
                chunks.append(chunk)
            return _Response(
                status=r.status_code,
                body=b"".join(chunks),
                location=r.headers.get("Location", ""),
                retry_after=r.headers.get("Retry-After", ""),
            )

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


def _new_session() -> requests.Session:
    session = requests.Session()
    # Retries are ours (with pacing and Retry-After); the adapter must not add its own.
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=4, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _describe(exc: requests.RequestException) -> str:
    # Messages from requests repeat the URL (and pool internals): name the kind only.
    if isinstance(exc, requests.ConnectTimeout):
        return "connecting to WeChat timed out"
    if isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower():
        # A read timeout in the middle of a body reaches us as a ConnectionError.
        return "WeChat did not answer in time"
    return "could not connect to WeChat"


def _retry_after(value: str) -> float | None:
    """Seconds a Retry-After header asks for (number or HTTP date), capped."""
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
