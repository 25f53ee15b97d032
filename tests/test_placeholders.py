"""A saved copy of an image counts only when it is the image (issue 11, item 6).

Browser saves made before the images loaded keep the lazy loader's placeholder, a
`src="data:..."` 1×1 GIF beside the real `data-src`, or a 1×1 file in `_files/`.
Such a copy is never stored as the picture: the real URL is fetched, and a warning
says so.
"""

from __future__ import annotations

import base64
import struct
from pathlib import Path

from click.testing import CliRunner

from wx2post.cli import main
from wx2post.images import lazy_stub

from .loopback import LoopbackServer, Reply, fake_png
from .pages import article_html

GIF_1X1 = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
SVG_STUB = b"<svg xmlns='http://www.w3.org/2000/svg' width='1px' height='1px'></svg>"
PNG = {"Content-Type": "image/png"}


def png(width: int, height: int, size: int = 600) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0" * 4
    return head + b"\0" * (size - len(head))


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_stubs_are_told_from_pictures() -> None:
    assert lazy_stub(GIF_1X1) == "a 1×1 gif"
    assert lazy_stub(png(1, 1)) == "a 1×1 png"
    assert lazy_stub(SVG_STUB) == "an empty 1×1 SVG"
    assert lazy_stub(b"\xff\xd8\xff\xe0" + b"\0" * 40) == "only 44 bytes"
    assert lazy_stub(png(640, 480)) == ""
    assert lazy_stub(fake_png(1)) == ""
    assert lazy_stub(b"<svg width='24' height='24'><path d='M0 0h24v24H0z'/></svg>") == ""


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["convert", *args, "--allow-private-addresses"])
    return result.exit_code, result.stderr


def test_a_data_uri_stub_beside_data_src_is_passed_over(server: LoopbackServer, tmp_path: Path) -> None:
    real = [fake_png(10 + i) for i in range(3)]
    for i, data in enumerate(real):
        server.route(f"/p{i}.png", lambda r, data=data: Reply(200, data, PNG))
    stubs = [
        data_uri(GIF_1X1, "image/gif"),
        data_uri(SVG_STUB, "image/svg+xml"),
        data_uri(png(1, 1), "image/png"),
    ]
    imgs = "".join(
        f"<p><img data-src='{server.url(f'/p{i}.png')}' src='{stub}'></p>" for i, stub in enumerate(stubs)
    )
    page = tmp_path / "saved.html"
    page.write_text(article_html(1, body="<p>正文</p>" + imgs), encoding="utf-8")
    site = tmp_path / "site"
    code, err = _run(str(page), "-o", str(site))
    assert code == 0, err
    stored = sorted(p.read_bytes() for p in (site / "postimg").iterdir())
    assert stored == sorted(real)  # never a 1×1 picture
    assert [server.hits(f"/p{i}.png") for i in range(3)] == [1, 1, 1]
    # One line for the article, however many of its copies are stubs.
    (note,) = [line for line in err.splitlines() if "placeholder" in line and "saved copies" in line]
    assert "images 1, 2, 3: the saved copies are placeholders (a 1×1 gif, an empty 1×1 SVG" in note
    assert "the real images are fetched" in note


def test_a_stub_file_in_the_export_folder_is_passed_over(server: LoopbackServer, tmp_path: Path) -> None:
    server.route("/real.png", lambda r: Reply(200, fake_png(5), PNG))
    files = tmp_path / "第1篇文章_files"
    files.mkdir()
    (files / "640").write_bytes(GIF_1X1)
    body = f"<p><img data-src='{server.url('/real.png')}' src='./第1篇文章_files/640'></p>"
    page = tmp_path / "第1篇文章.html"
    page.write_text(article_html(1, body="<p>正文</p>" + body), encoding="utf-8")
    site = tmp_path / "site"
    code, err = _run(str(page), "-o", str(site))
    assert code == 0, err
    assert [p.read_bytes() for p in (site / "postimg").iterdir()] == [fake_png(5)]
    assert "is a placeholder (a 1×1 gif): fetched the image instead" in err


def test_a_real_saved_copy_is_still_used_offline(tmp_path: Path) -> None:
    picture = png(640, 480)
    url = "https://mmbiz.qpic.cn/mmbiz_png/A/Img001abcdefgh/640?wx_fmt=png"
    imgs = f"<p><img data-src='{url}' src='{data_uri(picture, 'image/png')}'></p>"
    page = tmp_path / "single.html"
    page.write_text(article_html(2, body="<p>正文</p>" + imgs), encoding="utf-8")
    site = tmp_path / "site"
    code, err = _run(str(page), "-o", str(site))
    assert code == 0, err  # no request: the network guard would fail it
    assert [p.read_bytes() for p in (site / "postimg").iterdir()] == [picture]
    assert "placeholder" not in err


def test_images_on_every_wechat_asset_host_lose_the_cdn_decorations() -> None:
    from wx2post.urls import clean_image_url

    emoji = "https://res.wx.qq.com/mpres/htmledition/images/icon/emotion/smiley_0.png"
    assert clean_image_url(emoji + "?tp=webp&wxfrom=5&wx_lazy=1#imgIndex=3") == emoji
    assert clean_image_url("//res.wx.qq.com/x.png?wx_fmt=png&tp=webp#imgIndex=0") == (
        "https://res.wx.qq.com/x.png?wx_fmt=png"
    )
    cdn = "https://mmbiz.qpic.cn/mmbiz_png/a/b/640?wx_fmt=png"
    assert clean_image_url(cdn + "&tp=webp&wxfrom=5&wx_lazy=1#imgIndex=2") == cdn
    other = "https://example.com/a.png?tp=1#imgIndex=2"
    assert clean_image_url(other) == other  # the author's own image stays as written
