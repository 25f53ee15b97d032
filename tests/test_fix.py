"""`wx2post fix`'s engine: one-line tests per rule, golden before/after posts, idempotence.

Golden cases: `tests/fix_cases/<name>/before.md` and `after.md`, with an optional
`case.json` sidecar: `{"post": "<path of the post inside the site>", "files": [<site
files that exist>], "all": true}`. They run offline: hot-linked images go through
`fix.PlanStore` (the dry run's store), which names them as a download would.
`pytest --update-golden` (or WX2POST_UPDATE_GOLDEN=1) rewrites the `after.md` files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from wx2post.errors import ExitStatus
from wx2post.fix import (
    Change,
    FixContext,
    PlanStore,
    batch,
    chrome,
    emphasis,
    engine,
    images,
    links,
    liquid,
    messages,
    posts,
    refetch,
    rules,
)
from wx2post.fix.batch import fix_text
from wx2post.images import ImageOutcome, ImageSettings
from wx2post.models import ImageRef
from wx2post.sources import PageSource

from .tools import within

CASES = Path(__file__).parent / "fix_cases"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "before.md").is_file())
SETTINGS = ImageSettings()


def ctx(site: Path | None = None, **kw: Any) -> FixContext:
    return FixContext(site=site, settings=SETTINGS, **kw)


def rule(func: Any, text: str, context: FixContext | None = None) -> str:
    return func(text, context or ctx())[0]


# -- golden cases ------------------------------------------------------------------


def load_case(name: str) -> dict[str, Any]:
    path = CASES / name / "case.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    unknown = set(data) - {"post", "files"}
    assert not unknown, f"{path}: unknown keys {sorted(unknown)}"
    return data


def case_site(name: str, root: Path) -> FixContext:
    """A site holding the case's files, and the context for its post."""
    case = load_case(name)
    site = root / "site"
    post = site / case.get("post", "_posts/2022-01-01-post.md")
    post.parent.mkdir(parents=True, exist_ok=True)
    for rel in case.get("files", []):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(b"\x89PNG\r\n\x1a\nfake")
    return ctx(site, store=PlanStore(site, SETTINGS), origin=str(post))


def test_there_are_cases() -> None:
    assert "seed-shaped" in CASE_NAMES and len(CASE_NAMES) >= 5


@pytest.mark.parametrize("name", CASE_NAMES)
def test_golden(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    before = (CASES / name / "before.md").read_text(encoding="utf-8")
    actual = fix_text(before, case_site(name, tmp_path)).text
    expected = CASES / name / "after.md"
    if (
        request.config.getoption("--update-golden", default=False)
        or os.environ.get("WX2POST_UPDATE_GOLDEN") == "1"
    ):
        expected.write_text(actual, encoding="utf-8")
    assert expected.is_file(), f"{expected} missing: run pytest --update-golden"
    assert actual == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CASE_NAMES)
def test_golden_is_idempotent(name: str, tmp_path: Path) -> None:
    after = (CASES / name / "after.md").read_text(encoding="utf-8")
    repair = fix_text(after, case_site(name, tmp_path))
    assert repair.text == after
    assert repair.changes == []


@pytest.mark.parametrize("name", CASE_NAMES)
def test_golden_keeps_front_matter_keys_and_order(name: str, tmp_path: Path) -> None:
    before = (CASES / name / "before.md").read_text(encoding="utf-8")
    after = (CASES / name / "after.md").read_text(encoding="utf-8")
    keys = lambda text: [ln.split(":")[0] for ln in posts.split_post(text).front.splitlines() if ":" in ln]  # noqa: E731
    assert keys(before) == keys(after)


def test_seed_shaped_case_repairs_every_seed_defect() -> None:
    before = (CASES / "seed-shaped" / "before.md").read_text(encoding="utf-8")
    after = (CASES / "seed-shaped" / "after.md").read_text(encoding="utf-8")
    # The front matter is byte for byte the seed's (aligned values, 4-space list indent).
    assert posts.split_post(after).front == posts.split_post(before).front
    assert "\n# 社区反诈宣传周" in after and "\n#社区" not in after
    for pasted in ("微信号", "功能介绍", "[示例市滨江区反诈宣传中心]", "**示例市滨江区反诈宣传中心**"):
        assert pasted not in posts.split_post(after).body.split("</blockquote>", 1)[1]
    assert "转载：示例市滨江区反诈宣传中心" in after, "the attribution is not chrome"
    assert "****" not in after and "chksm" not in after and "wechat_redirect" not in after
    assert "mmbiz.qpic.cn" not in after and "\\\\" not in after
    assert "[![]({{site.baseurl}}/postimg/Qx7LmN2p" in after
    assert "其次是新在**传播“渠道**”上，不少骗局" in after, (
        "joined, and the bold closes (CommonMark flanking)"
    )
    assert "**问题一：**\n\n今年宣传周" in after, "a label ending in a colon keeps its line (a paragraph)"
    assert "**共建平安好社区**\n\n——社区反诈" in after, "a bold line before text may be a heading"
    assert "\n**问题三**：给老年朋友" in after, "`**问题三：**给` shows literal stars in CommonMark"
    # Nothing but whitespace, markers, chrome and URLs went: every CJK character of the text stays.
    cjk = lambda s: [c for c in s if "\u4e00" <= c <= "\u9fff"]  # noqa: E731
    removed = "示例市滨江区反诈宣传中心示例市滨江区反诈宣传中心微信号功能介绍守护钱袋子人人都是反诈员"
    removed += "社区反诈宣传周活动负责人就防范养老诈骗答读者问"  # the Windows export folder in the old path
    assert sorted(cjk(after) + cjk(removed)) == sorted(cjk(before))


# -- splitting and the engine --------------------------------------------------------


def test_split_post_keeps_bom_crlf_and_front_matter() -> None:
    text = "\ufeff---\r\ntitle: a\r\n---\r\n#T\r\nbody\r\n"
    parts = posts.split_post(text)
    assert parts.front == "---\ntitle: a\n---\n" and parts.body == "#T\nbody\n"
    assert parts.join(parts.front, parts.body) == text
    repaired = fix_text(text + "来源：微信公众号\r\n", ctx()).text
    assert repaired == "\ufeff---\r\ntitle: a\r\n---\r\n# T\r\nbody\r\n来源：微信公众号\r\n"


def test_front_values() -> None:
    assert posts.front_values("---\ntitle: a\nsource: b\n---\n") == {"title": "a", "source": "b"}
    assert posts.front_values("---\ntitle: a\n---") == {"title": "a"}
    assert posts.front_values("---\n: [\n---\n") == {}
    assert posts.front_values("+++\ntitle = 'a'\n+++\n") == {}


def test_no_front_matter_is_all_body() -> None:
    assert posts.split_post("#x\n").front == ""
    assert posts.split_post("---\nunclosed\n").front == ""


def test_change_lines_refer_to_the_post_as_read() -> None:
    text = "---\ntitle: t\n---\n微信扫一扫\n关注该公众号\n#A\n**a****b**\n"
    changes = fix_text(text, ctx()).changes
    assert [(c.rule, c.line) for c in changes] == [
        ("page-chrome", 4),
        ("heading-space", 6),
        ("merge-bold", 7),
    ]


def test_rules_have_unique_names_in_a_fixed_order() -> None:
    assert len(set(rules.RULE_NAMES)) == len(rules.RULE_NAMES)
    assert rules.RULE_NAMES.index("download-images") < rules.RULE_NAMES.index("relink-images")
    assert rules.RULE_NAMES[-1] == "liquid-escape", "escaping sees the references the image rules wrote"


def test_is_wechat_repost() -> None:
    assert posts.is_wechat_repost("[a](https://mp.weixin.qq.com/s/abcdefghijklmnop)")
    assert posts.is_wechat_repost("![](https://mmbiz.qpic.cn/mmbiz_png/a/b/640)")
    assert posts.is_wechat_repost("<p>来源：微信公众号</p>")
    assert not posts.is_wechat_repost("---\ntitle: my own post\n---\n# Hello\n")


# -- URLs -----------------------------------------------------------------------------


def test_article_link_reduced_to_identity() -> None:
    text = "[a](http://mp.weixin.qq.com/s?__biz=QUJD&mid=1&idx=1&sn=ab&chksm=cd&scene=21#wechat_redirect)"
    assert rule(links.clean_urls, text) == "[a](https://mp.weixin.qq.com/s?__biz=QUJD&mid=1&idx=1&sn=ab)"


def test_html_attribute_keeps_its_escaping() -> None:
    text = '<a href="https://mp.weixin.qq.com/s?__biz=QUJD&amp;mid=1&amp;idx=1&amp;sn=ab&amp;key=S">x</a>'
    assert rule(links.clean_urls, text) == (
        '<a href="https://mp.weixin.qq.com/s?__biz=QUJD&amp;mid=1&amp;idx=1&amp;sn=ab">x</a>'
    )


def test_credentials_leave_any_url_other_urls_stay() -> None:
    assert rule(links.clean_urls, "https://e.com/a?id=1&uin=X&utm_source=w") == "https://e.com/a?id=1"
    assert rule(links.clean_urls, "see https://e.com/a?b=1&c=2.") == "see https://e.com/a?b=1&c=2."
    assert rule(links.clean_urls, "// a comment, not a URL") == "// a comment, not a URL"


def test_image_url_loses_lazy_loader_noise() -> None:
    text = "![](https://mmbiz.qpic.cn/mmbiz_png/A/B/640?wx_fmt=png&tp=webp&wxfrom=5&wx_lazy=1)"
    assert rule(links.clean_urls, text) == "![](https://mmbiz.qpic.cn/mmbiz_png/A/B/640?wx_fmt=png)"


def test_clean_urls_is_a_fixed_point_on_clean_urls() -> None:
    clean = (
        "[a](https://mp.weixin.qq.com/s?__biz=QUJD&mid=1&idx=1&sn=ab) https://mp.weixin.qq.com/s/abcdefghij"
    )
    assert links.clean_urls(clean, ctx()) == (clean, [])


def test_mask_hides_credential_values() -> None:
    assert (
        messages.mask("https://x/s?a=1&key=SECRET&pass_ticket=P#x") == "https://x/s?a=1&key=…&pass_ticket=…#x"
    )
    assert messages.mask("a&amp;uin=U==&amp;b") == "a&amp;uin=…&amp;b"


# -- images ----------------------------------------------------------------------------


def test_find_images_markdown_html_and_wrapped_windows_paths() -> None:
    text = '[![](2022-05-03\n标题\\\\abc.png)](http://x) <img alt="a" src="/p/b.png"> ![t](<c d.png> "T")'
    assert [s.target for s in images.find_images(text)] == [
        "2022-05-03\n标题\\\\abc.png",
        "/p/b.png",
        "c d.png",
    ]
    assert images.find_images("```\n![](in-code.png)\n```\n") == []


def test_referenced_name() -> None:
    assert images.referenced_name("2022-05-03\n标题\\\\AbCdEfGh12.png") == "AbCdEfGh12.png"
    assert images.referenced_name("C:\\Users\\x\\IdIdIdIdId.jpg?x=1") == "IdIdIdIdId.jpg"
    assert images.referenced_name("{{site.baseurl}}/img/a%20b.png") == "a b.png"


def test_resolves(tmp_path: Path) -> None:
    (tmp_path / "postimg").mkdir()
    (tmp_path / "postimg" / "a.png").write_bytes(b"x")
    c = ctx(tmp_path)
    assert images.resolves("{{site.baseurl}}/postimg/a.png", c)
    assert images.resolves("{{ site.url }}{{ site.baseurl }}/postimg/a.png?v=1", c)
    assert images.resolves("/postimg/a.png", c)
    assert not images.resolves("postimg/a.png", c), "relative to a permalink: broken"
    assert images.resolves("postimg/a.png", ctx(tmp_path, post_dir=tmp_path)), "a page bundle's own folder"
    assert not images.resolves("2022\\a.png", c) and not images.resolves("C:/x/a.png", c)
    assert not images.resolves("{{site.baseurl}}/postimg/b.png", c)


def test_find_stored_by_name_and_by_stem_but_not_generic_names(tmp_path: Path) -> None:
    (tmp_path / "postimg").mkdir()
    for name in ("AbCdEfGh12.jpeg", "640.png"):
        (tmp_path / "postimg" / name).write_bytes(b"x")
    c = ctx(tmp_path)
    assert images.find_stored("AbCdEfGh12.png", c) == "AbCdEfGh12.jpeg"
    assert images.find_stored("AbCdEfGh12", c) == "AbCdEfGh12.jpeg"
    assert images.find_stored("640.png", c) is None
    assert images.find_stored("Missing1234.png", c) is None


class FailingStore:
    def localise(self, images: list[ImageRef], page: PageSource) -> list[ImageOutcome]:
        return [ImageOutcome(ref, ref.url, None, "failed", "HTTP 404") for ref in images]


def test_failed_download_keeps_the_clean_url_and_warns() -> None:
    text = "![](https://mmbiz.qpic.cn/mmbiz_png/A/IdIdIdIdId/640?wx_fmt=png)"
    c = ctx(Path("."), store=FailingStore())
    assert rule(images.download_images, text, c) == text
    assert c.images_failed == 1 and "HTTP 404" in c.warnings[0]


def test_remote_mode_leaves_hot_links() -> None:
    text = "![](https://mmbiz.qpic.cn/mmbiz_png/A/IdIdIdIdId/640?wx_fmt=png)"
    assert rule(images.download_images, text, ctx(Path("."), store=None)) == text


def test_plan_store_names_like_the_store(tmp_path: Path) -> None:
    store = PlanStore(tmp_path, SETTINGS)
    refs = [
        ImageRef("https://mmbiz.qpic.cn/mmbiz_png/A/IdIdIdIdId/640?wx_fmt=png"),
        ImageRef("https://mmbiz.qpic.cn/mmbiz_jpg/A/JdJdJdJdJd/0?wx_fmt=jpg"),
        ImageRef("https://mmbiz.qpic.cn/mmbiz/A/KdKdKdKdKd/0?wx_fmt=other"),
    ]
    page = PageSource(html="", origin="x")
    assert [o.reference.rsplit("/", 1)[1] for o in store.localise(refs, page)] == [
        "IdIdIdIdId.png",
        "JdJdJdJdJd.jpeg",
        "KdKdKdKdKd.jpeg",
    ]
    (tmp_path / "postimg").mkdir()
    (tmp_path / "postimg" / "KdKdKdKdKd.gif").write_bytes(b"x")
    assert store.localise(refs[2:], page)[0].reference.endswith("/KdKdKdKdKd.gif"), "a stored file wins"


def test_header_image_is_stored_site_relative(tmp_path: Path) -> None:
    text = "---\nheader-img: https://mmbiz.qpic.cn/mmbiz_jpg/A/HdHdHdHdHd/0?wx_fmt=jpeg\n---\n"
    c = ctx(tmp_path, store=PlanStore(tmp_path, SETTINGS))
    assert rule(images.header_image, text, c) == "---\nheader-img: postimg/HdHdHdHdHd.jpeg\n---\n"


def test_missing_image_without_source_is_reported_not_dropped(tmp_path: Path) -> None:
    text = "![](D:\\export\\IdIdIdIdIdId.png)\n"
    c = ctx(tmp_path)
    assert rule(refetch.refetch_images, text, c) == text
    assert c.images_failed == 1 and "does not say which article it reposts" in c.warnings[0]
    assert "--source URL" in c.warnings[0]


def test_missing_image_hints_at_refetch(tmp_path: Path) -> None:
    text = (
        "![](D:\\export\\IdIdIdIdIdId.png)\n[原文链接](https://mp.weixin.qq.com/s/abcdefghijklmnopqrstuv)\n"
    )
    c = ctx(tmp_path)
    refetch.refetch_images(text, c)
    assert "--refetch can restore it from https://mp.weixin.qq.com/s/abcdefghijklmnopqrstuv" in c.warnings[0]
    assert "(the repost note)" in c.warnings[0]
    planned = ctx(tmp_path, refetch=True)  # a dry run: no fetcher, only a plan
    refetch.refetch_images(text, planned)
    assert planned.images_planned == 1 and planned.images_failed == 0 and "would fetch" in planned.notes[0]


BANNER = "[![](x.png)](http://mp.weixin.qq.com/s?__biz=QkFO&mid=9&idx=1&sn=bb&scene=21#wechat_redirect)\n"


@pytest.mark.parametrize(
    ("meta", "body", "expected", "how"),
    [
        (
            {"source": "https://mp.weixin.qq.com/s/sourcesource22?key=S"},
            BANNER,
            "s/sourcesource22",
            "front matter",
        ),
        (
            {},
            BANNER + "<a href='https://mp.weixin.qq.com/s/sourcesource22'>原文链接</a>",
            "s/sourcesource22",
            "note",
        ),
        (
            {},
            BANNER + "来源：[阅读原文](https://mp.weixin.qq.com/s/sourcesource22)",
            "s/sourcesource22",
            "note",
        ),
        (
            {"title": "标 题"},
            BANNER + "[标题](https://mp.weixin.qq.com/s/sourcesource22)",
            "s/sourcesource22",
            "titled",
        ),
        ({"title": "标题"}, BANNER + "[别的文章](https://mp.weixin.qq.com/s/sourcesource22)", None, ""),
        ({}, BANNER, None, ""),
    ],
)
def test_own_source_is_never_just_the_first_wechat_link(
    meta: dict[str, Any], body: str, expected: str | None, how: str
) -> None:
    found = links.own_source(meta, body)
    if expected is None:
        assert found is None
    else:
        assert found is not None and found.url == "https://mp.weixin.qq.com/" + expected and how in found.how


def test_own_source_given_wins_and_is_cleaned() -> None:
    found = links.own_source(
        {"source": "https://mp.weixin.qq.com/s/sourcesource22"},
        BANNER,
        "http://mp.weixin.qq.com/s?__biz=QUJD&mid=1&idx=1&sn=ab&chksm=c#rd",
    )
    assert found == links.SourceLink("https://mp.weixin.qq.com/s?__biz=QUJD&mid=1&idx=1&sn=ab", "--source")


# -- chrome ---------------------------------------------------------------------------


def test_profile_card_block() -> None:
    text = "#T\n[号]\n**号**\n微信号JLCYFZ01\n功能介绍全民参与\n\n正文\n"
    assert rule(chrome.profile_card, text) == "#T\n\n正文\n"


def test_profile_card_needs_both_lines_and_the_same_name() -> None:
    assert rule(chrome.profile_card, "微信号：abc_123456\n正文\n") == "微信号：abc_123456\n正文\n"
    text = "**甲号**\n**乙号**\n微信号 abcdef\n功能介绍 x\n"
    assert rule(chrome.profile_card, text) == "**甲号**\n"
    assert rule(chrome.profile_card, "普通的一行\n微信号 abcdef\n功能介绍 x\n") == "普通的一行\n"


def test_page_chrome_lines() -> None:
    assert rule(chrome.page_chrome, "a\n微信扫一扫\n关注该公众号\nb\n") == "a\nb\n"
    assert rule(chrome.page_chrome, "a\n微信扫一扫关注该公众号\n预览时标签不可点\nb\n") == "a\nb\n"
    assert rule(chrome.page_chrome, "用微信扫一扫下方二维码报名\n") == "用微信扫一扫下方二维码报名\n"


# -- Markdown defects -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("#标题", "# 标题"),
        ("###Title", "### Title"),
        ("# ok", "# ok"),
        ("#话题#", "#话题#"),
        ("#a #b", "#a #b"),
        ("#fff", "#fff"),
        ("#12", "#12"),
    ],
)
def test_heading_space(before: str, after: str) -> None:
    assert rule(chrome.heading_space, before) == after


def test_heading_space_not_in_code() -> None:
    assert rule(chrome.heading_space, "```\n#include <a.h>\n```\n") == "```\n#include <a.h>\n```\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("**a****b**", "**ab**"),
        ("**a****b****c**", "**abc**"),
        ("x**领域广、****手段新**y", "x**领域广、手段新**y"),
        ("`**a****b**`", "`**a****b**`"),
        ("**a** **b**", "**a** **b**"),
    ],
)
def test_merge_bold(before: str, after: str) -> None:
    assert rule(emphasis.merge_bold, before) == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("a\n****\nb", "a\n\nb"),  # `****` is a thematic break: the two paragraphs stay two
        ("a\n\n****\n\nb", "a\n\nb"),
        ("****正文", "正文"),
        ("*****", "*****"),
    ],
)
def test_empty_bold(before: str, after: str) -> None:
    assert rule(emphasis.empty_bold, before) == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("**看，**\n包括两类。", "**看**，包括两类。"),
        ("首先是在**话术**\n上，骗子", "首先是在**话术**上，骗子"),
        ("**重点**\n，后文", "**重点**，后文"),
        ("**甲乙\n丙丁**", "**甲乙丙丁**"),
        ("Some **bold\nwords** here", "Some **bold words** here"),
        ("**标题**\n正文开始。", "**标题**\n正文开始。"),
        ("**问题：**\n答案。", "**问题：**\n答案。"),
        ("**一是。**\n通过。", "**一是。**\n通过。"),
        ("**看，**  \n包括。", "**看，**  \n包括。"),
        ("**看，**\n- 列表", "**看，**\n- 列表"),
        ("**看，**\n**也加粗**", "**看，**\n**也加粗**"),
        ("作者：**张三**\n编辑：李四", "作者：**张三**\n编辑：李四"),
    ],
)
def test_split_bold(before: str, after: str) -> None:
    assert rule(emphasis.split_bold, before) == after


def test_split_bold_inline_run_between_prose_lines() -> None:
    text = "这一行足够长，而且有逗号，说明它是正文段落，只是断开在\n**加粗“片段”**\n上，句子继续。"
    assert (
        rule(emphasis.split_bold, text)
        == "这一行足够长，而且有逗号，说明它是正文段落，只是断开在**加粗“片段**”上，句子继续。"
    )
    short = "图片来源网络\n**第二部分**\n内容，继续。"
    assert rule(emphasis.split_bold, short) == short, "a short caption line is not a broken sentence"


def test_split_bold_change_is_reported_on_its_first_line() -> None:
    _, changes = emphasis.split_bold("x\n**看，**\n包括。\n", ctx())
    assert changes == [Change("split-bold", 2, "**看，**\n包括。", "**看**，包括。")]


# -- Liquid --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("写作 {{ message }}", '写作 {{ "{{" }} message }}'),
        ("{% for x in y %}", '{{ "{%" }} for x in y %}'),
        ("![]({{site.baseurl}}/postimg/a.png)", "![]({{site.baseurl}}/postimg/a.png)"),
        ('<img src="{{ site.baseurl }}/a.png">', '<img src="{{ site.baseurl }}/a.png">'),
        ("[x]({{site.url}}{{site.baseurl}}/a)", "[x]({{site.url}}{{site.baseurl}}/a)"),
        ("正文 {{ site.baseurl }}", '正文 {{ "{{" }} site.baseurl }}'),
        ("`{{ site.baseurl }}`", '`{{ "{{" }} site.baseurl }}`'),
        ('{{ "{{" }} x }}', '{{ "{{" }} x }}'),
        ("{% raw %}{{ x }}{% endraw %}", "{% raw %}{{ x }}{% endraw %}"),
        (
            "{% highlight js %}\n{{ x }}\n{% endhighlight %}",
            '{% highlight js %}\n{{ "{{" }} x }}\n{% endhighlight %}',
        ),
        ("```\n{% include x.html %}\n```", '```\n{{ "{%" }} include x.html %}\n```'),
        ("{% include x.html %}", "{% include x.html %}"),
        ("{{ a }}{{ site.baseurl }}", '{{ "{{" }} a }}{{ "{{" }} site.baseurl }}'),
    ],
)
def test_escape_liquid(before: str, after: str) -> None:
    assert rule(liquid.escape_liquid, before) == after
    assert rule(liquid.escape_liquid, after) == after


def test_escape_liquid_only_for_liquid_blogs() -> None:
    assert rule(liquid.escape_liquid, "{{ x }}", ctx(template="hugo")) == "{{ x }}"


@pytest.mark.parametrize("unit", ["{% raw %}{{ x }}", "<pre>{{ x }}", "{% highlight js %}{{ x }}"])
def test_escape_liquid_reads_unclosed_regions_in_linear_time(unit: str) -> None:
    """`{% raw %}.*?{% endraw %}` and the like retried the rest of the post from every unclosed
    opener: 40,000 of them took minutes. Unclosed, they protect nothing: every `{{` is escaped."""
    text = "来源：微信公众号\n\n" + unit * 40_000 + "\n"
    with within(30, f"{unit!r} * 40000"):
        out = rule(liquid.escape_liquid, text)
    assert out.count('{{ "{{" }}') == 40_000


# -- files -----------------------------------------------------------------------------------


def test_find_posts_prefers_post_folders(tmp_path: Path) -> None:
    for rel in (
        "README.md",
        "about.md",
        "_posts/a.md",
        "_posts/sub/b.markdown",
        "_drafts/c.md",
        "_site/x.md",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    (tmp_path / "_posts" / ".a.md.bak").write_text("x", encoding="utf-8")
    names = [p.relative_to(tmp_path).as_posix() for p in batch.find_posts([tmp_path])]
    assert names == ["_drafts/c.md", "_posts/a.md", "_posts/sub/b.markdown"]
    assert batch.find_posts([tmp_path / "about.md"]) == [tmp_path / "about.md"]


def test_site_for(tmp_path: Path) -> None:
    (tmp_path / "blog" / "_posts" / "2022").mkdir(parents=True)
    assert batch.site_for(tmp_path / "blog" / "_posts" / "2022" / "a.md") == (tmp_path / "blog").resolve()
    (tmp_path / "hugo" / "content").mkdir(parents=True)
    (tmp_path / "hugo" / "_config.yml").write_text("", encoding="utf-8")
    assert batch.site_for(tmp_path / "hugo" / "content" / "a.md") == (tmp_path / "hugo").resolve()
    assert batch.site_for(Path("/a.md")) is None


def test_a_bug_in_a_rule_fails_that_post_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str, context: FixContext) -> tuple[str, list[Change]]:
        if "boom" in text:
            raise RuntimeError("boom")
        return text, []

    monkeypatch.setattr(rules, "RULES", (*rules.RULES, engine.Rule("broken", "body", broken)))
    (tmp_path / "_posts").mkdir()
    bad, good = tmp_path / "_posts" / "a.md", tmp_path / "_posts" / "b.md"
    bad.write_text("---\nt: 1\n---\n来源：微信公众号 boom\n", encoding="utf-8")
    good.write_text("---\nt: 1\n---\n来源：微信公众号\n#T\n", encoding="utf-8")
    fixer = batch.Fixer(batch.FixSettings())
    results = [fixer.fix(bad), fixer.fix(good)]
    assert [(r.status, r.kind) for r in results] == [("failed", "internal-error"), ("changed", "")]
    assert fixer.status() == ExitStatus.PARTIAL


def test_backup_path_is_a_dot_file() -> None:
    assert batch.backup_path(Path("_posts/2022-01-01-a.md")) == Path("_posts/.2022-01-01-a.md.bak")
