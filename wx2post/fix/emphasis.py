"""Bold that every reader shows as bold: `****`, split runs, broken sentences, flanking.

WeChat splits bold into many runs and exporters paste them as `**a****b**`, or break a
sentence into lines around a bold run. Whatever `fix` rewrites, it writes with `convert`'s
own emphasis writer (`render.line_to_markdown`), which puts each marker where CommonMark's
flanking rules let it open or close (`**答**：正文`, never `**答：**正文`, which CommonMark
readers show as literal stars). A rewritten line is read back with markdown-it: if its text
differs from the old line's, or a `**` is left literal, the line is kept as it was.

Only `**` markers are rewritten; a line with single `*`/`_` emphasis, or with a link, image,
code span or inline HTML inside a bold run, is left alone (the writer would need their
structure, not their text).
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

from ..lazyre import lazy
from ..render import Run, Style, escape_line_start, line_to_markdown
from . import markdown
from .chrome import SENTENCE_PUNCT, block_finder, paragraph_lines
from .engine import Change, FixContext, apply_edits, remove_lines

_RAW = frozenset({"backticks", "link", "image", "autolink", "html_inline", "entity"})
_CHECK = MarkdownIt("commonmark")


def _pieces(inline: markdown.Inline, start: int, end: int) -> list[tuple[str, str]] | None:
    """The segment as ("text", literal) / ("raw", markdown) / ("toggle", "") / ("join", "")
    pieces, or None when it holds emphasis other than `**`."""
    content = inline.content
    if any(a.kind in _RAW and (a.start < start < a.end or a.start < end < a.end) for a in inline.atoms):
        return None  # a link or code span running over the segment's edge: not ours to rewrite
    pieces: list[tuple[str, str]] = []
    pos = start
    for atom in sorted(inline.atoms, key=lambda a: (a.start, -a.end)):
        if atom.start < pos or atom.start >= end:
            continue
        if atom.end > end:
            return None
        if atom.start > pos:
            pieces.append(("text", content[pos : atom.start]))
        chunk = content[atom.start : atom.end]
        if atom.kind == "emphasis":
            if chunk not in ("**", "****"):
                return None
            pieces += [("toggle", "")] * (len(chunk) // 2)
        elif atom.kind == "escape":
            pieces.append(("text", chunk[1:] if len(chunk) == 2 else chunk))
        elif atom.kind == "newline":
            if chunk.lstrip(" \n") != "" or chunk.startswith(("  ", "\\")):
                return None
            pieces.append(("join", ""))
        elif atom.kind in _RAW:
            pieces.append(("raw", chunk))
        else:
            pieces.append(("text", chunk))
        pos = atom.end
    if pos < end:
        pieces.append(("text", content[pos:end]))
    return pieces


def _runs(pieces: list[tuple[str, str]]) -> list[Run] | None:
    """Runs for the writer, `**` paired in order (how the author meant them)."""
    if sum(1 for kind, _ in pieces if kind == "toggle") % 2:
        return None
    runs: list[Run] = []
    bold = False
    for i, (kind, value) in enumerate(pieces):
        if kind == "toggle":
            bold = not bold
        elif kind == "raw":
            if bold:
                return None
            runs.append(Run(value, Style(raw=True)))
        elif kind == "join":
            left = _last_text(pieces[:i])
            right = _first_text(pieces[i + 1 :])
            latin = left.isascii() and right.isascii() and left.isalnum() and right.isalnum()
            if latin:
                runs.append(Run(" ", Style(bold=bold)))
        elif value:
            runs.append(Run(value, Style(bold=bold)))
    return runs


def _last_text(pieces: list[tuple[str, str]]) -> str:
    return next((v[-1] for k, v in reversed(pieces) if k in ("text", "raw") and v), "")


def _first_text(pieces: list[tuple[str, str]]) -> str:
    return next((v[0] for k, v in pieces if k in ("text", "raw") and v), "")


def rewrite(inline: markdown.Inline, start: int, end: int) -> str | None:
    """The segment [start, end) of the inline's content written again by convert's writer,
    or None when it cannot be (see the module's docstring) or would read differently."""
    pieces = _pieces(inline, start, end)
    runs = _runs(pieces) if pieces is not None else None
    if runs is None:
        return None
    new = line_to_markdown(runs)
    if start == 0 or inline.content[start - 1] == "\n":
        new = escape_line_start(new)
    old = inline.content[start:end]
    if _visible(new) != _visible(old) or _literal_stars(new):
        return None
    return new


def _visible(markdown_text: str) -> str:
    """The text a CommonMark reader shows, without whitespace and stars."""
    rendered = _CHECK.render(markdown_text)
    text = html.unescape(re.sub(r"<[^>]*>", "", rendered))
    return re.sub(r"[\s*]", "", text)


def _literal_stars(markdown_text: str) -> bool:
    for token in _CHECK.parseInline(markdown_text):
        for child in token.children or []:
            if child.type == "text" and "**" in child.content:
                return True
    return False


def misread_bold(inline: markdown.Inline, start: int, end: int) -> bool:
    """Whether a CommonMark reader pairs the segment's `**` otherwise than in order (1st with
    2nd, 3rd with 4th: how they were written): a `**` left as literal text, or one taken as
    opening a bold run that runs on into the next lines."""
    expected = "open"
    for atom in sorted(inline.atoms, key=lambda a: a.start):
        if atom.kind != "emphasis" or not start <= atom.start < end or atom.end - atom.start != 2:
            continue
        # The delimiter's own tokens are the last ones (text pending before it comes first).
        types = {t.type for t in atom.tokens[-2:]}
        read = "open" if "strong_open" in types else "close" if "strong_close" in types else "text"
        if read != expected:
            return True
        expected = "close" if expected == "open" else "open"
    return False


def _line_rewrites(text: str, rule: str, wanted: str) -> tuple[str, list[Change]]:
    doc = markdown.read(text)
    edits = []
    for inline, _, start, end in doc.text_lines():
        segment = inline.content[start:end]
        core_start = start + len(segment) - len(segment.lstrip())
        core_end = start + len(segment.rstrip())
        core = inline.content[core_start:core_end]
        if "**" not in core:
            continue
        if wanted == "merge" and not re.search(r"(?<=[^\s*])\*\*\*\*(?=[^\s*])", core):
            continue
        if wanted == "flanking" and not misread_bold(inline, core_start, core_end):
            continue
        new = rewrite(inline, core_start, core_end)
        if new is not None and new != core:
            edits.append((inline.body(core_start), inline.body(core_end), new))
    return apply_edits(text, edits, rule)


def merge_bold(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Adjacent bold runs `**a****b**` -> `**ab**` (WeChat splits bold into many <strong>)."""
    return _line_rewrites(text, "merge-bold", "merge")


def bold_flanking(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """A line whose `**` a CommonMark reader shows literally (`**答：**正文`: a closing `**`
    after punctuation and before a letter does not close), written so every marker works."""
    return _line_rewrites(text, "bold-flanking", "flanking")


_EMPTY_BOLD_LINE = lazy(r"^\s*\*\*(?:\s|&nbsp;)*\*\*\s*$")


def empty_bold(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Empty bold runs (`****`) left by empty <strong>: a line of only that goes; at the
    start of a line before text, the four stars go."""
    doc = markdown.read(text)
    prose = paragraph_lines(doc)
    doomed = [(i, i + 1) for i, line in prose.items() if _EMPTY_BOLD_LINE.match(line)]
    # `****` alone is a thematic break to a reader, but in a repost it is an empty <strong>.
    doomed += [(i, i + 1) for i, kind in enumerate(doc.kinds) if kind == "rule" and doc.lines[i] == "****"]
    text, changes = remove_lines(text, doomed, "empty-bold", lambda removed: "removed", block_finder(doc))
    doc = markdown.read(text)
    edits = []
    for inline, _, start, end in doc.text_lines():
        m = re.match(r"\s*\*\*\*\*(?=[^\s*])", inline.content[start:end])
        if m and (start == 0 or inline.content[start - 1] == "\n"):
            edits.append((inline.body(start + m.end() - 4), inline.body(start + m.end()), ""))
    text, more = apply_edits(text, edits, "empty-bold")
    return text, changes + [Change(c.rule, c.line, c.before, "removed") for c in more]


# -- sentences broken into lines around a bold run -------------------------------------

_FINAL = set("。！？；：…!?;:.")
_MID = set("，、,")
_CLOSERS = "”’」』）)》】\"'"
_CONTINUATION = tuple("，。、；：？！）》」』”’,.;:?!)")
_BOLD_ONLY = lazy(r"^\*\*([^*\n]+?)\*\*$")
_ENDS_BOLD = lazy(r"\*\*([^*\n]+?)\*\*$")
_PROSE_START = lazy(r"^(?:[#>|!\[<`{=~]|[*+\-]\s|\d+[.)]\s|-{3,}|\*{3,}\s*$)")


def _last_char(s: str) -> str:
    s = s.rstrip().rstrip(_CLOSERS)
    return s[-1] if s else ""


def _is_prose(line: str) -> bool:
    s = line.strip()
    return bool(s) and not _PROSE_START.match(s)


def _bold_runs(line: str) -> int:
    return len(re.findall(r"\*\*", re.sub(r"(`+).+?\1", "", line)))


def should_join(a: str, b: str, after: str | None) -> bool:
    """Whether two lines of one paragraph are one sentence split at a bold run."""
    if not a.strip() or not b.strip() or a.endswith(("  ", "\\")):
        return False
    sa, sb = a.strip(), b.strip()
    runs = _bold_runs(sa)
    if runs % 2 == 1 and sa.rfind("**") < len(sa) - 2 and _bold_runs(sb) % 2 == 1:
        return True  # `**abc` / `def**`: one bold run broken by a newline
    if runs % 2 == 1:
        return False
    end = _ENDS_BOLD.search(sa)
    if end is not None:
        last = _last_char(end.group(1))
        if sb.startswith(_CONTINUATION):
            return True  # `**bold**` / `，text`
        if not _is_prose(sb) or sb.startswith("**") or last in _FINAL:
            return False
        if last in _MID:
            return True  # `**从案件类型看，**` / `包括…`
        # `text在**bold**` / `上，text`: the run is glued into a sentence. A bold line alone may be
        # a heading; `作者：**张三**` / `编辑：李四` is a byline.
        before_run = sa[: end.start()].rstrip()
        return bool(before_run) and re.match(r"\w", before_run[-1]) is not None
    # `long prose ending mid-sentence` / `**bold**` / `prose`: the bold run was inline.
    if (
        after is not None
        and _is_prose(sa)
        and len(sa) >= 20
        and SENTENCE_PUNCT.search(sa)
        and _last_char(sa) not in _FINAL | _MID
        and not re.search(r"[\W_]$", sa[-1:])
    ):
        m = _BOLD_ONLY.match(sb)
        if m is None:
            return False
        third = after.strip()
        return _last_char(m.group(1)) not in _FINAL and _is_prose(third) and not third.startswith("**")
    return False


def split_bold(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """A sentence broken into lines around a bold run, joined again and written with
    convert's emphasis writer: `text**bold**` + `上，text`; `**bold，**` + `text`;
    `prose …在` + `**bold**` + `上，…`; `**ab` + `cd**`. A bold line that ends a sentence
    (`。`, `：`) or stands alone before text (a heading) is left; so is a line ending in a
    hard break."""
    doc = markdown.read(text)
    edits = []
    for inline in doc.inlines:
        if inline.kind != "paragraph":
            continue
        parts = inline.content.split("\n")
        starts = [0]
        for part in parts[:-1]:
            starts.append(starts[-1] + len(part) + 1)
        i = 0
        while i < len(parts):
            first, joined = i, parts[i]
            i += 1
            while i < len(parts) and should_join(
                joined, parts[i], parts[i + 1] if i + 1 < len(parts) else None
            ):
                joined = joined.rstrip() + parts[i].lstrip()
                i += 1
            if i - first < 2:
                continue
            start = starts[first] + len(parts[first]) - len(parts[first].lstrip())
            end = starts[i - 1] + len(parts[i - 1].rstrip())
            new = rewrite(inline, start, end)
            if new is not None:
                edits.append((inline.body(start), inline.body(end), new))
    new_text, changes = apply_edits(text, edits, "split-bold")
    return new_text, changes
