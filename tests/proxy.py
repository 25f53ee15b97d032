"""A real forwarding HTTP proxy on 127.0.0.1, and a test CA, for the client's environment tests.

    with ForwardingProxy({"mmbiz.qpic.cn:443": cdn.port}) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        ...
        assert proxy.seen == ["CONNECT mmbiz.qpic.cn:443"]

It forwards `GET http://host/path` (absolute form, as clients send to a proxy) and
tunnels `CONNECT host:443`, like a company proxy. Host names are mapped to ports
on 127.0.0.1, so a test can ask for the real WeChat hosts (which this machine may
not even resolve) and still never leave loopback. Unmapped hosts get 502.
"""

from __future__ import annotations

import select
import socket
import socketserver
import ssl
import threading
from pathlib import Path
from urllib.parse import urlsplit

import trustme


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: _ProxyServer
    rbufsize = 0  # unbuffered: after the head, every byte the client sent is still in the socket

    def handle(self) -> None:
        line = self.rfile.readline(65537).decode("latin-1").strip()
        headers: list[str] = []
        while True:
            header = self.rfile.readline(65537).decode("latin-1")
            if header in ("\r\n", "\n", ""):
                break
            headers.append(header.rstrip("\r\n"))
        method, _, rest = line.partition(" ")
        target = rest.rpartition(" ")[0]
        owner = self.server.owner
        if method == "CONNECT":
            owner.record(f"CONNECT {target}")
            upstream = owner.open(target)
            if upstream is None:
                self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            _relay(self.connection, upstream)
            return
        parts = urlsplit(target)
        owner.record(f"{method} {target}")
        upstream = owner.open(f"{parts.hostname}:{parts.port or 80}")
        if upstream is None:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        kept = [h for h in headers if not h.lower().startswith(("proxy-", "connection:"))]
        head = "\r\n".join([f"{method} {path} HTTP/1.1", *kept, "Connection: close", "", ""])
        upstream.sendall(head.encode("latin-1"))
        _relay(self.connection, upstream)


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    pair = {client: upstream, upstream: client}
    try:
        while True:
            ready, _, _ = select.select(list(pair), [], [], 10)
            if not ready:
                return
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                pair[sock].sendall(data)
    except OSError:
        return
    finally:
        upstream.close()


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: ForwardingProxy

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class ForwardingProxy:
    """Start with `with`; `routes` maps "host:port" to a port on 127.0.0.1."""

    def __init__(self, routes: dict[str, int]) -> None:
        self.routes = dict(routes)
        self.seen: list[str] = []
        self._lock = threading.Lock()
        self._server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> ForwardingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def record(self, what: str) -> None:
        with self._lock:
            self.seen.append(what)

    def open(self, target: str) -> socket.socket | None:
        port = self.routes.get(target.lower())
        if port is None:
            return None
        return socket.create_connection(("127.0.0.1", port), timeout=10)


class CompanyCA:
    """A certificate authority of the test's own, as a company's would be: its bundle is a
    file (for REQUESTS_CA_BUNDLE / SSL_CERT_FILE), its servers' contexts sign for any names."""

    def __init__(self, folder: Path) -> None:
        self._ca = trustme.CA(organization_name="wx2post test CA")
        self.bundle = folder / "test-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.bundle))

    def server_context(self, *names: str) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert(*names).configure_cert(context)
        return context
