"""Article + Markdown body + preset -> front matter, file path and post text (pure)."""

from __future__ import annotations

import functools
import html
import posixpath
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import yaml

from .lazyre import lazy
from .models import BEIJING, Article, Options, Post, SharedArticle
from .presets import Preset, get_preset
from .render.escape import escape_plain, link_target
from .safety import safe_href, sanitize_html
from .slug import fit_bytes, make_slug
from .spans import covering, paired

IMAGE_TOKEN = "\x00wx2post-image-{}\x00"
_IMAGE_TOKEN_RE = lazy("\x00wx2post-image-(\\d+)\x00")


def image_placeholder(index: int) -> str:
    """What the renderer writes where image `index` goes; replaced in `build_post`."""
    return IMAGE_TOKEN.format(index)


def build_post(
    article: Article,
    body: str,
    image_refs: list[str],
    options: Options,
    *,
    fallback_date: datetime | None = None,
) -> Post:
    preset = get_preset(options.preset)
    when = article.published or fallback_date or datetime.now(BEIJING)
    note = attribution(article, preset) if options.attribution else ""
    text = "\n".join(p.rstrip("\n") + "\n" for p in (note, body) if p)
    # Hexo: no escape works both in code blocks and out; the post turns Nunjucks off instead.
    nunjucks_off = preset.template == "nunjucks" and has_template_syntax(text, "nunjucks")
    text = escape_template(text, preset.template)
    text = _IMAGE_TOKEN_RE.sub(lambda m: image_refs[int(m.group(1))], text)
    head = front_matter(article, options, preset, when, nunjucks_off=nunjucks_off)
    return Post(
        relpath=post_relpath(article, options, preset, when),
        text=head + ("\n" + text if text else ""),
        article=article,
    )


# Keys [front_matter] may set although the preset writes them (constants, not article data).
OVERRIDABLE_KEYS = frozenset({"layout", "draft"})
# Keys wx2post fills from the article or from options: [front_matter] may not set them.
MANAGED_KEYS = frozenset(
    {"title", "subtitle", "description", "date", "author", "header-img", "catalog", "tags", "source"}
    | {"account", "disableNunjucks"}
)


class _Dumper(yaml.SafeDumper):
    pass


class _Plain(str):
    """A string written as a plain YAML scalar when YAML allows (dates: no quotes)."""


def _represent_plain(dumper: yaml.SafeDumper, value: _Plain) -> yaml.Node:
    tag = dumper.resolve(yaml.ScalarNode, str(value), (True, False))
    return dumper.represent_scalar(tag, str(value))


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # PyYAML writes U+0085 (NEL, a line break in YAML 1.1) raw inside single quotes,
    # where every reader folds it into a space: such a string is double-quoted (`\N`).
    style = '"' if "\x85" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(_Plain, _represent_plain)
_Dumper.add_representer(str, _represent_str)


def front_matter(
    article: Article, options: Options, preset: Preset, when: datetime, *, nunjucks_off: bool = False
) -> str:
    data: dict[str, Any] = {}
    if preset.layout:
        data["layout"] = preset.layout
    data["title"] = article.title or "Untitled"
    if preset.summary_field and article.summary:
        data[preset.summary_field] = _one_line(article.summary)
    data["date"] = _Plain(preset.format_date(when))
    if preset.draft_field:
        data["draft"] = False
    data["author"] = options.author
    if preset.theme_fields:
        data["header-img"] = options.header_img
        data["catalog"] = options.catalog
    data["tags"] = list(options.tags)
    if article.url:
        data["source"] = article.url
    if article.account_name:
        data["account"] = article.account_name
    if preset.template == "liquid":
        # Jekyll layouts (Hux's too) print `{{ page.title }}` unescaped, inside elements
        # and attributes: what would be markup there is written as an entity.
        for key in ("title", preset.summary_field, "author", "account"):
            if key and isinstance(data.get(key), str):
                data[key] = _LAYOUT_MARKUP.sub(lambda m: _ENTITIES[m.group(0)], data[key])
    if nunjucks_off:
        data["disableNunjucks"] = True  # Hexo >= 5.2: {{ }} and {% %} print as they are
    for key, value in options.extra_front_matter.items():
        if key in OVERRIDABLE_KEYS:
            data[key] = value
        else:
            data.setdefault(key, value)
    return "---\n" + "".join(_entry(key, value) for key, value in data.items()) + "---\n"


def _entry(key: str, value: Any) -> str:
    """One `key: value` of the front matter, as YAML. A block mapping is its entries
    one after another, so each is dumped alone, and the ones a batch repeats on every
    post (layout, author, tags, header image, account) are dumped once: PyYAML's
    emitter was most of the time it takes to finish a post."""
    if isinstance(value, str | bool | int | None) and not isinstance(value, _Plain):
        return _dumped_entry(key, type(value).__name__, value)
    if isinstance(value, list) and all(type(v) is str for v in value):
        return _dumped_entry(key, "list", tuple(value))
    return _dump({key: value})


@functools.lru_cache(maxsize=1024)
def _dumped_entry(key: str, kind: str, value: Any) -> str:
    # `kind` keeps apart what compares equal but is written differently (True and 1).
    return _dump({key: list(value) if kind == "list" else value})


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )


# `"` is not among them: titles round-trip, and a layout that prints a title inside an
# attribute without `| escape` cannot be helped from here without breaking that.
_LAYOUT_MARKUP = lazy(r"[<>]")
_ENTITIES = {"<": "&lt;", ">": "&gt;"}


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def attribution(article: Article, preset: Preset) -> str:
    """The repost note the blog opens every post with (the seed's blockquote)."""
    account = article.account_name or "微信公众号"
    url = safe_href(article.url) if article.url else None
    shared = article.shared  # a share post: the article it shares, shown in full below
    shared_url = safe_href(shared.url) if shared is not None and shared.url else None
    if preset.html_attribution:
        lines = [f"转载：{html.escape(account)}"]
        if article.author and article.author != account:
            lines.append(f"作者：{html.escape(article.author)}")
        if shared is not None:
            line = "分享自：" + html.escape(_shared_name(shared))
            if shared_url:
                line += f' <a href="{html.escape(shared_url)}">原文链接</a>'
            lines.append(line)
        source = "来源：微信公众号"
        if url:
            source += f' <a href="{html.escape(url)}">原文链接</a>'
        lines.append(source)
        return sanitize_html("<blockquote><p>" + "<br>\n".join(lines) + "</p></blockquote>") + "\n"
    lines = [f"转载：{escape_plain(account)}"]
    if article.author and article.author != account:
        lines.append(f"作者：{escape_plain(article.author)}")
    if shared is not None:
        named = escape_plain(_shared_name(shared))
        lines.append("分享自：" + named + (f" [原文链接]({link_target(shared_url)})" if shared_url else ""))
    lines.append("来源：微信公众号" + (f" [原文链接]({link_target(url)})" if url else ""))
    return "\n".join("> " + ln + ("  " if i < len(lines) - 1 else "") for i, ln in enumerate(lines)) + "\n"


def _shared_name(shared: SharedArticle) -> str:
    """`索罗说《和死神赛跑》`: the shared article's account and title."""
    title = f"《{shared.title}》" if shared.title else ""
    return (shared.account + title) or "原文"


def escape_template(body: str, template: str) -> str:
    """Make article text that looks like template syntax print literally.

    liquid (Jekyll): `{{` and `{%` break the build; each becomes a Liquid expression
    printing it, which works in code blocks too.
    hugo: `{{<` and `{{%` open shortcodes, in code blocks too; see escape_hugo.
    nunjucks (Hexo): returned as is; build_post writes `disableNunjucks: true` instead
    (see has_template_syntax), the only way that keeps code blocks and text both literal.
    """
    if template == "liquid":
        if "{{" not in body and "{%" not in body:
            return body
        return re.sub(r"\{\{|\{%", lambda m: '{{ "' + m.group(0) + '" }}', body)
    if template == "hugo":
        return escape_hugo(body)
    return body


_TEMPLATE_OPENERS = {
    "liquid": lazy(r"\{[{%]"),
    "hugo": lazy(r"\{\{[<%]"),
    "nunjucks": lazy(r"\{[{%#]"),
}


def has_template_syntax(text: str, template: str) -> bool:
    """Whether `text` holds something the template engine would read (`{{`, `{%`, ...)."""
    pattern = _TEMPLATE_OPENERS.get(template)
    return bool(pattern and pattern.search(text))


_HUGO_OPEN = lazy(r"\{\{([<%])")


def escape_hugo(text: str) -> str:
    """Make `{{<` and `{{%` print literally in a Hugo page (pure, byte-exact after Hugo).

    Hugo reads shortcodes before Markdown, in code blocks too. Its documented escape
    is a comment inside the delimiters: `{{</* x */>}}` prints `{{< x >}}` (the same
    with `%`): Hugo drops `/*` and `*/` and keeps everything else verbatim. So each
    `{{<` gets `/*` after it and `*/` before the next `>}}`, and what Markdown then
    reads is exactly the original text. With no `>}}` anywhere after it, the comment
    runs to the end of the text and closes inside an HTML comment (invisible:
    `<!-- >}} -->`, or `<!-- raw HTML omitted -->` under Hugo's default
    `unsafe = false`).
    """
    if "{{<" not in text and "{{%" not in text:
        return text
    out: list[str] = []
    pos = 0
    while m := _HUGO_OPEN.search(text, pos):
        close = ">}}" if m.group(1) == "<" else "%}}"
        end = text.find(close, m.end())
        out.append(text[pos : m.end()] + "/*")
        if end < 0:
            out.append(text[m.end() :].rstrip("\n") + "\n\n<!-- */" + close + " -->\n")
            return "".join(out)
        out.append(text[m.end() : end] + "*/" + close)
        pos = end + len(close)
    out.append(text[pos:])
    return "".join(out)


# What escape_hugo comments out: `{{</* … */>}}` and `{{%/* … */%}}` (spans.paired: linear).
_HUGO_COMMENT_OPEN = lazy(r"\{\{(<|%)/\*")
_HUGO_COMMENT_CLOSE = {"<": lazy(r"\*/>\}\}"), "%": lazy(r"\*/%\}\}")}


def links_allowed(text: str, preset: str) -> Callable[[int], bool]:
    """Whether generator syntax inserted at an offset of a finished post would be read, for
    any number of offsets (the post is read once).

    False inside what escape_hugo commented out (Hugo prints it verbatim) and anywhere
    in a Hexo post written with `disableNunjucks: true`. Liquid escapes are per
    character pair, so a Jekyll post accepts template syntax anywhere.
    """
    p = get_preset(preset)
    if p.template == "nunjucks":
        head = text.split("\n---\n", 1)[0]
        read = not re.search(r"^disableNunjucks: true$", head, re.M)
        return lambda pos: read
    if p.template == "hugo":
        pairs = paired(text, _HUGO_COMMENT_OPEN, lambda m: _HUGO_COMMENT_CLOSE[m.group(1)])
        commented = covering([(a.start() + 1, b.end()) for a, b in pairs])  # strictly inside
        return lambda pos: not commented(pos)
    return lambda pos: True


def post_relpath_for(article: Article, options: Options) -> str:
    """Where the article's post goes, relative to the site."""
    when = article.published or datetime.now(BEIJING)
    return post_relpath(article, options, get_preset(options.preset), when)


def post_relpath(article: Article, options: Options, preset: Preset, when: datetime) -> str:
    slug = make_slug(options.slug, article.title, article.url, article.identity)
    day = when.astimezone(BEIJING).strftime("%Y-%m-%d")
    if preset.filename == "dated":
        name = fit_bytes(f"{day}-", slug, ".md")
        return f"{preset.posts_dir}/{name}"
    if preset.filename == "bundle":
        return f"{preset.posts_dir}/{fit_bytes('', slug, '')}/index.md"
    return f"{preset.posts_dir}/{fit_bytes('', slug, '.md')}"


def distinct_relpath(relpath: str, preset: str, suffix: str) -> str:
    """`relpath` made distinct with `-<suffix>` on the slug (pure).

    `_posts/2022-05-03-x.md` -> `_posts/2022-05-03-x-<suffix>.md`; a Hugo bundle
    renames its folder (`content/posts/x-<suffix>/index.md`), so the images that go
    beside the post (Preset.image_folder) follow it, as does Hexo's asset folder.
    """
    p = get_preset(preset)
    folder, name = posixpath.split(relpath)
    if p.filename == "bundle" and name == "index.md":
        parent, slug = posixpath.split(folder)
        return posixpath.join(parent, fit_bytes("", slug, f"-{suffix}"), name)
    stem, ext = posixpath.splitext(name)
    return posixpath.join(folder, fit_bytes("", stem, f"-{suffix}{ext}"))
