"""The one HTTP client (I/O) for article pages, album listings and images.

Everything a request needs to be safe and polite is decided here once:

- one session factory: pooled keep-alive connections, one browser User-Agent, no
  cookies kept, never a Referer (WeChat answers a foreign one with a placeholder);
- the environment's proxies (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY) and CA
  bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, SSL_CERT_FILE, SSL_CERT_DIR) for every
  request, read once per host (requests would rescan os.environ on every request);
- connect and read timeouts, plus a deadline per attempt (`deadline.py`), so a server
  that trickles one byte at a time cannot hold a run;
- redirects followed hop by hop, each hop checked (scheme, address) or vetted by
  the caller; bodies streamed to a sink with a size cap;
- one retry policy: exponential backoff with jitter on connection errors, 408, 429
  and 5xx, honouring `Retry-After` (seconds or an HTTP date) for every worker;
- a per-server circuit breaker (scheme, host, port): a server that cannot be
  resolved or reached is not tried again for a while, so an offline run fails fast instead of once per image;
- one wording for failures (credential-free, naming the host, never the URL).
"""

from __future__ import annotations

import email.utils
import hashlib
import http.cookiejar
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from io import BytesIO
from typing import IO
from urllib.parse import urljoin, urlsplit

import requests

from .deadline import WatchedAdapter, watch
from .netbase import HEAD_BYTES, AddressCheck, Body, HttpError, Limits, Resolver, default_resolver, is_public
from .netguard import Breaker, HostResolver, describe_exception, peer_address
from .urls import redact

__all__ = [
    "USER_AGENT",
    "Body",
    "HttpClient",
    "HttpError",
    "Limits",
    "is_public",
    "new_session",
    "retry_after",
]

# A current desktop Chrome: WeChat serves the full article page to it without login.
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({408, 429})  # plus every 5xx
CHUNK = 64 * 1024
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")

# (current URL, Location header) -> the next URL; raises to refuse the redirect.
Redirect = Callable[[str, str], str]


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), never negative."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    try:
        seconds = when.timestamp() - (time.time() if now is None else now)
    except (OverflowError, OSError, ValueError):
        return None
    return max(0.0, seconds)


def new_session(pool_size: int = 8) -> requests.Session:
    """The session every request of a run goes through."""
    session = requests.Session()
    adapter = WatchedAdapter(pool_connections=16, pool_maxsize=max(pool_size, 1), max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    # Proxies and CA come from HttpClient.environment, read once per host; this also
    # keeps a user's ~/.netrc credentials away from image hosts.
    session.trust_env = False
    # No cookie is kept: what one WeChat page sets must not follow the reader elsewhere.
    session.cookies.set_policy(_NoCookies())
    return session


class HttpClient:
    """Thread-safe: one instance serves every page and image request of a run."""

    def __init__(
        self,
        *,
        pool_size: int = 8,
        resolve: Resolver = default_resolver,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        breaker_cooldown: float = 300.0,
    ) -> None:
        self.session = new_session(pool_size)
        self._hosts = HostResolver(resolve)
        self._sleep, self._clock = sleep, clock
        self.breaker = Breaker(breaker_cooldown, clock)
        self._lock = threading.Lock()
        self._paused_until: dict[str, float] = {}  # host -> clock() when a 429/503 pause ends
        self._env: dict[str, tuple[dict[str, str], bool | str]] = {}

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    # -- the environment ---------------------------------------------------------------

    def environment(self, url: str) -> tuple[dict[str, str], bool | str]:
        """(proxies, verify) for `url`'s host, from the environment, cached per host."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}".lower()
        with self._lock:
            known = self._env.get(key)
        if known is None:
            verify: bool | str = next((v for n in CA_VARIABLES if (v := os.environ.get(n, "").strip())), True)
            known = (requests.utils.get_environ_proxies(url), verify)  # honours NO_PROXY
            with self._lock:
                self._env[key] = known
        return known

    def proxy_for(self, url: str) -> str | None:
        return requests.utils.select_proxy(url, self.environment(url)[0])

    # -- requests ------------------------------------------------------------------------

    def get(self, url: str, limits: Limits, **options: object) -> tuple[Body, bytes]:
        """`fetch` into memory: (body, bytes)."""
        sink = BytesIO()
        body = self.fetch(url, sink, limits, **options)  # type: ignore[arg-type]
        return body, sink.getvalue()

    def fetch(
        self,
        url: str,
        sink: IO[bytes],
        limits: Limits,
        *,
        accept: str = "*/*",
        headers: Mapping[str, str] | None = None,
        address_ok: AddressCheck | None = None,
        redirect: Redirect | None = None,
    ) -> Body:
        """Write the body of `url` to `sink` (truncated before each attempt), retrying.

        `address_ok`: every hop's addresses must pass it (checked before connecting
        and at the socket); None checks nothing (the caller chose the host).
        `redirect`: vets each redirect; by default any http(s) target is followed.
        Raises HttpError; only a 2xx answer returns.
        """
        attempts = limits.retries + 1
        for attempt in range(attempts):
            sink.seek(0)
            sink.truncate()
            try:
                body = self._attempt(url, sink, limits, accept, headers, address_ok, redirect)
            except HttpError as error:
                error.attempts = attempt + 1
                if not error.transient or attempt == attempts - 1:
                    if error.host_down and error.host:
                        self.breaker.trip(error.host, error.reason)  # give up on the host, not only the URL
                    raise
                self._sleep_before_retry(url, attempt, error, limits)
            else:
                return body
        raise AssertionError("unreachable")

    def _sleep_before_retry(self, url: str, attempt: int, error: HttpError, limits: Limits) -> None:
        host = error.host or _origin(url)
        if error.wait is not None:
            # What the server asked for holds every request to that host, not only this one.
            until = self._clock() + min(error.wait, limits.max_wait)
            with self._lock:
                self._paused_until[host] = max(self._paused_until.get(host, 0.0), until)
            return  # _wait_for_host sleeps it before the next attempt
        spread = random.uniform(1 - limits.jitter, 1 + limits.jitter) if limits.jitter else 1.0
        delay = min(limits.backoff * 2.0**attempt * spread, limits.max_wait)
        if delay > 0:
            self._sleep(delay)

    def _wait_for_host(self, host: str) -> None:
        with self._lock:
            delay = self._paused_until.get(host, 0.0) - self._clock()
        if delay > 0:
            self._sleep(delay)

    def _attempt(
        self,
        url: str,
        sink: IO[bytes],
        limits: Limits,
        accept: str,
        headers: Mapping[str, str] | None,
        address_ok: AddressCheck | None,
        redirect: Redirect | None,
    ) -> Body:
        """One attempt: every hop, under one deadline."""
        current = url
        with watch(limits.deadline) as guard:
            for _ in range(limits.max_redirects + 1):
                host, origin = _host(current), _origin(current)
                self.breaker.check(origin)
                self._wait_for_host(origin)
                try:
                    response = self._hop(current, limits, accept, headers, address_ok)
                except HttpError as error:
                    raise _at(guard.explain(error, host), origin) from None
                with response:
                    guard.check(host)  # headers cut short by the deadline parse as a (broken) answer
                    if address_ok is not None:
                        self._check_peer(current, response, address_ok)
                    status = response.status_code
                    if status in REDIRECTS and response.headers.get("Location"):
                        location = response.headers["Location"]
                        current = redirect(current, location) if redirect else _follow(current, location)
                        continue
                    _check_status(response)
                    try:
                        body = _read(response, sink, limits.max_bytes, host)
                    except HttpError as error:
                        raise _at(guard.explain(error, host), origin) from None
                    guard.check(host)
                self.breaker.reset(origin)
                body.url = current
                return body
        raise HttpError(f"more than {limits.max_redirects} redirects")

    def _hop(
        self,
        url: str,
        limits: Limits,
        accept: str,
        headers: Mapping[str, str] | None,
        address_ok: AddressCheck | None,
    ) -> requests.Response:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise HttpError(f"refused: not an http(s) URL ({redact(url)[:80]})")
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            raise HttpError("refused: bad port in URL") from None
        if address_ok is not None:
            # Behind a proxy local DNS may not know the host: the proxy resolves it.
            self._hosts.check(parts.hostname, port, address_ok, proxied=bool(self.proxy_for(url)))
        proxies, verify = self.environment(url)
        wanted = {"Accept": accept, **(headers or {})}
        try:
            return self.session.get(
                url,
                proxies=proxies or None,
                verify=verify,
                stream=True,
                allow_redirects=False,  # every hop is checked here
                timeout=(limits.connect_timeout, limits.read_timeout),
                # None removes a session-wide Referer: WeChat answers a foreign one
                # with its placeholder picture.
                headers={"Referer": None, **wanted},  # type: ignore[dict-item]
            )
        except requests.RequestException as error:
            raise describe_exception(error, parts.hostname) from None

    def _check_peer(self, url: str, response: requests.Response, address_ok: AddressCheck) -> None:
        # DNS can answer differently at connect time (rebinding): check where we really are.
        # A proxy is a legitimate peer.
        ip = peer_address(response)
        if ip is not None and not address_ok(ip) and not self.proxy_for(url):
            raise HttpError(f"refused: connected to a private or reserved address ({ip})")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _origin(url: str) -> str:
    """What the breaker and Retry-After pauses are kept for: scheme, host and port.

    One server refusing connections says nothing of another on the same machine
    (two bridges on localhost, a mirror beside the image server)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        port = 0
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def _at(error: HttpError, origin: str) -> HttpError:
    error.host = origin  # the breaker's key for the server that failed
    return error


def _follow(current: str, location: str) -> str:
    return urljoin(current, location.strip())


def _check_status(response: requests.Response) -> None:
    status = response.status_code
    if 200 <= status <= 299:
        return
    if status in RETRY_STATUSES or 500 <= status <= 599:
        # Retry-After means something with 429 and 503 only (RFC 9110, 10.2.3).
        wait = retry_after(response.headers.get("Retry-After")) if status in (429, 503) else None
        raise HttpError(f"HTTP {status}", transient=True, status=status, wait=wait)
    raise HttpError(f"HTTP {status}", status=status)


def _read(response: requests.Response, sink: IO[bytes], limit: int, host: str) -> Body:
    declared = _declared_length(response)
    if declared is not None and declared > limit:
        raise HttpError(f"larger than the limit ({declared} > {limit} bytes)")
    digest, head, size = hashlib.sha256(), bytearray(), 0
    try:
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if size > limit:  # stop reading: the connection is dropped on close
                raise HttpError(f"larger than the limit (over {limit} bytes)")
            digest.update(chunk)
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            sink.write(chunk)
    except requests.RequestException as error:
        raise describe_exception(error, host) from None
    if declared is not None and size != declared:
        raise HttpError(f"incomplete answer from {host} ({size} of {declared} bytes)", transient=True)
    content_type = response.headers.get("Content-Type", "")
    return Body(response.status_code, size, digest.hexdigest(), bytes(head), content_type, "")


def _declared_length(response: requests.Response) -> int | None:
    # With a Content-Encoding the length counts compressed bytes, not what we read.
    if response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity"):
        return None
    value = response.headers.get("Content-Length", "")
    return int(value) if value.isascii() and value.isdigit() else None


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: object, request: object) -> bool:
        return False
