"""Pages that lost WeChat's template (no ids, classes or scripts) still convert: the body by the
page's shape (title, account block, body, footer), else by trafilatura; never the footer."""

from __future__ import annotations

import html

import lxml.html
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from wx2post.cli import main
from wx2post.errors import NotAnArticle
from wx2post.parse import parse_page
from wx2post.structure import find_by_structure

IMG = "https://mmbiz.qpic.cn/mmbiz_jpg/AcctX/StrippedImg0001abcdefgh/640?wx_fmt=jpeg"
FOOTER = (
    "<div style='margin-top:20px'><a href='https://mp.weixin.qq.com/s/AbCdEf'>阅读原文</a></div>"
    "<div><p>喜欢此内容的人还喜欢</p><ul><li>推荐的另一篇文章标题</li><li>推荐的第二篇标题</li></ul></div>"
    "<div><img src='qr.png'><p>微信扫一扫<br>关注该公众号</p></div>"
)


def stripped_page(paragraphs: list[str], *, wrappers: int = 2, footer: str = FOOTER) -> str:
    """An article as a saver leaves it: tags and inline styles, no id, no class, no script."""
    body = "".join(f"<p style='margin:0'>{html.escape(p)}</p>" for p in paragraphs)
    body += f"<p><img data-src='{IMG}' style='width:100%'></p>"
    for _ in range(wrappers):
        body = f"<section style='padding:0'>{body}</section>"
    return (
        "<html><head><meta charset='utf-8'><title>一篇被剥掉模板的文章</title></head><body>"
        "<div style='max-width:677px'><h1 style='font-size:22px'>一篇被剥掉模板的文章</h1>"
        "<div style='color:grey'><span>原创</span> <span>作者甲</span> "
        "<span><a href='javascript:void(0);'>剥皮测试号</a></span> <em>2023-04-05 18:30</em></div>"
        f"<div style='visibility:visible'>{body}</div>{footer}</div></body></html>"
    )


PARAS = ["第一段：正文从这里开始，说的是一件事。", "第二段：接着说下去，还有更多的细节。", "第三段：结尾。"]


def test_stripped_page_converts_by_its_shape(tmp_path) -> None:
    page = tmp_path / "stripped.html"
    page.write_text(stripped_page(PARAS), encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(page), "--stdout"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "title: 一篇被剥掉模板的文章" in out
    assert "account: 剥皮测试号" in out
    assert "date: 2023-04-05 18:30:00 +0800" in out
    for para in PARAS:
        assert para in out
    assert "StrippedImg0001abcdefgh" in out
    for chrome in ("阅读原文", "喜欢此内容的人还喜欢", "推荐的另一篇文章标题", "微信扫一扫", "原创 作者甲"):
        assert chrome not in out.split("\n---\n", 1)[1].split("</blockquote>")[-1], chrome


def test_an_article_quoting_a_footer_phrase_is_not_cut() -> None:
    paras = ["开头。", "请点击阅读原文查看完整内容，这是正文里的一句话。", "正文在这之后还有一段。"]
    article = parse_page(stripped_page(paras), "x.html")
    text = article.content.text_content()
    assert all(p in text for p in paras)


def test_page_without_the_shape_goes_to_the_extractor() -> None:
    """No heading, no account block: trafilatura finds the main text among navigation."""
    nav = "".join(f"<li><a href='/c{i}'>栏目{i}</a></li>" for i in range(12))
    paras = "".join(
        f"<p>这是正文的第{i}段，讲一个足够长的故事，让提取器认得出这是文章的主体部分，而不是导航。</p>"
        for i in range(8)
    )
    page = (
        "<html><head><meta charset='utf-8'><title>t</title></head><body>"
        f"<div><ul>{nav}</ul></div><div>{paras}</div>"
        f"<div><img src='https://mmbiz.qpic.cn/mmbiz_png/A/B/640'></div></body></html>"
    )
    article = parse_page(page, "x.html")
    text = article.content.text_content()
    assert all(f"这是正文的第{i}段" in text for i in range(8))
    assert "栏目3" not in text


def test_page_with_no_text_has_no_article_text() -> None:
    page = "<html><body><div><a href='https://mp.weixin.qq.com/'>mp</a></div></body></html>"
    with pytest.raises(NotAnArticle, match="no article text"):
        parse_page(page, "x.html")


_TEXT = st.text(
    alphabet=st.characters(whitelist_categories=("Lo", "Nd"), max_codepoint=0x9FFF), min_size=4, max_size=40
)


@settings(max_examples=60)
@given(paras=st.lists(_TEXT, min_size=1, max_size=12), wrappers=st.integers(0, 5))
def test_shape_finder_keeps_every_paragraph_and_no_footer(paras: list[str], wrappers: int) -> None:
    doc = lxml.html.document_fromstring(stripped_page(paras, wrappers=wrappers))
    found = find_by_structure(doc)
    assert found is not None
    text = found.body.text_content()
    assert all(p in text for p in paras)
    chrome_phrases = ("阅读原文", "喜欢此内容的人还喜欢", "推荐的第二篇标题", "微信扫一扫")
    chrome_phrases += ("剥皮测试号", "作者甲")
    for chrome in chrome_phrases:
        if not any(chrome in p for p in paras):
            assert chrome not in text
    assert found.account == "剥皮测试号" and found.title == "一篇被剥掉模板的文章"
