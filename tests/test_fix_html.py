"""`wx2post fix` makes raw HTML inert (`unsafe-html`): event handlers, scripts, `srcdoc`,
plugins, `<base>`, `<meta>` refresh and active CSS go, in every form a browser reads; the rest of
the user's HTML and all text stay byte for byte; code is never touched; idempotent; reported as a
named repair; the rendered post (markdown-it read by a WHATWG parser, and a real Jekyll build)
holds no handler, no script and no script URL."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser, LexborNode

from wx2post.fix import fix_text
from wx2post.fix.activehtml import active_css, unsafe_html
from wx2post.fix.engine import FixContext
from wx2post.fix.htmltags import read_tags
from wx2post.fix.schemes import URL_ATTRIBUTES, allowed, unsafe_links

from .test_jekyll import build, make_site
from .tools import fix_offline, site_post, within

FRONT = "---\nlayout: post\ntitle: 脚本\n---\n"
CODE = (
    "```html\n<img src=x onerror=alert(1)><script>alert(2)</script>\n```\n\n"
    "    <div onclick=alert(3)>缩进</div>\n\n"
    "行内 `<svg onload=alert(4)>` 与 ``<script>alert(5)</script>`` 不动。\n\n"
    "> ```\n> <iframe srcdoc='<script>alert(6)</script>'></iframe>\n> ```\n"
)
DROPPED_ELEMENTS = ("script", "object", "embed", "applet", "base", "meta")


def fixed(text: str) -> str:
    return unsafe_html(text, FixContext())[0]


def rendered(body: str) -> LexborNode:
    """The body as a renderer that passes raw HTML and any scheme writes it (kramdown and marked
    do), read back by a browser-grade HTML parser (Lexbor, WHATWG)."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    tree = LexborHTMLParser("<!DOCTYPE html><html><body>" + md.render(body) + "</body></html>")
    assert tree.body is not None
    return tree.body


def as_html(text: str) -> LexborNode:
    """The text read as HTML as it stands, as a renderer that passes more through might."""
    body = LexborHTMLParser("<!DOCTYPE html><html><body>" + text + "</body></html>").body
    assert body is not None
    return body


def active(root: LexborNode) -> list[str]:
    """What in this tree would run: handler attributes, script and plugin elements, srcdoc, a
    URL attribute with a refused scheme, active CSS."""
    found = []
    for node in root.traverse():
        tag = node.tag or ""
        if tag in DROPPED_ELEMENTS:
            found.append(f"<{tag}>")
        if tag == "style" and active_css(node.text() or ""):
            found.append(f"<style>{node.text()}")
        for name, value in node.attributes.items():
            name = name.lower()
            if name.startswith("on") and len(name) > 2 or name == "srcdoc":
                found.append(f"{tag} {name}")
            elif name == "style" and active_css(value or ""):
                found.append(f"{tag} style={value}")
            elif tag in ("set", "animate") and name in ("to", "values") and not allowed(value or ""):
                found.append(f"{tag} {name}={value}")
            elif name in URL_ATTRIBUTES and value is not None and name != "srcset":
                if not allowed(value, image=tag in ("img", "image", "source")):
                    found.append(f"{tag} {name}={value}")
    return found


# -- every form, golden ------------------------------------------------------------------

GOLDEN = [
    ("<img src=x onerror=alert(1)>", "<img src=x>"),
    ('前 <div onclick="go()" class="card">卡片</div> 后', '前 <div class="card">卡片</div> 后'),
    ("<svg onload=alert(1)><circle r=1 /></svg>", "<svg><circle r=1 /></svg>"),
    ("<IMG SRC=x OnErRoR=alert(1)>", "<IMG SRC=x>"),
    ("<img src=x onerror='alert(1)' alt=\"图\">", '<img src=x alt="图">'),
    ('<img src=x\tonerror =\n"alert(1)">', "<img src=x>"),
    ("<img/onerror=alert(1)>", "<img/>"),
    ("<body/onload=alert(1)>", "<body/>"),
    ('<img src="x"onerror=alert(1)>', '<img src="x">'),
    ('<a onmouseover="a()"title=t>x</a>', "<a title=t>x</a>"),
    ("<details open ontoggle=alert(1)>x</details>", "<details open>x</details>"),
    ("前 <script>alert(1)</script> 后", "前  后"),
    ('<SCRIPT type="text/javascript" src="https://evil.example/x.js"></SCRIPT>\n\n正文', "\n\n正文"),
    ("<ScRiPt>\nif (a < b) { go('</scrip' + 't>') }\n</sCrIpT >\n\n正文", "\n正文"),
    ("<script>alert(1)", "alert(1)"),
    ("<svg><script>alert(1)</script></svg>", "<svg></svg>"),
    ("<scr<script>ipt>alert(1)</script>", "alert(1)"),
    (
        '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;" width=300></iframe>',
        "<iframe width=300></iframe>",
    ),
    ('<iframe src="javascript:alert(1)"></iframe>', "<iframe></iframe>"),
    ('<object data="https://evil.example/x.swf" type="application/x-shockwave-flash">备用</object>', "备用"),
    ('<embed src="https://evil.example/x.svg">', ""),
    ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">\n\n正文', "\n\n正文"),
    ('<base href="https://evil.example/">\n\n[相对](a.html)', "\n\n[相对](a.html)"),
    (
        '<form action="javascript:alert(1)"><button formaction=javascript:alert(2)>去</button></form>',
        "<form><button>去</button></form>",
    ),
    ('<div style="width: expression(alert(1))">x</div>', "<div>x</div>"),
    ('<div style="background:url(&#106;avascript:alert(1))">x</div>', "<div>x</div>"),
    ('<div style="background:url(j\\61vascript:alert(1))">x</div>', "<div>x</div>"),
    ('<div style="-moz-binding:url(x.xml#y)">x</div>', "<div>x</div>"),
    ("<style>p { width: expression(alert(1)) }</style>\n\n正文", "\n\n正文"),
    (
        '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
        '<svg><set attributeName="href"/></svg>',
    ),
    ('<a title="x"href="javascript:alert(1)">y</a>', '<a title="x">y</a>'),
    ("> <div>\n> <img src=x\n> onerror=alert(1)>\n> </div>", "> <div>\n> <img src=x\n> >\n> </div>"),
    ("- 项 <b onclick=x()>粗</b>", "- 项 <b>粗</b>"),
    (
        "| 表 | <img src=x onerror=alert(1)> |\n| --- | --- |\n| <b onclick=z>格</b> | 字 |",
        "| 表 | <img src=x> |\n| --- | --- |\n| <b>格</b> | 字 |",
    ),
    ("<div>\n<img src=x\n\nonerror=alert(1)>\n</div>", "<div>\n<img src=x\n\n>\n</div>"),
    (
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
        '<noscript><p title="</noscript><img src=x>"></noscript>',
    ),
    ("<svg><style><img src=x onerror=alert(1)></style></svg>", "<svg><style><img src=x></style></svg>"),
    ("<!-- <img src=x onerror=alert(1)> -->", "<!-- <img src=x> -->"),
]


@pytest.mark.parametrize(("before", "after"), GOLDEN)
def test_each_active_form_goes_and_the_rest_stays(before: str, after: str) -> None:
    body = "来源：微信公众号\n\n" + before + "\n\n" + CODE
    seen = active(rendered(before)) or active(as_html(before))
    assert seen or "<!--" in before or "noscript" in before, "the oracle sees it"
    new, changes = unsafe_html(body, FixContext())
    assert new == "来源：微信公众号\n\n" + after + "\n\n" + CODE
    assert changes and {c.rule for c in changes} == {"unsafe-html"} and all(c.after == "" for c in changes)
    assert active(rendered(new)) == [] and active(as_html(new.replace(CODE, ""))) == []
    assert unsafe_html(new, FixContext()) == (new, []), "idempotent"


def test_entity_encoded_or_lookalike_names_are_no_handlers_and_stay() -> None:
    """A browser does not decode entities in attribute names, and `on` alone or inside a name is
    no handler: left as written."""
    text = '<img src=x &#111;nerror=alert(1) data-onclick="x" on="y" alt="onload=z">\n\n正文 onclick=1\n'
    assert fixed(text) == text
    assert active(rendered(text)) == []


def test_code_is_never_touched() -> None:
    assert fixed(CODE) == CODE
    assert "alert(2)" in rendered(CODE).html  # type: ignore[operator]  # shown as code, still there


HARMLESS = (
    "来源：微信公众号\n\n"
    '<div class="note" id=n1 data-x=\'1\'>\n<span style="color:#c00;font-weight:bold">红字</span>'
    "<br/>\n</div>\n\n"
    '<table border=1><tr><td colspan=2 style="text-align:center">合并</td></tr></table>\n\n'
    '文字 <img src="https://mmbiz.qpic.cn/a/640" alt="图" width=300> 与 <a href="https://example.com/?a=1&amp;b=2"'
    ' target=_blank rel="noopener">链接</a> 和 <kbd>Ctrl</kbd>。\n\n'
    '<iframe src="//player.bilibili.com/player.html?bvid=BV1xx" allowfullscreen="true"></iframe>\n\n'
    "<details><summary>展开</summary>\n\n内容 one=1 online onion\n\n</details>\n\n"
    '<svg viewBox="0 0 10 10"><path d="M0 0L10 10" stroke="red"/><animate attributeName="opacity" '
    'values="0;1" dur="1s"/></svg>\n\n'
    "<style>.note { background: url(https://example.com/bg.png) }</style>\n\n"
    '<!-- 作者注释 -->\n\n<my-widget kind="x"></my-widget>\n\n'
    "<div>\n未闭合的块\n\n后面的段落 a < b > c\n"
)


def test_a_harmless_post_is_byte_identical() -> None:
    assert unsafe_html(HARMLESS, FixContext()) == (HARMLESS, [])
    assert [c for c in fix_text(FRONT + HARMLESS, FixContext()).changes if c.rule.startswith("unsafe")] == []


# -- the command ---------------------------------------------------------------------------

HOSTILE = (
    "来源：微信公众号\n\n第一段 <img src=https://example.com/a.png onerror=alert(1)> 文字。\n\n"
    '<div onclick="steal()">\n<script>alert(2)</script>\n块\n</div>\n\n' + CODE
)


def test_dry_run_diff_json_and_write(tmp_path: Path) -> None:
    post, before = site_post(tmp_path, "2022-05-03-html.md", FRONT + HOSTILE)
    dry = fix_offline(str(post), "--diff")
    assert dry.exit_code == 0, dry.stderr
    assert "unsafe-html" in dry.stdout and "onerror=alert(1) → removed" in dry.stdout
    assert "<script>alert(2)</script>↵ → removed" in dry.stdout, "an element alone on its line goes with it"
    assert '-<div onclick="steal()">' in dry.stdout and "+<div>" in dry.stdout
    as_json = fix_offline(str(post), "--json")
    (record,) = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert record["status"] == "changed" and {"rule": "unsafe-html", "count": 3} in record["changes"]
    assert record["lines"]["unsafe-html"] == [7, 9, 10]  # 1-based, in the post as read
    assert post.read_bytes() == before, "a dry run writes nothing"

    wrote = fix_offline(str(post), "--write", "--no-backup")
    assert wrote.exit_code == 0, wrote.stderr
    text = post.read_text(encoding="utf-8")
    hostile = HOSTILE.removesuffix(CODE)
    for active_part in (" onerror=alert(1)", ' onclick="steal()"', "<script>alert(2)</script>\n"):
        hostile = hostile.replace(active_part, "")
    assert text == FRONT + hostile + CODE
    again = fix_offline(str(post), "--write", "--json")
    assert json.loads(again.stdout)["status"] == "unchanged"


ATTRIBUTE_LISTS = [
    ('段落\n{: onclick="alert(1)" .note}', "段落\n{: .note}"),
    ("*强调*{: OnMouseOver='a()' title=\"t\"}", '*强调*{: title="t"}'),
    ('{:h: onfocus="a()" tabindex="1"}\n\n段\n{: h}', '{:h: tabindex="1"}\n\n段\n{: h}'),
    ('[链](https://example.com/){: href="javascript:alert(1)"}', "[链](https://example.com/){:}"),
    ("## 标题 {#t onclick=alert(1)}", "## 标题 {#t}"),
    ('段\n{: style="width:expression(alert(1))"}', "段\n{:}"),
]


@pytest.mark.parametrize(("before", "after"), ATTRIBUTE_LISTS)
def test_attribute_lists_lose_their_active_pairs(before: str, after: str) -> None:
    """kramdown's attribute lists (Jekyll) and goldmark's heading attributes give an element any
    attribute, handlers too; code keeps them."""
    body = "来源：微信公众号\n\n" + before + "\n\n" + CODE + '\n`{: onclick="x"}`\n'
    assert fixed(body) == "来源：微信公众号\n\n" + after + "\n\n" + CODE + '\n`{: onclick="x"}`\n'
    assert unsafe_html(fixed(body), FixContext())[1] == [], "idempotent"


@pytest.mark.jekyll
def test_the_repaired_post_builds_with_jekyll_inert(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    post = site / "_posts" / "2022-05-03-html.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    pieces = [b for b, _ in GOLDEN + ATTRIBUTE_LISTS]
    body = HOSTILE.replace(CODE, "") + "\n" + "\n\n".join(pieces) + "\n"
    for local in ("src=x", "SRC=x", 'src="x"'):  # remote pictures, not missing files
        body = body.replace(local, local.replace("x", "https://example.com/x.png"))
    post.write_text(FRONT + body, encoding="utf-8")
    before = LexborHTMLParser((build(site) / "2022/05/03/html/index.html").read_text(encoding="utf-8"))
    assert before.css_first("article") is not None and active(before.css_first("article")), (
        "kramdown passes it"
    )
    wrote = fix_offline(str(post), "--write", "--no-backup")
    assert wrote.exit_code == 0, wrote.stderr
    page = (build(site) / "2022/05/03/html/index.html").read_text(encoding="utf-8")
    article = LexborHTMLParser(page).css_first("article")
    assert article is not None and active(article) == []
    assert "第一段" in page and "备用" in page and "卡片" in page


# -- hostile forms, generated --------------------------------------------------------------

ELEMENTS = ["img", "svg", "div", "body", "a", "iframe", "details", "video", "x-y", "input", "marquee"]
EVENTS = ["onerror", "onload", "onclick", "onmouseover", "ontoggle", "onfocus", "onanimationstart", "onbegin"]
SEPARATORS = [" ", "\t", "\n", "/", "  ", " /", "\f"]
CONTEXTS = {
    "paragraph": "前 %s 后",
    "block": "<div>\n%s\n</div>",
    "quote": "> 引 %s",
    "list": "- 项 %s",
    "table": "| a | b |\n| --- | --- |\n| %s | c |",
    "heading": "## 题 %s",
    "alone": "%s",
}


def _case(word: str, rnd: random.Random) -> str:
    return "".join(c.upper() if rnd.random() < 0.5 else c for c in word)


@st.composite
def hostile_tag(draw: st.DrawFn) -> str:
    rnd = random.Random(draw(st.integers(0, 2**32)))
    parts = [f'{_case("src", rnd)}="x"'] if rnd.random() < 0.5 else []
    event = _case(draw(st.sampled_from(EVENTS)), rnd)
    value = draw(st.sampled_from(["alert(1)", "alert`1`", "a&#40;1&#41;", "x>y", "a'b", 'a"b', ""]))
    quote = draw(st.sampled_from(['"', "'", ""]))
    if not quote and (not value or any(c in value for c in "'\">")):
        quote = '"' if '"' not in value else "'"
    equals = draw(st.sampled_from(["=", " = ", "\n=\n", "="]))
    parts.append(f"{event}{equals}{quote}{value}{quote}")
    if rnd.random() < 0.3:
        parts.append(
            draw(st.sampled_from(['srcdoc="<b>x</b>"', 'style="x:expression(1)"', 'href="javascript:1"']))
        )
    if rnd.random() < 0.3:
        parts.append('alt="图"')
    rnd.shuffle(parts)
    tag = _case(draw(st.sampled_from(ELEMENTS)), rnd)
    glue = ""
    for part in parts:
        # no separator is needed after a quoted value
        glue += ("" if glue.endswith(('"', "'")) and rnd.random() < 0.5 else rnd.choice(SEPARATORS)) + part
    closer = draw(st.sampled_from([">", "/>", " >", ""]))
    return f"<{tag}{glue}{closer}"


PLUGINS = ["object data=x.swf", "embed src=x.svg", "base href=//e/", "meta http-equiv=refresh content=0"]


@st.composite
def hostile_piece(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["tag", "tag", "script", "element", "comment"]))
    rnd = random.Random(draw(st.integers(0, 2**32)))
    if kind == "script":
        attrs = draw(st.sampled_from(["", " type=module", " src=//evil.example/x.js", "/x=1"]))
        end = draw(st.sampled_from(["</script>", "</SCRIPT >", "</script\n>", ""]))
        return f"<{_case('script', rnd)}{attrs}>alert(1){end}"
    if kind == "element":
        name = draw(
            st.sampled_from(
                [
                    "object data=x.swf",
                    "embed src=x.svg",
                    "base href=//e/",
                    "meta http-equiv=refresh content=0;url=javascript:1",
                ]
            )
        )
        return f"<{_case(name, rnd)}>"
    if kind == "comment":
        return "<!-- " + draw(hostile_tag()) + " -->" + draw(hostile_tag())
    return draw(hostile_tag())


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(hostile_piece(), min_size=1, max_size=3), context=st.sampled_from(sorted(CONTEXTS)))
def test_no_hostile_form_survives_rendering(pieces: list[str], context: str) -> None:
    body = "来源：微信公众号\n\n" + CONTEXTS[context] % " 文 ".join(pieces) + "\n\n" + CODE
    new, changes = unsafe_html(body, FixContext())
    assert changes, "something was active"
    assert active(rendered(new.replace(CODE, ""))) == []
    # Read as HTML as it stands (as any renderer might pass it through): still inert.
    assert active(as_html(new.replace(CODE, ""))) == []
    assert new.endswith(CODE) and new.startswith("来源：微信公众号\n\n")
    # A script whose end tag is missing (or broken by a quote marker) swallows what follows.
    swallowed = any(
        "<script" in p.lower() and not p.lower().endswith(("</script>", "</script >")) for p in pieces
    )
    assert swallowed or new.count(" 文 ") == len(pieces) - 1, "the text between stays (not inside a script)"
    assert unsafe_html(new, FixContext()) == (new, []), "idempotent"


SOUP = ["<", ">", "/", "=", '"', "'", " ", "\n", "\n\n", "`", "\\", "x", "图", "> ", "- ", "| ", "    "]
SOUP += ["<img", "<svg", "<script", "</script>", "<style", "</style>", "<!--", "-->", "<noscript", "<a"]
SOUP += ["onerror", "OnLoad", "=alert(1)", "srcdoc", "style=", "expression(", "javascript:", "&#111;", "```"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(SOUP), max_size=40).map("".join))
def test_any_markup_soup_is_made_inert_and_idempotent(text: str) -> None:
    """Tag soup: no traceback, nothing active in the rendered page (with `unsafe-links` before,
    as `fix` runs them: an autolink `<javascript:…>` is its), idempotent."""
    new, _ = unsafe_html(unsafe_links(text, FixContext())[0], FixContext())
    assert active(rendered(new)) == []
    assert unsafe_html(new, FixContext()) == (new, [])


def test_what_a_removal_leaves_is_judged_again_by_unsafe_links() -> None:
    """Without ` onerror`, `<javascript: onerror>` would be an autolink with a script scheme."""
    repair = fix_text(FRONT + "来源：微信公众号\n\n<javascript: onerror>\n", FixContext())
    assert repair.text.endswith("\n\njavascript:\n")
    assert [c.rule for c in repair.changes] == ["unsafe-html", "unsafe-links"]
    assert fix_text(repair.text, FixContext()).changes == [], "idempotent"


def test_many_scripts_in_one_block_all_go() -> None:
    """Every pass shortens the text, so the rule runs to the end however many there are."""
    block = "".join(f"<script>a{i}()</script>\n<p onclick=x>段{i}</p>\n" for i in range(300))
    body = "来源：微信公众号\n\n<div>\n" + block + "</div>\n\n" + CODE
    new, changes = unsafe_html(body, FixContext())
    assert len(changes) == 600 and new.count("<p>段") == 300 and new.endswith(CODE)
    assert active(rendered(new)) == [] and unsafe_html(new, FixContext()) == (new, [])


# -- hostile sizes: reading is linear, whatever the post holds --------------------------------


@pytest.mark.parametrize("unit", ["<a", "<a x", '<a x="', "<title>", "<script <a x"])
def test_the_tag_reader_holds_what_the_text_holds_not_its_square(unit: str) -> None:
    """Read as a renderer may (every `<name` a tag), `<a<a<a…` was one tag per `<`, each read to
    the end: 80 KB of `<a x` held 400 million attributes and filled the memory."""
    text = unit * 20_000
    for raw_text in (True, False):
        tags = read_tags(text, raw_text=raw_text)
        assert sum(len(tag.attributes) + 1 for tag in tags) <= 2 * len(text)
        assert sum(tag.end - tag.start for tag in tags) <= 3 * len(text)


def test_raw_text_end_tags_are_found_past_characters_that_lower_case_to_two() -> None:
    """`"İ".lower()` is two characters: a lowered copy of the whole text put every end tag after
    one in the wrong place, and the element ran on unclosed."""
    text = "İİİİ<script>alert(1)</SCRIPT>之后"
    (tag, end) = read_tags(text)
    assert text[tag.end : tag.content_end] == "alert(1)"
    assert text[tag.content_end : tag.element_end] == "</SCRIPT>" and end.closing


@pytest.mark.parametrize(
    "unit",
    ["段 <script>x</script> 文", "<a x", "<!-- <b onclick=x> --> ", "`c` <b onclick=x> ", "<title>x"],
)
def test_a_hostile_post_of_hundreds_of_kilobytes_is_repaired_in_seconds(unit: str) -> None:
    """Each of these took minutes or all the memory (a parse per script, a search to the end per
    tag or comment); linear, they take well under a second per 100 KB. The limit is 20 times that."""
    text = "来源：微信公众号\n\n" + unit * 10_000 + "\n"
    with within(60, f"{unit!r} * 10000"):
        result = fixed(text)
    assert "onclick" not in result and "<script" not in result.lower()
