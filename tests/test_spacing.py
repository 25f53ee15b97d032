"""A line break in the markup between two CJK characters is no space (CSS Text 3 segment breaks)."""

from __future__ import annotations

import lxml.html
from hypothesis import given
from hypothesis import strategies as st

from wx2post.spacing import remove_cjk_segment_breaks, segment_break_removed


def _text(html: str) -> str:
    body = lxml.html.fragment_fromstring(html, create_parent="div")
    remove_cjk_segment_breaks(body)
    return body.text_content()


def test_a_break_between_chinese_characters_goes_across_elements() -> None:
    assert _text("本杂志\n   <a>开源</a>\n   ，欢迎\n  <b>\n  投稿\n  </b>\n  。") == "本杂志开源，欢迎投稿。"


def test_latin_and_korean_keep_their_space() -> None:
    assert _text("open\n  <b>source</b>") == "open\n  source"
    assert _text("한국어\n  문장") == "한국어\n  문장"
    assert _text("中文\n  English") == "中文\n  English"


def test_code_keeps_every_line_break() -> None:
    assert _text("<pre>第一行\n第二行</pre>") == "第一行\n第二行"


def test_nbsp_is_not_white_space_here() -> None:
    assert _text("中文\u00a0\n字") == "中文\u00a0\n字"


def test_the_rules() -> None:
    assert segment_break_removed("中", "文")
    assert segment_break_removed("ｱ", "中")  # half-width katakana is H
    assert segment_break_removed("a", "\u200b")
    assert segment_break_removed("中", "“")  # ambiguous-width punctuation beside a wide character
    assert segment_break_removed("]", "，")  # full-width punctuation carries its own space
    assert not segment_break_removed("源", "[")
    assert not segment_break_removed("a", "b")
    assert not segment_break_removed("가", "나")


@given(st.lists(st.text(alphabet="中文ab ,，\n\t", max_size=8), min_size=1, max_size=6))
def test_only_white_space_ever_goes(runs: list[str]) -> None:
    body = lxml.html.fragment_fromstring("<div></div>")
    body.text = runs[0]
    for run in runs[1:]:
        child = lxml.html.fragment_fromstring("<span></span>")
        child.text = run
        body.append(child)
    before = body.text_content()
    remove_cjk_segment_breaks(body)
    after = body.text_content()
    assert [c for c in after if not c.isspace()] == [c for c in before if not c.isspace()]
    if "\n" not in before:
        assert after == before
