"""Escaping for Markdown text: only what CommonMark or kramdown would read as syntax."""

from __future__ import annotations

import re

from ..lazyre import lazy
from ..safety import link_scheme
from ..urls import find_urls

_ENTITY_LIKE = lazy(r"&(?=#?\w+;)")
_ALWAYS = lazy(r"[`*]")
_BACKSLASH = lazy(r"\\(?=[!-/:-@\[-`{-~]|\s|$)")
_UNDERSCORE = lazy(r"(?<![^\W_])_|_(?![^\W_])")
_LINK_CLOSE = lazy(r"\](?=[(\[:])")
_TAG_OPEN = lazy(r"<(?=[A-Za-z/!?])")
_BRACKET = lazy(r"[\[\]]")
# `{:` opens a kramdown attribute list (`{: onclick=...}`) or extension (`{::nomarkdown}`)
# anywhere in a line; `\{` prints `{` in every Markdown reader.
_KRAMDOWN_OPEN = lazy(r"\{(?=:)")


def escape_text(text: str, autolink: bool = True, label: bool = False) -> str:
    """Escape what Markdown would read as syntax. A bare URL that would need an
    escape (`?__biz=`, `*`) becomes an `<autolink>` instead, inside which nothing is
    escaped; other URLs stay exactly as written."""
    if label:
        return escape_plain(text, label=True)
    if not autolink or "://" not in text:
        return escape_plain(text)
    out = []
    pos = 0
    for span in find_urls(text):  # the one URL scanner (wx2post.urls)
        url = span.url
        if link_scheme(url) not in ("http", "https"):
            continue
        out.append(escape_plain(text[pos : span.start]))
        out.append(url if escape_plain(url) == url else f"<{url}>")
        pos = span.end
    out.append(escape_plain(text[pos:]))
    return "".join(out)


def escape_plain(text: str, label: bool = False) -> str:
    """Escape what Markdown (CommonMark or kramdown) would read as syntax, and only that.

    `[1]` reference marks, `snake_case`, `C:\\dir` and a single `~` stay as they are:
    a bracket is escaped only where it would close a link (`](`, `][`, `]:`), an
    underscore only at a word edge, a backslash only before punctuation, tildes
    only when two could pair up as strikethrough.
    """
    if "\\" in text:
        text = _BACKSLASH.sub(r"\\\\", text)
    if "`" in text or "*" in text:
        text = _ALWAYS.sub(r"\\\g<0>", text)
    if "_" in text:
        text = _UNDERSCORE.sub(r"\\_", text)
    if label:  # inside `[...]` every bracket is escaped
        text = _BRACKET.sub(r"\\\g<0>", text)
    else:
        if "]" in text:
            text = _LINK_CLOSE.sub(r"\\]", text)
        text = text.replace("[^", "\\[^")
    if text.count("~") >= 2:
        text = text.replace("~", "\\~")
    if "&" in text:
        text = _ENTITY_LIKE.sub("&amp;", text)
    if "<" in text:
        text = _TAG_OPEN.sub("&lt;", text)
    if "{:" in text:
        text = _KRAMDOWN_OPEN.sub(r"\\{", text)
    if "|" in text:
        # kramdown reads a line holding a pipe as a table row (`来源|某中心` becomes a
        # one-cell table); `\|` prints `|` in every reader.
        text = text.replace("|", "\\|")
    return text.replace("$$", "\\$\\$")


_LINE_START_ESCAPE = lazy(
    r"^(?:(?P<char>[#>|])|(?P<list>[-+])(?=[ \t]|$)|(?P<num>\d{1,9})(?P<dot>[.)])(?=[ \t]|$)"
    r"|(?P<colon>:)(?=[ \t])|(?P<brace>\{)(?=:)|(?P<rule>[-=]+[ \t]*$))"
)


def escape_line_start(line: str) -> str:
    """What a line may not start with: `#` (a heading even without a space in kramdown),
    `>`, `|` (a kramdown table), `- `, `+ `, `1. `, `: `, `{:`, `---` and `===`."""
    m = _LINE_START_ESCAPE.match(line)
    if not m:
        return line
    if m.group("num"):
        return m.group("num") + "\\" + line[m.end("num") :]
    return "\\" + line


def link_target(href: str) -> str:
    """A link's destination as Markdown reads it: no space or parenthesis to end it early."""
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def code_span(text: str) -> str:
    fence = "`" * (longest_run(text, "`") + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def longest_run(text: str, ch: str) -> int:
    runs = re.findall(re.escape(ch) + "+", text)
    return max((len(r) for r in runs), default=0)
