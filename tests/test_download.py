"""The image store and downloader against a real, misbehaving HTTP server on 127.0.0.1.

Each misbehaviour is checked three times: what the first run leaves on disk and
reports, that a second run against a healed server repairs it with one request,
and that a third run makes no request at all.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wx2post import images
from wx2post.errors import UnsafePath
from wx2post.http import HttpClient, HttpError, is_public
from wx2post.images import ImageOutcome, ImageSettings, image_stem
from wx2post.models import ImageRef
from wx2post.sources import PageSource
from wx2post.store import ImageStore, export_file, image_limits

from .loopback import (
    LoopbackServer,
    Reply,
    Request,
    fake_jpeg,
    fake_png,
    send_partial_then_reset,
    stream_without_length,
)

PNG = fake_png(1)
JPEG = fake_jpeg(2)
PLACEHOLDER = fake_png(999, 2048)
WX_ID = "B0iccJAX1GVzqhicLiata76DbSyeaj44pUic1p5oX72QarfqCcZsbCCFBZTjgCO1IsBaQsasKJFicia4UKSnkCV8DwzA"
WX_URL = f"https://mmbiz.qpic.cn/mmbiz_jpg/B0iccJAX1GVzq/{WX_ID}/640?wx_fmt=jpeg"


def fast(**changes: object) -> ImageSettings:
    """Settings with test-sized timeouts and waits (the loopback server is trusted)."""
    values: dict[str, object] = dict(
        allow_private=True, connect_timeout=1.0, read_timeout=0.3, retries=2, backoff=0.01, max_wait=0.3
    )
    values.update(changes)
    return ImageSettings(**values)  # type: ignore[arg-type]


def only_this_loopback(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """The test server is allowed; every other private address is not (as in production)."""
    return ip == ipaddress.ip_address("127.0.0.1") or is_public(ip)


def ok_png(req: Request) -> Reply:
    return Reply(200, PNG, {"Content-Type": "image/png"})


def localise(
    site: Path, refs: list[ImageRef], page: PageSource | None = None, **store_args: object
) -> list[ImageOutcome]:
    settings = store_args.pop("settings", None) or fast()
    with ImageStore(site, settings, **store_args) as store:  # type: ignore[arg-type]
        return store.localise(refs, page or PageSource(html="", origin="test"))


def files(site: Path) -> list[str]:
    folder = site / "postimg"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every address a socket tried to connect to (the conftest guard still applies)."""
    seen: list[object] = []
    guarded = socket.socket.connect

    def record(self: socket.socket, address: object) -> None:
        seen.append(address)
        guarded(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", record)
    return seen


@pytest.fixture
def known_placeholder(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(images, "PLACEHOLDER_SHA256", {hashlib.sha256(PLACEHOLDER).hexdigest()})
    yield


# -- the happy path ------------------------------------------------------------------


def test_download_then_rerun_makes_no_request(server: LoopbackServer, tmp_path: Path) -> None:
    server.route("/a", ok_png)
    server.route("/b", lambda req: Reply(200, JPEG, {"Content-Type": "application/octet-stream"}))
    refs = [ImageRef(server.url("/a?utm_source=x")), ImageRef(server.url("/b"), role="cover")]

    first = localise(tmp_path, refs)
    a, b = image_stem(server.url("/a")), image_stem(server.url("/b"))
    assert [o.source for o in first] == ["network", "network"]
    prefix = "{{site.baseurl}}/postimg/"
    assert [o.reference for o in first] == [f"{prefix}{a}.png", f"{prefix}{b}.jpeg"]
    assert files(tmp_path) == sorted([f"{a}.png", f"{b}.jpeg"])
    assert (tmp_path / "postimg" / f"{a}.png").read_bytes() == PNG
    assert [r.headers.get("referer") for r in server.requests] == [None, None]

    again = localise(tmp_path, refs)
    assert [o.source for o in again] == ["cache", "cache"]
    assert [o.reference for o in again] == [o.reference for o in first]
    assert len(server.requests) == 2


def test_a_flaky_server_is_retried_with_backoff(server: LoopbackServer, tmp_path: Path) -> None:
    calls: list[float] = []

    def flaky(req: Request) -> Reply:
        calls.append(time.monotonic())
        return Reply(503, b"busy") if len(calls) <= 2 else ok_png(req)

    server.route("/img", flaky)
    (outcome,) = localise(tmp_path, [ImageRef(server.url("/img"))], settings=fast(backoff=0.05))
    assert outcome.source == "network" and server.hits("/img") == 3
    assert calls[2] - calls[1] > calls[1] - calls[0] > 0.03  # exponential: the second wait is longer


def test_429_retry_after_is_honoured_and_capped(server: LoopbackServer, tmp_path: Path) -> None:
    calls: list[float] = []

    def limited(req: Request) -> Reply:
        calls.append(time.monotonic())
        return Reply(429, b"", {"Retry-After": "1"}) if len(calls) == 1 else ok_png(req)

    server.route("/img", limited)
    (outcome,) = localise(tmp_path, [ImageRef(server.url("/img"))], settings=fast(max_wait=0.25))
    assert outcome.source == "network" and server.hits("/img") == 2
    assert 0.2 < calls[1] - calls[0] < 0.9  # waited, but no longer than the cap


def test_retry_after_pauses_with_the_requested_delay(server: LoopbackServer) -> None:
    answers = iter([Reply(429, b"", {"Retry-After": "2"}), Reply(503, b"", {"Retry-After": "60"})])
    server.route("/img", lambda req: next(answers, None) or ok_png(req))
    waits: list[float] = []
    with HttpClient(sleep=waits.append) as client:
        body = client.fetch(server.url("/img"), io.BytesIO(), image_limits(fast(max_wait=10)))
    assert body.size == len(PNG)
    assert 1.5 < waits[0] <= 2.0 and 9.0 < waits[1] <= 10.0  # as asked, then capped at max_wait


# -- misbehaviours: first run, repair, no-op ------------------------------------------


def _hang(req: Request) -> Reply:
    return Reply(200, PNG, {"Content-Type": "image/png"}, delay=1.5)


def _stall_mid_body(req: Request) -> Reply:
    return Reply(200, fake_png(3, 64 * 1024), {"Content-Type": "image/png"}, chunk_delay=1.0)


def _reset(req: Request) -> None:
    send_partial_then_reset(req, PNG[:100], len(PNG) + 4000, "image/png")


def _short(req: Request) -> Reply:
    return Reply(200, PNG, {"Content-Type": "image/png"}, declared_length=len(PNG) + 500)


def _placeholder(req: Request) -> Reply:
    """What WeChat answers, with status 200, to a request carrying a foreign Referer."""
    return Reply(200, PLACEHOLDER, {"Content-Type": "image/png"})


MISBEHAVIOURS: dict[str, tuple[Callable[[Request], Reply | None], int, str]] = {
    # name: (handler, requests in the first run, reason)
    "fails-always": (lambda req: Reply(500, b"down"), 3, "HTTP 500"),
    "hangs": (_hang, 3, "127.0.0.1 did not answer in time"),
    "stalls-mid-body": (_stall_mid_body, 3, "127.0.0.1 did not answer in time"),
    "resets-mid-body": (_reset, 3, "connection to 127.0.0.1 broken mid-body"),
    "short-body": (_short, 3, "connection to 127.0.0.1 broken mid-body"),
    "html": (
        lambda req: Reply(200, b"<!DOCTYPE html><html>login</html>", {"Content-Type": "text/html"}),
        1,
        "HTML",
    ),
    "empty": (lambda req: Reply(200, b"", {"Content-Type": "image/png"}), 1, "empty body"),
    "not-found": (lambda req: Reply(404, b"gone"), 1, "HTTP 404"),
    "placeholder": (_placeholder, 1, "placeholder"),
    "too-large": (lambda req: Reply(200, fake_png(4, 300_000)), 1, "larger than the limit"),
    "redirect-loop": (lambda req: Reply(302, b"", {"Location": "/img?again"}), 6, "more than 5 redirects"),
    "redirect-to-private": (
        lambda req: Reply(302, b"", {"Location": "http://10.0.0.1/x.png"}),
        1,
        "10.0.0.1",
    ),
    "redirect-to-metadata": (
        lambda req: Reply(301, b"", {"Location": "http://169.254.169.254/latest/meta-data/"}),
        1,
        "private or reserved address",
    ),
    "redirect-to-file": (
        lambda req: Reply(302, b"", {"Location": "file:///etc/passwd"}),
        1,
        "not an http(s) URL",
    ),
}


@pytest.mark.parametrize("name", list(MISBEHAVIOURS))
def test_misbehaviour_fails_cleanly_and_a_rerun_repairs_it(
    name: str, server: LoopbackServer, tmp_path: Path, connects: list[object], known_placeholder: None
) -> None:
    handler, hits, reason = MISBEHAVIOURS[name]
    settings = fast(allow_private=False, max_size=200_000)
    good = ImageRef(server.url("/good"))
    bad = ImageRef(server.url("/img?wx_fmt=png&key=SECRET&pass_ticket=T"))
    server.route("/good", ok_png)
    server.route("/img", handler)

    first = localise(tmp_path, [bad, good], settings=settings, address_ok=only_this_loopback)
    assert first[1].source == "network"
    assert first[0].source == "failed" and first[0].path is None
    assert reason in first[0].error and "SECRET" not in first[0].error and "\n" not in first[0].error
    assert first[0].reference == server.url("/img?wx_fmt=png")  # the post keeps the clean remote URL
    assert server.hits("/img") == hits
    assert files(tmp_path) == [first[1].path.name]  # type: ignore[union-attr]  # nothing else, no .part
    assert {a[0] for a in connects if isinstance(a, tuple)} == {"127.0.0.1"}  # never left loopback

    server.route("/img", ok_png)  # the server heals
    second = localise(tmp_path, [bad, good], settings=settings, address_ok=only_this_loopback)
    assert [o.source for o in second] == ["network", "cache"]
    assert server.hits("/img") == hits + 1 and server.hits("/good") == 1

    third = localise(tmp_path, [bad, good], settings=settings, address_ok=only_this_loopback)
    assert [o.source for o in third] == ["cache", "cache"]
    assert len(server.requests) == hits + 2
    assert len(files(tmp_path)) == 2


def test_a_streamed_body_over_the_limit_is_cut_off(server: LoopbackServer, tmp_path: Path) -> None:
    sent: list[int] = []
    total = 64 * 1024 * 1024

    def endless(req: Request) -> None:  # no Content-Length: only counting can stop it
        sent.append(stream_without_length(req, total, "image/png"))

    server.route("/big", endless)
    (outcome,) = localise(tmp_path, [ImageRef(server.url("/big"))], settings=fast(max_size=1024 * 1024))
    assert outcome.source == "failed" and "larger than the limit" in outcome.error
    deadline = time.monotonic() + 5
    while not sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sent and sent[0] < total // 4  # the client hung up early instead of reading it all
    assert files(tmp_path) == []


def test_no_foreign_referer_even_from_a_shared_client(server: LoopbackServer, tmp_path: Path) -> None:
    def hotlink(req: Request) -> Reply:
        referer = req.headers.get("referer", "")
        if referer and not referer.startswith("https://mp.weixin.qq.com/"):
            return _placeholder(req)
        return ok_png(req)

    server.route("/img", hotlink)
    with HttpClient() as client:
        client.session.headers["Referer"] = "https://blog.example.org/"  # a session-wide default
        (outcome,) = localise(tmp_path, [ImageRef(server.url("/img"))], client=client)
    assert outcome.source == "network"
    assert outcome.path is not None and outcome.path.read_bytes() == PNG
    assert "referer" not in server.requests[0].headers


# -- refusing addresses and schemes ------------------------------------------------------


def test_loopback_is_refused_by_default_before_connecting(
    server: LoopbackServer, tmp_path: Path, connects: list[object]
) -> None:
    server.route("/img", ok_png)
    (outcome,) = localise(tmp_path, [ImageRef(server.url("/img"))], settings=fast(allow_private=False))
    assert outcome.source == "failed" and "private or reserved" in outcome.error
    assert connects == [] and server.requests == []


def test_dns_rebinding_is_caught_at_the_socket(server: LoopbackServer, tmp_path: Path) -> None:
    # The resolver used for the pre-check says "public", the connection lands on loopback.
    server.route("/img", ok_png)
    url = f"http://localhost:{server.port}/img"
    (outcome,) = localise(
        tmp_path,
        [ImageRef(url)],
        settings=fast(allow_private=False),
        resolve=lambda host, port: ["93.184.216.34"],
    )
    assert outcome.source == "failed" and "connected to a private or reserved address" in outcome.error
    assert files(tmp_path) == []


@pytest.mark.parametrize("url", ["ftp://example.com/a.png", "file:///etc/passwd", "javascript:alert(1)"])
def test_only_http_urls_are_fetched(url: str, tmp_path: Path, connects: list[object]) -> None:
    (outcome,) = localise(tmp_path, [ImageRef(url)])
    assert outcome.source == "failed" and connects == []


# -- copies in the export -------------------------------------------------------------------


def test_save_complete_copies_are_used_with_no_request(tmp_path: Path, connects: list[object]) -> None:
    export = tmp_path / "export"
    (export / "Title_files").mkdir(parents=True)
    (export / "Title_files" / "640(1)").write_bytes(JPEG)
    (export / "assets").mkdir()
    (export / "assets" / "a b.png").write_bytes(PNG)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>'
    refs = [
        ImageRef(WX_URL, local="./Title_files/640(1)"),
        ImageRef("assets/a%20b.png", local="assets/a%20b.png"),  # an exporter page without remote URLs
        ImageRef("data:image/svg+xml," + svg.decode(), local=""),
        ImageRef(WX_URL, local="Title_files/640(1)"),  # the same picture twice
    ]
    page = PageSource(html="", origin="x", base_dir=export)
    site = tmp_path / "site"
    out = localise(site, refs, page)
    png_stem = hashlib.sha256(PNG).hexdigest()[:32]
    svg_stem = hashlib.sha256(svg).hexdigest()[:32]
    assert [o.source for o in out] == ["export", "export", "export", "cache"]
    assert [o.path.name for o in out if o.path] == [
        f"{WX_ID}.jpeg",
        f"{png_stem}.png",
        f"{svg_stem}.svg",
        f"{WX_ID}.jpeg",
    ]
    assert connects == []
    assert files(site) == sorted([f"{WX_ID}.jpeg", f"{png_stem}.png", f"{svg_stem}.svg"])


@pytest.mark.parametrize(
    "location",
    [
        WX_URL + "&tp=webp&wxfrom=5&wx_lazy=1&wx_co=1",  # as the browser fetched it
        WX_URL.replace("/640?wx_fmt=jpeg", "/0?wx_fmt=other&from=appmsg"),  # another size, same id
    ],
)
def test_mhtml_parts_are_matched_to_the_image(location: str, tmp_path: Path, connects: list[object]) -> None:
    page = PageSource(html="", origin="x.mhtml", parts={location: PNG})
    (outcome,) = localise(tmp_path, [ImageRef(WX_URL)], page)
    assert outcome.source == "export" and outcome.path is not None and outcome.path.name == f"{WX_ID}.png"
    assert connects == []


def test_an_export_path_may_not_leave_the_export(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (tmp_path / "secret.png").write_bytes(PNG)
    (export / "link.png").symlink_to(tmp_path / "secret.png")
    for local in (
        "../secret.png",
        str(tmp_path / "secret.png"),
        "link.png",
        "file:///etc/passwd",
        "C:/x.png",
    ):
        assert export_file(export, local) is None
    escape = ImageRef("../secret.png", local="../secret.png")
    (outcome,) = localise(tmp_path / "site", [escape], PageSource(html="", origin="x", base_dir=export))
    assert outcome.source == "failed" and files(tmp_path / "site") == []


@pytest.mark.parametrize("copy", [b"<html>not an image</html>", b"", fake_png(5, 300_000)])
def test_an_unusable_export_copy_falls_back_to_the_network(
    copy: bytes, server: LoopbackServer, tmp_path: Path
) -> None:
    (tmp_path / "x_files").mkdir()
    (tmp_path / "x_files" / "640").write_bytes(copy)
    server.route("/img", ok_png)
    page = PageSource(html="", origin="x", base_dir=tmp_path)
    ref = ImageRef(server.url("/img"), local="x_files/640")
    (outcome,) = localise(tmp_path / "site", [ref], page, settings=fast(max_size=200_000))
    assert outcome.source == "network" and server.hits("/img") == 1
    assert outcome.path is not None and outcome.path.read_bytes() == PNG


# -- de-duplication -------------------------------------------------------------------------


def test_an_image_shared_by_articles_is_downloaded_once(server: LoopbackServer, tmp_path: Path) -> None:
    server.route("/img", lambda req: Reply(200, PNG, {"Content-Type": "image/png"}, delay=0.2))
    ref = ImageRef(server.url("/img"))
    page = PageSource(html="", origin="x")
    results: list[list[ImageOutcome]] = []
    with ImageStore(tmp_path, fast()) as store:
        threads = [
            threading.Thread(target=lambda: results.append(store.localise([ref, ref], page)))
            for _ in range(3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        later = store.localise([ref], page)
    assert server.hits("/img") == 1
    sources = sorted(o.source for r in results for o in r)
    assert sources == ["cache"] * 5 + ["network"] and later[0].source == "cache"
    assert len({o.path for r in results for o in r}) == 1 and len(files(tmp_path)) == 1


def test_a_failure_is_not_retried_by_the_next_article_of_the_run(
    server: LoopbackServer, tmp_path: Path
) -> None:
    server.route("/img", lambda req: Reply(404, b""))
    ref = ImageRef(server.url("/img"))
    with ImageStore(tmp_path, fast()) as store:
        one = store.localise([ref], PageSource(html="", origin="a"))
        two = store.localise([ref], PageSource(html="", origin="b"))
    assert one[0].source == two[0].source == "failed" and server.hits("/img") == 1


# -- modes and settings --------------------------------------------------------------------------


def test_remote_mode_touches_nothing(tmp_path: Path, connects: list[object]) -> None:
    refs = [ImageRef(WX_URL + "&tp=webp&wx_lazy=1"), ImageRef("https://x.org/a.png?uin=U&key=K")]
    out = localise(tmp_path, refs, settings=fast(mode="remote"))
    assert [o.reference for o in out] == [WX_URL, "https://x.org/a.png"]
    assert {o.source for o in out} == {"remote"} and connects == [] and not (tmp_path / "postimg").exists()


def test_custom_folder_and_prefix(server: LoopbackServer, tmp_path: Path) -> None:
    server.route("/img", ok_png)
    settings = fast(folder="static/img", prefix="/img/")
    (outcome,) = localise(tmp_path, [ImageRef(server.url("/img"))], settings=settings)
    assert outcome.path is not None and outcome.path.parent == tmp_path / "static" / "img"
    assert outcome.reference == "/img/" + outcome.path.name


def test_a_folder_outside_the_site_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafePath):
        ImageStore(tmp_path, ImageSettings(folder="../elsewhere"))


def test_downloader_errors_carry_no_credentials(server: LoopbackServer) -> None:
    server.route("/img", lambda req: Reply(302, b"", {"Location": "ftp://h/x?key=SECRET&uin=U"}))
    with HttpClient() as client, pytest.raises(HttpError) as caught:
        client.fetch(server.url("/img?key=SECRET"), io.BytesIO(), image_limits(fast()))
    assert "SECRET" not in caught.value.reason and "uin" not in caught.value.reason


@pytest.mark.parametrize("code, attempts", [(socket.EAI_NONAME, 1), (socket.EAI_AGAIN, 3)])
def test_an_unknown_host_is_not_retried_but_a_dns_hiccup_is(code: int, attempts: int) -> None:
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        raise socket.gaierror(code, "dns")

    with HttpClient(resolve=resolve) as client, pytest.raises(HttpError, match="resolve host img.example"):
        client.fetch("http://img.example/a.png", io.BytesIO(), image_limits(fast()), address_ok=is_public)
    assert len(calls) == attempts


def test_a_proxy_from_the_environment_is_used_and_trusted_as_the_peer(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", server.base)  # the loopback server plays the proxy
    server.route("/img", ok_png)
    (outcome,) = localise(
        tmp_path,
        [ImageRef("http://images.example/img")],
        settings=fast(allow_private=False),
        resolve=lambda host, port: ["93.184.216.34"],  # the target is public; the proxy is not
    )
    assert outcome.source == "network"
    assert server.requests[0].raw_path == "http://images.example/img"
