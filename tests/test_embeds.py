"""Cards become one readable line and never cut the article short; card names are
decoded exactly once (issue 11, item 6)."""

from __future__ import annotations

from wx2post.clean import clean_body
from wx2post.parse import parse_page
from wx2post.render import render_markdown

from .pages import article_html, article_url


def _markdown(body: str) -> str:
    article = clean_body(parse_page(article_html(1, body=body)))
    return render_markdown(article.content, lambda i: (article.images[i].url, ""))


def test_an_audio_card_title_is_decoded_once() -> None:
    out = _markdown("<mpvoice name='【Day&amp;nbsp;15】' voice_encode_fileid='abc'></mpvoice><p>后文</p>")
    assert "[🎧 音频：【Day 15】](https://res.wx.qq.com/voice/getvoice?mediaid=abc)" in out  # was &amp;nbsp;
    assert "&amp;" not in out and "&nbsp;" not in out


def test_a_card_left_open_does_not_swallow_the_rest_of_the_article() -> None:
    body = (
        "<p>前文</p><mp-common-miniprogram data-miniprogram-title='小程序名' data-miniprogram-appid='wx1'>"
        "<p>中间一段</p><p>最后一段</p>"
    )
    out = _markdown(body)
    assert out.splitlines()[0] == "前文"
    assert f"[🔗 小程序：小程序名]({article_url(1)})" in out
    assert out.index("小程序名") < out.index("中间一段") < out.index("最后一段")


def test_vote_and_location_cards_are_one_line_each() -> None:
    body = (
        "<p>投票之前</p><mpvote data-title='你最喜欢哪一期'></mpvote>"
        "<span class='vote_area'><iframe class='vote_iframe js_editor_vote_card' "
        "data-display-src='/cgi-bin/readtemplate?t=vote/vote-new_tmpl' data-voteid='7'></iframe></span>"
        "<p>位置之前</p><mp-common-poi data-name='示例书店' data-address='示例路 1 号'></mp-common-poi>"
        "<p>结尾</p>"
    )
    lines = [line for line in _markdown(body).splitlines() if line]
    assert lines == [
        "投票之前",
        f"[🗳 投票：你最喜欢哪一期]({article_url(1)})",
        f"[🗳 投票（请在微信中参与）]({article_url(1)})",  # was written as a video
        "位置之前",
        "📍 位置：示例书店，示例路 1 号",
        "结尾",
    ]


def test_a_mini_program_text_link_stays_in_its_sentence() -> None:
    out = _markdown("<p>点击<span class='weapp_text_link' data-miniprogram-appid='wx2'>这里</span>报名。</p>")
    assert out.strip() == f"点击[🔗 小程序：这里]({article_url(1)})报名。"
