"""Escaping for Markdown text: only what CommonMark or kramdown would read as syntax."""

from __future__ import annotations

import re

_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_ALWAYS = re.compile(r"[`*]")
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|\s|$)")
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_LINK_CLOSE = re.compile(r"\](?=[(\[:])")
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_BRACKET = re.compile(r"[\[\]]")
_BARE_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


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
    for m in _BARE_URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?'")
        while url.endswith((")", "]")) and url.count(url[-1]) > url.count("(" if url[-1] == ")" else "["):
            url = url[:-1]
        out.append(escape_plain(text[pos : m.start()]))
        out.append(url if escape_plain(url) == url else f"<{url}>")
        pos = m.start() + len(url)
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
    return text.replace("$$", "\\$\\$")


_LINE_START_ESCAPE = re.compile(
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
