"""Presets: front matter, dates, paths, image locations and template escaping (pure)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import frontmatter
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from wx2post.models import BEIJING, Article, Options
from wx2post.post import (
    build_post,
    distinct_relpath,
    escape_hugo,
    escape_template,
    has_template_syntax,
    image_placeholder,
    links_allowed,
    post_relpath_for,
)
from wx2post.presets import PRESETS, get_preset, image_location

from .tools import within

URL = "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv"
WHEN = datetime(2022, 5, 3, 10, 12, tzinfo=BEIJING)


def article(**kw: object) -> Article:
    data: dict[str, object] = {
        "title": "标题 Title",
        "published": WHEN,
        "summary": "一句\n摘要",
        "url": URL,
        "account_name": "某公众号",
    }
    data.update(kw)
    return Article(**data)  # type: ignore[arg-type]


def post(preset: str, body: str = "正文\n", refs: list[str] | None = None, **kw: object) -> str:
    options = Options(preset=preset, **kw)  # type: ignore[arg-type]
    return build_post(article(), body, refs or [], options).text


def meta(text: str) -> dict[str, object]:
    return dict(frontmatter.loads(text).metadata)


def head(text: str) -> str:
    return text.split("\n---\n", 1)[0]


# -- front matter --------------------------------------------------------------


def test_hux_front_matter_is_the_seeds() -> None:
    text = post("hux")
    assert head(text).splitlines()[1:] == [
        "layout: post",
        "title: 标题 Title",
        "subtitle: 一句 摘要",
        "date: 2022-05-03 10:12:00 +0800",
        "author: 转载",
        "header-img: img/the-first.png",
        "catalog: false",
        "tags:",
        "- 其他",
        f"source: {URL}",
        "account: 某公众号",
    ]
    assert "\n<blockquote><p>转载：某公众号<br>" in text


def test_jekyll_front_matter_is_plain() -> None:
    data = meta(post("jekyll"))
    assert list(data) == ["layout", "title", "date", "author", "tags", "source", "account"]
    assert "date: 2022-05-03 10:12:00 +0800" in post("jekyll")


def test_hugo_front_matter() -> None:
    text = post("hugo", tags=("a", "b"))
    assert head(text).splitlines()[1:] == [
        "title: 标题 Title",
        "description: 一句 摘要",
        "date: 2022-05-03T10:12:00+08:00",  # RFC 3339, unquoted: a YAML timestamp
        "draft: false",
        "author: 转载",
        "tags:",
        "- a",
        "- b",
        f"source: {URL}",
        "account: 某公众号",
    ]
    data = meta(text)
    assert data["date"] == WHEN and data["draft"] is False
    assert "\n> 转载：某公众号  \n" in text  # Markdown attribution, no raw HTML


def test_hexo_front_matter() -> None:
    text = post("hexo")
    assert head(text).splitlines()[1:] == [
        "title: 标题 Title",
        "description: 一句 摘要",
        "date: 2022-05-03 10:12:00",  # YYYY-MM-DD HH:mm:ss, read in the site's timezone
        "author: 转载",
        "tags:",
        "- 其他",
        f"source: {URL}",
        "account: 某公众号",
    ]
    assert "disableNunjucks" not in text


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("hux", "2022-05-03 10:12:00 +0800"),
        ("jekyll", "2022-05-03 10:12:00 +0800"),
        ("hugo", "2022-05-03T10:12:00+08:00"),
        ("hexo", "2022-05-03 10:12:00"),
    ],
)
def test_dates_are_beijing_time_whatever_the_input_zone(preset: str, expected: str) -> None:
    utc = datetime(2022, 5, 3, 2, 12, tzinfo=timezone.utc)
    assert get_preset(preset).format_date(utc) == expected
    new_york = utc.astimezone(timezone(timedelta(hours=-4)))
    assert get_preset(preset).format_date(new_york) == expected


def test_extra_front_matter_adds_fields_and_may_replace_only_constants() -> None:
    extra = {"categories": ["转载"], "draft": True, "title": "never", "toc": True}
    data = meta(post("hugo", extra_front_matter=extra))
    assert data["categories"] == ["转载"] and data["toc"] is True
    assert data["draft"] is True  # a preset constant: replaced
    assert data["title"] == "标题 Title"  # the article's: kept
    assert meta(post("jekyll", extra_front_matter={"layout": "article"}))["layout"] == "article"


SCALARS = st.one_of(st.text(max_size=12), st.booleans(), st.integers(), st.none())
VALUES = st.one_of(SCALARS, st.lists(st.text(max_size=8), max_size=3), st.lists(SCALARS, max_size=3))


@settings(max_examples=300)
@given(
    title=st.text(min_size=1, max_size=20),
    author=st.text(max_size=10),
    tags=st.lists(st.text(max_size=6), max_size=3),
    extra=st.dictionaries(st.text(min_size=1, max_size=8), VALUES, max_size=4),
)
def test_property_front_matter_reads_back_as_its_data_however_often_written(
    title: str, author: str, tags: list[str], extra: dict[str, object]
) -> None:
    """Entries are dumped one by one and the repeated ones are reused: the YAML still
    reads back as exactly the data, the same text each time, in True/1 alike."""
    options = Options(preset="hugo", author=author, tags=tuple(tags), extra_front_matter=extra)
    texts = [build_post(article(title=title), "x\n", [], options).text for _ in range(2)]
    assert texts[0] == texts[1]
    data = yaml.safe_load(texts[0].split("---\n")[1])
    assert data["title"] == title and data["author"] == author and data["tags"] == tags
    for key, value in extra.items():
        if key not in ("title", "author", "tags", "date", "source", "account", "description"):
            assert data[key] == value and type(data[key]) is type(value)


def test_a_next_line_character_survives_the_front_matter() -> None:
    """U+0085 is a line break to YAML 1.1: written raw in single quotes, every reader
    (PyYAML, Jekyll's Psych) folds it into a space. Found by the property above."""
    text = build_post(article(title="标题\x85下半"), "x\n", [], Options(preset="hux", author="甲\x85乙")).text
    data = yaml.safe_load(text.split("---\n")[1])
    assert data["author"] == "甲\x85乙" and data["title"] == "标题\x85下半"


def test_no_summary_no_description() -> None:
    text = build_post(article(summary=""), "x\n", [], Options(preset="hugo")).text
    assert "description" not in text


def test_unknown_preset() -> None:
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        get_preset("nope")


# -- paths and images ----------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "relpath"),
    [
        ("hux", "_posts/2022-05-03-标题-Title.md"),
        ("jekyll", "_posts/2022-05-03-标题-Title.md"),
        ("hugo", "content/posts/标题-Title/index.md"),
        ("hexo", "source/_posts/标题-Title.md"),
    ],
)
def test_post_paths(preset: str, relpath: str) -> None:
    assert post_relpath_for(article(), Options(preset=preset)) == relpath
    assert build_post(article(), "", [], Options(preset=preset)).relpath == relpath


def test_long_titles_fit_255_bytes_in_every_preset() -> None:
    long = article(title="长" * 200)
    for name in PRESETS:
        relpath = post_relpath_for(long, Options(preset=name))
        assert all(len(part.encode()) <= 255 for part in relpath.split("/")), name


@pytest.mark.parametrize(
    ("preset", "relpath", "expected"),
    [
        ("hux", "_posts/2022-05-03-x.md", ("postimg", "{{site.baseurl}}/postimg/")),
        ("jekyll", "_posts/2022-05-03-x.md", ("postimg", "{{site.baseurl}}/postimg/")),
        ("hugo", "content/posts/x/index.md", ("content/posts/x", "")),
        ("hexo", "source/_posts/x.md", ("source/_posts/x", "")),
    ],
)
def test_default_image_locations(preset: str, relpath: str, expected: tuple[str, str]) -> None:
    assert image_location(preset, relpath) == expected
    p = get_preset(preset)
    assert (p.image_folder(relpath), p.image_prefix) == expected


@pytest.mark.parametrize(
    ("preset", "folder", "prefix"),
    [
        ("hux", "img/posts", "{{site.baseurl}}/img/posts/"),
        ("hugo", "static/images", "/images/"),
        ("hugo", "assets", "/assets/"),
        ("hexo", "source/images/", "/images/"),
    ],
)
def test_a_chosen_image_dir_is_shared_and_its_prefix_follows(preset: str, folder: str, prefix: str) -> None:
    relpath = post_relpath_for(article(), Options(preset=preset))
    assert image_location(preset, relpath, folder) == (folder.strip("/"), prefix)
    assert image_location(preset, relpath, folder, "https://cdn/x/") == (folder.strip("/"), "https://cdn/x/")
    assert image_location(preset, relpath, None, "/p/")[1] == "/p/"


def test_images_beside_a_bundle_are_bare_names() -> None:
    text = post("hugo", body=f"a\n\n{image_placeholder(0)}\n", refs=["![](abc.png)"])
    assert "\n![](abc.png)\n" in text


@pytest.mark.parametrize(
    ("preset", "relpath", "expected"),
    [
        ("hux", "_posts/2022-05-03-x.md", "_posts/2022-05-03-x-id1.md"),
        ("hugo", "content/posts/x/index.md", "content/posts/x-id1/index.md"),
        ("hexo", "source/_posts/x.md", "source/_posts/x-id1.md"),
    ],
)
def test_distinct_relpath_keeps_the_preset_layout(preset: str, relpath: str, expected: str) -> None:
    assert distinct_relpath(relpath, preset, "id1") == expected
    assert get_preset(preset).image_folder(expected) != get_preset(preset).image_folder(relpath) or (
        preset == "hux"
    )


# -- escaping ------------------------------------------------------------------


def hugo_reads(text: str) -> str:
    """What Hugo's page lexer hands to Markdown: comment-escaped shortcodes lose
    their `/*` `*/`; any other shortcode is an error (a template not found)."""
    out, pos = [], 0
    while m := re.compile(r"\{\{([<%])").search(text, pos):
        close = ">}}" if m.group(1) == "<" else "%}}"
        assert text.startswith("/*", m.end()), f"a live shortcode at {m.start()}: {text[m.start() :][:30]!r}"
        end = text.find("*/" + close, m.end() + 2)
        assert end > m.end(), "comment must be closed"
        out.append(text[pos : m.end()] + text[m.end() + 2 : end] + close)
        pos = end + 2 + len(close)
    out.append(text[pos:])
    return "".join(out)


HUGO_CASES = [
    "plain text, no braces",
    "a {{< shortcode >}} b",
    "a {{% markdown %}} b",
    "unclosed {{< here\nand more\n",
    '```\n"{{%s}}" % name\n```\n',  # Python's format string: no `%}}` after it
    "{{<>}}",
    "{{< a*>}}",
    "{{< a */>}}",
    "x {{</* an escaped shortcode */>}} y",  # an article about Hugo
    "{{{< three {{{% braces",
    "{{< a %}} {{% b >}} %}} c",
    "`{{< inline >}}` and ```{{% fence %}}```",
    "{{< one >}}{{< two >}}\n\n{{% three",
]


@pytest.mark.parametrize("text", HUGO_CASES)
def test_hugo_escape_is_exact_after_hugos_lexer(text: str) -> None:
    escaped = escape_hugo(text)
    read = hugo_reads(escaped)
    if read == text:
        return
    # No closing delimiter after an opener: the tail closes in an invisible HTML comment.
    assert read.startswith(text.rstrip("\n"))
    assert re.fullmatch(r"\n\n<!-- [>%]\}\} -->\n", read[len(text.rstrip("\n")) :])


def test_escape_template_dispatch() -> None:
    body = "{{ a }} {% b %} {{< c >}}"
    assert escape_template(body, "liquid") == '{{ "{{" }} a }} {{ "{%" }} b %} {{ "{{" }}< c >}}'
    assert escape_template(body, "hugo") == "{{ a }} {% b %} {{</* c */>}}"
    assert escape_template(body, "nunjucks") == body
    assert escape_template("no braces", "hugo") == "no braces"


def test_hugo_post_escapes_body_and_attribution_but_not_images() -> None:
    text = post(
        "hugo",
        body=f"```\n{{{{< x >}}}}\n```\n\n{image_placeholder(0)}\n",
        refs=["![](a.png)"],
    )
    assert "{{</* x */>}}" in text and "\n![](a.png)\n" in text


def test_hexo_turns_nunjucks_off_only_when_the_text_needs_it() -> None:
    for body in ("{{ page.title }}", "{% raw %}", "{# comment", "`{{ x }}`"):
        assert meta(post("hexo", body=body))["disableNunjucks"] is True, body
        assert body in post("hexo", body=body)  # the body itself is untouched
    assert "disableNunjucks" not in post("hexo", body="a } b { c }} d")
    # an image prefix is the user's own and may be a template: it does not count
    text = post("hexo", body=image_placeholder(0), refs=["![]({{ root }}a.png)"])
    assert "disableNunjucks" not in text


def test_has_template_syntax() -> None:
    assert has_template_syntax("{% x", "liquid") and not has_template_syntax("{# x", "liquid")
    assert has_template_syntax("{{% x", "hugo") and not has_template_syntax("{{ x }}", "hugo")
    assert has_template_syntax("{# x", "nunjucks")


def test_links_allowed() -> None:
    hugo = post("hugo", body="a {{< b >}} c [link](d) {{% e %}} f\n")
    allowed = links_allowed(hugo, "hugo")
    assert not allowed(hugo.index(" b ")) and not allowed(hugo.index(" e "))
    assert allowed(hugo.index("(d)")) and allowed(hugo.index(" f"))
    assert allowed(hugo.index("{{</*")), "the comment's own first character is outside it"
    hexo_off = post("hexo", body="{{ x }} [link](d)\n")
    assert not links_allowed(hexo_off, "hexo")(hexo_off.index("(d)"))
    hexo = post("hexo", body="[link](d)\n")
    assert links_allowed(hexo, "hexo")(hexo.index("(d)"))
    jekyll = post("jekyll", body="{{ x }} [link](d)\n")
    assert links_allowed(jekyll, "jekyll")(jekyll.index("(d)"))


def test_hugo_comments_are_found_in_linear_time() -> None:
    """`.*?` between `{{</*` and `*/>}}` retried the rest of the post from every unclosed
    opener (8,000 of them: about a second); each is now paired by bisection."""
    body = "{{</* " * 50_000 + "[link](d)\n"
    hugo = post("hugo", body="a {{< b >}} c\n") + body
    with within(30, "50,000 unclosed Hugo comments"):
        allowed = links_allowed(hugo, "hugo")
    assert allowed(hugo.index("(d)")) and not allowed(hugo.index(" b "))


def test_every_preset_builds() -> None:
    for name in PRESETS:
        text = post(name, body="{{< a >}} {{ b }} {% c %}\n")
        assert text.startswith("---\n") and meta(text)["title"] == "标题 Title"
