"""Body cleaning: one test per WeChat quirk (wx2post.clean), on minimal hand-written HTML."""

from __future__ import annotations

import lxml.html
from lxml.html import HtmlElement

from wx2post.clean import (
    clean_body,
    collect_images,
    drop_chrome,
    normalise_text,
    unhide_body,
)
from wx2post.models import Article
from wx2post.render import render_markdown

IMG = "https://mmbiz.qpic.cn/mmbiz_png/AbCdEf/640?wx_fmt=png"
ARTICLE = "https://mp.weixin.qq.com/s?__biz=MzA5NDc4MzIwOA==&mid=2247489842&idx=1&sn=0a6db5c1"


def body_of(html: str) -> HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


def cleaned(html: str, url: str = "") -> Article:
    article = Article(content=body_of(html), url=url)
    return clean_body(article)


def md(html: str, url: str = "") -> str:
    a = cleaned(html, url)
    return render_markdown(a.content, lambda i: (a.images[i].url, a.images[i].alt)).strip()


def text(html: str) -> str:
    return cleaned(html).content.text_content()


# --- the body is served hidden ---------------------------------------------------


def test_hidden_body_style_removed() -> None:
    body = lxml.html.fragment_fromstring(
        '<div id="js_content" style="visibility: hidden; opacity: 0; color: red;"><p>x</p></div>'
    )
    unhide_body(body)
    assert "hidden" not in body.get("style") and "opacity" not in body.get("style")
    assert "color: red" in body.get("style")


# --- lazy images -----------------------------------------------------------------


def test_lazy_image_real_url_in_data_src() -> None:
    a = cleaned(f'<p><img data-src="{IMG}&amp;tp=webp&amp;wxfrom=5&amp;wx_lazy=1&amp;wx_co=1"></p>')
    assert [i.url for i in a.images] == [IMG]


def test_data_uri_placeholder_src_is_not_the_picture() -> None:
    placeholder = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    a = cleaned(f'<p><img src="{placeholder}" data-src="{IMG}"></p>')
    assert [(i.url, i.local) for i in a.images] == [(IMG, "")]


def test_svg_placeholder_without_data_src_dropped() -> None:
    a = cleaned("<p>文<img src=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E\">字</p>")
    assert a.images == []
    assert a.content.text_content() == "文字"  # the text around it survives


def test_save_complete_page_keeps_the_local_copy_and_the_remote_url() -> None:
    a = cleaned(f'<p><img src="Title_files/640(1).png" data-src="{IMG}&amp;tp=webp"></p>')
    assert [(i.url, i.local) for i in a.images] == [(IMG, "Title_files/640(1).png")]


def test_local_only_image() -> None:
    a = cleaned('<p><img src="assets/3f2a.jpg"></p>')
    assert [(i.url, i.local) for i in a.images] == [("assets/3f2a.jpg", "assets/3f2a.jpg")]


def test_singlefile_data_uri_image_is_kept() -> None:
    uri = "data:image/png;base64," + "A" * 600
    a = cleaned(f'<p><img src="{uri}"></p>')
    assert a.images[0].local == uri


def test_rewritten_src_of_browser_copy_is_cleaned() -> None:
    a = cleaned(f'<p><img src="{IMG}&amp;tp=webp&amp;wxfrom=5&amp;wx_lazy=1&amp;wx_co=1"></p>')
    assert a.images[0].url == IMG


def test_image_alt_kept_and_order_numbered() -> None:
    a = cleaned(f'<p><img data-src="{IMG}" alt="图 1"><img data-src="{IMG.replace("AbCdEf", "Second")}"></p>')
    assert [i.alt for i in a.images] == ["图 1", ""]
    assert [img.get("data-wx2post-image") for img in a.content.iter("img")] == ["0", "1"]


def test_image_without_any_source_dropped() -> None:
    assert cleaned('<p><img class="rich_pages"></p>').images == []


def test_background_image_box_becomes_a_picture() -> None:
    a = cleaned(f'<section style="background-image: url(&quot;{IMG}&quot;); height: 300px;"></section>')
    assert [i.url for i in a.images] == [IMG]


def test_lazy_background_image() -> None:
    assert [i.url for i in cleaned(f'<section data-lazy-bgimg="{IMG}"></section>').images] == [IMG]


def test_background_behind_text_is_decoration() -> None:
    assert cleaned(f'<section style="background-image: url({IMG})"><p>标题</p></section>').images == []


def test_image_collection_helper_directly() -> None:
    body = body_of(f'<p><img data-src="{IMG}"></p>')
    assert len(collect_images(body)) == 1


# --- page chrome -----------------------------------------------------------------

PROFILE_CARD = """
<div class="profile_container" id="js_profile_qrcode">
  <div class="profile_inner">
    <strong class="profile_nickname">示例账号</strong>
    <img class="profile_avatar" src="https://wx.qlogo.cn/mmhead/abc/0">
    <p class="profile_meta"><label class="profile_meta_label">微信号</label>
      <span class="profile_meta_value">example_id</span></p>
    <p class="profile_meta"><label class="profile_meta_label">功能介绍</label>
      <span class="profile_meta_value">一句话介绍</span></p>
  </div>
  <span class="profile_arrow_wrp"></span>
</div>
"""


def test_profile_card_removed() -> None:
    out = text(PROFILE_CARD + "<p>正文</p>")
    assert out.strip() == "正文"


def test_profile_card_pasted_without_classes_removed() -> None:
    html = (
        "<section><p>示例账号</p><p>微信号 example_id</p><p>功能介绍 一句话介绍</p></section><p>正文内容</p>"
    )
    assert "微信号" not in text(html) and "正文内容" in text(html)


def test_long_article_mentioning_wechat_id_is_kept() -> None:
    para = "<p>" + "关注我们的微信号，看看功能介绍。" * 20 + "</p>"
    assert "微信号" in text(para)


def test_qr_code_prompt_removed() -> None:
    assert (
        text('<p>正文</p><div class="qr_code_pc"><p>微信扫一扫<br>关注该公众号</p></div>').strip() == "正文"
    )


def test_bare_scan_prompt_removed() -> None:
    assert text("<p>正文</p><p>微信扫一扫关注该公众号</p>").strip() == "正文"


def test_preview_tag_toast_removed() -> None:
    assert text('<p>正文</p><div id="js_tags_preview_toast">预览时标签不可点</div>').strip() == "正文"


def test_recommendations_removed() -> None:
    assert text("<p>正文</p><p>喜欢此内容的人还喜欢</p>").strip() == "正文"


def test_like_and_comment_bars_removed() -> None:
    html = '<p>正文</p><div class="rich_media_tool"><a>阅读原文</a><span>阅读 10万+</span></div>'
    assert text(html).strip() == "正文"


def test_chrome_removal_keeps_tail_text() -> None:
    body = body_of('<p>前<span class="js_pc_qr_code">二维码</span>后</p>')
    drop_chrome(body)
    assert body.text_content() == "前后"


def test_scripts_styles_and_comments_dropped() -> None:
    html = "<p>a<script>var x = 1;</script>b<style>p{}</style><!-- c -->c</p>"
    assert text(html) == "abc"


# --- text --------------------------------------------------------------------------


def test_zero_width_characters_removed() -> None:
    assert text("<p>零\u200b宽\u200c字\u200d符\ufeff\u2060</p>") == "零宽字符"


def test_nbsp_becomes_a_plain_space() -> None:
    body = body_of("<p>a&nbsp;b&nbsp;&nbsp;c</p>")
    normalise_text(body)
    assert body.text_content() == "a b  c"


# --- code ------------------------------------------------------------------------


def test_code_line_numbers_removed() -> None:
    html = (
        '<section class="code-snippet__fix code-snippet__js"><ul class="code-snippet__line-index '
        'code-snippet__js"><li>1</li><li>2</li></ul><pre class="code-snippet__js" data-lang="go">'
        "<code><span>a := 1</span></code><code><span>b := 2</span></code></pre></section>"
    )
    body = cleaned(html).content
    assert body.find(".//ul") is None
    assert body.find(".//pre").get("data-wx2post-lang") == "go"


def test_code_language_from_class() -> None:
    body = cleaned('<pre class="code-snippet__js code-snippet__python"><code>x</code></pre>').content
    assert body.find(".//pre").get("data-wx2post-lang") == "python"


def test_code_language_plaintext_is_no_language() -> None:
    body = cleaned('<pre class="code-snippet__js" data-lang="plaintext"><code>x</code></pre>').content
    assert body.find(".//pre").get("data-wx2post-lang") is None


# --- embeds ----------------------------------------------------------------------


def test_audio_becomes_a_line_with_a_link() -> None:
    html = '<mpvoice class="js_editor_audio" name="早安播报" voice_encode_fileid="MzI0XzIx"></mpvoice>'
    assert md(html) == "[🎧 音频：早安播报](https://res.wx.qq.com/voice/getvoice?mediaid=MzI0XzIx)"


def test_new_audio_element_without_id_links_to_the_article() -> None:
    assert md('<mp-common-mpaudio name="节目"></mp-common-mpaudio>', ARTICLE) == f"[🎧 音频：节目]({ARTICLE})"


def test_tencent_video_iframe() -> None:
    html = '<iframe class="video_iframe rich_pages" data-src="https://v.qq.com/iframe/preview.html?vid=w0023abc&amp;width=500"></iframe>'
    assert md(html) == "[▶ 视频](https://v.qq.com/x/page/w0023abc.html)"


def test_native_video_links_to_the_article() -> None:
    assert md('<mpvideo data-desc="发布会回放"></mpvideo>', ARTICLE) == f"[▶ 视频：发布会回放]({ARTICLE})"


def test_qq_music() -> None:
    html = '<qqmusic musicname="歌名" singer="歌手" mid="002VMURX2E"></qqmusic>'
    assert md(html) == "[🎵 音乐：歌名 - 歌手](https://y.qq.com/n/ryqq/songDetail/002VMURX2E)"


def test_mini_program() -> None:
    html = '<mp-miniprogram data-miniprogram-title="小程序名"></mp-miniprogram>'
    assert md(html, ARTICLE) == f"[🔗 小程序：小程序名]({ARTICLE})"


def test_account_card() -> None:
    html = '<mp-common-profile data-nickname="某公众号" data-id="MzI4NjAxNjY4Nw=="></mp-common-profile>'
    assert md(html) == (
        "[公众号：某公众号](https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzI4NjAxNjY4Nw==)"
    )


def test_foreign_iframe_keeps_its_link() -> None:
    html = '<iframe src="https://player.example.com/embed/9?utm_source=wx"></iframe>'
    assert md(html) == "[▶ 嵌入内容](https://player.example.com/embed/9)"


# --- formulas --------------------------------------------------------------------


def test_inline_formula() -> None:
    html = '<p>能量<span data-formula="E=mc^2"><img src="https://mmbiz.qpic.cn/mmbiz_svg/F/0?wx_fmt=svg"></span>守恒</p>'
    a = cleaned(html)
    assert a.images == []  # the SVG picture of the formula is not an image of the post
    assert md(html) == "能量$E=mc^2$守恒"


def test_block_formula() -> None:
    html = '<section><span data-formula="\\sum_i x_i" data-formula-type="block-equation"></span></section>'
    assert md(html) == "$$\n\\sum_i x_i\n$$"


# --- links -----------------------------------------------------------------------


def test_article_link_reduced_to_identity() -> None:
    href = f"http://{ARTICLE.removeprefix('https://')}&amp;chksm=c050ce&amp;scene=21&amp;key=k&amp;uin=u#wechat_redirect"
    body = cleaned(f'<p><a href="{href}">上一篇</a></p>').content
    assert body.find(".//a").get("href") == ARTICLE


def test_utm_removed_from_foreign_links() -> None:
    body = cleaned(
        '<p><a href="https://example.com/x?utm_source=wechat&amp;utm_medium=a&amp;p=1">x</a></p>'
    ).content
    assert body.find(".//a").get("href") == "https://example.com/x?p=1"


def test_javascript_link_loses_its_href() -> None:
    body = cleaned('<p><a href="javascript:void(0);">x</a></p>').content
    assert body.find(".//a").get("href") is None


def test_url_written_as_text_is_cleaned() -> None:
    raw = f"{ARTICLE}&amp;chksm=abc&amp;scene=21&amp;pass_ticket=secret#wechat_redirect"
    out = text(f"<p>原文：{raw}。</p>")
    assert out == f"原文：{ARTICLE}。"


def test_url_without_tracking_written_as_text_stays_as_written() -> None:
    assert (
        text("<p>见 https://example.com/a?q=%E4%B8%AD&amp;b=1 。</p>")
        == "见 https://example.com/a?q=%E4%B8%AD&b=1 。"
    )
