"""Raw HTML a reader's browser would run, made inert: the `unsafe-html` rule.

`convert` never writes active HTML (its raw HTML goes through nh3, safety.py), but a post
written elsewhere may hold `<img src=x onerror=…>`, `<script>`, `<iframe srcdoc=…>`… and Jekyll
(kramdown), Hexo (marked) and Hugo (with unsafe HTML on) publish raw HTML as it is. What goes:

- every event-handler attribute (`on…`, any case, quoted or not, `/` as separator);
- `srcdoc` (a whole page in an attribute); a `style` attribute whose CSS, entities, escapes and
  comments decoded, holds `expression(`, `javascript:`, `vbscript:`, `-moz-binding` or
  `behavior:`; an SVG animation's `to`/`from`/`values`/`by` with a scheme `unsafe-links` refuses
  (`<set attributeName=href to=javascript:…>`); a URL attribute with such a scheme that
  `unsafe-links` left (it needs a space between attributes; a browser does not);
- a `<script>` element with its content (code, never text a reader saw; an unclosed one loses
  its start tag only, and what followed it, swallowed by the script until now, shows as text);
  a `<style>` element whose CSS is active, likewise (one never closed loses its start tag);
- `<object>`, `<embed>`, `<applet>` (they load a document or plugin of the server's choosing;
  an `<object>`'s fallback content stays), `<base>` (it re-targets every relative link) and
  `<meta>` (`http-equiv=refresh` navigates; a post's body has no other use for one).

The same active pairs go from kramdown's attribute lists (`{: onclick="…" .note}`, `{:ref: …}`:
Jekyll gives the element those attributes, `href` too) and goldmark's heading attributes.

Everything else stays byte for byte: the user's other tags and attributes, their quoting, a
`<div>` left open for a later block, all text. Raw HTML is wherever a renderer may read a tag:
inline HTML and HTML blocks (read with quote and list markers stripped, as the renderer reads
them), and lines markdown-it gives no positions for; code spans, backslash escapes, fenced and
indented code are never touched. Tags are read by `htmltags` twice: as a browser reads HTML
(comments, raw-text elements) and with every `<name` a tag (SVG/MathML content, renderers that
split `<a<b …>` otherwise); passes run until neither reading finds anything.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable

from ..lazyre import lazy
from ..spans import covering
from . import markdown
from .engine import Change, FixContext, apply_edits
from .htmltags import Attribute, Tag, read_tags
from .schemes import URL_ATTRIBUTES, allowed, unsafe_links

RULE = "unsafe-html"
_DROPPED = frozenset({"object", "embed", "applet", "base", "meta"})
_OLD_URL_ATTRIBUTES = frozenset({"dynsrc", "lowsrc", "codebase", "classid"})  # IE's, Java's
_ANIMATION = frozenset({"set", "animate", "animatecolor", "animatemotion", "animatetransform"})
_ANIMATED_VALUES = frozenset({"to", "from", "values", "by"})
_ACTIVE_CSS = ("expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:", "behaviour:")
_CSS_COMMENT = lazy(r"/\*.*?(?:\*/|$)", re.S)
_CSS_HEX_ESCAPE = lazy(r"\\([0-9a-fA-F]{1,6})[ \t\n\f\r]?")
_CSS_ESCAPE = lazy(r"\\(.)", re.S)
_NOT_CSS = lazy(r"[\x00-\x20\x7f]")
# kramdown's attribute lists (`{: #id .class key="value"}`, `{:ref: …}`, Jekyll's default
# Markdown) and goldmark's heading attributes (`## T {#id key=value}`): their `key=value` pairs
# become attributes of the element, handlers included.
_ATTRIBUTE_LIST = lazy(r"\{:?(?!:)[^{}\n]*\}")
_LIST_ENTRY = lazy(
    r"""(?P<name>[A-Za-z_][\w:.-]*)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s{}"']+))"""
)
_SEPARATOR = " \t\f"
Span = tuple[int, int]
Region = tuple[str, list[int], list[Span]]


def unsafe_html(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Active HTML removed; passes run until neither reading of the tags finds any. What a
    removal makes of the text around it is judged again by `unsafe-links` (without ` onerror`,
    `<javascript: onerror>` is an autolink), and that by this rule, until both are done."""
    changes: list[Change] = []
    while True:  # every pass that finds something makes the text shorter: this ends
        found_here = False
        while True:
            text, found = _one_pass(text, raw_text=True)
            if not found:
                text, found = _one_pass(text, raw_text=False)
            if not found:
                break
            changes += found
            found_here = True
        if not found_here:
            break
        text, found = unsafe_links(text, ctx)
        changes += found
        if not found:
            break
    return text, changes


def active_css(css: str) -> bool:
    """Would this CSS run script in some browser (IE's `expression()`, a `javascript:` URL,
    Firefox's XBL bindings)? Read after entities, comments, escapes and spaces are removed."""
    for text in {css, html.unescape(css)}:
        text = _CSS_COMMENT.sub("", text)
        text = _CSS_HEX_ESCAPE.sub(lambda m: _code_point(m.group(1)), text)
        text = _NOT_CSS.sub("", _CSS_ESCAPE.sub(r"\1", text)).lower()
        if any(word in text for word in _ACTIVE_CSS):
            return True
    return False


def _code_point(hex_digits: str) -> str:
    value = int(hex_digits, 16)
    return chr(value) if 0 < value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else "\ufffd"


def _one_pass(text: str, *, raw_text: bool) -> tuple[str, list[Change]]:
    doc = markdown.read(text, any_scheme=True)
    edits: list[tuple[int, int, str]] = []
    elements: list[tuple[int, int, int]] = []  # (start, end of its start tag, end): body offsets
    for view, offsets, code in _regions(doc):
        if not raw_text:
            edits += [(offsets[start], offsets[end], "") for start, end in _attribute_list_edits(view, code)]
        for start, end, element in _tag_edits(view, code, raw_text=raw_text):
            if element is not None:
                elements.append((offsets[start], offsets[element], offsets[end]))
            else:
                edits.append((offsets[start], offsets[end], ""))
    edits += [(start, end, "") for start, end in _element_spans(doc, elements)]
    return apply_edits(text, edits, RULE)


def _element_spans(doc: markdown.Document, elements: list[tuple[int, int, int]]) -> list[Span]:
    """What goes of each removed element: up to its end tag, unless that end tag would be code
    once the start tags are gone (`<script>` never closed before a fence: markdown-it and
    kramdown read the fence as the script's until then, the author as code); then the start tag
    alone. The body without those start tags is read once for them all (a post of a thousand
    scripts is not parsed a thousand times). A start tag inside another's is left to go alone:
    what it held is read again by the next pass."""
    spans: list[Span] = []
    cuts: list[Span] = []  # (start, end) of the start tags taken out, in order
    for start, tag_end, end in sorted(elements):
        if end == tag_end or (cuts and start < cuts[-1][1]):
            spans.append((start, tag_end))
        else:
            cuts.append((start, tag_end))
    if not cuts:
        return spans
    kept, removed, pos = [], [0], 0  # removed[k]: the characters the first k cuts take out
    for start, tag_end in cuts:
        kept.append(doc.text[pos:start])
        removed.append(removed[-1] + tag_end - start)
        pos = tag_end
    after = markdown.read("".join(kept) + doc.text[pos:], any_scheme=True)
    in_code = _code_test(after)
    ends, cut = [tag_end for _, tag_end in cuts], set(cuts)
    for start, tag_end, end in sorted(elements):
        if (start, tag_end) not in cut:
            continue
        last = end - 1  # the end tag's last character, where it stands once the start tags are gone
        spans.append((start, tag_end if in_code(last - removed[bisect.bisect_right(ends, last)]) else end))
    return spans


def _code_test(doc: markdown.Document) -> Callable[[int], bool]:
    """Whether a body offset of `doc` is code: a code line, a code span markdown-it found, or a
    backtick pair on the line (a renderer may pair them where markdown-it does not)."""
    spans = sorted(
        (inline.body(atom.start), inline.body(atom.end))
        for inline in doc.inlines
        for atom in inline.atoms
        if atom.kind == "backticks"
    )
    in_span = covering(spans)
    pairs: dict[int, Callable[[int], bool]] = {}  # line -> its backtick pairs, read once

    def in_code(offset: int) -> bool:
        line = doc.line_of(offset)
        if doc.kinds[line] == "code" or in_span(offset):
            return True
        if line not in pairs:
            pairs[line] = covering(markdown.backtick_spans(doc.lines[line]))
        return pairs[line](offset - doc.starts[line])

    return in_code


def _regions(doc: markdown.Document) -> list[Region]:
    """(text as the renderer reads it, body offset of each character and of the end, its code
    spans and backslash escapes) of every stretch of the body that may hold raw HTML."""
    regions: list[Region] = []
    seen: set[int] = set()
    for inline in doc.inlines:
        seen.update(range(inline.first_line, inline.first_line + inline.content.count("\n") + 1))
        code = sorted((a.start, a.end) for a in inline.atoms if a.kind in ("backticks", "escape"))
        regions.append(_completed(doc, inline.content, inline.offsets, code))
    blocks: list[tuple[str, list[int]]] = []
    joined_until = -1  # the line after the last HTML block taken
    for block in doc.html_blocks:
        lines = range(block.first_line, block.first_line + block.content.count("\n") + 1)
        seen.update(lines)
        view, offsets = block.content, block.offsets
        if blocks and all(doc.kinds[i] == "blank" for i in range(joined_until, block.first_line)):
            # A tag left open in one HTML block goes on into the next one in the built page.
            before, before_offsets = blocks.pop()
            end = before_offsets[-1]
            view = before + doc.text[end : offsets[0]] + view
            offsets = before_offsets[:-1] + list(range(end, offsets[0])) + offsets
        blocks.append((view, offsets))
        joined_until = lines.stop
    regions += [_completed(doc, view, offsets, []) for view, offsets in blocks]
    for first, last, kind in _unread_runs(doc, seen):
        start, end = doc.starts[first], doc.line_end(last)
        chunk = doc.text[start:end]
        code = [] if kind == "html" else markdown.backtick_spans(chunk)
        regions.append(_completed(doc, chunk, list(range(start, end + 1)), code))
    return regions


def _completed(doc: markdown.Document, view: str, offsets: list[int], code: list[Span]) -> Region:
    """A region whose last tag is left open, with what follows it up to the next `>` or code block
    (in the built page what follows completes the tag: `<img src=x` + blank line + `onerror=…>`;
    a code span on the way is inside the tag for a renderer that passes the text through)."""
    tags = read_tags(view)
    if not tags or tags[-1].end < len(view) or view.endswith(">"):
        return view, offsets, code
    end = offsets[-1]
    code_lines = (i for i in range(doc.line_of(end) + 1, len(doc.lines)) if doc.kinds[i] == "code")
    limit = next((doc.starts[i] - 1 for i in code_lines), len(doc.text))  # the newline stays
    close = doc.text.find(">", end, limit)
    stop = close + 1 if close >= 0 else limit
    return view + doc.text[end:stop], offsets[:-1] + list(range(end, stop + 1)), code


def _unread_runs(doc: markdown.Document, seen: set[int]) -> list[tuple[int, int, str]]:
    """Runs of lines that may hold HTML and that no inline or block view covers: tables, setext
    headings, tab-indented text, HTML blocks the parser gives no exact content for."""
    runs: list[tuple[int, int, str]] = []
    for line, kind in enumerate(doc.kinds):
        if line in seen or kind not in ("html", "table", "other", "heading", "text"):
            continue
        group = "html" if kind == "html" else "text"
        if runs and runs[-1][1] == line - 1 and runs[-1][2] == group:
            runs[-1] = (runs[-1][0], line, group)
        else:
            runs.append((line, line, group))
    return runs


def _attribute_list_edits(view: str, code: list[Span]) -> list[Span]:
    """Active `key=value` pairs of kramdown attribute lists and goldmark heading attributes."""
    edits = []
    in_code = covering(code)
    for block in _ATTRIBUTE_LIST.finditer(view):
        if in_code(block.start()):
            continue
        for m in _LIST_ENTRY.finditer(view, block.start(), block.end() - 1):
            value = next(v for v in (m.group("dq"), m.group("sq"), m.group("bare"), "") if v is not None)
            entry = Attribute(m.group("name").lower(), value, m.start(), m.end())
            if _active(Tag("", 0, 0, False), entry):
                start = m.start()
                while start > block.start() and view[start - 1] in _SEPARATOR:
                    start -= 1
                edits.append((start, m.end()))
    return edits


def _tag_edits(
    view: str, code: list[tuple[int, int]], *, raw_text: bool
) -> list[tuple[int, int, int | None]]:
    """Spans of `view` to remove: active elements and attributes. A tag whose `<` is in a code
    span or escaped is none; one that starts outside holds what it holds (kramdown, which needs
    no space between attributes, reads `<img a="`x`"onerror=…>` as one tag). A removed element
    with content comes with the end of its start tag; one that opens the region ends the list:
    what follows it is read again once it is gone (a `<script>` line opens an HTML block that runs
    to its end tag, fences included; without it, a fence it swallowed is code again)."""
    edits: list[tuple[int, int, int | None]] = []
    in_code = covering(code)
    first_text = len(view) - len(view.lstrip())  # where the region's text starts
    for tag in read_tags(view, raw_text=raw_text):
        if in_code(tag.start):
            continue
        if tag.closing:
            if tag.name in _DROPPED or tag.name == "script":
                edits.append((*_whole_line(view, tag.start, tag.end), None))
        elif tag.name == "script" or (tag.name == "style" and _active_style(view, tag)):
            end = tag.element_end or tag.end
            start, stop = _whole_line(view, tag.start, end)
            edits.append((start, stop, tag.end if stop == end else None))
            if tag.start <= first_text:  # nothing but white space before it
                break  # it may be what made this an HTML block (up to its end tag, fences too)
        elif tag.name in _DROPPED:
            edits.append((*_whole_line(view, tag.start, tag.end), None))
        else:
            edits += [(*_attribute_span(view, a), None) for a in tag.attributes if _active(tag, a)]
    return edits


def _active_style(view: str, tag: Tag) -> bool:
    """A `<style>` whose CSS is active, or left open (its content runs on into the page, where
    no one can tell what it holds: its start tag goes)."""
    return tag.content_end is None or active_css(view[tag.end : tag.content_end])


def _whole_line(view: str, start: int, end: int) -> tuple[int, int]:
    """An element alone on its line goes with the line: a blank line left in an HTML block would
    end the block."""
    line_start, line_end = start, end  # walked over spaces only: a long line costs nothing
    while line_start > 0 and view[line_start - 1] in " \t":
        line_start -= 1
    while line_end < len(view) and view[line_end] in " \t":
        line_end += 1
    if (line_start > 0 and view[line_start - 1] != "\n") or line_end >= len(view) or view[line_end] != "\n":
        return start, end
    return line_start, line_end + 1


def _attribute_span(view: str, attribute: Attribute) -> tuple[int, int]:
    """The attribute, and the spaces before it when what follows it separates anyway."""
    start, end = attribute.start, attribute.end
    if end >= len(view) or view[end] in " \t\n\f\r/>":
        while start > 0 and view[start - 1] in _SEPARATOR:
            start -= 1
    return start, end


def _active(tag: Tag, attribute: Attribute) -> bool:
    name, value = attribute.name, attribute.value
    if (name.startswith("on") and len(name) > 2) or name == "srcdoc":
        return True
    if value is None:
        return False
    if name == "style":
        return active_css(value)
    if name in URL_ATTRIBUTES or name in _OLD_URL_ATTRIBUTES:
        image = tag.name in ("img", "source", "image") and name in ("src", "srcset", "href", "xlink:href")
        targets = [p.split()[0] for p in value.split(",") if p.split()] if name == "srcset" else [value]
        return any(not allowed(target, image=image) for target in targets or [""])
    if tag.name in _ANIMATION and name in _ANIMATED_VALUES:
        return any(not allowed(part.strip()) for part in value.split(";") if part.strip())
    return False
