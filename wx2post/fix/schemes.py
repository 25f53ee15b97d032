"""Links a reader's browser would run, neutralised as `convert` neutralises them (safety.py).

A post written by another tool (or by hand) may hold `[x](javascript:alert(1))`,
`<a href="java&#x09;script:…">`, `![](vbscript:…)`, `<javascript:…>` or a reference definition
`[1]: data:text/html,…`. markdown-it leaves such links as text, but kramdown, marked (Hexo) and
goldmark render any scheme, so the post is read here as they read it (`markdown.read(...,
any_scheme=True)`) and every link target is judged by `safety.is_allowed_target` (http, https,
mailto or relative; schemes read the way a browser reads them: entities, tabs, newlines and
control characters do not hide one). A refused link loses its target and keeps its text: a
Markdown link or image becomes its label (alt text), an autolink its text, a reference definition
goes (its links become their labels), an HTML `href`/`src`/... attribute is removed. A raster
`data:image/` stays as an image's source (SingleFile posts embed pictures so). Code (fenced,
indented, spans) is never touched. In the front matter, a value a theme writes as a link
(`source`, `url`, ...) with a refused target becomes `""`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it.common.utils import normalizeReference

from ..lazyre import lazy
from ..safety import is_allowed_target, link_scheme
from ..spans import covering
from . import markdown
from .engine import Change, FixContext, apply_edits, until_settled
from .links import SOURCE_KEYS

RULE = "unsafe-links"
FRONT_RULE = "unsafe-front-matter"
# Front matter keys themes write as a link target (a repost's source, a link post's target).
_LINK_KEYS = frozenset(SOURCE_KEYS) | {
    "canonical",
    "canonical_url",
    "external_url",
    "link_url",
    "redirect_to",
}
# One `key: value` (YAML) or `key = value` (TOML) line of the front matter.
_FRONT_VALUE = lazy(
    r"""^(?P<key>[A-Za-z_][\w-]*)[ \t]*[:=][ \t]*(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s#'"][^\n]*?)[ \t]*$""",
    re.M,
)
# Attributes whose value a browser loads or follows.
URL_ATTRIBUTES = (
    "href",
    "src",
    "xlink:href",
    "action",
    "formaction",
    "poster",
    "background",
    "data",
    "srcset",
)
# An attribute inside a start tag (separated by space or `/`, as a browser reads `<a/href=…>`).
_ATTRIBUTE = lazy(r"""[\s/]+(?P<name>[^\s"'<>/=]+)(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s>]+))?""")
_RASTER_DATA = lazy(r"data:image/(?:png|jpeg|jpg|gif|webp|bmp)[;,]", re.I)
# A Markdown link or image (inline or by reference) in a line markdown-it gives no positions for.
_LINE_LINK = lazy(
    r"(?P<bang>!?)\[(?P<label>[^\[\]\n]*)\]"
    r"(?:\(\s*(?P<dest><[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
    r"|\[(?P<ref>[^\[\]\n]*)\]|(?!:))"
)
_AUTOLINK = lazy(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\x00-\x20]*)>")
_DRIVE = lazy(r"[A-Za-z]:[\\/]")
_OPEN_TAG = lazy(r"<([A-Za-z][^\s/>]*)")
_TITLE_LINE = lazy(r"""^[ \t>]*(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\))[ \t]*$""")


def allowed(target: str, *, image: bool = False) -> bool:
    """May this destination be written? An image may also be a raster `data:image/`. A
    Windows path (`C:\\Users\\…`) is a broken local reference, which relink-images and
    refetch-images repair: a one-letter "scheme" no browser runs."""
    if is_allowed_target(target) or _DRIVE.match(target.strip()):
        return True
    return image and link_scheme(target) == "data" and bool(_RASTER_DATA.match(target.strip()))


def unsafe_links(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Every refused link neutralised; passes run until none is left (a link inside a refused
    link's label shows up once the outer one is its text)."""
    return until_settled(_neutralise_once, text, 8)


def unsafe_front_matter(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """A front matter value a theme writes as a link (`source`, `url`, `link`, `canonical_url`,
    ...) whose target is refused: the value becomes `""` (the key stays)."""
    edits = []
    for m in _FRONT_VALUE.finditer(text):
        if m.group("key").lower() not in _LINK_KEYS:
            continue
        value = m.group("value")
        bare = value[1:-1] if value[:1] in "\"'" and value[-1:] == value[:1] else value
        if bare and not allowed(bare):
            edits.append((m.start("value"), m.end("value"), '""'))
    return apply_edits(text, edits, FRONT_RULE)


def _neutralise_once(text: str) -> tuple[str, list[Change]]:
    doc = markdown.read(text, any_scheme=True)
    refused_refs = {k for k, (a, b) in doc.references.items() if not allowed(text[a:b])}
    edits: list[tuple[int, int, str]] = []
    for inline in doc.inlines:
        for atom in inline.atoms:
            start, end = inline.body(atom.start), inline.body(atom.end)
            if atom.kind in ("link", "image") and atom.label is not None:
                if atom.dest is not None:
                    target = _unbracket(inline.content[atom.dest[0] : atom.dest[1]])
                    refused = not allowed(target, image=atom.kind == "image")
                else:
                    refused = atom.ref in refused_refs
                if refused:
                    edits.append((start, end, text[inline.body(atom.label[0]) : inline.body(atom.label[1])]))
            elif atom.kind == "autolink" and not allowed(text[start + 1 : end - 1]):
                edits.append((start, end, text[start + 1 : end - 1]))
            elif atom.kind == "html_inline":
                edits += _html_edits(text, start, end)
    edits += _definition_edits(doc, refused_refs)
    for first, last in _runs(doc.kinds, "html"):
        edits += _html_edits(text, doc.starts[first], doc.line_end(last))
    located = {i.first_line + k for i in doc.inlines for k in range(i.content.count("\n") + 1)}
    for line, kind in enumerate(doc.kinds):
        # Text markdown-it gives no positions for: tables, setext headings, tab-indented text.
        if kind in ("table", "other", "heading", "text") and line not in located:
            edits += _line_edits(text, doc.starts[line], doc.line_end(line), refused_refs)
    return apply_edits(text, edits, RULE)


def _unbracket(dest: str) -> str:
    return dest[1:-1] if dest.startswith("<") and dest.endswith(">") else dest


def _html_edits(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Refused URL attributes of the tags in text[start:end], removed."""
    edits = []
    for at, element, raw in _start_tags(text[start:end]):
        for attr in _ATTRIBUTE.finditer(raw, 1 + len(element)):
            name, value = attr.group("name").lower(), attr.group("value")
            if name not in URL_ATTRIBUTES or value is None:
                continue
            value = value[1:-1] if value[:1] in "\"'" else value  # entities: read by safety.py
            image = element in ("img", "source", "image") and name in ("src", "srcset", "href", "xlink:href")
            targets = [p.split()[0] for p in value.split(",") if p.split()] if name == "srcset" else [value]
            if any(not allowed(target, image=image) for target in targets or [""]):
                edits.append((start + at + attr.start(), start + at + attr.end(), ""))
    return edits


class _TagFinder(HTMLParser):
    """Start tags as a browser's tokenizer delimits them (quotes, `>` inside a value, script
    content): the standard library's HTML parser, not a regular expression."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[tuple[int, int], str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        self.found.append((self.getpos(), tag, raw))

    handle_startendtag = handle_starttag


def _start_tags(fragment: str) -> list[tuple[int, str, str]]:
    """(offset, element name, raw text) of each start tag in `fragment`."""
    finder = _TagFinder()
    # Declarations and comments are no start tags, and the parser gives up on some of them
    # (`<![x[`): masked, same length. A tag inside a comment is then read too (harmless).
    masked = fragment.replace("<!", "\x00!")
    finder.feed(masked)
    # A tag left open at the end of the region is completed by what follows it in the built
    # page (the layout's `</div>`): its attributes count too.
    rest = finder.rawdata
    if (m := _OPEN_TAG.match(rest)) is not None:
        finder.found.append(((0, len(fragment) - len(rest)), m.group(1).lower(), rest))
    starts = [0] + [m.end() for m in re.finditer("\n", fragment)]
    out = []
    for (line, column), tag, raw in finder.found:
        at = starts[line - 1] + column if line else column
        if masked.startswith(raw, at):
            out.append((at, tag, fragment[at : at + len(raw)]))
    return out


def _definition_edits(doc: markdown.Document, refused: set[str]) -> list[tuple[int, int, str]]:
    """A refused reference definition's lines removed (label line, destination, a title line)."""
    edits = []
    for key in refused:
        start, end = doc.references[key]
        first = doc.line_of(start)
        if "]:" not in doc.text[doc.starts[first] : start] and first > 0:
            first -= 1  # the destination is on the line after `[label]:`
        last = doc.line_of(end)
        after = last + 1
        if after < len(doc.lines) and doc.kinds[after] == "reference" and _TITLE_LINE.match(doc.lines[after]):
            last = after
        blank_before = first == 0 or not doc.lines[first - 1].strip()
        if blank_before and last + 1 < len(doc.lines) and not doc.lines[last + 1].strip():
            last += 1  # no doubled blank line left where the definition was
        stop = doc.line_end(last) + (1 if last + 1 < len(doc.lines) else 0)
        edits.append((doc.starts[first], stop, ""))
    return edits


def _line_edits(text: str, start: int, end: int, refused_refs: set[str]) -> list[tuple[int, int, str]]:
    """A line of a table, or of a paragraph the parser gives no positions for (tabs), read
    construct by construct: links and images, reference links, autolinks, HTML tags; code
    spans skipped."""
    line = text[start:end]
    code = markdown.backtick_spans(line)
    in_code = covering(code)
    edits = []
    for m in _LINE_LINK.finditer(line):
        if in_code(m.start()):
            continue
        if m.group("dest") is not None:
            bad = not allowed(_unbracket(m.group("dest")), image=bool(m.group("bang")))
        else:
            bad = normalizeReference(m.group("ref") or m.group("label")) in refused_refs
        if bad:
            edits.append((start + m.start(), start + m.end(), m.group("label")))
    for m in _AUTOLINK.finditer(line):
        if not in_code(m.start()) and not allowed(m.group(1)):
            edits.append((start + m.start(), start + m.end(), m.group(1)))
    for a, b in _gaps(code, len(line)):
        edits += _html_edits(text, start + a, start + b)
    return edits


def _gaps(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """The parts of 0..length outside the (sorted, disjoint) spans."""
    out, pos = [], 0
    for a, b in spans:
        if a > pos:
            out.append((pos, a))
        pos = max(pos, b)
    if pos < length:
        out.append((pos, length))
    return out


def _runs(kinds: list[str], kind: str) -> list[tuple[int, int]]:
    """(first, last) line of each run of lines of `kind`, blank lines inside a run included: a
    tag left open in one HTML block goes on into the next one in the built page."""
    runs: list[tuple[int, int]] = []
    for line, k in enumerate(kinds):
        if k != kind:
            continue
        if runs and all(kinds[i] == "blank" for i in range(runs[-1][1] + 1, line)):
            runs[-1] = (runs[-1][0], line)
        else:
            runs.append((line, line))
    return runs
