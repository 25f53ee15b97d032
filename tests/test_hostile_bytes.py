"""Bytes never cost an article: charsets, control characters, huge values, deep nesting, names.

Each test feeds the CLI a page written to break one promise and checks what a user
would: the post exists and reads right, a warning says what was replaced or cut,
nothing unprintable reaches a file name, the front matter or the terminal.
"""

from __future__ import annotations

import codecs
import re
import subprocess
import sys
from pathlib import Path

import frontmatter
import lxml.html
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from wx2post.chars import one_line, xml_safe
from wx2post.cli import main
from wx2post.errors import InputError
from wx2post.markup import MAX_DEPTH, build_tree
from wx2post.models import Options
from wx2post.parse import parse_page
from wx2post.pipeline import draft_article, finish_post
from wx2post.post import post_relpath_for
from wx2post.sources import PageSource
from wx2post.sources.decode import decode_text

from .pages import article_html

UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
PARAGRAPHS = "".join(f"<p>第{i}段正文，一些文字。</p>" for i in range(300))


def _convert(path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["convert", str(path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _page(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- charsets -----------------------------------------------------------------------


def test_declared_utf8_with_one_truncated_character_is_read_as_utf8(tmp_path: Path) -> None:
    raw = article_html(1, body="<p>中文正文一段，好多字。</p><p>第二段@截断。</p>").encode("utf-8")
    raw = raw.replace(b"@", "中".encode()[:2])  # a character cut after two of its three bytes
    code, out, err = _convert(_page(tmp_path, "cut.html", raw), "--stdout")
    assert code == 0, err
    assert "中文正文一段，好多字。" in out and "第二段\ufffd截断。" in out  # not mojibake
    assert "1 byte sequence(s) invalid in the page's utf-8" in err and "U+FFFD" in err


# A modern page is 2-4 MB of inlined library script; one that big is scanned as bytes,
# decoded only where it is read (sources.page.Utf8Text).
LIBRARY = "<script>" + "var lib = function(){ return '库'; };\n" * 30_000 + "</script>"


def test_a_big_page_with_a_bad_byte_in_its_body_is_read_like_a_small_one(tmp_path: Path) -> None:
    body = "<p>中文正文一段，好多字。</p><p>第二段@截断。</p>"
    small = article_html(1, body=body).encode("utf-8").replace(b"@", "中".encode()[:2])
    big = article_html(1, body=body + LIBRARY).encode("utf-8").replace(b"@", "中".encode()[:2])
    assert len(big) > 1_000_000
    _, small_out, small_err = _convert(_page(tmp_path, "small.html", small), "--stdout")
    code, big_out, big_err = _convert(_page(tmp_path, "big.html", big), "--stdout")
    assert code == 0, big_err
    assert big_out == small_out and "第二段\ufffd截断。" in big_out
    assert "1 byte sequence(s) invalid in the page's utf-8" in big_err


def test_a_big_page_behind_a_byte_order_mark_reads_as_without_it(tmp_path: Path) -> None:
    """A UTF-8 mark (and a UTF-16 page, read as UTF-8 behind one) is scanned as bytes too."""
    text = article_html(1, body=PARAGRAPHS + LIBRARY)
    plain = _page(tmp_path, "plain.html", text.encode("utf-8"))
    marked = _page(tmp_path, "marked.html", codecs.BOM_UTF8 + text.encode("utf-8"))
    wide = _page(tmp_path, "wide.html", text.encode("utf-16"))
    outs = [_convert(page, "--stdout") for page in (plain, marked, wide)]
    assert all(code == 0 for code, _, _ in outs), [err for _, _, err in outs]
    assert outs[0][1] == outs[1][1] == outs[2][1] and "第299段正文" in outs[0][1]


def test_a_bad_byte_in_a_script_never_read_costs_nothing(tmp_path: Path) -> None:
    """The library script is not decoded at all: its bad byte replaces nothing the post
    shows, and the post is the one of the same page without it."""
    clean = article_html(1, body=PARAGRAPHS + LIBRARY).encode("utf-8")
    broken = clean.replace("库".encode(), "库".encode()[:2], 1)
    _, clean_out, _ = _convert(_page(tmp_path, "clean.html", clean), "--stdout")
    code, broken_out, err = _convert(_page(tmp_path, "broken.html", broken), "--stdout")
    assert code == 0, err
    assert broken_out == clean_out and "第299段正文" in broken_out


def test_declared_gbk_with_a_bad_byte_stays_gbk(tmp_path: Path) -> None:
    text = article_html(2, body="<p>国标编码的正文。</p><p>坏@字节。</p>").replace(
        "<meta charset='utf-8'>", "<meta charset='gbk'>"
    )
    raw = text.encode("gbk").replace(b"@", b"\xff")
    code, out, err = _convert(_page(tmp_path, "gbk.html", raw), "--stdout")
    assert code == 0, err
    assert "国标编码的正文。" in out and "坏\ufffd字节。" in out
    assert "gb18030" in err and "U+FFFD" in err


def test_a_page_that_declares_nothing_is_read_with_a_guess_that_says_so(tmp_path: Path) -> None:
    sentence = "这是一篇没有声明编码的旧文章，正文用国标码保存，读者看到的应当是中文而不是乱码。"
    body = "<p>" + sentence * 20 + "</p>"
    text = article_html(3, body=body).replace("<meta charset='utf-8'>", "")
    code, out, err = _convert(_page(tmp_path, "old.html", text.encode("gb18030")), "--stdout")
    assert code == 0, err
    assert "这是一篇没有声明编码的旧文章" in out
    assert "no usable charset declared and not UTF-8" in err and "(a guess)" in err


def test_an_unknown_declared_charset_is_no_declaration() -> None:
    sentence = "声明了一个不存在的编码，正文其实是国标码。"
    text, warning = decode_text(f"<meta charset='x-klingon'><p>{sentence * 10}</p>".encode("gb18030"))
    assert sentence in text
    assert "no usable charset declared" in warning and "(a guess)" in warning


def test_a_mime_part_charset_is_a_declaration() -> None:
    raw = "<p>正文@</p>".encode().replace(b"@", b"\xe4\xb8")
    text, warning = decode_text(raw, "utf-8")
    assert text == "<p>正文\ufffd</p>" and "utf-8" in warning


@given(st.text())
def test_a_declared_page_decodes_to_exactly_its_text(body: str) -> None:
    for charset in ("utf-8", "gb18030"):
        page = f"<meta charset='{charset}'>{body}"
        try:
            raw = page.encode(charset)
        except UnicodeEncodeError:
            continue  # a lone surrogate: no encoding can write it
        assert decode_text(raw) == (page, "")


@given(st.binary(max_size=2000), st.sampled_from(["", "utf-8", "gbk", "latin-1", "utf-16", "no-such"]))
def test_any_bytes_decode_to_text(raw: bytes, declared: str) -> None:
    text, warning = decode_text(raw, declared)
    assert isinstance(text, str) and isinstance(warning, str)


# --- control characters -------------------------------------------------------------


def test_control_characters_in_an_href_do_not_fail_the_article(tmp_path: Path) -> None:
    body = (
        "<p>前<a href='https://example.com/a\x08b\x0bc\x00d'>链接</a>后</p>"
        "<p>控制\x01字符\x1b[31m不见了</p>"
        "<p><a href='https://example.com/e&#8;f&#x0B;g'>引用</a>&#7;也是</p>"
    )
    code, out, err = _convert(_page(tmp_path, "ctrl.html", article_html(4, body=body)), "--stdout")
    assert code == 0, err  # was: "All strings must be XML compatible"
    assert "[链接](https://example.com/abcd)" in out
    assert "[引用](https://example.com/efg)" in out
    assert "控制字符[31m不见了" in out and "也是" in out
    assert not UNPRINTABLE.search(out + err)


@given(st.text())
def test_xml_safe_text_is_accepted_by_lxml(text: str) -> None:
    el = lxml.html.fromstring("<p></p>")
    el.text = xml_safe(text)
    el.set("title", xml_safe(text))


@given(st.text())
def test_any_markup_is_a_tree_or_one_clear_error(markup: str) -> None:
    try:
        doc, _ = build_tree(markup, "page.html")
    except InputError as exc:
        assert "cannot be read as HTML" in exc.reason
        return
    for el in doc.iter():
        for value in el.attrib.values():
            el.set("x", value)  # would raise if a control character had got into the tree


# --- huge values ----------------------------------------------------------------------


# Started from a small process: a child forked straight from pytest would report
# pytest's own size (Linux keeps the larger of the two across fork and exec).
_MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def _peak_rss_kb(page: Path) -> tuple[int, int]:
    """Exit status and peak resident memory (KB) of one `wx2post convert PAGE --stdout` process."""
    cmd = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "wx2post", "convert", str(page), "--stdout"]
    code, peak = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    return int(code), int(peak)


def test_a_huge_unclosed_link_costs_neither_the_post_nor_the_memory(tmp_path: Path) -> None:
    baseline_page = _page(tmp_path, "small.html", article_html(5, body=PARAGRAPHS))
    code, baseline = _peak_rss_kb(baseline_page)
    assert code == 0
    for chars in (250_000, 1_000_000):
        body = "<a href='https://example.com/" + "x" * chars + "'>" + PARAGRAPHS  # never closed
        page = _page(tmp_path, f"link-{chars}.html", article_html(5, body=body))
        code, out, err = _convert(page, "--stdout")
        assert code == 0, err
        assert f"a {chars + 20:,}-character href on <a> is no URL: dropped" in err
        assert "第299段正文" in out
        assert len(out) < 20_000  # was 72 MB: the href repeated on every paragraph it swallowed
        code, peak = _peak_rss_kb(page)
        assert code == 0
        size_kb = page.stat().st_size // 1024
        print(f"{chars:,}-character link: page {size_kb} KB, peak {peak} KB, baseline {baseline} KB")
        assert peak - baseline < 10 * size_kb, (peak, baseline, size_kb)  # was 1.2 GB (4.5 GB at 1M)


def test_a_huge_text_run_is_cut_with_a_warning(tmp_path: Path) -> None:
    body = "<p>" + "字" * 1_000_000 + "</p>" + PARAGRAPHS
    code, out, err = _convert(_page(tmp_path, "run.html", article_html(6, body=body)), "--stdout")
    assert code == 0, err
    assert "a 1,000,000-character run of text was cut to 200,000" in err
    assert "字" * 200_000 in out and "字" * 200_001 not in out
    assert "第299段正文" in out


def test_a_saved_image_in_a_data_uri_is_not_cut(tmp_path: Path) -> None:
    import base64

    from .loopback import fake_png

    png = fake_png(7) + b"\0" * 20_000  # a picture bigger than any URL
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    page = _page(tmp_path, "single.html", article_html(7, body=f"<p>图：</p><p><img src='{uri}'></p>"))
    code, out, err = _convert(page, "-o", str(tmp_path / "site"))
    assert code == 0, err
    assert "dropped" not in err and "cut" not in err
    saved = list((tmp_path / "site" / "postimg").iterdir())
    assert [p.read_bytes() for p in saved] == [png]


# --- deep nesting -----------------------------------------------------------------------


def test_a_page_nested_5000_levels_deep_converts(tmp_path: Path) -> None:
    body = "<section>" * 5000 + "<p>深处的<strong>正文</strong>。</p>" + "</section>" * 5000 + "<p>之后。</p>"
    code, out, err = _convert(_page(tmp_path, "deep.html", article_html(8, body=body)), "--stdout")
    assert code == 0, err  # was "no article text"
    assert "深处的**正文**。" in out and "之后。" in out
    assert f"nested over {MAX_DEPTH} levels deep" in err


@pytest.mark.parametrize(
    "unit",
    [
        "<h1>",
        "<h1>x",
        "<h2><p>",
        "<blockquote>",
        "<ul><li>",
        "<li><p>",
        "<table><tr><td>",
        "<table><tr><td><blockquote>",
        "<strong>",
        "<a href='https://example.com/'>",
        "<p>",
        "<pre>",
    ],
)
def test_any_element_nested_5000_deep_renders_within_the_recursion_limit(unit: str) -> None:
    """The tree is cut to MAX_DEPTH levels, and every block kind's recursion at that depth
    fits Python's default limit (5,000 empty <h1> raised RecursionError at 160)."""
    article = parse_page(article_html(8, body=unit * 5000 + "正文"))
    assert sys.getrecursionlimit() == 1000
    post = finish_post(draft_article(article, PageSource(html="", origin="deep")), Options())
    assert "正文" in post.post.text


def test_nesting_within_the_limit_is_kept() -> None:
    depth = MAX_DEPTH - 10
    doc, warnings = build_tree("<div>" * depth + "<p>x</p>" + "</div>" * depth)
    assert warnings == []
    assert len(list(doc.find(".//p").iterancestors())) == depth + 2  # html, body and the divs


def test_a_page_that_cannot_be_read_gets_one_clear_error(tmp_path: Path) -> None:
    code, out, err = _convert(_page(tmp_path, "hollow.html", "<!DOCTYPE html><!-- nothing -->"), "--stdout")
    assert code == 3 and out == ""
    assert err.strip().splitlines() == [
        "wx2post: error: " + str(tmp_path / "hollow.html") + ": the page cannot be read as HTML "
        "(Document is empty)"
    ]


# --- titles, names, file names, terminal messages -----------------------------------------


def _js_escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else c for c in text)


def _titled_page(title: str, account: str = "测试号") -> str:
    page = article_html(9, title="占位")
    page = page.replace("var msg_title = '占位'", f"var msg_title = '{_js_escaped(title)}'")
    return page.replace('htmlDecode("测试号")', f'htmlDecode("{_js_escaped(account)}")')


def test_titles_and_names_lose_controls_escapes_and_bidi_overrides(tmp_path: Path) -> None:
    title = "标题\x1b[31m红\x1b[0m\u202egnp.exe\u202c\x00结束"
    page = _page(tmp_path, "title.html", _titled_page(title, account="号\x07\u2066名\u2069"))
    site = tmp_path / "site"
    code, out, err = _convert(page, "-o", str(site))
    assert code == 0, err
    [post] = (site / "_posts").iterdir()
    assert post.name == "2022-05-03-标题红gnp.exe结束.md"
    meta = frontmatter.loads(post.read_text(encoding="utf-8"))
    assert meta["title"] == "标题红gnp.exe结束" and meta["account"] == "号名"
    assert not UNPRINTABLE.search(out + err + post.read_text(encoding="utf-8"))


def test_an_input_named_with_escape_sequences_is_shown_safely(tmp_path: Path) -> None:
    page = _page(tmp_path, "bad\x1b[2J\u202ename.html", "<html><body><p>not WeChat</p></body></html>")
    code, out, err = _convert(page, "--stdout")
    assert code == 3
    assert "not a WeChat article page" in err
    assert "bad" in err and "name.html" in err
    assert not UNPRINTABLE.search(err)


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=80), st.text(max_size=30))
def test_no_title_puts_an_unprintable_character_in_a_file_name(title: str, account: str) -> None:
    article = parse_page(_titled_page(title, account), "page.html")
    for value in (article.title, article.account_name, post_relpath_for(article, Options())):
        assert not UNPRINTABLE.search(value), repr(value)
        assert "\n" not in value and not re.search("[\ud800-\udfff]", value), repr(value)
    assert article.title == one_line(article.title)


@given(st.text())
def test_one_line_leaves_nothing_a_terminal_would_act_on(text: str) -> None:
    line = one_line(text)
    assert not UNPRINTABLE.search(line) and "\n" not in line and "\x1b" not in line
    assert one_line(line) == line


# --- what the fuzz test found ---------------------------------------------------------------


def test_a_js_code_point_escape_beyond_unicode_is_a_replacement_character() -> None:
    from wx2post.jsvars import js_unescape

    assert js_unescape("a\\u{110000}b\\u{1F600}") == "a\ufffdb\U0001f600"  # was ValueError from chr()


def test_a_comment_between_the_alias_label_and_its_value_is_skipped() -> None:
    card = "<p><label class='profile_meta_label'>微信号</label><!-- x --><span>alias_1</span></p>"
    page = article_html(10).replace("<div id='js_content'", card + "<div id='js_content'")
    assert parse_page(page).account_alias == "alias_1"  # was "Input object is not an XML element"


def test_a_url_with_a_broken_host_is_kept_as_text() -> None:
    from wx2post.urls import clean_image_url, clean_url, is_wechat_image

    assert clean_url("http://[x/y") == "http://[x/y"  # was ValueError: Invalid IPv6 URL
    assert clean_image_url("http://[x/y") == "http://[x/y"
    is_wechat_image("https://[mmbiz.qpic.cn/x")  # an answer, not a ValueError


def test_an_article_id_that_is_no_name_is_hashed() -> None:
    from wx2post.post import distinct_relpath
    from wx2post.slug import article_slug_id

    url = "https://mp.weixin.qq.com/s?__biz=MzA&mid=" + "<div>" * 100 + "&idx=1&sn=x"
    slug = article_slug_id(url, "fallback")
    assert re.fullmatch(r"[0-9a-f]{12}", slug)  # was the mid itself, `<div>` and all
    relpath = distinct_relpath("_posts/2022-05-03-标题.md", "hux", slug)
    assert relpath == f"_posts/2022-05-03-标题-{slug}.md"


def test_a_charset_name_holding_nul_is_no_charset() -> None:
    text, warning = decode_text("<meta charset='ut\x00f-8'><p>正文</p>".encode())
    assert "正文" in text and warning == ""  # was ValueError: embedded null character
