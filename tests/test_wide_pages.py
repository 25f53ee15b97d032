"""Pages saved as UTF-16 or UTF-32 with a byte-order mark (Windows' "Save as Unicode") are
read, not refused as binary: the same post as the page saved as UTF-8."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from wx2post.cli import main
from wx2post.errors import ExitStatus, InputError
from wx2post.sources import page_bytes, read_page
from wx2post.sources.decode import decode_text

from .pages import article_html

WIDE = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}
BODY = "<p>正文第一段，带 emoji 😀 和 GB18030 才有的字 𠀀。</p><p>Second paragraph &amp; more.</p>"


def convert(path: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["convert", str(path), "--stdout"])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("encoding", sorted(WIDE))
@pytest.mark.parametrize("meta", ["<meta charset='utf-8'>", '<meta charset="unicode">', ""])
def test_a_page_saved_as_unicode_converts_to_the_same_post(tmp_path: Path, encoding: str, meta: str) -> None:
    html = article_html(7, body=BODY).replace("<meta charset='utf-8'>", meta)
    utf8 = tmp_path / "utf8.html"
    utf8.write_bytes(html.encode("utf-8"))
    wide = tmp_path / "wide.html"
    wide.write_bytes(WIDE[encoding] + html.encode(encoding))
    code, expected, err = convert(utf8)
    assert code == ExitStatus.OK, err
    assert "𠀀" in expected and "😀" in expected and "第7篇文章" in expected
    code, out, err = convert(wide)
    assert code == ExitStatus.OK, err
    assert out == expected
    assert "warning" not in err


def test_a_broken_unicode_page_is_read_with_its_replacements_counted(tmp_path: Path) -> None:
    """A UTF-16 page with an odd last byte (cut short) and a lone surrogate: read, each bad
    sequence replaced, and the warning says so (nothing passes silently)."""
    html = article_html(8, body=BODY)
    raw = codecs.BOM_UTF16_LE + html.encode("utf-16-le")
    cut = raw.find("Second".encode("utf-16-le"))
    raw = raw[:cut] + b"\x00\xd8" + raw[cut:] + b"\x00"  # a lone high surrogate, an odd end
    path = tmp_path / "broken.html"
    path.write_bytes(raw)
    page = read_page(path)
    assert "正文第一段" in page.html and "\ufffdSecond" in page.html
    assert page.warnings and "replaced with U+FFFD" in page.warnings[0]
    code, out, err = convert(path)
    assert code == ExitStatus.OK, err
    assert "replaced with U+FFFD" in err


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe\x00\x00" + bytes(range(256)) * 8,  # a UTF-32 LE mark, then binary
        b"\xff\xfe" + b"\x00\x00" * 40 + b"\x01\x02\x03",  # a UTF-16 mark, then NULs
        b"\xfe\xff" + bytes(4096),
        bytes([0x89]) + b"PNG\r\n\x1a\n" + bytes(100),
    ],
)
def test_binary_files_are_still_refused(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "picture.html"
    path.write_bytes(raw)
    with pytest.raises(InputError, match="binary file"):
        read_page(path)
    code, out, err = convert(path)
    assert code == ExitStatus.FAILED and out == ""
    assert "binary file, not an HTML page" in err and "Traceback" not in err


def test_a_unicode_mark_with_only_spaces_after_it_is_an_empty_file() -> None:
    for encoding, bom in WIDE.items():
        with pytest.raises(InputError, match="empty file"):
            page_bytes(bom + " \r\n\t".encode(encoding))


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
    st.sampled_from(sorted(WIDE)),
)
def test_any_text_saved_as_unicode_reads_back_exactly(text: str, encoding: str) -> None:
    """Whatever the text (controls, astral characters, markup-like junk), a page saved
    with a byte-order mark reads back as exactly that text, with no warning."""
    html = f"<html><body><p>{text}</p></body></html>"
    decoded, warning = decode_text(page_bytes(WIDE[encoding] + html.encode(encoding)))
    assert decoded == html and warning == ""
