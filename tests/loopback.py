"""A real HTTP server on 127.0.0.1 for tests, whose answers are scripted per path.

    with LoopbackServer() as server:
        server.route("/img.png", lambda req: Reply(200, PNG, {"Content-Type": "image/png"}))
        url = server.url("/img.png")
        ...
        assert server.hits("/img.png") == 1

A handler gets the `Request` (path, query, headers) and returns a `Reply`, or
performs misbehaviour itself through `req.handler` (hang, reset, short body).
`LoopbackServer(tls=context)` speaks HTTPS (see tests/proxy.py for a test CA).
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    declared_length: int | None = None  # Content-Length to claim (short body if > len)
    chunk_delay: float = 0.0  # seconds between 16 KiB chunks


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    raw_path: str
    headers: dict[str, str]
    handler: BaseHTTPRequestHandler


Handler = Callable[[Request], Reply | None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK (~40 ms) on every kept-alive request.
    # Production servers set TCP_NODELAY too.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        req = Request(
            method=method,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            raw_path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            handler=self,
        )
        owner = self.server.owner
        owner._record(req)
        handler = owner._routes.get(parts.path) or owner.default
        reply = handler(req) if handler else Reply(404, b"not found")
        if reply is None:  # the handler misbehaved on its own (reset, hang)
            self.close_connection = True
            return
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            headers = {"Content-Type": "application/octet-stream", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            length = reply.declared_length if reply.declared_length is not None else len(reply.body)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            if method == "GET":
                body = reply.body
                step = 16384
                for i in range(0, len(body), step):
                    self.wfile.write(body[i : i + step])
                    if reply.chunk_delay:
                        self.wfile.flush()
                        time.sleep(reply.chunk_delay)
            if reply.declared_length is not None and reply.declared_length > len(reply.body):
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: LoopbackServer
    tls: ssl.SSLContext | None = None

    def get_request(self) -> tuple[socket.socket, object]:
        sock, address = super().get_request()
        if self.tls is not None:
            # The handshake happens in the handler's thread, on its first read: a client
            # that refuses the certificate fails there, not in the accept loop.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up or refused the certificate is what some tests want


class LoopbackServer:
    """Start with `with`; scripted routes; records every request."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._routes: dict[str, Handler] = {}
        self.default: Handler | None = None
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._connections: set[tuple[str, int]] = set()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._httpd.tls = tls
        self.scheme = "https" if tls else "http"
        # A short poll: serve_forever's default 0.5 s otherwise dominates test teardown.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler: Handler) -> None:
        self._routes[path] = handler

    def _record(self, req: Request) -> None:
        with self._lock:
            self.requests.append(req)
            self._connections.add(req.handler.client_address)

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    @property
    def connections(self) -> int:
        """How many distinct client connections (ip, port) sent requests."""
        with self._lock:
            return len(self._connections)


def reset_connection(req: Request) -> None:
    """Close the socket with RST (SO_LINGER 0): the client sees 'connection reset'."""
    sock = req.handler.connection
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def send_partial_then_reset(req: Request, head: bytes, total: int, content_type: str) -> None:
    """Send headers promising `total` bytes, send `head`, then reset the connection."""
    h = req.handler
    h.send_response(200)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(total))
    h.end_headers()
    h.wfile.write(head)
    h.wfile.flush()
    reset_connection(req)


# -- helpers for image tests and benchmarks --------------------------------------


def fake_png(seed: int, size: int = 256) -> bytes:
    """Bytes that sniff as PNG, distinct per seed (not a decodable picture)."""
    body = b"\x89PNG\r\n\x1a\n" + seed.to_bytes(8, "big")
    return body + bytes(i % 251 for i in range(max(size - len(body), 0)))


def fake_jpeg(seed: int, size: int = 256) -> bytes:
    """Bytes that sniff as JPEG, distinct per seed (not a decodable picture)."""
    body = b"\xff\xd8\xff\xe0" + seed.to_bytes(8, "big")
    return body + bytes(i % 241 for i in range(max(size - len(body), 0)))


def stream_without_length(req: Request, total: int, content_type: str, chunk: int = 65536) -> int:
    """Answer 200 with no Content-Length, streaming up to `total` bytes until the
    client hangs up; returns how many bytes were written (the client stopped early
    if that is less than `total`)."""
    h = req.handler
    h.send_response(200)
    h.send_header("Content-Type", content_type)
    h.send_header("Connection", "close")
    h.end_headers()
    sent = 0
    block = b"\x89PNG\r\n\x1a\n" + b"\x00" * (chunk - 8)
    try:
        while sent < total:
            h.wfile.write(block)
            sent += len(block)
    except OSError:
        pass
    h.close_connection = True
    return sent
