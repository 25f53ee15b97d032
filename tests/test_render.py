"""Cleaned body -> Markdown, one rule per line (wx2post.render).

`md()` runs the cleaning rules first, as the pipeline does, so the HTML here is
shaped like WeChat's editor output.
"""

from __future__ import annotations

import random
import re

import lxml.html
import pytest

from wx2post.clean import clean_body
from wx2post.models import Article
from wx2post.render import escape_line_start, escape_text, render_markdown

IMG = "https://mmbiz.qpic.cn/mmbiz_png/AbCdEf/640?wx_fmt=png"


def md(html: str) -> str:
    article = clean_body(Article(content=lxml.html.fragment_fromstring(html, create_parent="div")))
    images = article.images
    return render_markdown(article.content, lambda i: (images[i].url, images[i].alt)).strip()


# --- merged emphasis runs --------------------------------------------------------


def test_adjacent_bold_runs_merge() -> None:
    assert md("<p><strong>a</strong><strong>b</strong></p>") == "**ab**"


def test_never_four_stars() -> None:
    assert md("<p><strong></strong><strong> </strong>正文</p>") == "正文"
    assert "****" not in md("<p><strong>甲</strong><strong></strong><strong>乙</strong></p>")


def test_empty_bold_paragraph_dropped() -> None:
    assert md("<p><strong><span></span></strong></p><p>x</p>") == "x"


def test_bold_split_mid_word_is_one_run() -> None:
    assert md("<p><b>wor</b><b>d</b> and <b>电</b><b>信</b></p>") == "**word** and **电信**"


def test_bold_runs_through_nested_spans() -> None:
    html = '<p><span style="font-weight: bold;"><span>领域广、</span></span><b><span>手段新</span></b></p>'
    assert md(html) == "**领域广、手段新**"


def test_space_between_bold_runs_joins_them() -> None:
    assert md("<p><strong>hello </strong><strong>world</strong> x</p>") == "**hello world** x"


def test_whitespace_stays_outside_markers() -> None:
    assert md("<p>a<strong> bold </strong>b</p>") == "a **bold** b"


def test_punctuation_moves_outside_only_when_the_marker_needs_it() -> None:
    assert md("<p><strong>答：</strong>正文</p>") == "**答**：正文"
    assert md("<p>中文<strong>“引号”</strong>中文</p>") == "中文“**引号**”中文"
    # At the end of a line, or before punctuation, the closing marker works as is.
    assert md("<p><strong>第一部分（上）</strong></p>") == "**第一部分（上）**"
    assert md("<p>正文<strong>一是警示。</strong></p>") == "正文**一是警示。**"


def test_punctuation_only_run_is_not_bold() -> None:
    assert md("<p><strong>◇</strong>经过</p>") == "◇经过"


def test_css_normal_weight_inside_strong_is_not_bold() -> None:
    html = '<p><strong><span style="font-weight: normal;">普通</span>加粗</strong></p>'
    assert md(html) == "普通**加粗**"


def test_css_bold_span() -> None:
    assert md('<p>看<span style="font-weight: 700;">这里</span></p>') == "看**这里**"


def test_italic_runs_merge() -> None:
    assert md("<p><em>斜</em><em>体</em></p>") == "*斜体*"


def test_bold_italic_nested() -> None:
    assert md("<p><strong>粗<em>又斜</em></strong></p>") == "**粗*又斜***"


def test_bold_across_a_line_break_is_closed_on_each_line() -> None:
    assert md("<p><strong>第一行<br>第二行</strong></p>") == "**第一行**  \n**第二行**"


def test_bold_across_a_link_wraps_the_link() -> None:
    html = '<p><strong>1、《</strong><a href="https://example.com/a"><strong>标题</strong></a><strong>》</strong></p>'
    assert md(html) == "**1、《[标题](https://example.com/a)》**"


def test_bold_link_inside_cjk_text_keeps_the_bold_inside() -> None:
    html = '<p>中文<strong><a href="https://example.com/">链接</a></strong>中文</p>'
    assert md(html) == "中文[**链接**](https://example.com/)中文"


def test_code_runs_merge() -> None:
    assert md("<p><code>a</code><code>b</code> c</p>") == "`ab` c"


def test_code_with_backtick() -> None:
    assert md("<p><code>a`b</code></p>") == "``a`b``"


# --- line breaks and paragraphs ----------------------------------------------------


def test_br_is_a_hard_break() -> None:
    assert md("<p>一<br>二</p>") == "一  \n二"


def test_double_br_is_a_paragraph_break() -> None:
    assert md("<p>一<br><br>二</p>") == "一\n\n二"


def test_leading_and_trailing_br_ignored() -> None:
    assert md("<p><br>一<br></p>") == "一"


def test_sections_become_paragraphs() -> None:
    assert md("<section><section><span>甲</span></section><section>乙</section></section>") == "甲\n\n乙"


def test_empty_wrappers_dropped() -> None:
    html = (
        "<section><section><span></span></section><p><br></p><p>&nbsp;</p><p>\u200b</p></section><p>内容</p>"
    )
    assert md(html) == "内容"


def test_zero_width_and_nbsp() -> None:
    assert md("<p>a\u200bb\ufeffc&nbsp;d</p>") == "abc d"


# --- headings ----------------------------------------------------------------------


def test_heading_tag() -> None:
    assert md("<h2>小标题</h2>") == "## 小标题"


def test_heading_drops_inner_bold() -> None:
    assert md("<h3><strong>您的投资</strong>：</h3>") == "### 您的投资："
    assert md("<h2>【<strong>全国两会</strong>】</h2>") == "## 【全国两会】"


def test_hash_title_gets_a_space_and_text_hash_is_escaped() -> None:
    assert md("<h2>#话题</h2>") == "## \\#话题"
    assert md("<p>#最高检答记者问</p>") == "\\#最高检答记者问"


def test_styled_paragraph_acts_as_heading() -> None:
    assert (
        md('<p><span style="font-size: 20px;"><strong>大号加粗小标题</strong></span></p>')
        == "## 大号加粗小标题"
    )
    assert md('<p style="font-size: 18px;"><b>三级标题</b></p>') == "### 三级标题"


def test_large_but_not_bold_is_not_a_heading() -> None:
    assert md('<p><span style="font-size: 20px;">大字</span></p>') == "大字"


def test_bold_sentence_is_not_a_heading() -> None:
    assert (
        md('<p><span style="font-size: 20px;"><strong>这是一句话。</strong></span></p>') == "**这是一句话。**"
    )


def test_paragraph_in_a_heading_tag_stays_a_paragraph() -> None:
    text = "●4月5日上午，典礼在黄陵举行。万余名中华儿女齐聚广场，共同祭奠始祖。" * 2
    assert md(f"<h1>{text}</h1>") == text


def test_heading_with_line_break_is_one_line() -> None:
    assert md("<h2>第一行<br>第二行</h2>") == "## 第一行 第二行"


def test_empty_heading_dropped() -> None:
    assert md("<h1><br></h1><p>x</p>") == "x"


# --- code ----------------------------------------------------------------------------

SNIPPET = (
    '<section class="code-snippet__fix code-snippet__js">'
    '<ul class="code-snippet__line-index code-snippet__js"><li></li><li></li><li></li><li></li></ul>'
    '<pre class="code-snippet__js" data-lang="python">'
    '<code><span class="code-snippet_outer"><span class="hljs-keyword">def</span> f(x):</span></code>'
    '<code><span class="code-snippet_outer">    return x * 2  # *not* emphasis</span></code>'
    '<code><span class="code-snippet_outer"><br></span></code>'
    '<code><span class="code-snippet_outer">print(f("{{ x }}"))</span></code>'
    "</pre></section>"
)


def test_code_snippet_to_fenced_block() -> None:
    assert md(SNIPPET) == (
        '```python\ndef f(x):\n    return x * 2  # *not* emphasis\n\nprint(f("{{ x }}"))\n```'
    )


def test_code_language_from_class() -> None:
    assert (
        md('<pre class="code-snippet__js code-snippet__go"><code>x := 1</code></pre>') == "```go\nx := 1\n```"
    )


def test_plain_pre_keeps_newlines_and_indentation() -> None:
    assert md("<pre><code>a\n  b\n\n    c</code></pre>") == "```\na\n  b\n\n    c\n```"


def test_pre_with_br_lines() -> None:
    assert md("<pre>a<br>b<br><br>c</pre>") == "```\na\nb\n\nc\n```"


def test_code_containing_a_fence_gets_a_longer_fence() -> None:
    assert md("<pre><code>```\nx\n```</code></pre>") == "````\n```\nx\n```\n````"


def test_code_block_nbsp_becomes_space() -> None:
    assert md("<pre><code>&nbsp;&nbsp;x</code></pre>") == "```\n  x\n```"


# --- tables ------------------------------------------------------------------------


def test_table_to_gfm() -> None:
    html = "<table><tr><th>名称</th><th>值</th></tr><tr><td>a|b</td><td><strong>1</strong></td></tr></table>"
    assert md(html) == "| 名称 | 值 |\n|---|---|\n| a\\|b | **1** |"


def test_ragged_table_padded() -> None:
    assert (
        md("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>")
        == "| a | b |\n|---|---|\n| c |  |"
    )


def test_table_cell_with_paragraphs() -> None:
    html = "<table><tr><td><p>一</p><p>二</p></td><td>x</td></tr></table>"
    assert md(html) == "| 一<br>二 | x |\n|---|---|"


def test_merged_cells_stay_html() -> None:
    html = '<table><tr><td rowspan="2">合并</td><td>1</td></tr><tr><td colspan="1">2</td></tr></table>'
    assert md(html) == '<table>\n<tr><td rowspan="2">合并</td><td>1</td></tr>\n<tr><td>2</td></tr>\n</table>'


def test_one_cell_layout_table_is_its_paragraph() -> None:
    assert (
        md("<table><tbody><tr><td><p><strong>导读</strong>：本文</p></td></tr></tbody></table>")
        == "**导读**：本文"
    )


def test_one_column_layout_table_is_its_blocks() -> None:
    html = f'<table><tr><td><p>第一段</p></td></tr><tr><td><img data-src="{IMG}"></td></tr></table>'
    assert md(html) == f"第一段\n\n![]({IMG})"


def test_empty_table_dropped() -> None:
    assert md("<table><tr><td> </td><td></td></tr></table><p>x</p>") == "x"


# --- lists and quotes ------------------------------------------------------------------


def test_unordered_list() -> None:
    assert md("<ul><li>一</li><li><section><span>二</span></section></li></ul>") == "- 一\n- 二"


def test_ordered_list_with_start() -> None:
    assert md('<ol start="3"><li>三</li><li>四</li></ol>') == "3. 三\n4. 四"


def test_nested_list_is_indented_and_tight() -> None:
    html = "<ul><li>一</li><li>二<ul><li>二点一</li><li>二点二<ol><li>深</li></ol></li></ul></li>"
    html += "<li>三</li></ul>"
    assert md(html) == "- 一\n- 二\n  - 二点一\n  - 二点二\n    1. 深\n- 三"


def test_list_nested_directly_in_list() -> None:
    assert md("<ul><li>a</li><ul><li>b</li></ul><li>c</li></ul>") == "- a\n  - b\n- c"


def test_text_written_straight_into_a_list_is_kept() -> None:
    """A browser shows `<ul>文字<li>…` and text between items; the walker read only the items."""
    out = md("<ul>前言<li>一</li>中间<li>二</li>结尾</ul><ol>只有文字</ol>")
    for text in ("前言", "- 一", "中间", "- 二", "结尾", "只有文字"):
        assert text in out
    assert out.index("前言") < out.index("- 一") < out.index("中间") < out.index("- 二") < out.index("结尾")


def test_list_item_with_paragraphs() -> None:
    assert md("<ol><li><p>p1</p><p>p2</p></li><li>x</li></ol>") == "1. p1\n\n   p2\n2. x"


def test_empty_list_items_dropped() -> None:
    assert md("<ul><li><br></li><li>x</li></ul>") == "- x"


def test_blockquote() -> None:
    assert md("<blockquote><p>引用一</p><p>引用二</p></blockquote>") == "> 引用一\n>\n> 引用二"


def test_nested_blockquote() -> None:
    assert md("<blockquote><p>外</p><blockquote><p>内</p></blockquote></blockquote>") == "> 外\n>\n> > 内"


def test_hr() -> None:
    assert md("<p>a</p><hr><p>b</p>") == "a\n\n---\n\nb"


# --- images and links ------------------------------------------------------------------


def test_image_uses_the_image_target() -> None:
    assert md(f'<p><img data-src="{IMG}&amp;tp=webp" alt="图 [1]"></p>') == f"![图 \\[1\\]]({IMG})"


def test_image_target_gets_the_index() -> None:
    body = lxml.html.fragment_fromstring(
        f'<div><p><img data-src="{IMG}"></p><p><img data-src="{IMG}"></p></div>'
    )
    article = clean_body(Article(content=body))
    out = render_markdown(article.content, lambda i: (f"{{{{site.baseurl}}}}/postimg/{i}.png", ""))
    assert out == "![]({{site.baseurl}}/postimg/0.png)\n\n![]({{site.baseurl}}/postimg/1.png)\n"


def test_link() -> None:
    assert md('<p>见<a href="https://example.com/a">这里</a>。</p>') == "见[这里](https://example.com/a)。"


def test_link_target_with_parentheses_and_spaces() -> None:
    assert md('<p><a href="https://example.com/a b(c)">x</a></p>') == "[x](https://example.com/a%20b%28c%29)"


def test_link_with_empty_label_dropped() -> None:
    assert md('<p>a<a href="https://example.com/"> </a>b</p>') == "a b"


def test_link_label_brackets_escaped() -> None:
    assert md('<p><a href="https://example.com/">[1] 注释</a></p>') == "[\\[1\\] 注释](https://example.com/)"


def test_wechat_link_written_by_identity() -> None:
    href = (
        "http://mp.weixin.qq.com/s?__biz=Mzg5OTU0NzY5OQ==&amp;mid=2247489842&amp;idx=1&amp;sn=0a6d"
        "&amp;chksm=c050ce6e&amp;scene=21#wechat_redirect"
    )
    assert md(f'<p><a href="{href}">往期</a></p>') == (
        "[往期](https://mp.weixin.qq.com/s?__biz=Mzg5OTU0NzY5OQ==&mid=2247489842&idx=1&sn=0a6d)"
    )


def test_bare_url_is_left_as_written() -> None:
    assert md("<p>地址：https://example.com/a_b?x=1 。</p>") == "地址：https://example.com/a_b?x=1 。"


def test_bare_url_that_would_need_escapes_becomes_an_autolink() -> None:
    assert (
        md("<p>地址：https://example.com/s?__biz=x&amp;k=*。</p>")
        == "地址：<https://example.com/s?__biz=x&k=*>。"
    )


def test_bare_url_trailing_punctuation_stays_outside() -> None:
    assert (
        md("<p>(see https://en.wikipedia.org/wiki/_A_(b)).</p>")
        == "(see <https://en.wikipedia.org/wiki/_A_(b)>)."
    )


# --- escaping: sensible, and never ugly for CJK ------------------------------------------


def test_reference_marks_are_not_escaped() -> None:
    assert md("<p>本杂志开源[1]，欢迎投稿[2]。</p>") == "本杂志开源[1]，欢迎投稿[2]。"


def test_bracket_that_would_form_a_link_is_escaped() -> None:
    assert md("<p>x [a](b) y [c][d] [e]: f</p>") == "x [a\\](b) y [c\\][d] [e\\]: f"


def test_footnote_like_bracket_escaped() -> None:
    assert escape_text("[^1]") == "\\[^1]"


def test_intraword_underscore_not_escaped() -> None:
    assert (
        md("<p>tshark_manager.cpp 与 _x_ 与 __init__</p>")
        == "tshark_manager.cpp 与 \\_x\\_ 与 \\_\\_init\\_\\_"
    )


def test_stars_and_backticks_escaped() -> None:
    assert md("<p>2*3*4 与 `x`</p>") == "2\\*3\\*4 与 \\`x\\`"


def test_single_tilde_kept_pairs_escaped() -> None:
    assert md("<p>早上好~</p>") == "早上好~"
    assert md("<p>10~20度，30~40度</p>") == "10\\~20度，30\\~40度"


def test_backslash_only_escaped_before_punctuation() -> None:
    assert md("<p>C:\\dir 与 a\\*b</p>") == "C:\\dir 与 a\\\\\\*b"


def test_html_like_text_escaped() -> None:
    assert md("<p>a &lt;div&gt; b &lt; c &amp;amp; d</p>") == "a &lt;div> b < c &amp;amp; d"


def test_double_dollar_escaped() -> None:
    assert md("<p>价格$$100</p>") == "价格\\$\\$100"


def test_cjk_text_untouched() -> None:
    text = "在中央办公厅、国务院办公厅印发《意见》之际，4月21日，最高人民检察院发布10件典型案例（一）。"
    assert md(f"<p>{text}</p>") == text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# 标题", "\\# 标题"),
        ("#话题", "\\#话题"),
        ("> 引", "\\> 引"),
        ("- 项", "\\- 项"),
        ("-5度", "-5度"),
        ("+ 项", "\\+ 项"),
        ("1. 项", "1\\. 项"),
        ("2022. 年", "2022\\. 年"),
        ("1.5 倍", "1.5 倍"),
        ("| a | b |", "\\| a | b |"),
        ("---", "\\---"),
        ("===", "\\==="),
        (": 定义", "\\: 定义"),
        ("{: .cls}", "\\{: .cls}"),
        ("普通", "普通"),
    ],
)
def test_line_start_escapes(line: str, expected: str) -> None:
    assert escape_line_start(line) == expected


def test_line_start_escape_applies_after_a_break() -> None:
    assert md("<p>第一行<br>1. 第二行</p>") == "第一行  \n1\\. 第二行"


# --- embeds and formulas in context ------------------------------------------------------


def test_formula_inline_and_block() -> None:
    html = '<p>由<span data-formula="a^2+b^2=c^2"></span>得</p><p><span data-formula="x=1"></span></p>'
    assert md(html) == "由$a^2+b^2=c^2$得\n\n$$\nx=1\n$$"


def test_embed_line_stands_alone() -> None:
    html = '<p>前文</p><mpvoice name="声音" voice_encode_fileid="abc"></mpvoice><p>后文</p>'
    assert md(html) == "前文\n\n[🎧 音频：声音](https://res.wx.qq.com/voice/getvoice?mediaid=abc)\n\n后文"


# --- every emphasis marker works in a CommonMark reader -------------------------------------

SAMPLES = [
    "<p><strong>答：</strong>正文<strong>“引号”</strong>后文</p>",
    "<p>去。<strong>首发，完结，19万字，仙草</strong>。</p>",
    '<p><span style="font-weight:bold">《书名》拟态，奇书。</span>本书<strong>（注）</strong>完</p>',
    "<p><strong>1、《</strong><a href='https://example.com/'><strong>川普</strong></a><strong>》</strong>后</p>",
    "<p>中文<strong><a href='https://example.com/'>链接</a></strong>中文<em>（斜）</em>字</p>",
    "<p><strong>粗</strong><em>斜</em><strong><em>都</em></strong>无</p>",
    "<p><strong>见 https://example.com/x_y（注）</strong>后</p>",
    "<p><b>a</b>-<b>b</b>_<b>c</b>*<b>d</b></p>",
    "<p><strong>甲<br>乙</strong><em>丙</em></p>",
]


@pytest.mark.parametrize("html", SAMPLES)
def test_markers_are_read_as_emphasis_by_commonmark(html: str) -> None:
    """Read back by a CommonMark parser, the post shows exactly the page's text:
    every marker was taken as emphasis and every escape as the character."""
    markdown_it = pytest.importorskip("markdown_it")
    out = md(html)
    rendered = markdown_it.MarkdownIt("commonmark").render(out)
    shown = lxml.html.fragment_fromstring(rendered, create_parent="div").text_content()
    page = lxml.html.fragment_fromstring(html, create_parent="div").text_content()
    assert re.sub(r"\s+", "", shown) == re.sub(r"\s+", "", page), (out, rendered)
    assert rendered.count("<strong>") == out.count("**") // 2, (out, rendered)


def test_random_mixed_runs_read_back_as_the_page_text() -> None:
    """A seeded property test: bold, italic, links and code mixed with CJK, ASCII and
    Markdown-special characters always read back (CommonMark) as exactly the page's
    text, with no `****` and no accidental image."""
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark")
    pieces = list("：。“”（）《》、!*_~-#\\ ") + ["中文", "ab", "1", "[1]", "x_y", "&lt;", "&amp;"]
    wrappers = [
        "<strong>{}</strong>",
        "<em>{}</em>",
        "<strong><em>{}</em></strong>",
        '<a href="https://example.com/">{}</a>',
        '<strong><a href="https://example.com/">{}</a></strong>',
        "<code>{}</code>",
        "{}",
        "{}",
        "{}",
    ]
    rnd = random.Random(20260401)
    for _ in range(400):
        html = "<p>"
        for _ in range(rnd.randint(1, 7)):
            text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 4)))
            html += rnd.choice(wrappers).format(text)
        html += "</p>"
        out = md(html)
        rendered = parser.render(out)
        shown = lxml.html.fragment_fromstring(rendered, create_parent="div").text_content() if out else ""
        page = lxml.html.fragment_fromstring(html, create_parent="div").text_content()
        assert re.sub(r"\s+", "", shown) == re.sub(r"\s+", "", page), (html, out, rendered)
        assert "<img" not in rendered, (html, out)
        assert "****" not in out.replace("\\*", "\0"), (html, out)
