"""A deadline per HTTP attempt (I/O), enforced on the socket.

Read timeouts bound each silence, not the whole answer: a server that sends one
byte a second never trips a 30 s read timeout. So every attempt runs under a
`Deadline`: when it passes, one watchdog thread shuts the sockets the attempt
used, which ends whatever read is blocked on them (headers or body), and the
attempt reports the deadline rather than the broken read.

The sockets are found through the connection pool: urllib3 calls `_make_request`
in the requesting thread with the connection it will use, so the pools here
register that connection with the thread's current deadline.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .netbase import HttpError

_current = threading.local()


class Deadline:
    """One attempt's deadline: when it passes, the sockets it used are shut."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self.done = False
        self._lock = threading.Lock()
        self._connections: list[Any] = []

    def add(self, connection: Any) -> None:
        with self._lock:
            self._connections.append(connection)
            fired = self.fired
        if fired:
            _shut(connection)

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)

    def finish(self) -> None:
        with self._lock:
            self.done = True

    def check(self, host: str) -> None:
        """Raise if the deadline passed: whatever was read meanwhile was cut short."""
        if self.fired:
            raise self.explain(HttpError("deadline"), host)

    def explain(self, error: HttpError, host: str) -> HttpError:
        """The error to report: a read cut short by the deadline says so."""
        error.host = error.host or host
        if not self.fired:
            return error
        late = HttpError(f"{host} did not send its answer within {self.seconds:g} s")
        late.host = host
        return late


class _Watchdog:
    """One thread for every deadline of the process (a timer thread per request would cost
    a thread start per image)."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._queue: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> None:
        due = time.monotonic() + deadline.seconds
        with self._wake:
            heapq.heappush(self._queue, (due, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wx2post-deadlines", daemon=True)
                self._thread.start()
            elif self._queue[0][2] is deadline:
                self._wake.notify()  # sooner than what the thread sleeps for

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._queue and self._queue[0][2].done:
                    heapq.heappop(self._queue)  # finished in time: forget it
                wait = self._queue[0][0] - time.monotonic() if self._queue else None
                if wait is None or wait > 0:
                    self._wake.wait(wait)
                    continue
                _, _, due = heapq.heappop(self._queue)
            due.fire()

    def forget(self) -> None:
        """In a forked child: the parent's thread is not there; start afresh when needed."""
        self._wake = threading.Condition()
        self._queue = []
        self._thread = None


_WATCHDOG = _Watchdog()
os.register_at_fork(after_in_child=_WATCHDOG.forget)


@contextlib.contextmanager
def watch(seconds: float) -> Iterator[Deadline]:
    """The attempt inside runs under a deadline of `seconds`."""
    deadline = Deadline(seconds)
    outer = getattr(_current, "deadline", None)
    _current.deadline = deadline
    _WATCHDOG.add(deadline)
    try:
        yield deadline
    finally:
        deadline.finish()
        _current.deadline = outer


def _shut(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is None:
        return  # still connecting: the connect timeout bounds that
    with contextlib.suppress(OSError):
        # The plain socket's shutdown, also for TLS: it ends a blocked read in another
        # thread without touching the TLS state that thread is using.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watched:
    def _make_request(self, conn: Any, *args: Any, **kwargs: Any) -> Any:
        deadline = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline.add(conn)
        return super()._make_request(conn, *args, **kwargs)  # type: ignore[misc]


class _WatchedHTTP(_Watched, HTTPConnectionPool):
    pass


class _WatchedHTTPS(_Watched, HTTPSConnectionPool):
    pass


_POOLS = {"http": _WatchedHTTP, "https": _WatchedHTTPS}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter with connection pools that report their connections to the deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager
