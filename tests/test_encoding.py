"""A saved page's bytes are decoded in the encoding they are in, without BeautifulSoup."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wx2post.sources import decode_bytes, decode_page
from wx2post.sources.decode import decode_text
from wx2post.sources.encoding import candidate_encodings, declared_encoding

from .tools import within

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BODY = "微信公众号文章的正文：国标编码的旧页面也要读对。" * 20


def page(head: str = "", body: str = BODY) -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>标题</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    "head",
    [
        '<meta http-equiv="Content-Type" content="text/html; charset=gbk">',
        "<meta charset='GB2312'>",
        "<meta charset=gbk />",
    ],
)
def test_declared_gbk_is_read_as_gb18030(head: str) -> None:
    body = BODY + "𠀀"  # a character GBK lacks and GB18030 has: pages declaring GBK use them
    assert decode_page(page(head, body).encode("gb18030")) == page(head, body)


def test_xml_declaration_names_the_encoding() -> None:
    text = '<?xml version="1.0" encoding="gb18030"?>' + page()
    assert decode_bytes(text.encode("gb18030")) == text


def test_undeclared_gbk_page_is_detected() -> None:
    """No BOM, no charset, not UTF-8: the detector finds the Chinese encoding."""
    assert decode_page(page().encode("gbk")) == page()


def test_undeclared_utf8_page_never_reaches_the_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    import wx2post.sources.encoding as encoding

    def fail(raw: bytes) -> str:
        raise AssertionError("the detector ran on a valid UTF-8 page")

    monkeypatch.setattr(encoding, "detected_encoding", fail)
    assert decode_page(page().encode("utf-8")) == page()


@pytest.mark.parametrize("bom_encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_byte_order_mark_decides_and_is_dropped(bom_encoding: str) -> None:
    raw = page().encode(bom_encoding)
    if bom_encoding in ("utf-16-le", "utf-16-be"):
        raw = (codecs.BOM_UTF16_LE if bom_encoding.endswith("le") else codecs.BOM_UTF16_BE) + raw
    assert decode_bytes(raw) == page()


def test_unknown_or_wrong_declaration_falls_back_to_what_decodes() -> None:
    assert declared_encoding(b"<meta charset='x-no-such-charset'>") is None
    assert decode_page(page("<meta charset='x-no-such-charset'>").encode("utf-8")).endswith("</html>")
    # Declared ASCII, written as UTF-8: the declaration is honoured (issue 10: never
    # second-guessed), each byte that is not ASCII replaced, and a warning says so.
    text, warning = decode_text(page("<meta charset='us-ascii'>").encode("utf-8"), "")
    assert text.count("\ufffd") == 3 * len(BODY + "标题") and "invalid in the page's ascii" in warning


def test_declaration_far_into_a_long_head_is_found() -> None:
    """Up to 5% of the page (at least 2 KB) is searched, as bs4 did: a 300 KB page's
    charset after 5 KB of inline style is still its charset."""
    head = "<style>" + "x" * 5000 + "</style>" + '<meta charset="gbk">'
    assert next(candidate_encodings(page(head, BODY * 300).encode("gbk"))) == "gb18030"
    assert next(candidate_encodings(page(head).encode("gbk"))) != "gb18030"  # beyond 2 KB of a small page


@settings(max_examples=200, deadline=None)
@given(st.text(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]), st.booleans())
def test_any_text_round_trips_when_declared_or_marked(text: str, encoding: str, declare: bool) -> None:
    """Whatever the text (controls, surrogate-free astral characters, markup-looking
    junk), a page that says its encoding (BOM or meta) decodes to exactly that text."""
    head = f'<meta charset="{encoding.removesuffix("-sig")}">' if declare or encoding == "gb18030" else ""
    if encoding == "utf-16":
        head = ""  # the BOM says it; a UTF-16 page cannot declare itself in ASCII bytes
    html = page(head, text)
    try:
        raw = html.encode(encoding)
    except UnicodeEncodeError:  # lone surrogates exist in no encoding
        return
    assert decode_bytes(raw) == html


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=4000))
def test_any_bytes_decode_without_error(raw: bytes) -> None:
    """Hostile bytes after a page start: some text comes back, never an exception."""
    assert isinstance(decode_page(b"<html>" + raw), str)


def _bs4_decode(raw: bytes) -> str:
    from bs4.dammit import EncodingDetector

    from wx2post.sources.encoding import widen_encoding

    for encoding in EncodingDetector(raw, is_html=True).encodings:
        try:
            return raw.decode(widen_encoding(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("gb18030", errors="replace")


def _corpus_pages() -> list[Path]:
    if not (CORPUS / "manifest.json").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the shared corpus is missing: {CORPUS}")
        return []
    return sorted(p for p in (CORPUS / "pages").rglob("*") if p.suffix in (".html", ".htm"))


@pytest.mark.corpus
def test_real_pages_decode_as_beautifulsoup_decoded_them() -> None:
    """Differential check on the real saved pages: the same text as bs4's detector gave."""
    from wx2post.sources import page_bytes

    pages = _corpus_pages()
    if not pages:
        pytest.skip("no corpus here")
    for path in pages:
        raw = page_bytes(path.read_bytes(), str(path))
        ours, theirs = decode_page(raw), _bs4_decode(raw)
        assert ours.lstrip("\ufeff") == theirs.lstrip("\ufeff"), path.name


def test_reading_a_page_does_not_import_beautifulsoup(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_bytes(page().encode("gbk"))
    code = (
        "import sys; from pathlib import Path; from wx2post.sources import read_page; "
        f"s = read_page(Path({str(tmp_path / 'a.html')!r})); s.html; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('bs4', 'soupsieve')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_head_of_unclosed_meta_tags_is_read_in_linear_time() -> None:
    """The `<meta charset>` pattern's `[^>]+` ran to the end of the window (5% of the page) from
    every unclosed `<meta`: an 8 MB page of them took most of a minute."""
    raw = b"<meta " * 1_400_000 + b'<meta charset="gbk">'
    with within(20, "8 MB of unclosed <meta"):
        assert decode_page(raw)  # read (as UTF-8: the charset lies past the window)
