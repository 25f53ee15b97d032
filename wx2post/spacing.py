"""Line breaks in the markup between two CJK characters are no space (pure, in place on lxml).

Exports that re-serialise a page put a line break and indentation between inline
elements (`本杂志\\n  <a>开源</a>`). A browser applies CSS Text level 3's
segment-break rules and shows no space between two Chinese characters; a Markdown
renderer would print one (`本杂志 开源 [1] ，欢迎 投稿 [2] 。`). The same rules are
applied here, across element boundaries, before the text is rendered:

- a segment break next to a zero-width space is removed;
- one between two characters whose East Asian Width is F, W or H (not Hangul) is removed;
- one between such a character and punctuation or a symbol of ambiguous width is removed;
- beyond CSS, one next to full-width CJK punctuation (，。）) is removed too: such
  punctuation carries its own space, and the raw page has none there;
- any other becomes a space, as before (Latin text keeps its spaces).

The white space around the break goes with it; `&nbsp;` is not white space here.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata

from lxml import etree
from lxml.html import HtmlElement

from .lazyre import lazy

_COLLAPSIBLE = lazy("[ \t\r\n]+")
_KEEP_WHITE_SPACE = frozenset(("pre", "code", "textarea", "script", "style"))
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF), (0xFFA0, 0xFFDC))


def remove_cjk_segment_breaks(body: HtmlElement) -> None:
    """Remove each removable segment break (with its white space) in `body`'s text."""
    text = body.text_content()  # every text the walk below reads, and more (code)
    if "\n" not in text and "\r" not in text:
        return  # no segment break at all (most raw pages): not worth a walk in Python
    slots: list[tuple[HtmlElement, bool]] = []  # (element, is_tail) in document order
    pieces: list[str] = []
    kept = 0  # open elements whose white space is preserved
    for event, el in etree.iterwalk(body, events=("start", "end")):
        if not isinstance(el.tag, str):
            if event == "end" and el.tail:  # a comment's tail is text too
                slots.append((el, True))
                pieces.append(el.tail if not kept else "\0")
            continue
        if event == "start":
            kept += el.tag in _KEEP_WHITE_SPACE
            if el.text:
                slots.append((el, False))
                pieces.append(el.text if not kept else "\0")
        else:
            kept -= el.tag in _KEEP_WHITE_SPACE
            if el is not body and el.tail:
                slots.append((el, True))
                pieces.append(el.tail if not kept else "\0")
    joined = "".join(pieces)
    doomed = [(m.start(), m.end()) for m in _COLLAPSIBLE.finditer(joined) if _removable(joined, m)]
    if doomed:
        _delete(slots, pieces, doomed)


def _removable(text: str, m: re.Match[str]) -> bool:
    if "\n" not in m.group(0) and "\r" not in m.group(0):
        return False
    before = text[m.start() - 1] if m.start() > 0 else ""
    after = text[m.end()] if m.end() < len(text) else ""
    return bool(before and after) and segment_break_removed(before, after)


def segment_break_removed(before: str, after: str) -> bool:
    """CSS Text 3, 4.1.2: whether a segment break between these two characters goes."""
    if "\u200b" in (before, after):
        return True
    wide_before, wide_after = _wide(before), _wide(after)
    if wide_before and wide_after:
        return True
    if (wide_before and _ambiguous_punctuation(after)) or (wide_after and _ambiguous_punctuation(before)):
        return True
    # Beyond CSS: full-width CJK punctuation (，。）) carries its own space; a break
    # beside it is none either (`[1]\n，` reads `[1]，` as on the raw page).
    return _fullwidth_punctuation(before) or _fullwidth_punctuation(after)


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in ("F", "W", "H") and not _hangul(c)


def _hangul(c: str) -> bool:
    code = ord(c)
    return (
        0x1100 <= code <= 0x11FF
        or 0x3130 <= code <= 0x318F
        or 0xAC00 <= code <= 0xD7AF
        or 0xFFA0 <= code <= 0xFFDC
    )


def _ambiguous_punctuation(c: str) -> bool:
    return unicodedata.east_asian_width(c) == "A" and unicodedata.category(c)[0] in ("P", "S")


def _fullwidth_punctuation(c: str) -> bool:
    return unicodedata.east_asian_width(c) in ("F", "W") and unicodedata.category(c)[0] == "P"


def _delete(slots: list[tuple[HtmlElement, bool]], pieces: list[str], doomed: list[tuple[int, int]]) -> None:
    """Cut the character ranges `doomed` (offsets into the joined pieces) out of the slots."""
    ends = list(itertools.accumulate(len(piece) for piece in pieces))  # where each piece ends
    cuts: dict[int, list[tuple[int, int]]] = {}  # slot -> ranges within its piece
    for a, b in doomed:
        i = bisect.bisect_right(ends, a)  # the piece holding offset a; a range may go on into the next
        while a < b:
            start = ends[i] - len(pieces[i])
            end = min(b, ends[i])
            cuts.setdefault(i, []).append((a - start, end - start))
            a, i = end, i + 1
    for i, ranges in cuts.items():  # only the pieces with a cut: a page has thousands of others
        text = pieces[i]
        for a, b in reversed(ranges):
            text = text[:a] + text[b:]
        el, is_tail = slots[i]
        if is_tail:
            el.tail = text
        else:
            el.text = text
