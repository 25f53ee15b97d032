"""The image downloader (I/O): one pooled session, safe redirects, retries, streamed bodies.

It fetches one URL into a file object and reports what it got; it never names
files (that is images.py) and never decides where bytes go (that is store.py).
"""

from __future__ import annotations

import email.utils
import hashlib
import ipaddress
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from .images import ImageSettings
from .urls import redact

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
AddressCheck = Callable[[IPAddress], bool]

USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0 Safari/537.36"
)
# No webp/avif on purpose: ask for the format the article was published in.
ACCEPT = "image/jpeg,image/png,image/gif,image/svg+xml,image/*;q=0.8,*/*;q=0.5"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({408, 429})  # plus every 5xx
HEAD_BYTES = 4096
CHUNK = 64 * 1024


class DownloadError(Exception):
    """One URL could not be had; `reason` is one credential-free line."""

    def __init__(self, reason: str, *, transient: bool = False, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.wait = wait  # what the server asked for (Retry-After), if anything


@dataclass
class Body:
    """What was written to the sink."""

    size: int
    sha256: str
    head: bytes  # the first HEAD_BYTES bytes, for sniffing
    content_type: str


def default_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


def is_public(ip: IPAddress) -> bool:
    """Globally routable unicast: not loopback, private, link-local, shared, reserved."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback in disguise
    return ip.is_global and not ip.is_multicast


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Downloader:
    """Thread-safe: one instance serves every worker of a run."""

    def __init__(
        self,
        settings: ImageSettings,
        session: requests.Session | None = None,
        *,
        resolve: Resolver = default_resolver,
        address_ok: AddressCheck | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._own_session = session is None
        self.session = session or self.new_session(settings.jobs)
        self._resolve = resolve
        self._address_ok = address_ok or ((lambda ip: True) if settings.allow_private else is_public)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._paused_until = 0.0  # a 429 slows every worker down, not only the one that got it
        self._env: dict[str, tuple[dict[str, str], bool | str]] = {}

    @staticmethod
    def new_session(jobs: int) -> requests.Session:
        session = requests.Session()
        # One pooled connection per worker and host, kept alive between images.
        adapter = HTTPAdapter(pool_connections=16, pool_maxsize=max(jobs, 1))
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = USER_AGENT
        # Proxies and CA bundle come from _environment, read once per host: requests would
        # rescan os.environ on every request (a tenth of the CPU per image). It also means
        # a user's ~/.netrc credentials are never sent to image hosts.
        session.trust_env = False
        return session

    def _environment(self, url: str) -> tuple[dict[str, str], bool | str]:
        """(proxies, verify) for `url`'s host, as requests derives them from the environment."""
        if not self._own_session:
            return {}, True  # a caller's session applies its own settings (trust_env)
        key = urlsplit(url).netloc.lower()
        with self._lock:
            known = self._env.get(key)
        if known is None:
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            known = (requests.utils.get_environ_proxies(url), verify)  # honours NO_PROXY
            with self._lock:
                self._env[key] = known
        return known

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def fetch(self, url: str, sink: IO[bytes]) -> Body:
        """Write the body of `url` to `sink` (truncated before each attempt)."""
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            self._wait_for_pause()
            sink.seek(0)
            sink.truncate()
            try:
                return self._fetch_once(url, sink)
            except DownloadError as error:
                if not error.transient or attempt == attempts - 1:
                    if error.transient and attempts > 1:
                        error.reason += f" (after {attempts} attempts)"
                    raise
                delay = self._backoff(attempt, error)
                if delay > 0:
                    self._sleep(delay)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int, error: DownloadError) -> float:
        if error.wait is not None:
            wait = min(error.wait, self.settings.max_wait)
            with self._lock:
                self._paused_until = max(self._paused_until, time.monotonic() + wait)
            return 0.0  # _wait_for_pause does the waiting, for every worker
        # Exponential with jitter, so workers that failed together do not retry together.
        backoff = self.settings.backoff * 2.0**attempt * random.uniform(0.75, 1.25)
        return min(backoff, self.settings.max_wait)

    def _wait_for_pause(self) -> None:
        with self._lock:
            delay = self._paused_until - time.monotonic()
        if delay > 0:
            self._sleep(delay)

    def _fetch_once(self, url: str, sink: IO[bytes]) -> Body:
        current = url
        for _ in range(self.settings.max_redirects + 1):
            self._check_target(current)
            response = self._get(current)
            with response:
                self._check_peer(current, response)
                if response.status_code in REDIRECTS and response.headers.get("Location"):
                    current = urljoin(current, response.headers["Location"])
                    continue
                self._check_status(response)
                return self._read(response, sink)
        raise DownloadError(f"more than {self.settings.max_redirects} redirects")

    def _get(self, url: str) -> requests.Response:
        s = self.settings
        proxies, verify = self._environment(url)
        try:
            return self.session.get(
                url,
                proxies=proxies or None,
                verify=verify,
                stream=True,
                allow_redirects=False,  # every hop is checked by _fetch_once
                timeout=(s.connect_timeout, s.read_timeout),
                # None removes a session-wide Referer: WeChat answers a foreign one
                # with its placeholder picture.
                headers={"Referer": None, "Accept": ACCEPT},
            )
        except requests.RequestException as error:
            raise _network_error(error) from None

    def _check_target(self, url: str) -> None:
        """Only http(s), and only to allowed addresses, checked before connecting."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise DownloadError(f"refused: not an http(s) URL ({redact(url)[:80]})")
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            raise DownloadError("refused: bad port in URL") from None
        host = parts.hostname
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a) for a in self._resolve(host, port)]
            except (OSError, ValueError) as error:
                if self._proxy_for(url):
                    return  # behind a proxy local DNS may not know the host; the proxy resolves
                # "No such host" will not change by retrying; a DNS hiccup (EAI_AGAIN) may.
                unknown = isinstance(error, socket.gaierror) and error.errno == socket.EAI_NONAME
                raise DownloadError(f"cannot resolve host {host}", transient=not unknown) from None
        for ip in addresses:
            if not self._address_ok(ip):
                where = host if host == str(ip) else f"{host} ({ip})"
                raise DownloadError(f"refused: {where} is a private or reserved address")

    def _check_peer(self, url: str, response: requests.Response) -> None:
        # DNS can answer differently at connect time (rebinding): check where we really are.
        # Best effort: the socket sits in urllib3 internals, and a proxy is a legitimate peer.
        sock = getattr(getattr(response.raw, "_connection", None), "sock", None)
        try:
            ip = ipaddress.ip_address(str(sock.getpeername()[0]).split("%", 1)[0])  # type: ignore[union-attr]
        except (AttributeError, OSError, ValueError):
            return
        if not self._address_ok(ip) and not self._proxy_for(url):
            raise DownloadError(f"refused: connected to a private or reserved address ({ip})")

    def _proxy_for(self, url: str) -> str | None:
        if self._own_session:
            return requests.utils.select_proxy(url, self._environment(url)[0])
        settings = self.session.merge_environment_settings(url, {}, None, None, None)
        return requests.utils.select_proxy(url, settings["proxies"] or {})

    def _check_status(self, response: requests.Response) -> None:
        status = response.status_code
        if status == 200:
            return
        if status in RETRY_STATUSES or 500 <= status <= 599:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            raise DownloadError(f"HTTP {status}", transient=True, wait=wait)
        raise DownloadError(f"HTTP {status}")

    def _read(self, response: requests.Response, sink: IO[bytes]) -> Body:
        limit = self.settings.max_size
        declared = _declared_length(response)
        if declared is not None and declared > limit:
            raise DownloadError(f"larger than the limit ({declared} > {limit} bytes)")
        digest, head, size = hashlib.sha256(), bytearray(), 0
        try:
            for chunk in response.iter_content(CHUNK):
                size += len(chunk)
                if size > limit:  # stop reading: the connection is dropped on close
                    raise DownloadError(f"larger than the limit (over {limit} bytes)")
                digest.update(chunk)
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                sink.write(chunk)
        except requests.RequestException as error:
            raise _network_error(error) from None
        if declared is not None and size != declared:
            raise DownloadError(f"incomplete body ({size} of {declared} bytes)", transient=True)
        return Body(size, digest.hexdigest(), bytes(head), response.headers.get("Content-Type", ""))


def _declared_length(response: requests.Response) -> int | None:
    # With a Content-Encoding the length counts compressed bytes, not what we read.
    if response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity"):
        return None
    value = response.headers.get("Content-Length", "")
    return int(value) if value.isdigit() else None


def _network_error(error: requests.RequestException) -> DownloadError:
    """A transient error with a fixed wording: requests' messages carry the full URL."""
    cause = error.args[0] if error.args else None
    if isinstance(error, requests.ConnectTimeout):
        reason = "connect timed out"
    elif isinstance(error, requests.Timeout) or isinstance(cause, urllib3.exceptions.ReadTimeoutError):
        reason = "read timed out"  # mid-body, requests reports a read timeout as a ConnectionError
    elif isinstance(error, requests.exceptions.ChunkedEncodingError):
        reason = "connection broken mid-body"
    elif isinstance(error, requests.exceptions.ContentDecodingError):
        return DownloadError("undecodable body")
    elif isinstance(error, requests.ConnectionError):
        reason = "connection failed"
    else:
        return DownloadError(f"request failed ({type(error).__name__})")
    return DownloadError(reason, transient=True)
