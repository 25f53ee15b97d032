"""Image planning rules (pure): names, type sniffing, verification, folder safety."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from pathlib import Path

import pytest

from wx2post import images
from wx2post.errors import UnsafePath
from wx2post.http import is_public
from wx2post.http import retry_after as parse_retry_after
from wx2post.images import (
    BadImage,
    check_svg,
    decode_data_uri,
    file_name,
    image_folder,
    image_stem,
    is_placeholder,
    looks_like_html,
    remote_reference,
    sniff_extension,
    verify_image,
)
from wx2post.models import ImageRef

ID = "B0iccJAX1GVzqhicLiata76DbSyeaj44pUicWFS297ofp2ib3H8xPbaH07L2TDQFdFiaFXlPNd4EtibP5rhptK1I0ic8ng"
ACCT = "B0iccJAX1GVzqhicLiata76DbSyeaj44pUic"


# -- names --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"https://mmbiz.qpic.cn/mmbiz_png/{ACCT}/{ID}/640?wx_fmt=png",
        f"https://mmbiz.qpic.cn/sz_mmbiz_jpg/{ACCT}/{ID}/0?wx_fmt=jpeg&from=appmsg",
        f"http://mmbiz.qpic.cn/mmbiz_png/{ACCT}/{ID}/640?wx_fmt=png&tp=webp&wxfrom=5&wx_lazy=1&wx_co=1",
        f"//mmbiz.qlogo.cn/mmbiz_gif/{ACCT}/{ID}/640?wx_fmt=other",
        f"https://mmbiz.qpic.cn/mmbiz/{ID}/0",  # legacy, no account segment
        f"https://mmbiz.qpic.cn/mmbiz_jpg/{ACCT}/{ID}",  # no size segment
    ],
)
def test_wechat_images_are_named_after_the_image_id(url: str) -> None:
    assert image_stem(url) == ID


def test_other_urls_are_named_after_a_hash_of_the_clean_url() -> None:
    stem = image_stem("https://example.com/a.png?utm_source=x")
    assert stem == hashlib.sha256(b"https://example.com/a.png").hexdigest()[:32]
    assert image_stem("https://example.com/b.png") != stem


def test_a_wechat_url_without_a_plausible_id_falls_back_to_a_hash() -> None:
    assert len(image_stem("https://mmbiz.qpic.cn/x/640")) == 32


def test_data_uris_are_named_after_their_bytes_whatever_the_encoding() -> None:
    raw = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40
    b64 = "data:image/png;base64," + base64.b64encode(raw).decode()
    pct = "data:image/png," + "".join(f"%{b:02x}" for b in raw)
    assert image_stem(b64) == image_stem(pct) == hashlib.sha256(raw).hexdigest()[:32]


def test_an_export_path_without_a_remote_url_is_named_after_its_bytes() -> None:
    assert image_stem("assets/a1b2.jpg", b"abc") == hashlib.sha256(b"abc").hexdigest()[:32]


def test_data_uri_decoding_tolerates_whitespace_and_missing_padding() -> None:
    assert decode_data_uri("data:image/gif;base64,R0lG\nODlh") == b"GIF89a"
    assert decode_data_uri("data:image/gif;base64,R0lGODlhAQ") == b"GIF89a\x01"
    assert decode_data_uri("data:nocomma") == b""


def test_file_names_are_plain() -> None:
    assert file_name(ID, "png") == f"{ID}.png"
    for stem in ("../x", "a/b", "", "a b", "x\x00"):
        with pytest.raises(UnsafePath):
            file_name(stem, "png")


# -- type sniffing --------------------------------------------------------------


@pytest.mark.parametrize(
    "data, ext",
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
        (b"GIF89a\x01\x00", "gif"),
        (b"GIF87a\x01\x00", "gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00", "avif"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "heic"),
        (b"BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00", "bmp"),
        (b"\x00\x00\x01\x00\x01\x00\x10\x10", "ico"),
        (b"II*\x00\x08\x00", "tiff"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "svg"),
        (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- x -->\n<svg></svg>', "svg"),
        (b"<!DOCTYPE html><html><body><svg></svg></body></html>", None),
        (b"BMW is not a bitmap", None),
        (b"hello", None),
        (b"", None),
    ],
)
def test_sniff_extension(data: bytes, ext: str | None) -> None:
    assert sniff_extension(data) == ext


def test_looks_like_html() -> None:
    assert looks_like_html(b"  <!doctype html><html>")
    assert looks_like_html(b"<HTML><HEAD>")
    assert not looks_like_html(b"\x89PNG")


# -- verification ------------------------------------------------------------------


def _verify(data: bytes, content_type: str = "") -> str:
    return verify_image(data[:4096], len(data), hashlib.sha256(data).hexdigest(), content_type)


def test_verify_returns_the_extension_from_the_bytes() -> None:
    assert _verify(b"\xff\xd8\xff\xe0JFIF", "image/png") == "jpeg"  # bytes win over the header


@pytest.mark.parametrize(
    "data, content_type, reason",
    [
        (b"", "image/png", "empty body"),
        (b"<!doctype html><title>x</title>", "image/png", "HTML page"),
        (b"oops", "text/html; charset=utf-8", "HTML page"),
        (b"\x00\x01\x02", "image/x-unknown", "not a known image type"),
    ],
)
def test_verify_rejects(data: bytes, content_type: str, reason: str) -> None:
    with pytest.raises(BadImage, match=reason):
        _verify(data, content_type)


def test_the_placeholder_is_recognised_by_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    placeholder = b"\x89PNG\r\n\x1a\nplaceholder"
    assert not is_placeholder(placeholder)
    monkeypatch.setattr(images, "PLACEHOLDER_SHA256", {hashlib.sha256(placeholder).hexdigest()})
    assert is_placeholder(placeholder)
    with pytest.raises(BadImage, match="placeholder"):
        _verify(placeholder, "image/png")


def test_active_svg_is_refused() -> None:
    check_svg(b'<svg><path d="M0 0"/></svg>')
    for bad in (b"<svg><script>alert(1)</script></svg>", b'<svg onload="x()">', b'<a href="javascript:x">'):
        with pytest.raises(BadImage):
            check_svg(bad)


# -- references and the folder --------------------------------------------------------


def test_remote_reference_is_the_clean_url() -> None:
    ref = ImageRef(url=f"https://mmbiz.qpic.cn/mmbiz_png/{ACCT}/{ID}/640?wx_fmt=png&tp=webp&wx_lazy=1")
    assert remote_reference(ref) == f"https://mmbiz.qpic.cn/mmbiz_png/{ACCT}/{ID}/640?wx_fmt=png"
    assert remote_reference(ImageRef(url="https://x.org/a.png?key=SECRET&uin=U")) == "https://x.org/a.png"


@pytest.mark.parametrize("folder", ["postimg", "assets/img", "./img", "static\\img"])
def test_image_folder_inside_the_site(folder: str, tmp_path: Path) -> None:
    assert image_folder(tmp_path, folder).resolve().is_relative_to(tmp_path.resolve())


@pytest.mark.parametrize("folder", ["", "../out", "img/../../out", "/tmp/img", "C:\\img", "\\\\host\\share"])
def test_image_folder_outside_the_site_is_refused(folder: str, tmp_path: Path) -> None:
    with pytest.raises(UnsafePath):
        image_folder(tmp_path, folder)


# -- network rules that need no network -----------------------------------------------


def test_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    "address, public",
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def test_one_listing_of_an_image_folder_for_convert_and_fix(tmp_path: Path) -> None:
    """images.image_files: any case of extension, one file per stem in a fixed order,
    and only the files `usable` accepts (fix leaves out a refused SVG)."""
    from wx2post.images import image_files

    for name in ("a.PNG", "a.jpeg", "b.svg", "b.gif", "c.txt", ".png", "d.webp"):
        (tmp_path / name).write_bytes(b"x")
    assert image_files(tmp_path) == {"a": "a.jpeg", "b": "b.gif", "d": "d.webp"}
    assert image_files(tmp_path, lambda path: path.suffix != ".gif") == {
        "a": "a.jpeg",
        "b": "b.svg",
        "d": "d.webp",
    }
    assert image_files(tmp_path / "missing") == {}
