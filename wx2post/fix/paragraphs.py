"""Paragraphs for a repost from the Windows exporter, which writes no blank line anywhere.

Such a post is one line per paragraph and not one blank line in its article text, so every
Markdown reader sees one paragraph (kramdown with `hard_wrap` shows line breaks, other
readers run the lines together). The exporter's signature is exact: after the repost note,
the text runs to the end without a blank line, over several lines. Then each line break
between two lines of paragraph text becomes a paragraph break; a break inside a link, an
image, a bold run or a code span is not a line break of the text and stays, and a post that
already has paragraphs is left alone.
"""

from __future__ import annotations

from . import markdown
from .engine import Change, FixContext, apply_edits

_SENTENCE_END = ("。", "！", "？", "”")  # lines of Chinese prose, not a wrapped Latin paragraph
MIN_LINES = 3  # one or two lines without a blank are a short note, not the exporter's body


def exporter_signature(doc: markdown.Document) -> bool:
    """The post as read is the exporter's: one paragraph (to a reader) holds most of its lines
    of text, several of them, lines of Chinese prose that end sentences. A post made of
    paragraphs has none that large; a wrapped Latin paragraph has no sentence ends at its lines'
    ends."""
    sizes = [(len(i.content.split("\n")), i) for i in doc.inlines if i.kind == "paragraph"]
    if not sizes:
        return False
    total = sum(n for n, _ in sizes)
    lines, biggest = max(sizes, key=lambda item: item[0])
    ends = [part.rstrip().endswith(_SENTENCE_END) for part in biggest.content.split("\n")]
    return lines >= MIN_LINES and lines >= 0.7 * total and sum(ends) >= 2


def _depths(inline: markdown.Inline) -> dict[int, int]:
    """id(softbreak token) -> how many links/emphasis it sits in."""
    depth, out = 0, {}
    for token in inline.children:
        if token.type.endswith("_open"):
            depth += 1
        elif token.type.endswith("_close"):
            depth -= 1
        elif token.type == "softbreak":
            out[id(token)] = depth
    return out


def paragraphs(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """A blank line between the exporter's one-line paragraphs (in text, not in code or HTML)."""
    doc = markdown.read(text)
    if not (ctx.exporter_post if ctx.exporter_post is not None else exporter_signature(doc)):
        return text, []
    edits = []
    for inline in doc.inlines:
        if inline.kind != "paragraph":
            continue
        depths = _depths(inline)
        for atom in inline.atoms:
            breaks = [t for t in atom.tokens if t.type == "softbreak"] if atom.kind == "newline" else []
            if not breaks or depths.get(id(breaks[0]), 1) != 0:
                continue
            at = inline.body(atom.start)
            line = doc.line_of(at) + 1
            if line >= len(doc.lines):
                continue
            prefix = doc.lines[line][: inline.body(atom.end) - doc.starts[line]]
            marker = prefix.rstrip() if prefix.strip(" >") == "" else None
            if marker is None or (">" in doc.lines[line - 1][:1] and not marker):
                continue  # a lazy quote continuation: a blank line would end the quote
            edits.append((at, at + 1, "\n" + marker + "\n"))
    new, changes = apply_edits(text, edits, "paragraphs")
    if changes:
        first = min(c.line for c in changes)
        return new, [
            Change("paragraphs", first, f"{len(changes)} line breaks", "blank lines between paragraphs")
        ]
    return new, changes


def table_pipes(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """`|` in the first line of a paragraph, escaped: kramdown (Jekyll's reader) starts a
    table at any block whose first line holds a pipe (`来源|某某中心` becomes a one-row table),
    where CommonMark readers see a paragraph. `\\|` reads as `|` in both."""
    doc = markdown.read(text)
    mask = doc.text_mask()
    edits = []
    for inline in doc.inlines:
        if inline.kind != "paragraph":
            continue
        first = inline.content.split("\n", 1)[0]
        for i, char in enumerate(first):
            at = inline.body(i)
            if char == "|" and mask[at]:
                edits.append((at, at + 1, "\\|"))
    new, changes = apply_edits(text, edits, "table-pipes")
    lines, new_lines = text.split("\n"), new.split("\n")
    touched = sorted({c.line for c in changes})
    return new, [Change("table-pipes", ln, lines[ln - 1], new_lines[ln - 1]) for ln in touched]
