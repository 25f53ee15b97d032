"""`wx2post fix` neutralises links a browser would run, as `convert` does (safety.py): every
Markdown and HTML form, every obfuscation of the scheme, code never touched, idempotent;
reported as the named repair `unsafe-links`; and a real Jekyll (kramdown) build of the repaired
post holds no such link."""

from __future__ import annotations

import json
import random
from pathlib import Path

import frontmatter
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from wx2post.fix import fix_text
from wx2post.fix.engine import FixContext
from wx2post.fix.schemes import allowed, unsafe_links
from wx2post.safety import link_scheme

from .test_jekyll import build, make_site
from .tools import fix_offline, site_post, within

FRONT = "---\nlayout: post\ntitle: 链接\n---\n"
CODE = (
    '```\n[代码](javascript:alert(1)) <a href="javascript:alert(2)">x</a>\n```\n\n'
    "    ![缩进](javascript:alert(3))\n\n"
    "行内 `[代码](javascript:alert(4))` 与 ``<a href='vbscript:x'>y</a>`` 不动。\n"
)
HOSTILE_BODY = (
    "来源：微信公众号\n\n"
    "第一段 [点我](javascript:alert(1)) 和 [安全](https://example.com/ok)。\n\n"
    '<a href="java&#x09;script:alert(2)">第二个</a> 与 ![图](javascript:alert(3))'
    " 与 <vbscript:msgbox(4)>。\n\n"
    "引用 [参考][坏] 与 [好][好的]。\n\n"
    "[坏]: data:text/html,<script>alert(5)</script>\n"
    "[好的]: https://example.com/good\n\n"
    "| 表 | 格 |\n| --- | --- |\n"
    "| [单元](JaVaScRiPt:alert(6)) | ![嵌](data:image/png;base64,iVBORw0KGgo=) |\n\n"
    "<div>\n<a title=\"a>b\" href='&#106;avascript:alert(7)'>块</a>"
    '<img/src=javascript:alert(8) alt="图二">\n</div>\n\n' + CODE
)


def rendered_targets(body: str) -> list[str]:
    """Every href/src a renderer that accepts any scheme (as kramdown and marked do) would
    write, read back from its HTML by lxml."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    tree = lxml.html.fragment_fromstring(md.render(body) or "<p></p>", create_parent="div")
    out = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for name in ("href", "src"):
            if el.get(name) is not None:
                out.append(el.get(name, ""))
    return out


def refused(targets: list[str]) -> list[str]:
    """The targets whose scheme, as a browser reads it, is not http, https, mailto or none (a
    raster `data:image/` is a picture, not a script)."""
    return [
        t
        for t in targets
        if link_scheme(t) not in ("", "http", "https", "mailto") and not allowed(t, image=True)
    ]


def outside_code(text: str) -> str:
    return text.replace(CODE, "")


def test_every_form_is_neutralised_text_kept_code_untouched() -> None:
    assert len(refused(rendered_targets(HOSTILE_BODY))) >= 8, "the oracle sees the hostile links"
    new, changes = unsafe_links(HOSTILE_BODY, FixContext())
    assert refused(rendered_targets(outside_code(new))) == []
    assert new.endswith(CODE), "code blocks and spans are never touched"
    for kept in (
        "点我",
        "第二个",
        "图",
        "参考",
        "单元",
        "块",
        "[安全](https://example.com/ok)",
        "[好][好的]",
    ):
        assert kept in new
    assert "![嵌](data:image/png;base64,iVBORw0KGgo=)" in new, "a raster data: image stays"
    assert "[坏]:" not in new and "[好的]: https://example.com/good" in new
    assert {c.rule for c in changes} == {"unsafe-links"} and len(changes) == 9
    assert unsafe_links(new, FixContext()) == (new, []), "idempotent"


def test_dry_run_diff_json_and_write(tmp_path: Path) -> None:
    post, before = site_post(tmp_path, "2022-05-03-links.md", FRONT + HOSTILE_BODY)
    dry = fix_offline(str(post), "--diff")
    assert dry.exit_code == 0, dry.stderr
    assert "unsafe-links" in dry.stdout and "[点我](javascript:alert(1)) → 点我 (link removed)" in dry.stdout
    assert ' href="java&#x09;script:alert(2)" → removed' in dry.stdout
    assert "-第一段 [点我](javascript:alert(1))" in dry.stdout and "+第一段 点我 和" in dry.stdout
    as_json = fix_offline(str(post), "--json")
    (record,) = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert record["status"] == "changed" and {"rule": "unsafe-links", "count": 9} in record["changes"]
    assert record["lines"]["unsafe-links"][0] == 7  # 1-based, in the post as read
    assert post.read_bytes() == before, "a dry run writes nothing"

    wrote = fix_offline(str(post), "--write", "--no-backup")
    assert wrote.exit_code == 0, wrote.stderr
    text = post.read_text(encoding="utf-8")
    assert refused(rendered_targets(outside_code(text.removeprefix(FRONT)))) == []
    assert text.endswith(CODE)
    again = fix_offline(str(post), "--write", "--json")
    assert json.loads(again.stdout)["status"] == "unchanged"


# -- hostile schemes, generated ------------------------------------------------------------

# Characters a browser drops inside a scheme (tab, newline), written as references where a
# Markdown destination cannot hold them raw.
_DROPPED = ["&#x09;", "&#9;", "&Tab;", "&#x0A;", "&NewLine;", "&#13;"]
_LEADING = ["", " ", "&#1;", "&#x20;", "&#x1F;"]


@st.composite
def hostile_scheme(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(["javascript", "vbscript", "data", "livescript"]))
    rnd = random.Random(draw(st.integers(0, 2**32)))
    chars = []
    for ch in word:
        ch = ch.upper() if rnd.random() < 0.5 else ch
        if rnd.random() < 0.2:
            ch = f"&#{ord(ch)};" if rnd.random() < 0.5 else f"&#x{ord(ch):x};"
        chars.append(ch)
        if rnd.random() < 0.15:
            chars.append(rnd.choice(_DROPPED))
    colon = draw(st.sampled_from([":", "&colon;", "&#58;", "&#x3a;"]))
    payload = "text/html,x" if word == "data" else "alert(1)"
    return draw(st.sampled_from(_LEADING)) + "".join(chars) + colon + payload


FORMS = {
    "link": "前 [标签](%s) 后",
    "image": "前 ![替代](%s) 后",
    "reference": "前 [标签][r] 后\n\n[r]: %s",
    "html-double": '前 <a href="%s">标签</a> 后',
    "html-single": "前 <a href='%s'>标签</a> 后",
    "html-img": '前 <img src="%s" alt="替代"> 后',
    "html-block": '<div>\n<a href="%s">标签</a>\n</div>',
}


@settings(max_examples=300, deadline=None)
@given(scheme=hostile_scheme(), form=st.sampled_from(sorted(FORMS)))
def test_no_obfuscation_of_a_scheme_survives(scheme: str, form: str) -> None:
    body = "来源：微信公众号\n\n" + FORMS[form] % scheme + "\n\n" + CODE
    assert link_scheme(scheme) in ("javascript", "vbscript", "data", "livescript")
    new, changes = unsafe_links(body, FixContext())
    assert refused(rendered_targets(outside_code(new))) == []
    assert new.endswith(CODE)
    if form != "html-img":
        assert ("替代" if form == "image" else "标签") in new, "the text stays"
    assert unsafe_links(new, FixContext())[1] == [], "idempotent"


SOUP = ["[", "]", "(", ")", "<", ">", "!", "`", '"', "'", "=", " ", "\n", "\n\n", "\t", "x", "图"]
SOUP += ["javascript:", "JaVa&#x09;Script:", "&#106;avascript:", "vbscript:", "data:text/html,", "http://a/"]
SOUP += ["<a href=", "<img src=", "[r]: ", "[r]", "](", "```", "    ", "> ", "- ", "| ", "&#1;", "alert(1)"]
SOUP += ["<!", "<![", "<!--", "-->", "<?", "CDATA[", "<a/href=", "<svg><a xlink:href=", "<b ", " src="]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(SOUP), max_size=40).map("".join))
def test_any_markdown_is_neutralised_and_idempotent(text: str) -> None:
    """Markup soup full of schemes: no traceback, no refused link left outside code, idempotent."""
    new, _ = unsafe_links(text, FixContext())
    assert refused(rendered_targets(new)) == []
    assert unsafe_links(new, FixContext()) == (new, [])


def test_the_whole_fix_run_reports_the_repair_once() -> None:
    repair = fix_text(FRONT + "来源：微信公众号\n\n[x](javascript:alert(1))\n", FixContext())
    assert repair.text.endswith("\n\nx\n") and [c.rule for c in repair.changes] == ["unsafe-links"]


@pytest.mark.jekyll
def test_the_repaired_post_builds_with_jekyll_without_a_script_link(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    post = site / "_posts" / "2022-05-03-links.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(FRONT + HOSTILE_BODY.replace(CODE, ""), encoding="utf-8")
    wrote = fix_offline(str(post), "--write", "--no-backup")
    assert wrote.exit_code == 0, wrote.stderr
    dest = build(site)
    (page,) = list((dest / "2022" / "05" / "03").rglob("index.html"))
    tree = lxml.html.fromstring(page.read_text(encoding="utf-8"))
    targets = [
        el.get(a, "") for el in tree.iter() if isinstance(el.tag, str) for a in ("href", "src") if el.get(a)
    ]
    assert targets and all(link_scheme(t) in ("", "http", "https", "mailto", "data") for t in targets), (
        targets
    )
    assert not [t for t in targets if link_scheme(t) == "data" and not t.startswith("data:image/png")]
    assert "点我" in page.read_text(encoding="utf-8")


@settings(max_examples=200, deadline=None)
@given(
    scheme=hostile_scheme(),
    key=st.sampled_from(["source", "url", "link", "original_url", "canonical_url"]),
    quote=st.sampled_from(["", '"', "'"]),
)
def test_a_front_matter_link_value_is_emptied(scheme: str, key: str, quote: str) -> None:
    """A theme writes `source`, `url`, ... as a link target: a refused one becomes `""`, the
    key and every other value stay, and the post still reads as YAML."""
    if not quote and scheme[:1] in " &":
        quote = '"'  # unquoted, YAML would read a leading `&` as an anchor
    front = f"---\nlayout: post\ntitle: 标题\n{key}: {quote}{scheme}{quote}\ndate: 2022-05-03\n---\n"
    repair = fix_text(front + "来源：微信公众号\n\n正文\n", FixContext())
    assert f'{key}: ""\n' in repair.text
    assert frontmatter.loads(repair.text).metadata[key] == ""
    assert "title: 标题\n" in repair.text and "date: 2022-05-03\n" in repair.text
    assert [c.rule for c in repair.changes] == ["unsafe-front-matter"]
    assert fix_text(repair.text, FixContext()).changes == [], "idempotent"


def test_safe_front_matter_values_and_other_keys_stay() -> None:
    text = (
        "---\nlayout: post\ntitle: javascript:not-a-link\nsource: https://example.com/a\n"
        "url: /2022/05/03/a/\nlink: mailto:me@example.com\n---\n来源：微信公众号\n\n正文\n"
    )
    assert fix_text(text, FixContext()).text == text


def test_a_table_line_of_thousands_of_backticks_is_read_in_linear_time() -> None:
    """Table lines are read construct by construct, code spans first: the regex `(`+).*?\\1`
    retried every shorter run from every backtick (8,000 on a line: 4 s; 40,000: minutes)."""
    table = "| a | b |\n|---|---|\n| " + "`" * 40_000 + " [x](javascript:alert(1)) |\n"
    with within(20, "a line of 40,000 backticks"):
        new, changes = unsafe_links(table, FixContext())
    assert "javascript:" not in new and changes, "an unpaired run opens no code span"
