"""WeChat page chrome pasted into a repost, and `#Title` without its space.

Each rule looks only at lines of paragraph text (`markdown.Document.text_lines`): a line of a
code block, an HTML block or a reference definition is never matched, however it reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..lazyre import lazy
from . import markdown
from .engine import Change, FixContext, apply_edits, remove_lines


def paragraph_lines(doc: markdown.Document, *, plain: bool = False) -> dict[int, str]:
    """0-based line -> its text (without a quote or list marker), for lines of paragraph text;
    with `plain`, only lines that are text through and through (no code span, inline HTML,
    link or image: a line holding one is not pasted chrome, and removing it would lose it)."""
    lines = {}
    for inline, line, s, e in doc.text_lines():
        if plain and any(a < e and s < b for a, b in inline.opaque()):
            continue
        lines[line] = inline.content[s:e]
    return lines


def block_finder(doc: markdown.Document) -> Callable[[int], object]:
    """line -> the paragraph it belongs to (None: not paragraph text), for `remove_lines`."""
    owner = {line: inline for inline, line, _, _ in doc.text_lines()}
    return owner.get


_HEADING_NO_SPACE = lazy(r"^(#{1,6})([^\s#].*)$")
_NOT_A_HEADING = lazy(r"^(?:[0-9A-Fa-f]{3,8}|\d+)\s*$")  # colours, issue numbers


def heading_space(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """`#Title` -> `# Title` (CommonMark needs the space; kramdown reads it either way). Lines
    with another `#` are hashtags (`#话题#`, `#a #b`) and stay."""
    doc = markdown.read(text)
    mask = doc.text_mask()
    edits = []
    for inline, _, start, end in doc.text_lines():
        if start > 0 and inline.content[start - 1] != "\n":
            continue
        m = _HEADING_NO_SPACE.match(inline.content[start:end])
        at = inline.body(start)
        if not m or "#" in m.group(2) or _NOT_A_HEADING.match(m.group(2)) or not mask[at]:
            continue
        if any(a.start < end < a.end for a in inline.atoms if a.kind != "newline"):
            continue  # a link or code span runs on past the line: a heading would cut it
        level = len(m.group(1))
        edits.append((at, at + level, m.group(1) + " "))
    new, changes = apply_edits(text, edits, "heading-space")
    lines, new_lines = text.split("\n"), new.split("\n")
    return new, [Change(c.rule, c.line, lines[c.line - 1], new_lines[c.line - 1]) for c in changes]


_WXID_LINE = lazy(r"^\s*(?:\*\*)?微信号(?:\*\*)?\s*[:：]?\s*(?:[A-Za-z][-_A-Za-z0-9]{4,39})?\s*$")
_INTRO_LINE = lazy(r"^\s*(?:\*\*)?功能介绍(?:\*\*)?\s*[:：]?.*$")
_NAME_LINE = lazy(
    r"^\s*(?:\[(?P<a>[^\[\]\n]{1,40})\]|\*\*(?P<b>[^*\n]{1,40})\*\*|(?P<c>[^\s#>*\[\]!<|`\-][^\n]{0,39}))\s*$"
)
SENTENCE_PUNCT = lazy(r"[。，！？；,!?;]")
_ATTRIBUTION = lazy(r"转载自?[:：]\s*([^<>\n]+?)\s*(?:<br\s*/?>|\s*$)", re.M)


def _known_accounts(text: str, ctx: FixContext) -> set[str]:
    names = {str(ctx.meta[k]).strip() for k in ("account", "nickname") if ctx.meta.get(k)}
    names.update(m.group(1).strip() for m in _ATTRIBUTION.finditer(text[:2000]))
    return names


def profile_card(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """The account's profile card pasted from the page: name line(s) (`[X]`, `**X**`, `X`),
    `微信号…`, `功能介绍…`. Removed only as that block: a 微信号 line directly followed by a
    功能介绍 line, with above it only lines carrying the same account name."""
    doc = markdown.read(text)
    prose = paragraph_lines(doc, plain=True)
    known = _known_accounts(text, ctx)
    doomed: list[tuple[int, int]] = []
    lines = text.split("\n")
    for i in sorted(prose):
        if not _WXID_LINE.match(prose[i]) or (doomed and i < doomed[-1][1]):
            continue
        j = i + 1
        if j < len(lines) and not lines[j].strip():
            j += 1
        if j not in prose or not _INTRO_LINE.match(prose[j]):
            continue
        start, name = i, ""
        for k in range(i - 1, max(i - 4, -1), -1):
            m = _NAME_LINE.match(prose.get(k, "\n"))
            if m is None:
                break
            candidate = (m.group("a") or m.group("b") or m.group("c") or "").strip()
            if SENTENCE_PUNCT.search(candidate):
                break
            if not name:
                if m.group("c") is not None and candidate not in known:
                    break  # a plain line is a name only when the post names that account
                name = candidate
            elif candidate != name:
                break
            start = k
        doomed.append((start, j + 1))
    label = "removed {} line(s)"
    return remove_lines(
        text, doomed, "profile-card", lambda removed: label.format(len(removed)), block_finder(doc)
    )


_SCAN_TAIL = r"(?:关注该公众号|关注公众号|使用小程序|可打开此内容[，,]?\s*使用完整服务)"
_CHROME_LINE = lazy(r"^\s*(?:\*\*)?(?:微信扫一扫\s*" + _SCAN_TAIL + r"?|预览时标签不可点)(?:\*\*)?\s*$")
_SCAN_FOLLOW = lazy(r"^\s*(?:\*\*)?" + _SCAN_TAIL + r"(?:\*\*)?\s*$")


def page_chrome(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Lines of WeChat's page furniture: 微信扫一扫 (关注该公众号 / 使用小程序 / …), 预览时标签不可点."""
    doc = markdown.read(text)
    prose = paragraph_lines(doc, plain=True)
    doomed: list[tuple[int, int]] = []
    for i in sorted(prose):
        if not _CHROME_LINE.match(prose[i]):
            continue
        end = i + 1
        if "微信扫一扫" in prose[i] and _SCAN_FOLLOW.match(prose.get(end, "\n")):
            end += 1
        if doomed and doomed[-1][1] > i:
            continue
        doomed.append((i, end))
    return remove_lines(text, doomed, "page-chrome", lambda removed: "removed", block_finder(doc))
