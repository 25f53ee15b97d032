"""The tags a browser reads in a piece of raw HTML, with the exact span of every attribute (pure).

`unsafe-html` must remove an attribute or an element and leave every other byte of the user's
HTML as written, so it needs source offsets, which no HTML library gives: nh3/ammonia, lxml and
html5lib rebuild the markup (they close a `<div>` left open for a later HTML block, drop a stray
`</span>`, unknown or custom elements, and requote every attribute), and Python's `html.parser`
delimits attributes by a regular expression that needs a space between them, where a browser reads
`<img src="x"onerror=…>` as two attributes. This module is the WHATWG tokenizer's tag states
(https://html.spec.whatwg.org/#tokenization: tag name, before/after attribute name, attribute
value quoted and unquoted, comments, bogus comments, raw text), which is all a tag's extent needs:

- an attribute name runs to whitespace, `/`, `>` or `=` (quotes and `<` belong to it), is
  ASCII-lower-cased, and entities in it are not decoded (`&#111;nclick` is no `onclick`);
- `/` between attributes is a separator, and no separator is needed after a quoted value;
- a tag left open at the end of the piece keeps the attributes read so far (in the built page
  the layout's markup completes it).

Reading is linear in the piece, whatever it holds: raw-text end tags are indexed once, and in
the `raw_text=False` reading a tag ends at a `<` outside quotes (no Markdown renderer reads a
tag name, an attribute name or an unquoted value holding one: kramdown, marked, markdown-it and
goldmark all want `>` first; the browser's reading, where it may, is `raw_text=True`'s), so
`<a<a<a…` is not read once per `<` to the end.

`raw_text=True` reads as a browser reads HTML content: comments are no markup, and the content of
`script`, `style`, `textarea`, `title`, `xmp`, `iframe`, `noembed`, `noframes`, `noscript` runs to
its end tag. `raw_text=False` reads every `<name` as a tag wherever it is (inside a comment, a
raw-text element, another tag's name or value): inside SVG or MathML `<style>` holds markup, and a
Markdown renderer that does not take `<a<b …>` for one tag writes `<a` as text and `<b …>` as
markup. A caller that must catch every reading runs both.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

WHITESPACE = "\t\n\f\r "
RAW_TEXT = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"}
)


@dataclass
class Attribute:
    name: str  # ASCII lower-cased, as written otherwise
    value: str | None  # as written (entities not decoded); None: no `=`
    start: int  # the name's first character
    end: int  # after the value (or the name)


@dataclass
class Tag:
    name: str
    start: int  # the `<`
    end: int  # after the `>` (the piece's end when left open)
    closing: bool
    attributes: list[Attribute] = field(default_factory=list)
    # A raw-text element: where its end tag starts and ends; None when unclosed.
    content_end: int | None = None
    element_end: int | None = None


# ASCII letters only, so a lowered copy has the same length (`"İ".lower()` has two characters).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _lower(name: str) -> str:
    return name.translate(_ASCII_LOWER)


def _read_tag(s: str, start: int, closing: bool, *, stop: str = "") -> Tag:
    """The tag whose `<` (or `</`) is at `start`; its name starts at once. A character of
    `stop` outside quotes ends it there, left open."""
    n = len(s)
    j = start + (2 if closing else 1)
    name_start = j
    while j < n and s[j] not in WHITESPACE and s[j] not in "/>" and s[j] not in stop:
        j += 1
    tag = Tag(_lower(s[name_start:j]), start, n, closing)
    while j < n:
        c = s[j]
        if c in WHITESPACE or c == "/":
            j += 1
            continue
        if c == ">":
            tag.end = j + 1
            return tag
        if c in stop:
            tag.end = j
            return tag
        begin = j
        j += 1  # the first character may be `=`
        while j < n and s[j] not in WHITESPACE and s[j] not in "/>=" and s[j] not in stop:
            j += 1
        name = _lower(s[begin:j])
        k = j
        while k < n and s[k] in WHITESPACE:
            k += 1
        value = None
        if k < n and s[k] == "=":
            k += 1
            while k < n and s[k] in WHITESPACE:
                k += 1
            if k < n and s[k] in "\"'":
                close = s.find(s[k], k + 1)
                value = s[k + 1 : close if close >= 0 else n]
                j = close + 1 if close >= 0 else n
            else:
                e = k
                while e < n and s[e] not in WHITESPACE and s[e] != ">" and s[e] not in stop:
                    e += 1
                value, j = s[k:e], e
        tag.attributes.append(Attribute(name, value, begin, j))
    return tag


class _Next:
    """The next place of `marker` in `s` at or after a position; asked in increasing order, so
    each is found once (a marker that is absent is not looked for again to the end)."""

    def __init__(self, s: str, marker: str) -> None:
        self.s, self.marker, self.at = s, marker, -2  # -2: not looked for yet

    def after(self, pos: int) -> int:
        if self.at == -2 or 0 <= self.at < pos:
            self.at = self.s.find(self.marker, pos)
        return self.at


def _comment_end(s: str, i: int, closers: tuple[_Next, _Next]) -> int:
    """After the comment starting `<!--` at i (`<!-->` and `<!--->` end at once; `--!>` ends)."""
    body = i + 4
    for short in (">", "->"):
        if s.startswith(short, body):
            return body + len(short)
    ends = [p + len(c.marker) for c in closers if (p := c.after(body)) >= 0]
    return min(ends) if ends else len(s)


class _EndTags:
    """Where each raw-text element's end tags are (`</name` then space, `/`, `>` or the end),
    found once per name for the whole piece, and how far each end tag runs."""

    def __init__(self, s: str, stop: str) -> None:
        self.s, self.stop = s, stop
        self._lowered: str | None = None
        self._at: dict[str, list[int]] = {}
        self._ends: dict[int, int] = {}

    def close(self, tag: Tag) -> None:
        """Set where `tag`'s content and element end (None: never closed)."""
        places = self._at.get(tag.name)
        if places is None:
            places = self._at[tag.name] = self._find(tag.name)
        i = bisect.bisect_left(places, tag.end)
        if i < len(places):
            at = places[i]
            tag.content_end = at
            if at not in self._ends:
                self._ends[at] = _read_tag(self.s, at, closing=True, stop=self.stop).end
            tag.element_end = self._ends[at]

    def _find(self, name: str) -> list[int]:
        s = self.s
        if self._lowered is None:
            self._lowered = _lower(s)
        marker, found, at = "</" + name, [], 0
        while (at := self._lowered.find(marker, at)) >= 0:
            after = at + len(marker)
            if after >= len(s) or s[after] in WHITESPACE or s[after] in "/>":
                found.append(at)
            at = after
        return found


def read_tags(s: str, *, raw_text: bool = True) -> list[Tag]:
    """Every start and end tag in `s`, in order."""
    tags: list[Tag] = []
    i, n = 0, len(s)
    stop = "" if raw_text else "<"
    end_tags = _EndTags(s, stop)
    closers = (_Next(s, "-->"), _Next(s, "--!>"))
    while (i := s.find("<", i)) >= 0 and i + 1 < n:
        nxt = s[i + 1]
        if nxt.isascii() and nxt.isalpha():
            tag = _read_tag(s, i, closing=False, stop=stop)
            tags.append(tag)
            i = tag.end if raw_text else i + 1
            if raw_text and tag.name == "plaintext":
                break
            if tag.name in RAW_TEXT:
                end_tags.close(tag)
                if raw_text:
                    i = tag.content_end if tag.content_end is not None else n
        elif nxt == "/" and i + 2 < n and s[i + 2].isascii() and s[i + 2].isalpha():
            tag = _read_tag(s, i, closing=True, stop=stop)
            tags.append(tag)
            i = tag.end if raw_text else i + 1
        elif not raw_text:
            i += 1
        elif s.startswith("<!--", i):
            i = _comment_end(s, i, closers)
        elif nxt in "!?/":  # a bogus comment (`<!DOCTYPE`, `<?xml`, `</3`) runs to the next `>`
            close = s.find(">", i + 2)
            i = close + 1 if close >= 0 else n
        else:
            i += 1
    return tags
