"""URLs in a post: cleaned as `convert` cleans them (`urls.clean_url`), and the post's own source.

Destinations are found by the parser (inline links and images, reference definitions), so a
destination with parentheses or in `<...>` is cleaned whole; URLs anywhere else (text, HTML
attributes, code) are found by a scanner and cleaned in the escaping they were written in
(`&amp;` in HTML, `\\_` in Markdown). Only WeChat URLs and URLs carrying a credential, sharer
or `utm_` parameter change: any other URL is the author's and stays exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..lazyre import lazy
from ..spans import covering
from ..urls import article_id, clean_link, find_urls, is_credential, md_unescape
from . import markdown
from .engine import Change, FixContext, apply_edits, until_settled


def clean_one_url(raw: str) -> str:
    """`raw` as conversion would write it, in the same escaping (`&amp;`, `\\_`) it came in.

    The cleaning is urls.clean_link's; a URL it refuses (a credential that cannot be
    removed) is removed.
    """
    plain = md_unescape(raw)
    clean = clean_link(plain)
    if clean == plain:
        return raw
    if clean is None:
        return ""
    if "&amp;" in raw:
        clean = clean.replace("&", "&amp;")
    if "\\_" in raw:
        clean = clean.replace("_", "\\_")
    return clean


def strip_credentials(url: str) -> str:
    """`url` without its credential and sharer parameters, every other byte as written: what
    a URL in code loses (code is the author's text; a reader's session is never kept)."""
    base, question, rest = url.partition("?")
    if not question:
        return url
    query, hashmark, fragment = rest.partition("#")
    parts = query.split("&")
    kept = [p for p in parts if not is_credential(p.split("=", 1)[0].removeprefix("amp;"))]
    if len(kept) == len(parts):
        return url
    joined = "&".join(kept)
    if joined.startswith("amp;"):
        joined = joined[len("amp;") :]
    return base + (question + joined if joined else "") + hashmark + fragment


def code_spans(doc: markdown.Document) -> list[tuple[int, int]]:
    """Body spans of code: code blocks (also quoted or in a list) and code spans."""
    spans = [(doc.starts[i], doc.line_end(i)) for i, kind in enumerate(doc.kinds) if kind == "code"]
    for inline in doc.inlines:
        for atom in inline.atoms:
            if atom.kind == "backticks":
                spans.append((inline.body(atom.start), inline.body(atom.end)))
    return spans


def destinations(doc: markdown.Document) -> list[tuple[int, int]]:
    """Body spans of every link and image destination (inline or in a reference definition)."""
    spans = list(doc.references.values())
    for inline in doc.inlines:
        for atom in inline.atoms:
            if atom.dest is not None and atom.dest[1] > atom.dest[0]:
                start, end = inline.body(atom.dest[0]), inline.body(atom.dest[1])
                if doc.text[start] == "<" and doc.text[end - 1] == ">":
                    start, end = start + 1, end - 1
                spans.append((start, end))
    return sorted(spans)


def clean_urls(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Every URL cleaned where it appears: destinations whole, then any other URL in text and
    HTML attributes. In code a URL only loses its credentials: they go wherever they are
    written. A URL written inside another one's destination shows up once the outer one is
    clean: passes run until none changes anything (a second `fix` must find nothing left)."""
    return until_settled(_clean_urls_once, text, 4)


def _clean_urls_once(text: str) -> tuple[str, list[Change]]:
    doc = markdown.read(text)
    edits = []
    taken = destinations(doc)
    for start, end in taken:
        target = text[start:end]
        if "\n" in target:
            continue
        new = clean_one_url(target)
        if new != target:
            edits.append((start, end, new))
    in_taken, in_code_at = covering(taken), covering(code_spans(doc))
    for span in find_urls(text):
        if in_taken(span.start):
            continue
        in_code = in_code_at(span.start)
        new = strip_credentials(span.url) if in_code else clean_one_url(span.url)
        if new != span.url:
            edits.append((span.start, span.end, new))
    return apply_edits(text, edits, "clean-urls")


def front_matter_urls(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    edits = []
    for span in find_urls(text):
        new = clean_one_url(span.url)
        if new != span.url:
            edits.append((span.start, span.end, new))
    return apply_edits(text, edits, "front-matter-urls")


# -- the post's own article ------------------------------------------------------------

# Front matter keys that name where a repost comes from.
SOURCE_KEYS = ("source", "source_url", "original", "original_url", "origin", "url", "link")
_NOTE_LINK = lazy(
    r"""\[[^\[\]\n]*原文[^\[\]\n]*\]\(\s*<?(?P<md>[^)\s>]+)|<a\s[^<>]*?href\s*=\s*["'](?P<html>[^"']+)["'][^<>]*>[^<]*原文"""
)


@dataclass(frozen=True)
class SourceLink:
    url: str  # the clean identity URL
    how: str  # "--source", "front matter `source`", "the repost note", "a link titled like the post"


def own_source(meta: dict[str, Any], body: str, given: str = "") -> SourceLink | None:
    """The post's own article: `--source`, the front matter's `source`, the repost note's
    原文 link, or a link whose text is the post's title. Never merely the first WeChat link
    in the body: a repost links to other articles (the account banner, "recommended")."""
    if given:
        ident = article_id(given)
        return SourceLink(ident.url, "--source") if ident and ident.key else None
    for key in SOURCE_KEYS:
        value = meta.get(key)
        ident = article_id(value.strip()) if isinstance(value, str) else None
        if ident is not None and ident.key:
            return SourceLink(ident.url, f"front matter `{key}`")
    for m in _NOTE_LINK.finditer(body):
        ident = article_id(md_unescape(m.group("md") or m.group("html") or ""))
        if ident is not None and ident.key:
            return SourceLink(ident.url, "the repost note")
    title = _norm(meta.get("title"))
    if title:
        for label, href in _labelled_links(body):
            ident = article_id(href)
            if ident is not None and ident.key and _norm(label) == title:
                return SourceLink(ident.url, "a link titled like the post")
    return None


def _norm(text: object) -> str:
    return re.sub(r"\s+", "", str(text or ""))


def _labelled_links(body: str) -> list[tuple[str, str]]:
    """(visible text, destination) of every Markdown and HTML link."""
    out = []
    for token in markdown.parse_tokens(body)[0]:
        children = token.children or []
        for i, child in enumerate(children):
            if child.type != "link_open":
                continue
            label = []
            for inner in children[i + 1 :]:
                if inner.type == "link_close":
                    break
                if inner.type in ("text", "code_inline"):
                    label.append(inner.content)
            out.append(("".join(label), str(child.attrs.get("href", ""))))
    for m in re.finditer(r"""<a\s[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>([^<]*)</a>""", body, re.I):
        out.append((m.group(2), m.group(1)))
    return out
