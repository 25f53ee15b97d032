"""Page -> Article: the metadata cascade, page kinds and failure pages (wx2post.parse).

Every page here is a minimal page written for the test, shaped like the template
it stands for; none is copied from a real article.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from wx2post.errors import (
    FailurePage,
    InputError,
    NotAnArticle,
    TransientFailure,
    VerificationRequired,
)
from wx2post.models import BEIJING
from wx2post.parse import parse_page, parse_time
from wx2post.sources import decode_page

from .tools import within

BIZ = "MzA5NDc4MzIwOA=="
LINK = f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=2247489842&idx=1&sn=0a6db5c1"
BODY = '<div class="rich_media_content" id="js_content" style="visibility: hidden;"><p>正文第一段。</p></div>'


def page(
    *,
    script: str = "",
    head: str = "",
    dom: str = "",
    body: str = BODY,
    title: str = "",
    before: str = "",
) -> str:
    """A served article page: head meta, one inline script with the variables, the DOM."""
    return (
        f"{before}<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body id='activity-detail'><div class='rich_media'>{dom}{body}</div>"
        f"<script type='text/javascript'>{script}</script></body></html>"
    )


FULL_SCRIPT = f"""
    var nickname = htmlDecode("示例账号");
    var user_name = "gh_0123456789ab";
    var alias = "example_alias";
    var msg_title = '变量标题'.html(false);
    var msg_desc = htmlDecode("摘要 &amp; 说明");
    var msg_cdn_url = "http://mmbiz.qpic.cn/mmbiz_jpg/Cover/0?wx_fmt=jpeg&amp;tp=webp&amp;wxfrom=5";
    var msg_link = "{LINK.replace("&", "&amp;")}&amp;chksm=abc&amp;scene=21#rd";
    var msg_source_url = 'https://example.com/original?utm_source=wechat';
    var author = "作者甲";
    var _copyright_stat = "1";
    var item_show_type = "0";
    var ct = "1651543920";
"""


def test_full_modern_page() -> None:
    a = parse_page(page(script=FULL_SCRIPT), "x.html")
    assert a.title == "变量标题"
    assert a.account_name == "示例账号"
    assert a.account_id == "gh_0123456789ab"
    assert a.account_alias == "example_alias"
    assert a.summary == "摘要 & 说明"
    assert a.cover_url == "https://mmbiz.qpic.cn/mmbiz_jpg/Cover/0?wx_fmt=jpeg"
    assert a.url == LINK
    assert a.source_url == "https://example.com/original"
    assert a.author == "作者甲"
    assert a.original is True
    assert a.kind == "article"
    assert a.published == datetime(2022, 5, 3, 10, 12, tzinfo=BEIJING)
    assert a.content is not None and "正文第一段" in a.content.text_content()


# --- precedence: JS variables, then meta tags, then the DOM, then text ------------------

OG = f"<meta property='og:title' content='OG 标题'><meta property='og:url' content='{LINK}'>"
DOM_TITLE = (
    "<h1 class='rich_media_title' id='activity-name'><span class='js_title_inner'> DOM 标题 </span></h1>"
)


def test_title_js_variable_beats_og_and_dom() -> None:
    a = parse_page(page(script="var msg_title = 'JS 标题';", head=OG, dom=DOM_TITLE, title="页面"))
    assert a.title == "JS 标题"


def test_title_og_beats_dom() -> None:
    assert parse_page(page(head=OG, dom=DOM_TITLE, title="页面")).title == "OG 标题"


def test_title_dom_beats_document_title() -> None:
    assert parse_page(page(dom=DOM_TITLE, title="页面")).title == "DOM 标题"


def test_title_falls_back_to_document_title() -> None:
    assert parse_page(page(title="页面标题")).title == "页面标题"


def test_title_from_cgi_data_new() -> None:
    script = "window.cgiDataNew = { title: JsDecode('数据标题'), create_time: JsDecode('2025-11-07 08:31') };"
    assert parse_page(page(script=script, dom=DOM_TITLE)).title == "数据标题"


def test_canonical_url_from_og_url_when_no_variable() -> None:
    assert parse_page(page(head=OG)).url == LINK


def test_canonical_url_from_separate_identity_variables() -> None:
    script = (
        f'var biz = "" || "{BIZ}"; var mid = "" || "2247489842"; var idx = "" || "1"; var sn = "0a6db5c1";'
    )
    assert parse_page(page(script=script, title="t")).url == LINK


def test_page_without_anchor_reads_variables_from_its_scripts_only() -> None:
    """No `msg_title`/`biz` script: the variables are read from the page's scripts,
    never from article text that quotes one (a code snippet, a tutorial)."""
    quoted = BODY.replace("正文第一段。", "var author = '冒名'; var nickname = '冒名账号';")
    article = parse_page(page(body=quoted, script="var author = '真作者';", title="t"))
    assert article.author == "真作者"
    assert article.account_name == ""
    assert parse_page(page(body=quoted, title="t")).author == ""
    upper = page(body=quoted, title="t").replace("<script type='text/javascript'>", "<SCRIPT>")
    assert parse_page(upper.replace("</script>", "var author = '大写';</SCRIPT >")).author == "大写"


def test_account_name_from_dom() -> None:
    dom = "<a id='js_name'> DOM 账号 </a>"
    assert parse_page(page(dom=dom, title="t")).account_name == "DOM 账号"


def test_author_from_meta() -> None:
    assert parse_page(page(head="<meta name='author' content='署名'>", title="t")).author == "署名"


def test_summary_and_cover_from_meta() -> None:
    head = (
        "<meta name='description' content='描述'>"
        "<meta property='og:image' content='https://mmbiz.qpic.cn/mmbiz_png/C/0?wx_fmt=png&amp;from=appmsg'>"
    )
    a = parse_page(page(head=head, title="t"))
    assert a.summary == "描述"
    assert a.cover_url == "https://mmbiz.qpic.cn/mmbiz_png/C/0?wx_fmt=png"


def test_account_id_must_look_like_one() -> None:
    assert parse_page(page(script='var user_name = "not-an-id";', title="t")).account_id == ""


def test_repost_flag() -> None:
    assert parse_page(page(script='var msg_title = "t"; var _copyright_stat = "2";')).original is False
    assert parse_page(page(title="t")).original is None


def test_original_from_copyright_logo() -> None:
    dom = "<span id='copyright_logo' class='rich_media_meta icon_appmsg_tag'>原创</span>"
    assert parse_page(page(dom=dom, title="t")).original is True


def test_read_original_link_from_dom() -> None:
    dom = "<a id='js_view_source' href='https://example.com/src?utm_medium=x&amp;id=3'>阅读原文</a>"
    assert parse_page(page(dom=dom, title="t")).source_url == "https://example.com/src?id=3"


# --- publish time: always Beijing time -----------------------------------------------


def test_epoch_late_at_night_utc_is_next_day_in_beijing() -> None:
    # 2022-05-02 16:30 UTC is 2022-05-03 00:30 in Beijing: the post is dated the 3rd.
    epoch = int(datetime(2022, 5, 2, 16, 30, tzinfo=timezone.utc).timestamp())
    a = parse_page(page(script=f'var msg_title = "t"; var ct = "{epoch}";'))
    assert a.published == datetime(2022, 5, 3, 0, 30, tzinfo=BEIJING)
    assert a.published is not None and a.published.utcoffset() == timedelta(hours=8)
    assert a.published.date().isoformat() == "2022-05-03"


def test_unquoted_epoch_variable() -> None:
    a = parse_page(page(script='var msg_title = "t"; var ct = 1651543920;'))
    assert a.published == datetime(2022, 5, 3, 10, 12, tzinfo=BEIJING)


def test_publish_time_text_is_beijing_time() -> None:
    dom = "<em id='publish_time' class='rich_media_meta rich_media_meta_text'>2022年05月03日 10:12</em>"
    a = parse_page(page(dom=dom, title="t"))
    assert a.published == datetime(2022, 5, 3, 10, 12, tzinfo=BEIJING)


def test_cgi_data_new_create_time_is_a_beijing_string_not_epoch() -> None:
    script = "window.cgiDataNew = { title: JsDecode('t'), create_time: JsDecode('2025-11-07 08:31') };"
    a = parse_page(page(script=script))
    assert a.published == datetime(2025, 11, 7, 8, 31, tzinfo=BEIJING)


def test_epoch_variable_beats_page_text() -> None:
    dom = "<em id='publish_time'>2001年01月01日</em>"
    a = parse_page(page(script='var msg_title = "t"; var ct = "1651543920";', dom=dom))
    assert a.published is not None and a.published.year == 2022


def test_no_date_at_all() -> None:
    assert parse_page(page(title="t")).published is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1651543920", datetime(2022, 5, 3, 10, 12, tzinfo=BEIJING)),
        ("1651543920000", datetime(2022, 5, 3, 10, 12, tzinfo=BEIJING)),
        ("2022-05-03 10:12", datetime(2022, 5, 3, 10, 12, tzinfo=BEIJING)),
        ("2022年5月3日", datetime(2022, 5, 3, tzinfo=BEIJING)),
        ("2022-05-02T18:12:00Z", datetime(2022, 5, 3, 2, 12, tzinfo=BEIJING)),
        ("2022-05-03T10:12:00+08:00", datetime(2022, 5, 3, 10, 12, tzinfo=BEIJING)),
        ("", None),
        ("昨天", None),
        ("2022年13月40日", None),
    ],
)
def test_parse_time(raw: str, expected: datetime | None) -> None:
    assert parse_time(raw) == expected


# --- encodings and odd bytes --------------------------------------------------------


def test_gbk_declared_page_bytes() -> None:
    html = page(script="var msg_title = '国标编码的标题';").replace(
        "<meta charset='utf-8'>", '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
    )
    text = decode_page(html.encode("gbk"), "old.html")
    a = parse_page(text)
    assert a.title == "国标编码的标题"
    assert "正文第一段" in a.content.text_content()


def test_utf8_bom() -> None:
    text = decode_page(b"\xef\xbb\xbf" + page(title="带 BOM").encode("utf-8"))
    assert parse_page(text).title == "带 BOM"


def test_junk_before_doctype_is_ignored() -> None:
    raw = (
        "$ python crawl.py --url https://mp.weixin.qq.com/s/x\n[INFO] 200 OK\n" + page(title="标题")
    ).encode()
    text = decode_page(raw)
    assert text.startswith("<!DOCTYPE html>")
    assert parse_page(text).title == "标题"


def test_junk_before_doctype_in_text_still_parses() -> None:
    assert parse_page(page(title="标题", before="console output\n")).title == "标题"


def test_entity_encoded_cjk() -> None:
    # Re-serialised parser fixtures write every non-ASCII character as `&#x..;`.
    head = "<meta property='og:title' content='&#x4E2D;&#x6587;&#x6807;&#x9898;'>"
    body = '<div id="js_content"><p>&#x6B63;&#x6587;&#x3002;</p></div>'
    a = parse_page(page(head=head, body=body))
    assert a.title == "中文标题"
    assert a.content.text_content() == "正文。"


def test_zero_width_characters_leave_the_title() -> None:
    assert parse_page(page(title="\u200b标\ufeff题 ")).title == "标题"


# --- failure pages ---------------------------------------------------------------------

NO_BODY = ""


def failure_page(message: str, extra: str = "") -> str:
    return page(
        body="<div class='weui-msg'><div class='weui-msg__text-area'>"
        f"<h2 class='weui-msg__title'>{message}</h2>{extra}</div></div>",
        script='var biz = ""; var sn = ""; var mid = ""; var idx = "";',
        title="微信公众平台",
    )


@pytest.mark.parametrize(
    ("message", "kind", "transient"),
    [
        ("该内容已被发布者删除", "deleted", False),
        ("The content has been deleted by the author.", "deleted", False),
        ("此内容因违规无法查看", "violation", False),
        ("该内容暂时无法查看", "unavailable", True),
        ("链接已过期", "expired", False),
        ("该内容被投诉且经审核涉嫌侵权，无法查看", "infringement", False),
        ("此帐号已自主注销，内容无法查看", "account-gone", False),
    ],
)
def test_failure_page_is_refused(message: str, kind: str, transient: bool) -> None:
    with pytest.raises(FailurePage) as info:
        parse_page(failure_page(message), "gone.html")
    assert info.value.kind == kind
    assert info.value.transient is transient
    assert isinstance(info.value, TransientFailure) is transient
    assert not isinstance(info.value, VerificationRequired)
    assert str(info.value).startswith("gone.html: ")


def test_violation_page_with_reason() -> None:
    extra = "<p class='weui-msg__desc'>经用户投诉，涉嫌过度营销</p>"
    with pytest.raises(FailurePage) as info:
        parse_page(failure_page("此内容因违规无法查看", extra))
    assert info.value.kind == "violation"


def test_verification_page_is_distinguished() -> None:
    html = page(
        body="<div class='weui-msg'><h2 class='weui-msg__title'>环境异常</h2>"
        "<p class='weui-msg__desc'>当前环境异常，完成验证后即可继续访问。</p>"
        "<a id='js_verify'>去验证</a></div>",
        title="Weixin Official Accounts Platform",
    )
    with pytest.raises(VerificationRequired) as info:
        parse_page(html, "captcha.html")
    assert info.value.kind == "verification"
    assert info.value.transient is True
    assert info.value.exit_status != FailurePage("x", "y").exit_status


def test_captcha_redirect_seen_only_in_script() -> None:
    html = page(
        body="",
        script="location.replace('/mp/wappoc_appmsgcaptcha?poc_token=abc&target_url=x');",
        title="x",
    )
    with pytest.raises(VerificationRequired):
        parse_page(html)


def test_article_quoting_a_failure_phrase_is_still_an_article() -> None:
    body = '<div id="js_content"><p>有读者问：看到“该内容已被发布者删除”是怎么回事？</p></div>'
    a = parse_page(page(script='var msg_title = "答读者问";', body=body))
    assert a.title == "答读者问"


def test_not_a_wechat_page() -> None:
    html = "<!DOCTYPE html><html><head><title>Blog</title></head><body><p>Hi</p></body></html>"
    with pytest.raises(NotAnArticle) as info:
        parse_page(html, "blog.html")
    assert "not a WeChat article" in str(info.value)


def test_wechat_page_without_body_text() -> None:
    with pytest.raises(NotAnArticle):
        parse_page(page(body='<div id="js_content"> \u200b </div>', title="空"))


def test_empty_input() -> None:
    with pytest.raises(InputError):
        decode_page(b"", "empty.html")
    with pytest.raises(InputError):
        decode_page(b"  \n\t ", "blank.html")
    with pytest.raises((InputError, NotAnArticle)):
        parse_page("", "empty.html")


def test_binary_input() -> None:
    with pytest.raises(InputError) as info:
        decode_page(bytes(range(256)) * 8, "photo.jpg")
    assert "binary" in str(info.value)


# --- page kinds ------------------------------------------------------------------------

PICTURE_SCRIPT = """
var item_show_type = "8";
window.cgiDataNew = {
  title: JsDecode('图片消息标题'),
  create_time: JsDecode('2025-11-05 18:30'),
  content_noencode: JsDecode('第一段说明\\x0a\\x0a第二段说明'),
  picture_page_info_list: [
    { width: 1080, cdn_url: 'https://mmbiz.qpic.cn/mmbiz_png/Pic1/0?wx_fmt=png\\x26amp;from=appmsg',
      watermark_info: { cdn_url: 'https://mmbiz.qpic.cn/mmbiz_png/Watermark1/0?wx_fmt=png' } },
    { watermark_info: { cdn_url: 'https://mmbiz.qpic.cn/mmbiz_png/Watermark2/0?wx_fmt=png' },
      cdn_url: 'https://mmbiz.qpic.cn/mmbiz_png/Pic2/0?wx_fmt=png' }
  ]
};
"""


def test_picture_post_takes_images_from_the_list_not_the_watermarks() -> None:
    # Picture posts have no #js_content; only a swiper shell.
    a = parse_page(
        page(script=PICTURE_SCRIPT, body="<div id='js_image_content'><div class='swiper'></div></div>")
    )
    assert a.kind == "picture"
    assert a.title == "图片消息标题"
    assert a.published == datetime(2025, 11, 5, 18, 30, tzinfo=BEIJING)
    srcs = [img.get("data-src") for img in a.content.iter("img")]
    assert [s.split("/")[4] for s in srcs] == ["Pic1", "Pic2"]
    assert "Watermark" not in "".join(srcs)
    paragraphs = [p.text_content() for p in a.content.iter("p") if p.text_content()]
    assert paragraphs == ["第一段说明", "第二段说明"]


TEXT_SCRIPT = """
var item_show_type = "10";
window.cgiDataNew = {
  title: JsDecode('文字消息的标题'),
  create_time: JsDecode('2025-10-07 14:13'),
  content_noencode: JsDecode('开头一段。\\x0a\\x0a结论：\\x0a1、第一点\\x0a2、第二点')
};
"""


def test_text_post_takes_its_text_from_content_noencode() -> None:
    a = parse_page(page(script=TEXT_SCRIPT, body="<div id='js_content' class='rich_media_content'></div>"))
    assert a.kind == "text"
    assert a.title == "文字消息的标题"
    ps = list(a.content.iter("p"))
    assert ps[0].text_content() == "开头一段。"
    assert len(ps[1].findall("br")) == 2  # line breaks inside a paragraph are kept


def test_share_post_builds_comment_and_card() -> None:
    script = (
        f'var msg_title = "被分享的文章"; var msg_link = "{LINK.replace("&", "&amp;")}";'
        "document.getElementById('js_share_notice').innerHTML = '分享者的评论\\x0a\\x0a第二段';"
    )
    dom = (
        "<div id='js_share_notice'></div><div class='original_panel'>"
        "<div class='original_panel_title'>被分享的文章原创</div><div id='js_share_author'>原作者</div></div>"
    )
    a = parse_page(page(script=script, dom=dom, body=""))
    text = a.content.text_content()
    assert "分享者的评论" in text and "被分享的文章" in text and "原作者" in text
    assert a.content.find(".//a").get("href") == LINK


def test_kind_from_item_show_type() -> None:
    for value, kind in (("5", "video"), ("7", "audio"), ("0", "article"), ("99", "article")):
        a = parse_page(page(script=f'var msg_title = "t"; var item_show_type = "{value}";'))
        assert a.kind == kind


def test_mhtml_archive() -> None:
    # What browsers and wechatDownload write: multipart/related, the page first.
    from email.mime.image import MIMEImage
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    from wx2post.sources import read_mhtml

    archive = MIMEMultipart("related")
    html_part = MIMEText(page(script="var msg_title = 'MHTML 存档';"), "html", "utf-8")
    html_part["Content-Location"] = LINK
    archive.attach(html_part)
    image = MIMEImage(b"\x89PNG\r\n\x1a\n" + b"\0" * 16, "png")
    image["Content-Location"] = "https://mmbiz.qpic.cn/mmbiz_png/Saved/640?wx_fmt=png"
    archive.attach(image)
    source = read_mhtml(archive.as_bytes(), "saved.mhtml")
    assert parse_page(source.html, source.origin).title == "MHTML 存档"
    assert source.parts["https://mmbiz.qpic.cn/mmbiz_png/Saved/640?wx_fmt=png"].startswith(b"\x89PNG")


def test_a_page_of_unclosed_scripts_is_read_in_linear_time() -> None:
    """Without a metadata anchor the page's scripts are read: `<script>.*?</script>` retried the
    rest of the page from every unclosed one (100,000 on an 800 KB page: minutes)."""
    for unit in ("<script>", "<SCRIPT x>a"):
        unclosed = page(body=BODY + unit * 100_000, title="t").replace("</script>", "")
        with within(30, f"{unit!r} * 100000"):
            assert parse_page(unclosed).title == "t"
