"""Inline runs -> Markdown: the emphasis emitter.

Runs of the same style are merged, the text is cut into units (words, spaces,
punctuation, atoms such as links and code spans), and emphasis markers are placed
between units where the style changes (never inside a word), trimmed until
CommonMark's flanking rules take them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..lazyre import lazy
from .escape import code_span, escape_line_start, escape_text, link_target
from .style import SPACES, Break, Run, Style

_ASCII_SPACES = lazy(r"[ \t\r\n\f\v]+")


def runs_to_markdown(runs: list[Run | Break]) -> str:
    """One block's runs as Markdown: `<br>` is a hard break, `<br><br>` a new paragraph.

    One pass over the runs: lines without emphasis, links or code (most of them)
    are joined and escaped as they end; only the others go through the emitter.
    """
    paragraphs: list[list[str]] = [[]]
    line: list[Run] = []
    plain = True
    for run in runs:
        if isinstance(run, Break):
            _end_line(paragraphs, line, plain)
            line = []
            plain = True
        else:
            line.append(run)
            if plain:
                style = run.style
                plain = not (style.bold or style.italic or style.code or style.href or style.raw)
    _end_line(paragraphs, line, plain)
    return "\n\n".join("  \n".join(p) for p in paragraphs if p)


def _end_line(paragraphs: list[list[str]], line: list[Run], plain: bool) -> None:
    if plain:
        text = SPACES.sub(" ", "".join([run.text for run in line])).strip() if line else ""
        if text:
            text = escape_text(text)
    else:
        text = line_to_markdown(line)
    if text:
        paragraphs[-1].append(escape_line_start(text))
    elif paragraphs[-1]:
        paragraphs.append([])


@dataclass(slots=True)
class _Unit:
    """A word, a space, a punctuation mark or an atom (link, code span, image) of a line.

    Emphasis markers go between units, so a run is never split mid-word.
    """

    text: str
    kind: str  # "word", "space", "punct" or "atom"
    bold: bool = False
    italic: bool = False
    link: tuple[str, list[tuple[Style, str]]] | None = None  # (href, label runs)


_TOKEN = lazy(r"<https?://[^\s<>]+>|\\.|&(?:lt|gt|amp|#\d+);|\s+|[^\W_]+|.", re.S)


def line_to_markdown(line: list[Run], before: str = "", after: str = "") -> str:
    """Inline runs (no breaks) as one line of Markdown.

    Runs of the same style are merged first, so WeChat's many adjacent `<strong>`
    runs become one `**...**`. Markers are placed where the emphasis starts and
    ends, with spaces always outside and punctuation outside only where CommonMark
    would otherwise not see the marker (`**答**：正文`, but `**第一部分（上）**`).
    `before` and `after` are the characters around the line (a link label's brackets).
    """
    if not line:
        return ""
    in_label = before == "["
    if all(_is_plain(run.style) for run in line):  # most lines: no emphasis to place
        text = SPACES.sub(" ", "".join([run.text for run in line])).strip()
        return escape_text(text, autolink=not in_label, label=in_label)
    units = _units(_merge_runs(line), in_label)
    _spread_over_spaces(units)
    # Most styled lines carry one kind of emphasis, or only a link or code: a kind
    # no unit has needs no ranges.
    bold_flags = [u.bold for u in units]
    italic_flags = [u.italic for u in units]
    bold = _ranges(units, bold_flags, 0, len(units), before, after) if any(bold_flags) else []
    italic: list[tuple[int, int]] = []
    if any(italic_flags):
        for lo, hi in _intervals(units, bold):
            italic += _ranges(units, italic_flags, lo, hi, before, after)
        italic = [r for r in italic if not _ambiguous(units, r, before, after)]
    if not bold and not italic:
        return _join_units(units, [False] * len(units), [False] * len(units))
    while True:
        opens, closes = _markers(bold, italic)
        crowded = {k for k in opens if k in closes and _crowded(units, k, opens[k], closes[k])}
        if not crowded:
            break
        # A closing marker right before an opening one is one delimiter run (`***`):
        # readers only split it reliably between two letters, and `****` never
        # reads well. Give up the italic that meets a bold marker there.
        italic = [(s, e) for s, e in italic if s not in crowded and e not in crowded]
    in_bold = _membership(len(units), bold)
    in_italic = _membership(len(units), italic)
    return _join_units(units, in_bold, in_italic, opens, closes)


def _join_units(
    units: list[_Unit],
    in_bold: list[bool],
    in_italic: list[bool],
    opens: dict[int, str] | None = None,
    closes: dict[int, str] | None = None,
) -> str:
    """The line's text: units and links, with the markers that open and close before each."""
    out = ""
    for i, unit in enumerate(units):
        if opens is not None and closes is not None:
            out += closes.get(i, "") + opens.get(i, "")
        if unit.link is not None:
            if out.endswith("!") and (len(out) - 1 - len(out[:-1].rstrip("\\"))) % 2 == 0:
                out = out[:-1] + "\\!"  # `![label](href)` would be an image
            out += _link_markdown(unit.link, in_bold[i], in_italic[i])
        else:
            out += unit.text
    if closes is not None:
        out += closes.get(len(units), "")
    return out.strip()


def _ambiguous(units: list[_Unit], span: tuple[int, int], before: str, after: str) -> bool:
    """An italic `*` between two punctuation marks both opens and closes, and
    CommonMark's pairing rules may then match it with a bold marker: not worth it."""
    s, e = span
    prev = units[s - 1].text[-1] if s > 0 else before
    nxt = units[e].text[0] if e < len(units) else after
    return (_edge_punct(units[s].text[0]) and _context_punct(prev)) or (
        _edge_punct(units[e - 1].text[-1]) and _context_punct(nxt)
    )


def _crowded(units: list[_Unit], k: int, opens: str, closes: str) -> bool:
    if len(opens) + len(closes) >= 4:
        return True
    return not (units[k - 1].text[-1].isalnum() and units[k].text[0].isalnum())


def _markers(
    bold: list[tuple[int, int]], italic: list[tuple[int, int]]
) -> tuple[dict[int, str], dict[int, str]]:
    opens: dict[int, str] = {}
    closes: dict[int, str] = {}
    for ranges, marker in ((bold, "**"), (italic, "*")):
        for s, e in ranges:
            opens[s] = opens.get(s, "") + marker
            closes[e] = marker + closes.get(e, "")
    return opens, closes


def _is_plain(style: Style) -> bool:
    return not (style.bold or style.italic or style.code or style.href or style.raw)


def _merge_runs(line: list[Run]) -> list[tuple[Style, str]]:
    groups: list[tuple[Style, str]] = []
    for run in line:
        text = run.text if run.style.raw else _ASCII_SPACES.sub(" ", run.text)
        if not text:
            continue
        if groups and groups[-1][0] == run.style:
            groups[-1] = (run.style, groups[-1][1] + text)
        else:
            groups.append((run.style, text))
    return groups


def _units(groups: list[tuple[Style, str]], in_label: bool = False) -> list[_Unit]:
    units: list[_Unit] = []

    def add(unit: _Unit) -> None:
        if unit.kind == "space" and (not units or units[-1].kind == "space"):
            return  # one space between words, none at the start
        units.append(unit)

    i = 0
    while i < len(groups):
        style, text = groups[i]
        if style.raw:
            add(_Unit(text, "atom"))
        elif style.href:
            j = i
            label: list[tuple[Style, str]] = []
            while j < len(groups) and groups[j][0].href == style.href and not groups[j][0].raw:
                label.append(
                    (
                        Style(bold=groups[j][0].bold, italic=groups[j][0].italic, code=groups[j][0].code),
                        groups[j][1],
                    )
                )
                j += 1
            visible = [s for s, t in label if t.strip()]
            if not visible:
                add(_Unit(" ", "space", style.bold, style.italic))
            else:
                add(
                    _Unit(
                        "[]",
                        "atom",
                        bold=all(s.bold for s in visible),
                        italic=all(s.italic for s in visible),
                        link=(style.href, label),
                    )
                )
            i = j
            continue
        elif style.code:
            core = text.strip()
            if core:
                if text[0] == " ":
                    add(_Unit(" ", "space"))
                add(_Unit(code_span(core), "atom", bold=style.bold, italic=style.italic))
                if text[-1] == " ":
                    add(_Unit(" ", "space"))
        else:
            # The bulk of a styled line: `add` written out, the unit's style read once.
            bold, italic = style.bold, style.italic
            append = units.append
            for token in _TOKEN.findall(escape_text(text, autolink=not in_label, label=in_label)):
                if token.isspace():
                    if units and units[-1].kind != "space":
                        append(_Unit(" ", "space", bold, italic))
                elif token[0].isalnum():
                    append(_Unit(token, "word", bold, italic))
                elif token.startswith("<http"):
                    append(_Unit(token, "atom", bold, italic))
                else:
                    append(_Unit(token, "punct", bold, italic))
        i += 1
    while units and units[-1].kind == "space":
        units.pop()
    return units


def _spread_over_spaces(units: list[_Unit]) -> None:
    """A space between two bold words is bold too: `**a b**`, not `**a** **b**`."""
    for i, unit in enumerate(units):
        if unit.kind == "space" and 0 < i < len(units) - 1:
            unit.bold = units[i - 1].bold and units[i + 1].bold
            unit.italic = units[i - 1].italic and units[i + 1].italic


def _ranges(
    units: list[_Unit], flags: list[bool], lo: int, hi: int, before: str, after: str
) -> list[tuple[int, int]]:
    """Maximal stretches of units[lo:hi] whose flag is set, trimmed until their markers work."""

    # The characters around a marker are the real neighbours even at a bold
    # boundary: `*` closing next to `**` opening is one delimiter run `***`.
    def char_before(k: int) -> str:
        return units[k - 1].text[-1] if k > 0 else before

    def char_after(k: int) -> str:
        return units[k].text[0] if k < len(units) else after

    ranges = []
    i = lo
    while i < hi:
        if not flags[i]:
            i += 1
            continue
        j = i
        while j < hi and flags[j]:
            j += 1
        s, e = i, j
        while s < e and not _can_open(char_before(s), units[s]):
            s += 1
        while e > s and not _can_close(units[e - 1], char_after(e)):
            e -= 1
        if any(units[k].kind in ("word", "atom") for k in range(s, e)):
            ranges.append((s, e))
        i = j
    return ranges


def _intervals(units: list[_Unit], bold: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Bold ranges and the gaps between them: italic never crosses a bold marker."""
    out = []
    pos = 0
    for s, e in bold:
        if s > pos:
            out.append((pos, s))
        out.append((s, e))
        pos = e
    if pos < len(units):
        out.append((pos, len(units)))
    return out


def _membership(n: int, ranges: list[tuple[int, int]]) -> list[bool]:
    inside = [False] * n
    for s, e in ranges:
        for k in range(s, e):
            inside[k] = True
    return inside


def _is_space(c: str) -> bool:
    return not c or c.isspace()


def _edge_punct(c: str) -> bool:
    # Broad: punctuation and symbols. A marker is moved off such a character.
    return unicodedata.category(c)[0] in "PS"


def _context_punct(c: str) -> bool:
    # Narrow: what every CommonMark version counts as punctuation beside a marker.
    if not c:
        return False
    return unicodedata.category(c)[0] == "P" or (c.isascii() and not c.isalnum() and not c.isspace())


def _can_open(prev: str, unit: _Unit) -> bool:
    if unit.kind == "space":
        return False
    first = unit.text[0]
    return not _edge_punct(first) or _is_space(prev) or _context_punct(prev)


def _can_close(unit: _Unit, nxt: str) -> bool:
    if unit.kind == "space":
        return False
    last = unit.text[-1]
    return not _edge_punct(last) or _is_space(nxt) or _context_punct(nxt)


def _link_markdown(link: tuple[str, list[tuple[Style, str]]], bold: bool, italic: bool) -> str:
    """`[label](href)`; emphasis already written around the link is not repeated inside."""
    href, label = link
    runs = [
        Run(t, Style(bold=s.bold and not bold, italic=s.italic and not italic, code=s.code)) for s, t in label
    ]
    text = line_to_markdown(runs, "[", "]")
    return f"[{text}]({link_target(href)})"
