"""What the users of the HTTP stack need without importing it.

`requests` and `urllib3` cost about 100 ms of start-up; a run that converts saved
pages and downloads nothing never needs them. The image store, the runner and the
CLI name these limits, errors and address checks at import time; `http.py` and
`netguard.py` import `requests` only when a request is about to be made.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
AddressCheck = Callable[[IPAddress], bool]

HEAD_BYTES = 4096  # the first bytes of a body kept for sniffing its type


class HttpError(Exception):
    """One URL could not be had. `reason` is one credential-free line naming the host."""

    def __init__(
        self,
        reason: str,
        *,
        transient: bool = False,
        status: int = 0,
        wait: float | None = None,
        host_down: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient  # worth another attempt
        self.status = status  # the HTTP status, 0 when none came
        self.wait = wait  # what the server asked for (Retry-After), if anything
        self.host_down = host_down  # the host cannot be resolved or reached: trips its breaker
        self.host = ""  # the host of the hop that failed
        self.attempts = 1

    @property
    def message(self) -> str:
        """The reason, and how many attempts it took to give up."""
        return f"{self.reason} (after {self.attempts} attempts)" if self.attempts > 1 else self.reason


def default_resolver(host: str, port: int) -> list[str]:
    import socket

    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


def is_public(ip: IPAddress) -> bool:
    """Globally routable unicast: not loopback, private, link-local, shared, reserved."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback in disguise
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Limits:
    """How one kind of request is bounded and retried."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # longest silence while waiting for bytes
    deadline: float = 120.0  # longest one attempt may take, however the bytes trickle
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3  # extra attempts after the first, for transient failures only
    backoff: float = 0.5  # the first retry waits about this long, doubling after each attempt
    jitter: float = 0.25  # +- this fraction, so workers that failed together do not retry together
    max_wait: float = 30.0  # cap on any single wait, Retry-After included


@dataclass
class Body:
    """What was written to the sink."""

    status: int
    size: int
    sha256: str
    head: bytes  # the first HEAD_BYTES bytes, for sniffing
    content_type: str
    url: str  # where it came from, after redirects
