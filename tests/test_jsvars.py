"""Reading values out of inline page JavaScript without running it (wx2post.jsvars)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from wx2post import jsvars
from wx2post.jsvars import (
    decode_value,
    js_block,
    js_key,
    js_number,
    js_string,
    js_strings,
    js_unescape,
    shallow_string,
    top_level_items,
)


def test_var_assignment() -> None:
    assert js_string("var msg_title = 'Hello';", "msg_title") == "Hello"


def test_html_method_suffix_and_double_quotes() -> None:
    assert js_string('var msg_title = "Hi there".html(false);', "msg_title") == "Hi there"


def test_html_escaped_value() -> None:
    assert js_string("var msg_title = '&lt;b&gt; &amp;amp; &quot;q&quot;';", "msg_title") == '<b> & "q"'


def test_js_escapes() -> None:
    assert js_string(r"var msg_desc = '\u4e2d\u6587\x26amp;\'x\'';", "msg_desc") == "中文&'x'"


def test_surrogate_pair_escape() -> None:
    assert js_unescape(r"\ud83d\ude00") == "😀"


def test_bare_entity_names_are_not_decoded() -> None:
    # `&timestamp` in a link must not become `×tamp`.
    assert js_string(r"var msg_link = 'x?a=1\x26amp;timestamp=2';", "msg_link") == "x?a=1&timestamp=2"


def test_htmldecode_wrapper() -> None:
    assert js_string('var msg_desc = htmlDecode("a &amp; b");', "msg_desc") == "a & b"


def test_window_assignment_with_fallback() -> None:
    script = "window.msg_title = window.__never_set || 'Picture post' || '';"
    assert js_string(script, "msg_title") == "Picture post"


def test_empty_then_chained_literal() -> None:
    assert js_string('var biz = "" || "MzA5NDc4MzIwOA==";', "biz") == "MzA5NDc4MzIwOA=="


def test_d_xml_ternary_form() -> None:
    script = "d.author = xml ? getXmlValue('author.DATA') : 'Writer';"
    assert js_string(script, "author") == "Writer"


def test_var_preferred_over_window() -> None:
    script = "window.nickname = 'B'; var nickname = 'A';"
    assert js_string(script, "nickname") == "A"


def test_first_non_empty_assignment_wins() -> None:
    assert js_string("var ct = ''; var ct = '1651543920';", "ct") == "1651543920"


def test_name_must_not_be_a_suffix_of_another_name() -> None:
    assert js_string("var xmsg_title = 'no'; var msg_title = 'yes';", "msg_title") == "yes"
    assert js_string("var my_ct = '1';", "ct") == ""


def test_reference_is_not_an_assignment() -> None:
    assert js_string("if (window.msg_title == 'x') {}", "msg_title") == ""


def test_missing_name() -> None:
    assert js_string("var a = 'b';", "msg_title") == ""


def test_js_strings_takes_first_that_has_a_value() -> None:
    assert js_strings("var b = 'B';", ("a", "b")) == "B"


def test_js_number_quoted_and_bare() -> None:
    assert js_number('var ct = "1651543920";', "ct") == "1651543920"
    assert js_number("var item_show_type = 8;", "item_show_type") == "8"
    assert js_number("var my_ct = 5;", "ct") == ""


def test_js_key_in_object_literal() -> None:
    block = "window.cgiDataNew = { title: JsDecode('T &amp; U'), create_time: JsDecode('2025-11-07 08:31') };"
    assert js_key(block, "title") == "T & U"
    assert js_key(block, "create_time") == "2025-11-07 08:31"


def test_js_key_skips_longer_names_and_empty_values() -> None:
    block = "{ sub_title: 'no', title: '', x: { title: 'yes' } }"
    assert js_key(block, "title") == "yes"


def test_js_block_respects_strings() -> None:
    script = "var list = [ { a: '] not the end }' }, { a: 'b' } ]; var after = 1;"
    block = js_block(script, re.compile(r"list\s*=\s*"))
    assert block.startswith("[") and block.endswith("]") and "after" not in block


def test_top_level_items_and_shallow_string() -> None:
    # A picture post's list: each item has its own cdn_url and a nested watermark one.
    block = (
        "[ { cdn_url: 'https://mmbiz.qpic.cn/a/0',"
        "    watermark_info: { cdn_url: 'https://mmbiz.qpic.cn/wm/0' } },"
        "  { watermark_info: { cdn_url: 'https://mmbiz.qpic.cn/wm2/0' },"
        "    cdn_url: 'https://mmbiz.qpic.cn/b/0' } ]"
    )
    items = top_level_items(block)
    assert len(items) == 2
    assert [shallow_string(i, "cdn_url") for i in items] == [
        "https://mmbiz.qpic.cn/a/0",
        "https://mmbiz.qpic.cn/b/0",
    ]


def test_decode_value_strips() -> None:
    assert decode_value("  x&nbsp;y ") == "x\xa0y"


# The string-literal pattern as first written: an alternation per character. The
# possessive one in jsvars must read exactly the same literals, at every position.
_REFERENCE_STR = re.compile(r"""(?P<q>['"])(?P<v>(?:[^'"\\\n]|\\.|(?!(?P=q))['"])*)(?P=q)""")


@settings(max_examples=2000)
@given(st.text(alphabet="ab'\"\\\n x中", max_size=40), st.integers(0, 6))
def test_property_the_possessive_literal_pattern_reads_what_the_reference_reads(text: str, pos: int) -> None:
    fast = re.compile(jsvars._STR)
    for a, b in (
        (_REFERENCE_STR.match(text, pos), fast.match(text, pos)),
        (_REFERENCE_STR.search(text), fast.search(text)),
    ):
        assert (a and (a.span(), a.group("v"))) == (b and (b.span(), b.group("v")))


def test_a_megabyte_literal_is_read_whole() -> None:
    """A share post carries the shared article as one JS literal."""
    body = "<p>正文\\'引号\\'</p>" * 60_000  # 1.1 MB, with escaped quotes
    value = jsvars.js_key(f"content_noencode: '{body}',", "content_noencode", jsvars.js_unescape)
    assert value == "<p>正文'引号'</p>" * 60_000


def _reference_js_string(script: str, name: str) -> str:
    """js_string as first written: each form's needle found on its own."""
    for prefix, tail in jsvars._ASSIGN_FORMS:
        needle = prefix + name
        pos = script.find(needle)
        while pos >= 0:
            if pos == 0 or not (script[pos - 1].isalnum() or script[pos - 1] in "_$"):
                m = tail.match(script, pos + len(needle))
                value = jsvars._chained_value(script, m) if m else ""
                if value:
                    return value
            pos = script.find(needle, pos + len(needle))
    return ""


_SCRIPT_PIECES = st.sampled_from(
    [
        "var ",
        "window.",
        "d.",
        "sn",
        "msn",
        "x",
        " = ",
        "=",
        "'v'",
        '"w"',
        "''",
        " || ",
        ";",
        "xml ? a : ",
        "$",
        "\n",
    ]
)


@settings(max_examples=1500)
@given(st.lists(_SCRIPT_PIECES, max_size=30), st.integers(0, 80))
def test_property_the_name_first_search_finds_what_each_form_search_finds(
    pieces: list[str], padding: int
) -> None:
    """js_string finds the name once for all three forms (and, for a name met more
    than _MANY times, falls back to a search per form): the same value either way."""
    script = "".join(pieces)
    for text in (script, "sn;" * padding + script):  # past _MANY occurrences: the fallback
        assert js_string(text, "sn") == _reference_js_string(text, "sn")


def test_a_name_met_very_often_is_still_found() -> None:
    script = "sn=1;" * 10_000 + "d.sn = xml ? x : 'late';"
    assert js_string(script, "sn") == "late"
