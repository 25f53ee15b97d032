"""Shared fixtures. Tests never touch the internet: any connection to an address
outside the loopback range fails the test that tried it, and no name but
`localhost` is looked up (every other host name is unknown, as on a machine
without a network: code that needs one gets it from a proxy or an injected resolver)."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from .loopback import LoopbackServer
from .mpserver import FakeMp, FakeTime

pytest_plugins = ["tests.cases.conftest"]

# Property tests run on a loaded 2-core machine: no per-example deadline (a slow
# example is not a failure), and under CI the same examples every run, so a
# green main stays green; locally each run explores new ones.
settings.register_profile(
    "wx2post", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("wx2post-ci", parent=settings.get_profile("wx2post"), derandomize=True)
settings.load_profile("wx2post-ci" if os.environ.get("CI") else "wx2post")

_real_connect = socket.socket.connect
_real_create_connection = socket.create_connection
_real_getaddrinfo = socket.getaddrinfo


def _check(address: object) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str):
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            if host != "localhost":
                raise AssertionError(f"test tried to reach the network: {address!r}") from None
            return
        if not ip.is_loopback:
            raise AssertionError(f"test tried to reach the network: {address!r}")


def _guarded_connect(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address)
    return _real_connect(self, address)  # type: ignore[arg-type]


def _offline_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
    name = host.decode() if isinstance(host, bytes) else host
    if isinstance(name, str) and name != "localhost":
        try:
            ipaddress.ip_address(name.split("%", 1)[0])
        except ValueError:
            raise socket.gaierror(
                socket.EAI_NONAME, "Name or service not known (tests are offline)"
            ) from None
    return _real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", _offline_getaddrinfo)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def mp(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMp]:
    """A fake mp.weixin.qq.com, reached the way a user reaches a mirror: WX2POST_MP_BASE_URL."""
    with LoopbackServer() as server:
        fake = FakeMp(server)
        monkeypatch.setenv("WX2POST_MP_BASE_URL", fake.base)
        yield fake
        fake.close()


@pytest.fixture(scope="module")
def mp_server() -> Iterator[LoopbackServer]:
    """One server for a module's fake-WeChat tests; each test puts a fresh FakeMp on it."""
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def fake_time() -> FakeTime:
    """A clock and sleep that advance only when slept on: pacing without waiting."""
    return FakeTime()
