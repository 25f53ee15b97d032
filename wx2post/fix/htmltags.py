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

`raw_text=True` reads as a browser reads HTML content: comments are no markup, and the content of
`script`, `style`, `textarea`, `title`, `xmp`, `iframe`, `noembed`, `noframes`, `noscript` runs to
its end tag. `raw_text=False` reads every `<name` as a tag wherever it is (inside a comment, a
raw-text element, another tag's name or value): inside SVG or MathML `<style>` holds markup, and a
Markdown renderer that does not take `<a<b …>` for one tag writes `<a` as text and `<b …>` as
markup. A caller that must catch every reading runs both.
"""

from __future__ import annotations

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


def _lower(name: str) -> str:
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in name)


def _read_tag(s: str, start: int, closing: bool) -> Tag:
    """The tag whose `<` (or `</`) is at `start`; its name starts at once."""
    n = len(s)
    j = start + (2 if closing else 1)
    name_start = j
    while j < n and s[j] not in WHITESPACE and s[j] not in "/>":
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
        begin = j
        j += 1  # the first character may be `=`
        while j < n and s[j] not in WHITESPACE and s[j] not in "/>=":
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
                while e < n and s[e] not in WHITESPACE and s[e] != ">":
                    e += 1
                value, j = s[k:e], e
        tag.attributes.append(Attribute(name, value, begin, j))
    return tag


def _comment_end(s: str, i: int) -> int:
    """After the comment starting `<!--` at i (`<!-->` and `<!--->` end at once; `--!>` ends)."""
    body = i + 4
    for short in (">", "->"):
        if s.startswith(short, body):
            return body + len(short)
    ends = [p + len(m) for m in ("-->", "--!>") if (p := s.find(m, body)) >= 0]
    return min(ends) if ends else len(s)


def _raw_text_end(s: str, tag: Tag) -> None:
    """Where a raw-text element's content ends: its `</name` followed by space, `/` or `>`."""
    lowered, marker, at = s.lower(), "</" + tag.name, tag.end
    while (at := lowered.find(marker, at)) >= 0:
        after = at + len(marker)
        if after >= len(s) or s[after] in WHITESPACE or s[after] in "/>":
            tag.content_end = at
            tag.element_end = _read_tag(s, at, closing=True).end
            return
        at = after


def read_tags(s: str, *, raw_text: bool = True) -> list[Tag]:
    """Every start and end tag in `s`, in order."""
    tags: list[Tag] = []
    i, n = 0, len(s)
    while (i := s.find("<", i)) >= 0 and i + 1 < n:
        nxt = s[i + 1]
        if nxt.isascii() and nxt.isalpha():
            tag = _read_tag(s, i, closing=False)
            tags.append(tag)
            i = tag.end if raw_text else i + 1
            if raw_text and tag.name == "plaintext":
                break
            if tag.name in RAW_TEXT:
                _raw_text_end(s, tag)
                if raw_text:
                    i = tag.content_end if tag.content_end is not None else n
        elif nxt == "/" and i + 2 < n and s[i + 2].isascii() and s[i + 2].isalpha():
            tag = _read_tag(s, i, closing=True)
            tags.append(tag)
            i = tag.end if raw_text else i + 1
        elif not raw_text:
            i += 1
        elif s.startswith("<!--", i):
            i = _comment_end(s, i)
        elif nxt in "!?/":  # a bogus comment (`<!DOCTYPE`, `<?xml`, `</3`) runs to the next `>`
            close = s.find(">", i + 2)
            i = close + 1 if close >= 0 else n
        else:
            i += 1
    return tags
