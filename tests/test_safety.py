"""Link and image targets are allowed by scheme, read as a browser reads them (wx2post.safety).

Hypothesis spells `javascript:` and friends every way a browser or a Markdown
reader would still follow (case, tab/newline inside, control characters and
spaces before, character references, Markdown escapes) and checks that the target
is refused, that the converted post has no such link, and that a Markdown reader
renders no such href.
"""

from __future__ import annotations

import html

import lxml.html
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from wx2post.models import Article
from wx2post.pipeline import draft_page
from wx2post.post import attribution
from wx2post.presets import get_preset
from wx2post.safety import image_reference, is_allowed_target, link_scheme, safe_href, sanitize_html
from wx2post.sources import PageSource


@st.composite
def hostile_target(draw: st.DrawFn) -> str:
    """`javascript:alert(1)` (or vbscript:, data:) in a spelling a browser still follows."""
    scheme = draw(st.sampled_from(["javascript", "vbscript", "data", "livescript"]))
    chars = []
    for ch in scheme + ":":
        ch = ch.upper() if draw(st.booleans()) else ch
        how = draw(st.integers(0, 9))
        if how == 0:
            ch = f"&#{ord(ch)};"
        elif how == 1:
            ch = f"&#x{ord(ch):X};"
        elif how == 2 and ch == ":":
            ch = "&colon;"
        elif how == 3 and ch == ":":
            ch = "\\:"  # a Markdown escape
        chars.append(ch)
        if draw(st.integers(0, 5)) == 0:
            chars.append(draw(st.sampled_from(["\t", "\n", "\r", "&#9;", "&#10;", "&Tab;", "&NewLine;"])))
    lead = draw(st.text(alphabet="\x00\x01\x08\x1f \x0b\x0c", max_size=3))
    return lead + "".join(chars) + "alert(1)"


@settings(max_examples=300)
@given(hostile_target())
def test_property_executable_schemes_are_refused(target: str) -> None:
    assert link_scheme(target) in ("javascript", "vbscript", "data", "livescript")
    assert not is_allowed_target(target)
    assert safe_href(target) is None
    assert image_reference(target) == ""


def test_allowed_targets() -> None:
    for url in ("https://example.com/a", "HTTP://x.org", "mailto:a@b.c", "/p/x", "x.png", "#top", "?a=1"):
        assert is_allowed_target(url), url
    assert safe_href("https://example.com/a?q=1") == "https://example.com/a?q=1"
    for url in ("weixin://dl/business", "ftp://x", "file:///etc/passwd", "tel:123"):
        assert safe_href(url) is None, url


def article(body: str) -> str:
    page = (
        "<html><head><script>var msg_title = 't'.html(false); var ct = \"1651543920\";</script></head>"
        f"<body><div id='js_content'>{body}</div></body></html>"
    )
    return draft_page(PageSource(html=page, origin="t.html")).body


def rendered_hrefs(markdown: str) -> list[str]:
    tree = lxml.html.fromstring("<div>" + MarkdownIt("commonmark").render(markdown) + "</div>")
    return [v for el in tree.iter() for k, v in el.attrib.items() if k in ("href", "src")]


@settings(max_examples=40)
@given(hostile_target())
def test_property_converted_post_has_no_executable_link(target: str) -> None:
    body = article(
        f'<p><a href="{html.escape(target, quote=True)}">点我</a> 文字</p>'
        f"<table><tr><td rowspan='2'><a href=\"{html.escape(target, quote=True)}\">表</a></td><td>1</td></tr>"
        "<tr><td>2</td></tr></table>"
    )
    assert "点我" in body and "表" in body
    for href in rendered_hrefs(body):
        assert is_allowed_target(href), href


def test_kramdown_attribute_lists_in_text_are_escaped() -> None:
    body = article('<p><em>x</em>{: onclick="alert(1)"} 和 {::nomarkdown}</p><p>{:.cls}</p>')
    assert "{:" not in body.replace("\\{:", "")


def test_raw_html_is_sanitized_with_an_allow_list() -> None:
    dirty = (
        '<table><tr><td rowspan="2" onclick="x"><a href="JaVaScRiPt:alert(1)">a</a>'
        '<img src="x.png" onerror="alert(1)"><script>alert(1)</script><iframe src="https://x"></iframe>'
        '<a href="https://example.com/?a=1&amp;b=2">ok</a></td></tr></table>'
    )
    clean = sanitize_html(dirty)
    assert (
        "onclick" not in clean and "onerror" not in clean and "script" not in clean and "iframe" not in clean
    )
    assert 'rowspan="2"' in clean and 'href="https://example.com/?a=1&amp;b=2"' in clean
    assert "JaVaScRiPt" not in clean


def test_repost_note_escapes_names_in_both_forms() -> None:
    a = Article(title="t", account_name="<img src=x onerror=alert(1)>号", author="[x](javascript:alert(2))")
    a.url = "javascript:alert(3)"
    for preset in ("hux", "hugo"):
        note = attribution(a, get_preset(preset))
        tree = lxml.html.fromstring("<div>" + MarkdownIt("commonmark").render(note) + "</div>")
        assert not tree.findall(".//img") and not rendered_hrefs(note), note
        assert "号" in tree.text_content() and "alert(2)" in tree.text_content()


HOSTILE_BITS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "[x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "{: onclick=alert(1)}",
    "{::nomarkdown}<b onclick=alert(1)>{:/}",
    "&lt;script&gt;",
    "`code`",
    "**b**",
    "\n\n<div onclick=alert(1)>",
    "<!-- x -->",
    "]: javascript:alert(1)",
]


@settings(max_examples=60)
@given(
    st.lists(st.sampled_from(HOSTILE_BITS), min_size=1, max_size=4).map("".join),
    st.lists(st.sampled_from(HOSTILE_BITS), min_size=1, max_size=4).map("".join),
    st.lists(st.sampled_from(HOSTILE_BITS), min_size=1, max_size=4).map("".join),
    st.sampled_from(["hux", "jekyll", "hugo", "hexo"]),
)
def test_property_hostile_names_and_text_render_inert(
    account: str, author: str, text: str, preset: str
) -> None:
    from wx2post.models import Options
    from wx2post.post import build_post

    body = article(f"<p>{html.escape(text)}</p><p><em>强调</em>{html.escape(text)}</p>")
    a = Article(title="t", account_name=account, author=author)
    a.url = "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv"
    post = build_post(a, body, [], Options(preset=preset)).text.split("\n---\n", 1)[1]
    tree = lxml.html.fromstring("<section>" + MarkdownIt("commonmark").render(post) + "</section>")
    for el in tree.iterdescendants():
        if isinstance(el.tag, str):
            assert el.tag not in ("script", "svg", "div", "b", "img"), post
            assert not [k for k in el.attrib if k.lower().startswith("on")], post
    assert all(is_allowed_target(h) for h in rendered_hrefs(post)), post
