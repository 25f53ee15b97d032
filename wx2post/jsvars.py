"""Read values out of a page's inline JavaScript without executing it (pure).

WeChat pages set their metadata in several generations of script:
`var msg_title = '...'.html(false);` (2016+), `var msg_desc = htmlDecode("...")`,
`window.msg_title = '...' || '';` (picture/text posts), `d.author = xml ? ... : '...'`,
and `title: JsDecode('...')` inside `window.cgiDataNew = {...}` (2023+).
Strings use JS escapes (`\\x26amp;`, `\\u4e2d`) and are HTML-escaped on top.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from .lazyre import lazy
from .urls import unescape_entities

# A string literal. Possessive (`++`, `*+`): the body can never take its own closing
# quote, so there is one way to read it and nothing to backtrack into; a run of plain
# characters is one step (a share post's literal holds a whole article, 1-2 MB).
_STR = r"""(?P<q>['"])(?P<v>(?:[^'"\\\n]++|\\.|(?!(?P=q))['"])*+)(?P=q)"""
_WRAP = r"(?:(?:htmlDecode|JsDecode|decodeURIComponent)\(\s*)?"


_ASSIGN = _WRAP + _STR
# `var x = window.never_set || '...'` and `var biz = "" || "MjM5..."`: take the literal.
_FALLBACK_PREFIX = r"(?:[\w.]+\s*\|\|\s*)?"
_CHAIN = lazy(r"\s*\)?\s*\|\|\s*" + _WRAP + _STR)
# (needle prefix, what follows the name), in order of preference. Compiled once and
# matched right after the name: one pattern per form, not one per variable name
# (compiling 50 of these took 60 ms of a one-page run).
_ASSIGN_FORMS = (
    ("var ", lazy(r"\s*=\s*" + _FALLBACK_PREFIX + _ASSIGN)),
    ("window.", lazy(r"\s*=\s*" + _FALLBACK_PREFIX + _ASSIGN)),
    ("d.", lazy(r"\s*=\s*xml\s*\?[^:;\n]*:\s*" + _ASSIGN)),
)
_KEY_VALUE = lazy(r"\s*:\s*" + _ASSIGN)
_JS_ESCAPE = lazy(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]+\}|.)", re.S)
_SURROGATE = lazy("[\ud800-\udfff]")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def js_unescape(text: str) -> str:
    """Undo JS string escapes (`\\x26`, `\\u4e2d`, `\\'`)."""

    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] == "x" and len(e) == 3:
            return chr(int(e[1:], 16))
        if e.startswith("u{"):
            code = int(e[2:-1], 16)
            return chr(code) if code <= 0x10FFFF else "\ufffd"  # JS itself refuses it
        if e[0] == "u" and len(e) == 5:
            return chr(int(e[1:], 16))
        return _SIMPLE.get(e, e)

    out = _JS_ESCAPE.sub(one, text) if "\\" in text else text
    # Surrogate pairs written as two \\u escapes.
    return out.encode("utf-16", "surrogatepass").decode("utf-16", "replace") if _has_surrogate(out) else out


def _has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None  # in C: a share post's value runs to megabytes


def decode_value(raw: str) -> str:
    """A JS string literal's content as plain text (JS escapes, then HTML entities)."""
    # `&amp;quot;` is common: escaped twice.
    return unescape_entities(js_unescape(raw), rounds=2).strip()


def js_string(script: str, name: str) -> str:
    """The first non-empty string assigned to `name` by `var name =`, `window.name =`
    or `d.name = xml ? .. : ..` (in that order of preference), decoded; '' if none.

    Pages carry up to 4 MB of script, so candidates are found with str.find on a
    literal needle and checked with a regex only where they stand. The needle is the
    name alone, found once for all three forms: an absent name costs one pass over
    the text, not three (a picture post's 1.5 MB of script: 0.5 ms a pass).
    """
    places = _occurrences(script, name)
    for prefix, tail in _ASSIGN_FORMS:
        for pos in _form_places(script, prefix, name, places):
            if pos == 0 or not (script[pos - 1].isalnum() or script[pos - 1] in "_$"):
                m = tail.match(script, pos + len(prefix) + len(name))
                value = _chained_value(script, m) if m else ""
                if value:
                    return value
    return ""


# A name met more often than this (`sn` in a page of links) is looked for form by
# form, each needle found by str.find, so no page makes a long list in Python.
_MANY = 64


def _occurrences(text: str, needle: str) -> list[int] | None:
    """Where `needle` starts in `text`, in order; None if more than _MANY times."""
    found: list[int] = []
    pos = text.find(needle)
    while pos >= 0:
        if len(found) == _MANY:
            return None
        found.append(pos)
        pos = text.find(needle, pos + 1)
    return found


def _form_places(text: str, prefix: str, name: str, places: list[int] | None) -> Iterator[int]:
    """Where `prefix + name` starts in `text`: picked out of the name's `places`, or
    found by str.find where the name was too common to list."""
    if places is not None:
        yield from (
            p - len(prefix) for p in places if p >= len(prefix) and text.startswith(prefix, p - len(prefix))
        )
        return
    needle = prefix + name
    pos = text.find(needle)
    while pos >= 0:
        yield pos
        pos = text.find(needle, pos + len(needle))


def _chained_value(script: str, m: re.Match[str]) -> str:
    """The first non-empty literal of `"" || "" || "value"`."""
    value = decode_value(m.group("v"))
    end = m.end()
    while not value:
        nxt = _CHAIN.match(script, end)
        if not nxt:
            break
        value = decode_value(nxt.group("v"))
        end = nxt.end()
    return value


def js_key(block: str, name: str, decode: Callable[[str], str] = decode_value) -> str:
    """The first non-empty `name: '...'` (or `name: JsDecode('...')`) in an object literal,
    decoded by `decode` (`js_unescape` for a value that is HTML markup).

    Found like `js_string`: str.find on the name, the regex only where it stands.
    """
    pos = block.find(name)
    while pos >= 0:
        if pos == 0 or not (block[pos - 1].isalnum() or block[pos - 1] in "_$."):
            m = _KEY_VALUE.match(block, pos + len(name))
            if m:
                value = decode(m.group("v"))
                if value:
                    return value
        pos = block.find(name, pos + len(name))
    return ""


def js_number(script: str, name: str) -> str:
    """The digits of `var name = 123` or `var name = "123"` (unquoted numbers included)."""
    needle = "var " + name
    pos = script.find(needle)
    while pos >= 0:
        if pos == 0 or not (script[pos - 1].isalnum() or script[pos - 1] in "_$."):
            m = _NUMBER.match(script, pos + len(needle))
            if m:
                return m.group(1)
        pos = script.find(needle, pos + len(needle))
    return ""


_NUMBER = lazy(r"\s*=\s*['\"]?(\d+)")


def js_strings(script: str, names: tuple[str, ...]) -> str:
    """The first of several variable names that has a value."""
    for name in names:
        value = js_string(script, name)
        if value:
            return value
    return ""


def js_block(script: str, start: re.Pattern[str]) -> str:
    """The bracketed block (`[...]` or `{...}`) that follows `start`, strings respected."""
    m = start.search(script)
    if not m:
        return ""
    i = m.end()
    while i < len(script) and script[i] not in "[{":
        i += 1
    depth = 0
    quote = ""
    j = i
    while j < len(script):
        c = script[j]
        if quote:
            if c == "\\":
                j += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return script[i : j + 1]
        j += 1
    return ""


def top_level_items(block: str) -> list[str]:
    """Split a `[ {...}, {...} ]` block into its top-level `{...}` items."""
    items = []
    depth = 0
    quote = ""
    begin = -1
    j = 0
    while j < len(block):
        c = block[j]
        if quote:
            if c == "\\":
                j += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "[{":
            depth += 1
            if depth == 2 and c == "{":
                begin = j
        elif c in "]}":
            if depth == 2 and c == "}" and begin >= 0:
                items.append(block[begin : j + 1])
                begin = -1
            depth -= 1
        j += 1
    return items


def shallow_string(item: str, name: str) -> str:
    """`name: '...'` at the top level of one `{...}` item (nested objects skipped)."""
    depth = 0
    quote = ""
    escaped = False
    flat = []
    for c in item[1:-1]:
        if quote:
            if depth == 0:
                flat.append(c)
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == quote:
                quote = ""
            continue
        if c in "'\"":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            continue
        if depth == 0:
            flat.append(c)
    return js_key("".join(flat), name)
