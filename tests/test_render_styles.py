"""Styles read from inline CSS on the fast paths: keywords in any case (property names
as editors write them), a declaration anywhere in a long style, headings told by type
size, and malformed sizes that are ignored rather than fatal."""

from __future__ import annotations

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wx2post.render import render_markdown

NOISE = "margin: 0px; color: rgb(34, 34, 34); font-family: system-ui, PingFang SC; font-size: 15px; "


def md(html: str) -> str:
    return render_markdown(lxml.html.fromstring(f"<div>{html}</div>"), lambda i: ("img.png", ""))


@pytest.mark.parametrize(
    "style",
    [
        "font-weight: bold",
        "font-weight: BOLD",
        "font-weight:700",
        NOISE + "font-weight : 600;",
        "font-weight:Bolder",
    ],
)
def test_bold_from_css_in_any_case_and_place(style: str) -> None:
    assert md(f"<p>前文<span style='{style}'>重点</span>后文</p>") == "前文**重点**后文\n"


@pytest.mark.parametrize("style", ["font-weight: normal", "font-weight: Normal", NOISE + "font-weight:400"])
def test_css_unbolds_a_strong(style: str) -> None:
    assert md(f"<p>前文<strong><span style='{style}'>普通</span></strong>后文</p>") == "前文普通后文\n"


def test_bold_wins_over_normal_in_the_same_style() -> None:
    assert md("<p>前文<span style='font-weight: normal; font-weight: bold'>重点</span>后文</p>") == (
        "前文**重点**后文\n"
    )


@pytest.mark.parametrize("style", ["font-style: italic", "font-style: Oblique", NOISE + "font-style:italic"])
def test_italic_from_css(style: str) -> None:
    assert md(f"<p>前文 <span style='{style}'>斜体</span> 后文</p>") == "前文 *斜体* 后文\n"


def test_a_colour_only_span_keeps_the_enclosing_style() -> None:
    assert md(f"<p><strong>前文<span style='{NOISE}'>仍然加粗</span>后文</strong></p>") == (
        "**前文仍然加粗后文**\n"
    )


@pytest.mark.parametrize(
    ("size", "level"), [("22px", 2), ("20PX", 2), ("18.5px", 3), ("18px", 3), ("17px", 0), (".5px", 0)]
)
def test_a_short_bold_paragraph_in_large_type_is_a_heading(size: str, level: int) -> None:
    out = md(f"<p style='{NOISE}font-size: {size}'><strong>第一部分</strong></p><p>正文。</p>")
    assert out == ("#" * level + " 第一部分" if level else "**第一部分**") + "\n\n正文。\n"


@pytest.mark.parametrize("size", ["1.2.3px", ".px", "1..px", "..5px"])
def test_a_malformed_font_size_is_ignored(size: str) -> None:
    assert md(f"<p style='font-size: {size}'><strong>标题</strong></p>") == "**标题**\n"


@given(
    st.lists(
        st.sampled_from(
            ["font-size", "font-weight", "font-style", ":", ";", " ", "px", "1", ".", "bold", "9"]
        ),
        max_size=30,
    )
)
def test_any_style_text_renders_without_error(parts: list[str]) -> None:
    style = "".join(parts).replace("'", "")
    out = md(f"<p style='{style}'><span style='{style}'>字</span></p>")
    assert "字" in out
