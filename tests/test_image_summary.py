"""Failing images, summarised: one line per article on standard error, the detail under -v and in
--json, one attempt per host that is down (not one per image), and a hint when nothing could be
downloaded. "Offline" here is real: the conftest guard answers every host name with 'unknown
host', as a machine without a network does."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.errors import ExitStatus

from .loopback import LoopbackServer, Reply, fake_png
from .test_cli_images import page

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CDN = "mmbiz.qpic.cn"


def cdn_images(n: int, account: str = "AbCdEf") -> list[str]:
    return [f"https://{CDN}/mmbiz_png/{account}/{'Q' * 30}{i:04d}/640?wx_fmt=png" for i in range(n)]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["convert", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host name looked up (through the conftest's offline resolver)."""
    seen: list[str] = []
    offline = socket.getaddrinfo

    def counting(host: object, *args: object, **kwargs: object) -> object:
        seen.append(str(host))
        return offline(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    return seen


def test_an_offline_run_prints_one_line_per_article_and_asks_each_host_once(
    tmp_path: Path, lookups: list[str]
) -> None:
    pages = [page(tmp_path / f"{n}.html", cdn_images(20 + n, f"Acc{n}"), mid=str(n)) for n in range(1, 4)]
    code, out, err = run(*map(str, pages), "-o", str(tmp_path / "site"))
    assert code == ExitStatus.PARTIAL
    lines = err.splitlines()
    for n, source in enumerate(pages, start=1):
        assert f"wx2post: warning: {source}: {20 + n} images not saved: cannot resolve host {CDN}" in lines
    assert sum("images not saved" in line for line in lines) == 3
    assert not any("mmbiz_png" in line for line in lines)  # no image URL: that is for -v and --json
    hints = [line for line in lines if "--images remote" in line]
    assert len(hints) == 1 and "no image could be downloaded" in hints[0]
    assert lookups.count(CDN) == 1  # 63 images, one question to the resolver
    assert len(out.splitlines()) == 3  # the three posts were written all the same


def test_the_detail_is_in_json_and_under_verbose(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.route("/ok.png", lambda r: Reply(200, fake_png(1), {"Content-Type": "image/png"}))
        server.route("/gone.png", lambda r: Reply(404, b""))
        images = [server.url("/ok.png"), server.url("/gone.png"), *cdn_images(2)]
        src = page(tmp_path / "a.html", images)
        code, out, err = run(str(src), "-o", str(tmp_path / "site"), "--json", "--allow-private-addresses")
        (record,) = [json.loads(line) for line in out.splitlines()]
        assert code == ExitStatus.PARTIAL
        assert record["images_saved"] == 1 and record["images_failed"] == 3
        assert record["failed_images"] == [
            {"url": server.url("/gone.png"), "reason": "HTTP 404"},
            {"url": cdn_images(2)[0], "reason": f"cannot resolve host {CDN}"},
            {"url": cdn_images(2)[1], "reason": f"cannot resolve host {CDN}"},
        ]
        summary = f"3 images not saved: cannot resolve host {CDN} (2), HTTP 404 (1)"
        assert record["warnings"] == [summary]
        assert sum("images not saved" in line for line in err.splitlines()) == 1
        assert "--images remote" not in err  # one image came: the network works

        code, out, err = run(str(src), "-o", str(tmp_path / "site2"), "-v", "--allow-private-addresses")
        lines = err.splitlines()
        assert f"wx2post: image not saved: {server.url('/gone.png')}: HTTP 404" in lines
        assert f"wx2post: image not saved: {cdn_images(2)[1]}: cannot resolve host {CDN}" in lines


def test_a_host_that_refuses_is_tried_once_for_the_whole_run(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: connections are refused
    images = [f"http://127.0.0.1:{port}/{i}.png" for i in range(30)]
    pages = [page(tmp_path / f"{n}.html", images[n * 10 : n * 10 + 10], mid=str(n)) for n in range(3)]
    start = time.monotonic()
    code, out, err = run(*map(str, pages), "-o", str(tmp_path / "site"), "--allow-private-addresses")
    assert time.monotonic() - start < 10  # 30 images x 4 attempts with backoff would take minutes
    assert code == ExitStatus.PARTIAL
    lines = [line for line in err.splitlines() if "images not saved" in line]
    expected = "10 images not saved: could not connect to 127.0.0.1"
    assert lines == [f"wx2post: warning: {p}: {expected}" for p in pages]


@pytest.mark.corpus
def test_the_corpus_offline_is_one_line_per_article(tmp_path: Path, lookups: list[str]) -> None:
    if not CORPUS.exists():
        assert not os.environ.get("CI"), f"the shared corpus is missing: {CORPUS}"
        pytest.skip("no shared corpus here")
    code, out, err = run(str(CORPUS / "pages"), "-o", str(tmp_path / "site"))
    lines = err.splitlines()
    image_lines = [line for line in lines if "images not saved" in line or "image not saved" in line]
    articles = len(out.splitlines())
    assert 0 < len(image_lines) <= articles  # at most one line per article, never one per image
    assert not any("not saved" in line and "mmbiz_" in line for line in lines)  # URLs are for -v and --json
    assert len(set(lookups)) == len(lookups)  # every host asked once for the whole run
