"""The guards of the HTTP client (`http.py`): addresses, the per-host breaker, the wording.

- Addresses: a host's addresses are checked before connecting (and the peer after,
  against DNS rebinding); lookups of one host are made one at a time and shared, so
  eight workers waiting on a dead resolver wait once, not eight times.
- Breaker: a host that cannot be resolved or reached is not asked again for
  `cooldown` seconds (any success to it closes the breaker at once).
- Wording: one credential-free line for every way a request fails.
(The deadline per attempt is `deadline.py`.)
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import requests
import urllib3

from .netbase import AddressCheck, HttpError, IPAddress, Resolver

LOOKUP_REUSE = 2.0  # seconds a host's addresses are reused by the checks of later requests
UNKNOWN_HOST_REUSE = 300.0  # "no such host" holds for the run (the breaker's cooldown); a hiccup does not


# -- addresses ----------------------------------------------------------------------------


class HostResolver:
    """Checks a host's addresses before connecting; one lookup of a host at a time."""

    def __init__(self, resolve: Resolver, clock: Callable[[], float] = time.monotonic) -> None:
        self._resolve, self._clock = resolve, clock
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._answers: dict[tuple[str, int], tuple[float, list[IPAddress] | HttpError]] = {}

    def check(self, host: str, port: int, address_ok: AddressCheck, *, proxied: bool) -> None:
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                addresses = self._lookup(host, port)
            except HttpError:
                if proxied:
                    return  # behind a proxy local DNS may not know the host: the proxy resolves it
                raise
        for ip in addresses:
            if not address_ok(ip):
                where = host if host == str(ip) else f"{host} ({ip})"
                raise HttpError(f"refused: {where} is a private or reserved address")

    def _lookup(self, host: str, port: int) -> list[IPAddress]:
        asked = self._clock()
        with self._lock:
            host_lock = self._host_locks.setdefault(host, threading.Lock())
        with host_lock:
            known = self._answers.get((host, port))
            fresh = known is not None and (known[0] >= asked or asked - known[0] < _reuse(known[1]))
            if known is None or not fresh:
                answer = self._ask(host, port)
                known = (self._clock(), answer)
                self._answers[(host, port)] = known
        answer = known[1]
        if isinstance(answer, HttpError):
            raise HttpError(answer.reason, transient=answer.transient, host_down=True)
        return answer

    def _ask(self, host: str, port: int) -> list[IPAddress] | HttpError:
        try:
            return [ipaddress.ip_address(a) for a in self._resolve(host, port)]
        except (OSError, ValueError) as error:
            # "No such host" will not change by retrying; a DNS hiccup (EAI_AGAIN) may.
            unknown = isinstance(error, socket.gaierror) and error.errno == socket.EAI_NONAME
            return HttpError(f"cannot resolve host {host}", transient=not unknown, host_down=True)


def _reuse(answer: list[IPAddress] | HttpError) -> float:
    """How long a lookup's answer serves later requests (a failure always serves those that waited)."""
    if isinstance(answer, HttpError):
        return 0.0 if answer.transient else UNKNOWN_HOST_REUSE
    return LOOKUP_REUSE


def peer_address(response: requests.Response) -> IPAddress | None:
    """The address the response really came from (best effort: urllib3 internals)."""
    sock = getattr(getattr(response.raw, "_connection", None), "sock", None)
    try:
        return ipaddress.ip_address(str(sock.getpeername()[0]).split("%", 1)[0])  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        return None


# -- the breaker --------------------------------------------------------------------------


class Breaker:
    """Per host: after a failure to resolve or reach it, no request for `cooldown` seconds."""

    def __init__(self, cooldown: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown, self._clock = cooldown, clock
        self._lock = threading.Lock()
        self._open: dict[str, tuple[float, str]] = {}  # host -> (when it tripped, reason)

    def check(self, host: str) -> None:
        with self._lock:
            tripped = self._open.get(host)
        if tripped is not None and self._clock() - tripped[0] < self.cooldown:
            error = HttpError(tripped[1], host_down=True)
            error.host = host
            raise error

    def trip(self, host: str, reason: str) -> None:
        with self._lock:
            self._open[host] = (self._clock(), reason)

    def reset(self, host: str) -> None:
        with self._lock:
            self._open.pop(host, None)

    def is_open(self, host: str) -> bool:
        try:
            self.check(host)
        except HttpError:
            return True
        return False


# -- one wording for failures ---------------------------------------------------------------


def describe_exception(error: requests.RequestException, host: str) -> HttpError:
    """A fixed, credential-free wording: requests' own messages carry the full URL."""
    chain = list(_chain(error))
    if isinstance(error, requests.exceptions.ProxyError):
        return HttpError("could not connect through the proxy (HTTPS_PROXY/HTTP_PROXY)", transient=True)
    if isinstance(error, requests.exceptions.SSLError):
        unverified = any(isinstance(e, ssl.SSLCertVerificationError) for e in chain)
        if unverified or "CERTIFICATE_VERIFY" in str(error):
            return HttpError(
                f"cannot verify the TLS certificate of {host} (behind a company proxy or CA, "
                "point REQUESTS_CA_BUNDLE or SSL_CERT_FILE at its CA bundle)",
                host_down=True,
            )
        return HttpError(f"the TLS handshake with {host} failed", transient=True)
    if isinstance(error, requests.ConnectTimeout):
        return HttpError(f"connecting to {host} timed out", transient=True, host_down=True)
    unresolved = [e for e in chain if isinstance(e, socket.gaierror)]
    name_error = getattr(urllib3.exceptions, "NameResolutionError", ())
    if unresolved or any(isinstance(e, name_error) for e in chain):
        unknown = any(e.errno == socket.EAI_NONAME for e in unresolved)
        return HttpError(f"cannot resolve host {host}", transient=not unknown, host_down=True)
    # Mid-body, requests reports a read timeout as a ConnectionError.
    read_timeout = any(isinstance(e, urllib3.exceptions.ReadTimeoutError) for e in chain)
    if isinstance(error, requests.Timeout) or read_timeout:
        return HttpError(f"{host} did not answer in time", transient=True)
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return HttpError(f"connection to {host} broken mid-body", transient=True)
    if isinstance(error, requests.exceptions.ContentDecodingError):
        return HttpError(f"{host} sent an undecodable body")
    if isinstance(error, requests.ConnectionError):
        if any(isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain):
            return HttpError(f"could not connect to {host}", transient=True, host_down=True)
        return HttpError(f"connection to {host} broken", transient=True)
    return HttpError(f"the request to {host} failed ({type(error).__name__})")


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, what it wraps (requests and urllib3 nest them in args and .reason), its causes."""
    seen: set[int] = set()
    todo: list[object] = [error]
    while todo and len(seen) < 20:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [*item.args, getattr(item, "reason", None), item.__cause__, item.__context__]
