"""Article + Markdown body + preset -> front matter, file path and post text (pure)."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

import yaml

from .models import BEIJING, Article, Options, Post
from .presets import Preset, get_preset
from .slug import fit_bytes, make_slug

IMAGE_TOKEN = "\x00wx2post-image-{}\x00"
_IMAGE_TOKEN_RE = re.compile("\x00wx2post-image-(\\d+)\x00")


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
    body = escape_template(body, preset.template)
    body = _IMAGE_TOKEN_RE.sub(lambda m: image_refs[int(m.group(1))], body)
    parts = [front_matter(article, options, preset, when)]
    if options.attribution:
        parts.append(attribution(article, preset))
    parts.append(body)
    text = "\n".join(p.rstrip("\n") + "\n" for p in parts if p)
    return Post(relpath=post_relpath(article, options, preset, when), text=text, article=article)


def front_matter(article: Article, options: Options, preset: Preset, when: datetime) -> str:
    data: dict[str, Any] = {"layout": "post", "title": article.title or "Untitled"}
    if preset.name == "hux" and article.summary:
        data["subtitle"] = _one_line(article.summary)
    data["date"] = when.astimezone(BEIJING).strftime(preset.date_format)
    data["author"] = options.author
    if preset.name == "hux":
        data["header-img"] = options.header_img
        data["catalog"] = options.catalog
    data["tags"] = list(options.tags)
    if article.url:
        data["source"] = article.url
    if article.account_name:
        data["account"] = article.account_name
    for key, value in options.extra_front_matter.items():
        data.setdefault(key, value)
    dumped = yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1_000_000
    )
    return f"---\n{dumped}---\n"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def attribution(article: Article, preset: Preset) -> str:
    """The repost note the blog opens every post with (the seed's blockquote)."""
    account = article.account_name or "微信公众号"
    if preset.html_attribution:
        lines = [f"转载：{html.escape(account)}"]
        if article.author and article.author != account:
            lines.append(f"作者：{html.escape(article.author)}")
        source = "来源：微信公众号"
        if article.url:
            source += f' <a href="{html.escape(article.url)}">原文链接</a>'
        lines.append(source)
        return "<blockquote><p>" + "<br>\n".join(lines) + "</p></blockquote>\n"
    lines = [f"转载：{account}"]
    if article.author and article.author != account:
        lines.append(f"作者：{article.author}")
    lines.append("来源：微信公众号" + (f" [原文链接]({article.url})" if article.url else ""))
    return "\n".join("> " + ln + ("  " if i < len(lines) - 1 else "") for i, ln in enumerate(lines)) + "\n"


def escape_template(body: str, template: str) -> str:
    """Make article text that looks like template syntax print literally.

    Jekyll runs Liquid over posts: `{{` and `{%` in a code sample break the build.
    Each is replaced by a Liquid expression printing it, which works in code blocks too.
    """
    if template == "liquid":
        if "{{" not in body and "{%" not in body:
            return body
        return re.sub(r"\{\{|\{%", lambda m: '{{ "' + m.group(0) + '" }}', body)
    return body


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
