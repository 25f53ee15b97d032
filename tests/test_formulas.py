"""Formulas written by mdnice and similar editors become `$…$` and `$$…$$` from their LaTeX."""

from __future__ import annotations

from wx2post.clean import clean_body
from wx2post.parse import parse_page
from wx2post.render import render_markdown

from .pages import article_html


def _markdown(body: str) -> tuple[str, int]:
    article = clean_body(parse_page(article_html(1, body=body)))
    return render_markdown(article.content, lambda i: ("img", "")), len(article.images)


def test_inline_and_display_formulas_from_their_latex() -> None:
    body = (
        "<p>质能方程 <span class='span-inline-equation' data-formula='E=mc^2'>"
        "<embed class='Formula-image' src='https://mmbiz.qpic.cn/mmbiz_svg/a/b/0?wx_fmt=svg'></span>"
        " 是著名的。</p>"
        "<section class='block-equation' data-formula='\\int_0^1 x\\,dx = \\frac{1}{2}'>"
        "<img class='Formula-image' data-src='https://mmbiz.qpic.cn/mmbiz_svg/c/d/0?wx_fmt=svg'></section>"
        "<p>后文</p>"
    )
    out, images = _markdown(body)
    assert "质能方程 $E=mc^2$ 是著名的。" in out
    assert "\n$$\n\\int_0^1 x\\,dx = \\frac{1}{2}\n$$\n" in out  # was inline: $...$
    assert images == 0  # the SVG renderings of the formulas are not pictures of the post
