"""The one HTTP client against real servers on 127.0.0.1: an HTTPS server signed by a CA of the
test's own (as a company's would be), a real forwarding proxy, a server that trickles its answer,
servers that fail in every way, and hosts that cannot be resolved or reached."""

from __future__ import annotations

import email.utils
import io
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wx2post.errors import FetchError
from wx2post.fetch import PageFetcher
from wx2post.http import HttpClient, HttpError, Limits, is_public, retry_after
from wx2post.images import ImageSettings
from wx2post.models import ImageRef
from wx2post.sources import PageSource
from wx2post.store import ImageStore

from .loopback import LoopbackServer, Reply, Request, fake_png, send_partial_then_reset
from .proxy import CompanyCA, ForwardingProxy

PNG = fake_png(7, 2048)
PNG_HEADERS = {"Content-Type": "image/png"}
CDN = "mmbiz.qpic.cn"
IMAGE_PATH = "/mmbiz_png/AbCdEf/Q3auHgzwzM4ib0aLlS4kE2xT8sNvFpD6qYw1eX2rBcHjKmL9uVt/640"
IMAGE = f"https://{CDN}{IMAGE_PATH}?wx_fmt=png"
ENVIRONMENT = (
    "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
    "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR",
)  # fmt: skip
FAST = Limits(connect_timeout=1.0, read_timeout=1.0, deadline=5.0, retries=2, backoff=0.01, max_wait=2.0)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CompanyCA:
    return CompanyCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def tls(ca: CompanyCA) -> Iterator[LoopbackServer]:
    """An HTTPS server whose certificate (for the CDN's name and 127.0.0.1) only the test CA signs."""
    with LoopbackServer(tls=ca.server_context(CDN, "mp.weixin.qq.com", "127.0.0.1")) as server:
        yield server


def fetch(client: HttpClient, url: str, limits: Limits = FAST, **options: object) -> bytes:
    sink = io.BytesIO()
    client.fetch(url, sink, limits, **options)  # type: ignore[arg-type]
    return sink.getvalue()


def store_settings(**changes: object) -> ImageSettings:
    values: dict[str, object] = dict(
        connect_timeout=1.0, read_timeout=1.0, retries=2, backoff=0.01, max_wait=1
    )
    values.update(changes)
    return ImageSettings(**values)  # type: ignore[arg-type]


# -- the company CA -----------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"])
def test_a_ca_bundle_from_the_environment_is_trusted(
    variable: str, tls: LoopbackServer, ca: CompanyCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    tls.route("/a.png", lambda r: Reply(200, PNG, PNG_HEADERS))
    monkeypatch.setenv(variable, str(ca.bundle))
    with HttpClient() as client:
        assert fetch(client, tls.url("/a.png")) == PNG


def test_without_the_ca_the_error_says_what_to_set(tls: LoopbackServer) -> None:
    tls.route("/a.png", lambda r: Reply(200, PNG, PNG_HEADERS))
    with HttpClient() as client, pytest.raises(HttpError) as caught:
        fetch(client, tls.url("/a.png"))
    assert "cannot verify the TLS certificate of 127.0.0.1" in caught.value.reason
    assert "REQUESTS_CA_BUNDLE" in caught.value.reason
    assert not caught.value.transient and tls.requests == []  # the handshake failed: nothing was asked


# -- the proxy ------------------------------------------------------------------------------------


def test_images_go_through_the_proxy_with_the_company_ca(
    tls: LoopbackServer, ca: CompanyCA, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The bug of a run's shared session: trust_env off, so behind a proxy every image failed."""
    tls.default = lambda r: Reply(200, PNG, PNG_HEADERS)
    with ForwardingProxy({f"{CDN}:443": tls.port}) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca.bundle))
        with HttpClient() as client:  # one client shared by the stores of a run, as the runner does
            with ImageStore(tmp_path, store_settings(), client) as store:  # public addresses only
                (outcome,) = store.localise([ImageRef(IMAGE)], PageSource(html="", origin="t"))
    assert outcome.source == "network", outcome.error
    assert outcome.path is not None and outcome.path.read_bytes() == PNG
    assert proxy.seen == [f"CONNECT {CDN}:443"]  # this machine cannot even resolve the CDN
    assert [r.path for r in tls.requests] == [
        "/mmbiz_png/AbCdEf/Q3auHgzwzM4ib0aLlS4kE2xT8sNvFpD6qYw1eX2rBcHjKmL9uVt/640"
    ]


def test_plain_http_goes_through_http_proxy_and_no_proxy_bypasses_it(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.default = lambda r: Reply(200, PNG, PNG_HEADERS)
    with ForwardingProxy({"images.example:80": server.port}) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        with HttpClient() as client:
            assert fetch(client, "http://images.example/x.png", address_ok=is_public) == PNG
            assert fetch(client, server.url("/direct.png")) == PNG  # NO_PROXY: straight to the server
    assert proxy.seen == ["GET http://images.example/x.png"]
    assert [r.path for r in server.requests] == ["/x.png", "/direct.png"]


def test_pages_and_images_of_a_real_run_go_through_the_proxy(
    tls: LoopbackServer, ca: CompanyCA, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`wx2post convert LINK` behind a proxy and a company CA: page and images both arrive."""
    from click.testing import CliRunner

    from wx2post.cli import main

    from .mpserver import FakeMp

    mp = FakeMp(tls)
    article = mp.add(1, body=f"<p>正文</p><p><img data-src='{IMAGE}'></p>")
    tls.route(
        "/mmbiz_png/AbCdEf/Q3auHgzwzM4ib0aLlS4kE2xT8sNvFpD6qYw1eX2rBcHjKmL9uVt/640",
        lambda r: Reply(200, PNG, PNG_HEADERS),
    )
    monkeypatch.delenv("WX2POST_MP_BASE_URL", raising=False)  # the real https://mp.weixin.qq.com
    with ForwardingProxy({"mp.weixin.qq.com:443": tls.port, f"{CDN}:443": tls.port}) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca.bundle))
        site = tmp_path / "site"
        result = CliRunner().invoke(main, ["convert", article.short_url, "-o", str(site), "--delay", "0"])
    mp.close()
    assert result.exit_code == 0, result.stderr
    assert sorted(proxy.seen) == sorted(["CONNECT mp.weixin.qq.com:443", f"CONNECT {CDN}:443"])
    saved = list((site / "postimg").iterdir())
    assert [p.read_bytes() for p in saved] == [PNG]
    post = Path(result.stdout.strip()).read_text(encoding="utf-8")
    assert f"postimg/{saved[0].name}" in post


# -- the deadline ---------------------------------------------------------------------------------


def drip(req: Request, body: bytes, every: float, *, in_headers: bool = False) -> None:
    """Answer one byte every `every` seconds: always within the read timeout, never done."""
    h = req.handler
    head = f"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    try:
        if not in_headers:
            h.wfile.write(head)
            head = b""
        for byte in head + body:
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(every)
    except OSError:
        pass  # the client hung up: what the test wants
    h.close_connection = True


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_a_trickling_server_is_cut_at_the_deadline(server: LoopbackServer, in_headers: bool) -> None:
    server.route("/slow.png", lambda r: drip(r, PNG, 0.05, in_headers=in_headers))
    limits = Limits(connect_timeout=1.0, read_timeout=0.5, deadline=1.0, retries=2, backoff=0.01)
    start = time.monotonic()
    with HttpClient() as client, pytest.raises(HttpError) as caught:
        fetch(client, server.url("/slow.png"), limits)
    took = time.monotonic() - start
    assert caught.value.reason == "127.0.0.1 did not send its answer within 1 s"
    assert 0.9 < took < 2.5  # PNG would take 100 s at this pace; the read timeout never fires
    assert server.hits("/slow.png") == 1  # not retried: another attempt would only wait as long


def test_a_trickling_image_does_not_hold_the_batch(server: LoopbackServer, tmp_path: Path) -> None:
    import wx2post

    from .test_cli_images import page

    server.route("/slow.png", lambda r: drip(r, PNG, 0.05))
    server.route("/fine.png", lambda r: Reply(200, fake_png(8), PNG_HEADERS))
    first = page(tmp_path / "a.html", [server.url("/slow.png")], mid="1")
    second = page(tmp_path / "b.html", [server.url("/fine.png")], mid="2")
    start = time.monotonic()
    results = wx2post.convert(
        [first, second],
        tmp_path / "site",
        images=store_settings(allow_private=True, read_timeout=0.5, deadline=1.0),
    )
    assert time.monotonic() - start < 10
    assert [(r.status, r.images_saved, r.images_failed) for r in results] == [
        ("converted", 0, 1),
        ("converted", 1, 0),
    ]
    assert "did not send its answer within 1 s" in results[0].warnings[0]


def test_a_trickling_page_fails_its_article_clearly(server: LoopbackServer) -> None:
    server.default = lambda r: drip(r, b"<html>" + b" " * 4000, 0.05)
    with PageFetcher(base_url=server.base, deadline=1.0, read_timeout=0.5, retries=1, delay=0) as fetcher:
        with pytest.raises(FetchError) as caught:
            fetcher.fetch_article("https://mp.weixin.qq.com/s/Slow0000000000000000001")
    assert "127.0.0.1 did not send its answer within 1 s" in caught.value.reason


# -- retries, Retry-After, misbehaving servers -------------------------------------------------------


def test_retry_after_as_an_http_date_is_honoured(server: LoopbackServer) -> None:
    calls: list[float] = []

    def limited(req: Request) -> Reply:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Reply(503, b"", {"Retry-After": email.utils.formatdate(time.time() + 2, usegmt=True)})
        return Reply(200, PNG, PNG_HEADERS)

    server.route("/a.png", limited)
    with HttpClient() as client:
        assert fetch(client, server.url("/a.png"), Limits(retries=1, max_wait=5)) == PNG
    assert 0.9 < calls[1] - calls[0] < 3.5  # the date is whole seconds: between 1 and 2 s from now


def test_a_429_pauses_every_request_to_that_host(server: LoopbackServer) -> None:
    seen: list[tuple[str, float]] = []

    def answer(req: Request) -> Reply:
        seen.append((req.path, time.monotonic()))
        if req.path == "/a" and len(seen) == 1:
            return Reply(429, b"", {"Retry-After": "1"})
        return Reply(200, PNG, PNG_HEADERS)

    server.default = answer
    with HttpClient() as client:
        fetch(client, server.url("/a"), Limits(retries=1, max_wait=5))
        fetch(client, server.url("/b"))
    assert [p for p, _ in seen] == ["/a", "/a", "/b"] and seen[1][1] - seen[0][1] > 0.9


@pytest.mark.parametrize(
    "handler, reason, hits",
    [
        (lambda r: Reply(500, b"down"), "HTTP 500", 3),
        (
            lambda r: send_partial_then_reset(r, b"<html>", 5000, "text/html"),
            "connection to 127.0.0.1 broken",
            3,
        ),
        (lambda r: Reply(200, b"<html>", declared_length=900), "connection to 127.0.0.1 broken mid-body", 3),
        (lambda r: Reply(404, b"gone"), "HTTP 404", 1),
    ],
    ids=["500", "reset", "truncated", "404"],
)
def test_page_failures_are_retried_when_worth_it_and_named(
    server: LoopbackServer, handler: object, reason: str, hits: int
) -> None:
    server.default = handler  # type: ignore[assignment]
    link = "https://mp.weixin.qq.com/s/Broken000000000000000001"
    with PageFetcher(base_url=server.base, retries=2, delay=0, sleep=lambda s: None) as fetcher:
        with pytest.raises(FetchError) as caught:
            fetcher.fetch_article(link)
    assert reason in caught.value.reason and len(server.requests) == hits


@pytest.mark.parametrize("content_type", ["text/html", "image/png", "application/octet-stream", ""])
def test_an_image_is_judged_by_its_bytes_not_its_content_type(
    content_type: str, server: LoopbackServer, tmp_path: Path
) -> None:
    server.route(
        "/login", lambda r: Reply(200, b"<!DOCTYPE html><p>please log in</p>", {"Content-Type": content_type})
    )
    server.route("/png", lambda r: Reply(200, PNG, {"Content-Type": content_type or "text/plain"}))
    with ImageStore(tmp_path, store_settings(allow_private=True)) as store:
        login, png = store.localise(
            [ImageRef(server.url("/login")), ImageRef(server.url("/png"))], PageSource(html="", origin="t")
        )
    assert login.source == "failed" and "HTML" in login.error
    assert png.source == "network" and png.path is not None and png.path.suffix == ".png"


# -- hosts that are down: the breaker ------------------------------------------------------------------


def refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_host_is_tried_once_for_the_whole_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = refused_port()
    tries: list[object] = []
    guarded = socket.socket.connect

    def counting(self: socket.socket, address: object) -> None:
        tries.append(address)
        guarded(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", counting)
    refs = [ImageRef(f"http://127.0.0.1:{port}/{i}.png") for i in range(40)]
    start = time.monotonic()
    with ImageStore(tmp_path, store_settings(allow_private=True, jobs=8)) as store:
        outcomes = store.localise(refs, PageSource(html="", origin="t"))
    assert time.monotonic() - start < 3
    assert {o.error for o in outcomes} == {"could not connect to 127.0.0.1"}
    assert len(tries) <= 8 * 3  # the workers already started finish their attempts; nothing after


def test_the_breaker_closes_again_on_success(server: LoopbackServer) -> None:
    state = {"up": False}
    server.default = lambda r: Reply(200, PNG, PNG_HEADERS) if state["up"] else None

    clock = [0.0]
    with HttpClient(clock=lambda: clock[0], breaker_cooldown=60) as client:
        limits = Limits(retries=0, connect_timeout=1, read_timeout=1)
        port = refused_port()
        with pytest.raises(HttpError, match="could not connect"):
            fetch(client, f"http://127.0.0.1:{port}/a", limits)
        assert client.breaker.is_open(f"http://127.0.0.1:{port}")
        with pytest.raises(HttpError, match="could not connect"):
            fetch(client, f"http://127.0.0.1:{port}/b", limits)  # the same server: not even tried
        clock[0] = 61.0  # the cooldown passed: the next request is a probe
        assert not client.breaker.is_open(f"http://127.0.0.1:{port}")
        state["up"] = True
        assert fetch(client, server.url("/c"), limits) == PNG
        assert not client.breaker.is_open(f"http://127.0.0.1:{server.port}")


def test_the_breaker_is_kept_per_server_not_per_machine(server: LoopbackServer) -> None:
    """Two bridges on localhost, or a mirror beside an image server: one refusing
    connections says nothing of the other."""
    server.default = lambda r: Reply(200, PNG, PNG_HEADERS)
    with HttpClient() as client:
        limits = Limits(retries=0, connect_timeout=1, read_timeout=1)
        port = refused_port()
        with pytest.raises(HttpError, match="could not connect"):
            fetch(client, f"http://127.0.0.1:{port}/a", limits)
        assert fetch(client, server.url("/b"), limits) == PNG
        assert len(server.requests) == 1


def test_an_unresolvable_host_is_looked_up_once_by_all_workers(tmp_path: Path) -> None:
    lookups: list[str] = []

    def slow_dead_resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        time.sleep(0.5)  # a resolver that times out, as offline machines' often do
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    refs = [ImageRef(f"https://{CDN}/mmbiz_png/x/{'A' * 20}{i:04d}/640") for i in range(60)]
    start = time.monotonic()
    with ImageStore(tmp_path, store_settings(jobs=8), resolve=slow_dead_resolver) as store:
        outcomes = store.localise(refs, PageSource(html="", origin="t"))
    assert time.monotonic() - start < 2
    assert lookups == [CDN]
    assert {o.error for o in outcomes} == {f"cannot resolve host {CDN}"}


# -- properties ------------------------------------------------------------------------------------


@given(st.one_of(st.text(max_size=60), st.from_regex(r"\A[0-9]{1,12}\Z"), st.none()))
def test_retry_after_never_raises_and_is_never_negative(value: str | None) -> None:
    wait = retry_after(value)
    assert wait is None or wait >= 0
    if value is not None and value.strip().isascii() and value.strip().isdigit():
        assert wait == float(value.strip())


@settings(max_examples=40, deadline=None)
@given(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=30),
    st.sampled_from(["key", "pass_ticket", "uin", "token"]),
)
def test_errors_never_carry_the_url_or_its_secrets(secret: str, name: str) -> None:
    port = refused_port()
    from urllib.parse import quote

    url = f"http://127.0.0.1:{port}/p/{quote(secret)}?{name}={quote(secret)}"
    with HttpClient() as client, pytest.raises(HttpError) as caught:
        fetch(client, url, Limits(retries=0))
    assert caught.value.reason == "could not connect to 127.0.0.1"
