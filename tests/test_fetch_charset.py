"""A fetched page is decoded as a saved one is: in the charset its HTTP Content-Type
names when the page has no byte-order mark, with the same warning when bytes had to be
replaced. Served by the fake mp.weixin.qq.com on 127.0.0.1, converted through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from wx2post.cli import main
from wx2post.errors import ExitStatus
from wx2post.sources.decode import header_charset

from .mpserver import FakeMp

GBK_BODY = "<p>国标编码的页面：中文正文，标点「」与𠀀。</p><p>第二段。</p>"


def convert(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["convert", *args, "--images", "remote", "--delay", "0"])
    return result.exit_code, result.stdout, result.stderr


def post_text(site: Path) -> str:
    (post,) = sorted((site / "_posts").glob("*.md"))
    return post.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "content_type",
    ["text/html; charset=GBK", 'text/html;charset="gb2312"', "text/html; Charset=gb18030; foo=bar"],
)
def test_a_page_served_in_gbk_with_only_the_header_charset(
    mp: FakeMp, tmp_path: Path, content_type: str
) -> None:
    article = mp.add(1, body=GBK_BODY, encoding="gb18030", meta_charset="", content_type=content_type)
    assert "国标".encode("gb18030") in article.page() and b"charset" not in article.page()
    code, out, err = convert(article.long_url, "-o", str(tmp_path))
    assert code == ExitStatus.OK, err
    text = post_text(tmp_path)
    assert "国标编码的页面：中文正文，标点「」与𠀀。" in text and "第二段。" in text
    assert "title: 第1篇：测试 & &lt;文章&gt;" in text
    assert "\ufffd" not in text and "warning" not in err, err


def test_the_header_decides_between_two_readings_of_the_same_bytes(mp: FakeMp, tmp_path: Path) -> None:
    """GBK text whose bytes happen to be valid UTF-8 too ("中文" read as GBK): only
    the header tells which the page is, and the header is what the page is read in."""
    body, nickname = ("中文正文".encode().decode("gb18030"), "微信文章".encode().decode("gb18030"))
    article = mp.add(
        6,
        title="A GBK page",
        nickname=nickname,
        body=f"<p>{body}</p>",
        encoding="gb18030",
        meta_charset="",
        content_type="text/html; charset=GBK",
    )
    assert "中文正文".encode() in article.page() and "微信文章" in article.page().decode("utf-8")
    code, out, err = convert(article.long_url, "-o", str(tmp_path))
    assert code == ExitStatus.OK, err
    text = post_text(tmp_path)
    assert body in text and "中文正文" not in text
    assert nickname in text and "微信文章" not in text


def test_the_byte_order_mark_outranks_the_header(mp: FakeMp, tmp_path: Path) -> None:
    article = mp.add(2, body=GBK_BODY, encoding="utf-8-sig", content_type="text/html; charset=gbk")
    code, out, err = convert(article.long_url, "-o", str(tmp_path))
    assert code == ExitStatus.OK, err
    assert "国标编码的页面" in post_text(tmp_path) and "warning" not in err


def test_one_invalid_byte_is_replaced_and_warned_about(mp: FakeMp, tmp_path: Path) -> None:
    """A UTF-8 page with one truncated character: the rest stays UTF-8 (never mojibake), the
    byte becomes U+FFFD, and the warning is the one a saved page gives."""
    article = mp.add(3, body="<p>前半段正文</p><p>后半段正文</p>", splice=b"\xe4\xb8")
    code, out, err = convert(article.long_url, "-o", str(tmp_path))
    assert code == ExitStatus.OK, err
    text = post_text(tmp_path)
    assert "前半段正文\ufffd" in text and "后半段正文" in text
    assert "1 byte sequence(s) invalid in the page's utf-8" in err and "replaced with U+FFFD" in err
    assert err.count("replaced with U+FFFD") == 1


def test_the_warning_is_the_one_a_saved_page_gives(mp: FakeMp, tmp_path: Path) -> None:
    article = mp.add(4, body="<p>前半段正文</p>", splice=b"\xff")
    saved = tmp_path / "saved.html"
    saved.write_bytes(article.page())
    code, _, from_file = convert(str(saved), "-o", str(tmp_path / "a"))
    assert code == ExitStatus.OK, from_file
    code, _, from_link = convert(article.long_url, "-o", str(tmp_path / "b"))
    assert code == ExitStatus.OK, from_link
    told = from_file.removeprefix(f"wx2post: warning: {saved}: ")
    assert told != from_file and "replaced with U+FFFD" in told
    assert from_link == f"wx2post: warning: {article.long_url}: {told}"


def test_json_output_carries_the_warning(mp: FakeMp, tmp_path: Path) -> None:
    article = mp.add(5, body="<p>正文</p>", splice=b"\x80")
    code, out, err = convert(article.long_url, "-o", str(tmp_path), "--json")
    assert code == ExitStatus.OK, err
    assert "replaced with U+FFFD" in out


@given(
    st.sampled_from(["gbk", "GB2312", "utf-8", "Big5", "shift_jis"]),
    st.sampled_from(["text/html; charset={}", 'text/html;charset="{}"', "text/html; q=1; CHARSET={} "]),
)
def test_header_charset_reads_every_written_form(name: str, form: str) -> None:
    assert header_charset(form.format(name)) == name.lower()


@pytest.mark.parametrize("value", ["", "text/html", "text/html; charset=", "charset", "text/html; q=charset"])
def test_no_charset_in_the_header_is_none(value: str) -> None:
    assert header_charset(value) == ""


def test_save_html_keeps_the_header_charset_for_the_next_conversion(mp: FakeMp, tmp_path: Path) -> None:
    """A page only the header said was GBK is saved with a `<meta charset>` line first (else
    as received, byte for byte): converting the file later gives the same post."""
    body, nickname = ("中文正文".encode().decode("gb18030"), "微信文章".encode().decode("gb18030"))
    article = mp.add(
        7,
        title="A GBK page",
        nickname=nickname,
        body=f"<p>{body}</p>",
        encoding="gb18030",
        meta_charset="",
        content_type="text/html; charset=GBK",
    )
    declared = mp.add(8, body="<p>自报编码的页面</p>")
    pages = tmp_path / "pages"
    code, out, err = convert(
        article.long_url, declared.long_url, "-o", str(tmp_path / "one"), "--save-html", str(pages)
    )
    assert code == ExitStatus.OK, err
    saved = {p.read_bytes() for p in pages.iterdir()}
    assert saved == {b'<meta charset="gb18030">\n' + article.page(), declared.page()}
    code, out, err = convert(str(pages), "-o", str(tmp_path / "two"))
    assert code == ExitStatus.OK, err
    one = sorted((tmp_path / "one" / "_posts").glob("*.md"))
    two = sorted((tmp_path / "two" / "_posts").glob("*.md"))
    assert [p.read_text(encoding="utf-8") for p in one] == [p.read_text(encoding="utf-8") for p in two]
    assert any(body in p.read_text(encoding="utf-8") for p in two)
