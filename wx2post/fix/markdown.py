"""A post body's Markdown regions, read by a real CommonMark parser (markdown-it-py).

Every text rule of `wx2post fix` asks this module where the text is: which lines are
paragraph or heading text (not fenced or indented code, also when quoted or in a list,
not an HTML block, not a reference definition), and inside a paragraph which characters
a reader sees as text (not a code span, an autolink, inline HTML, a link destination or
an image). Block token maps give line ranges; for positions inside a paragraph the
inline rules are wrapped so that each construct records where it starts and ends in the
paragraph's content, which is then mapped back to offsets in the body. A paragraph whose
content cannot be mapped back exactly (tabs expanded by the parser) counts as not text:
rules leave it alone rather than guess.
"""

from __future__ import annotations

import bisect
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core.state_core import StateCore
from markdown_it.rules_inline.state_inline import StateInline
from markdown_it.token import Token

from ..lazyre import lazy

# Inline constructs whose characters are not text a rule may edit.
_OPAQUE = frozenset({"backticks", "autolink", "html_inline", "entity", "escape", "image"})


@dataclass
class Atom:
    """One inline construct, in its inline's content offsets."""

    kind: str  # the markdown-it rule: backticks, link, image, emphasis, newline, escape, ...
    start: int
    end: int
    tokens: list[Token]
    label: tuple[int, int] | None = None  # link/image: the bracketed label (without brackets)
    dest: tuple[int, int] | None = None  # inline link/image: the destination as written
    ref: str = ""  # reference link/image: the normalised label of its definition


@dataclass
class Inline:
    """A paragraph's or heading's inline content and where each of its characters sits."""

    kind: str  # "paragraph" or "heading"
    content: str
    offsets: list[int]  # content index -> body offset (one more entry: the end)
    first_line: int  # 0-based body line of the first content line
    atoms: list[Atom]
    children: list[Token]

    def body(self, pos: int) -> int:
        return self.offsets[pos]

    def opaque(self) -> list[tuple[int, int]]:
        """Content spans that are not text: code spans, autolinks, inline HTML, entities,
        escapes, images, and of a link everything but its label."""
        spans = []
        for atom in self.atoms:
            if atom.kind in _OPAQUE:
                spans.append((atom.start, atom.end))
            elif atom.kind == "link" and atom.label is not None:
                spans.append((atom.start, atom.label[0]))
                spans.append((atom.label[1], atom.end))
        return sorted(spans)

    def text_mask(self) -> list[bool]:
        """For each content character: is it text a reader sees as text?"""
        mask = [True] * len(self.content)
        for start, end in self.opaque():
            for i in range(start, min(end, len(mask))):
                mask[i] = False
        return mask


@dataclass
class Document:
    """The body, its lines, and the regions a parser finds in it."""

    text: str
    lines: list[str]
    starts: list[int]  # body offset of each line
    kinds: list[str]  # per line: "text", "code", "html", "reference", "table", "rule", "blank", "other"
    inlines: list[Inline]
    references: dict[str, tuple[int, int]] = field(default_factory=dict)  # label -> destination span
    reference_urls: dict[str, str] = field(default_factory=dict)
    # HTML blocks as the renderer reads them (quote and list markers stripped), kind "html";
    # a block whose lines cannot be mapped back exactly is not listed (its lines are "html").
    html_blocks: list[Inline] = field(default_factory=list)

    def line_of(self, offset: int) -> int:
        """0-based line of a body offset."""
        return bisect.bisect_right(self.starts, offset) - 1

    def line_end(self, line: int) -> int:
        return self.starts[line] + len(self.lines[line])

    def text_mask(self) -> bytearray:
        """For each body character: 1 where it is paragraph or heading text a reader sees."""
        mask = bytearray(len(self.text))
        for inline in self.inlines:
            for pos, is_text in enumerate(inline.text_mask()):
                if is_text and inline.content[pos] != "\n":
                    mask[inline.offsets[pos]] = 1
        return mask

    def text_lines(self) -> list[tuple[Inline, int, int, int]]:
        """(inline, line, content start, content end) of every line of paragraph text."""
        out = []
        for inline in self.inlines:
            if inline.kind != "paragraph":
                continue
            pos = 0
            for k, part in enumerate(inline.content.split("\n")):
                out.append((inline, inline.first_line + k, pos, pos + len(part)))
                pos += len(part) + 1
        return out


# -- the parser, with recording inline rules --------------------------------------------


class _Recorder(threading.local):
    src: str | None = None
    atoms: list[Atom]
    references: list[tuple[int, int]]


_RECORD = _Recorder()


def _wrap_inline(name: str, rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    def recording(state: StateInline, silent: bool) -> bool:
        if silent or state.src is not _RECORD.src:
            return rule(state, silent)
        start, count = state.pos, len(state.tokens)
        label = dest = None
        ref = ""
        if name in ("link", "image"):
            label, dest, ref = _link_parts(state, name)
        if not rule(state, silent):
            return False
        atom = Atom(name, start, state.pos, state.tokens[count:], label, dest, ref)
        if name in ("link", "image") and dest is None and not ref and label is not None:
            atom.ref = normalizeReference(state.src[label[0] : label[1]])
        _RECORD.atoms.append(atom)
        return True

    return recording


def _link_parts(state: StateInline, name: str) -> tuple[tuple[int, int] | None, tuple[int, int] | None, str]:
    """Where a link's label and destination are, found the way markdown-it's link rule finds them."""
    src, start = state.src, state.pos
    open_at = start + 1 if name == "image" else start
    if src[open_at : open_at + 1] != "[":
        return None, None, ""
    label_end = state.md.helpers.parseLinkLabel(state, open_at, name == "link")
    if label_end < 0:
        return None, None, ""
    label = (open_at + 1, label_end)
    pos = label_end + 1
    if pos < state.posMax and src[pos] == "(":
        pos += 1
        while pos < state.posMax and src[pos] in " \t\n":
            pos += 1
        res = state.md.helpers.parseLinkDestination(src, pos, state.posMax)
        return label, ((pos, res.pos) if res.ok else None), ""
    if pos < state.posMax and src[pos] == "[":
        close = state.md.helpers.parseLinkLabel(state, pos)
        if close > pos + 1:
            return label, None, normalizeReference(src[pos + 1 : close])
    return label, None, ""


def _wrap_reference(rule: Callable[..., bool]) -> Callable[..., bool]:
    def recording(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if not rule(state, start, end, silent):
            return False
        if not silent:
            _RECORD.references.append((start, state.line))
        return True

    return recording


def _core_inline(state: StateCore) -> None:
    for token in state.tokens:
        if token.type == "inline":
            token.children = []
            _RECORD.src = token.content
            _RECORD.atoms = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)
            token.meta["atoms"] = _RECORD.atoms
            _RECORD.src = None


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    for inline_rule in md.inline.ruler.__rules__:
        inline_rule.fn = _wrap_inline(inline_rule.name, inline_rule.fn)
    for block_rule in md.block.ruler.__rules__:
        if block_rule.name == "reference":
            block_rule.fn = _wrap_reference(block_rule.fn)
    md.core.ruler.at("inline", _core_inline)
    md.inline.ruler.__cache__ = None
    md.block.ruler.__cache__ = None
    return md


_MD = _parser()


# markdown-it refuses links, images, autolinks and definitions with a `javascript:`, `vbscript:`,
# `file:` or non-image `data:` destination (they stay text to it), but kramdown, marked and
# goldmark render any scheme: the rule that neutralises such links reads the post as they do.
@functools.cache
def _any_scheme() -> MarkdownIt:  # built by the first run that asks: start-up stays as it was
    md = _parser()
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def parse_tokens(text: str, *, any_scheme: bool = False) -> tuple[list[Token], dict[str, Any]]:
    env: dict[str, Any] = {}
    _RECORD.references = []
    return (_any_scheme() if any_scheme else _MD).parse(text, env), env


# -- the document -----------------------------------------------------------------------


def read(text: str, *, any_scheme: bool = False) -> Document:
    """The regions of a body (front matter already split off). `any_scheme`: links with any
    destination are links (as kramdown and marked read them), not only those markdown-it allows."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    kinds = ["blank" if not line.strip() else "other" for line in lines]
    tokens, env = parse_tokens(text, any_scheme=any_scheme)
    ref_lines = list(_RECORD.references)
    inlines: list[Inline] = []
    html_blocks: list[Inline] = []
    block = ""
    for token in tokens:
        if token.type in ("paragraph_open", "heading_open"):
            block = token.type.split("_")[0]
        if token.map is None:
            continue
        lo, hi = token.map
        kind = {
            "fence": "code",
            "code_block": "code",
            "html_block": "html",
            "hr": "rule",
            "table_open": "table",
        }.get(token.type)
        if kind is not None:
            for i in range(lo, min(hi, len(lines))):
                if kinds[i] != "blank" or kind == "code":
                    kinds[i] = kind
            if kind == "html" and (view := _locate_block(token, lines, starts, lo, hi)) is not None:
                html_blocks.append(view)
        elif token.type == "inline" and block in ("paragraph", "heading"):
            inline = _locate(token, block, lines, starts, lo, hi)
            mark = "text" if inline is not None else "other"
            for i in range(lo, min(hi, len(lines))):
                if kinds[i] != "blank" and kinds[i] != "table":
                    kinds[i] = mark if block == "paragraph" else "heading"
            if inline is not None:
                inlines.append(inline)
    doc = Document(text, lines, starts, kinds, inlines, html_blocks=html_blocks)
    for lo, hi in ref_lines:
        for i in range(lo, min(hi, len(lines))):
            kinds[i] = "reference"
        _read_definitions(doc, lo, hi, env.get("references", {}))
    return doc


def _locate(token: Token, block: str, lines: list[str], starts: list[int], lo: int, hi: int) -> Inline | None:
    """The inline with each content character mapped to its body offset, or None."""
    content = token.content
    parts = content.split("\n")
    if block == "heading":
        if hi - lo != 1 or len(parts) != 1:
            return None  # setext headings: their text lines are left alone
        line = lines[lo]
        at = line.find(parts[0], len(line) - len(line.lstrip(" #")))
        if at < 0 or not parts[0]:
            return None
        offsets = [starts[lo] + at + i for i in range(len(parts[0]) + 1)]
    else:
        if len(parts) != hi - lo:
            return None
        offsets = []
        for k, part in enumerate(parts):
            line = lines[lo + k]
            tail = line.rstrip() if k == len(parts) - 1 else line
            if not tail.endswith(part):
                return None
            base = starts[lo + k] + len(tail) - len(part)
            offsets.extend(base + i for i in range(len(part)))
            offsets.append(base + len(part))  # the newline (or the end)
    atoms = token.meta.get("atoms", [])
    return Inline(block, content, offsets, lo, atoms, token.children or [])


def _locate_block(token: Token, lines: list[str], starts: list[int], lo: int, hi: int) -> Inline | None:
    """An HTML block's content with each character mapped to its body offset, or None: each
    content line is the end of its body line (what a quote or list item prefixed stripped)."""
    parts = token.content.removesuffix("\n").split("\n")
    if len(parts) != hi - lo or hi > len(lines):
        return None
    offsets: list[int] = []
    for k, part in enumerate(parts):
        line = lines[lo + k]
        if not line.endswith(part):
            return None
        base = starts[lo + k] + len(line) - len(part)
        offsets.extend(base + i for i in range(len(part) + 1))  # and the newline (or the end)
    return Inline("html", "\n".join(parts), offsets, lo, [], [])


def _read_definitions(doc: Document, lo: int, hi: int, refs: dict[str, Any]) -> None:
    """Destination spans of the reference definitions on lines lo..hi."""
    import re

    chunk_start = doc.starts[lo]
    chunk = doc.text[chunk_start : doc.line_end(min(hi, len(doc.lines)) - 1)]
    # A definition may open a list item (`- [1]: …`) or a quote.
    lead = r"^(?:[ \t>]|(?:[-+*]|\d{1,9}[.)])[ \t]+)*"
    for m in re.finditer(lead + r"\[((?:\\.|[^\]\\])+)\]:[ \t]*\n?[ \t>]*(<[^>\n]*>|\S+)", chunk, re.M):
        key = normalizeReference(m.group(1))
        if key in refs and key not in doc.references:
            start, end = m.start(2), m.end(2)
            if m.group(2).startswith("<"):
                start, end = start + 1, end - 1
            doc.references[key] = (chunk_start + start, chunk_start + end)
            doc.reference_urls[key] = refs[key].get("href", "")


_BACKTICK_RUN = lazy(r"`+")


def backtick_spans(text: str) -> list[tuple[int, int]]:
    """What every renderer reads as a code span in `text` (line by line), for text markdown-it
    gives no positions for (tables, tabs): where CommonMark's pairing (markdown-it, marked,
    goldmark: a run of N backticks closes at the next run of exactly N) and kramdown's (Jekyll:
    at the next N backticks, even inside a longer run; a lone backtick between spaces is text)
    agree. A span only one of them reads as code is text to the other: a rule that skips code
    must not skip it. Linear in the text, where the regex `(`+).*?\\1` this replaces retried
    every shorter run from every backtick (8,000 backticks on a line: 4 s, 40,000: minutes)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for line in text.split("\n"):
        runs = [(start + a, start + b) for a, b in (m.span() for m in _BACKTICK_RUN.finditer(line))]
        spans += _intersection(_commonmark_spans(runs), _kramdown_spans(text, runs))
        start += len(line) + 1
    return spans


def _commonmark_spans(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    later: dict[int, list[int]] = {}  # length -> the runs' indexes, in order
    for i, (a, b) in enumerate(runs):
        later.setdefault(b - a, []).append(i)
    spans, i = [], 0
    while i < len(runs):
        a, b = runs[i]
        same = later[b - a]
        k = bisect.bisect_right(same, i)
        if k < len(same):
            spans.append((a, runs[same[k]][1]))
            i = same[k] + 1
        else:
            i += 1
    return spans


def _kramdown_spans(text: str, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """kramdown's codespan parser: the backticks at the scan position open; the span closes at
    the first `N` backticks after them (a closing inside a longer run leaves its rest to open
    the next one)."""
    spans: list[tuple[int, int]] = []
    longer: dict[int, list[int]] = {}  # N -> indexes of the runs at least N long
    pos, i = -1, 0
    while i < len(runs):
        a, b = max(runs[i][0], pos), runs[i][1]
        if a >= b:
            i += 1
            continue
        n = b - a
        if n == 1 and a > 0 and text[a - 1].isspace() and b < len(text) and text[b].isspace():
            pos, i = b, i + 1  # ` lone ` backtick: text
            continue
        if n not in longer:
            longer[n] = [k for k, (s, e) in enumerate(runs) if e - s >= n]
        candidates = longer[n]
        k = bisect.bisect_right(candidates, i)
        if k < len(candidates):
            j = candidates[k]  # the closing: the first n backticks of run j
            close = runs[j][0] + n
            spans.append((a, close))
            pos, i = close, j
        else:
            pos, i = b, i + 1
    return spans


def _intersection(one: list[tuple[int, int]], other: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts two sorted, disjoint span lists share."""
    out, i, j = [], 0, 0
    while i < len(one) and j < len(other):
        a, b = max(one[i][0], other[j][0]), min(one[i][1], other[j][1])
        if a < b:
            out.append((a, b))
        if one[i][1] < other[j][1]:
            i += 1
        else:
            j += 1
    return out
