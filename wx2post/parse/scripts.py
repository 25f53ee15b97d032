"""A 2-4 MB page scanned for what the parser needs: the markup without script bodies,
the scripts that assign the metadata variables, and the data blocks.

Scripts are 90% of a modern page and are never parsed as HTML; every scan is a few
`find` passes over a `PageText` (a str, or a big UTF-8 page's bytes).
"""

from __future__ import annotations

from ..lazyre import lazy
from ..sources import SMALL_PAGE_CHARS, PageText
from ..spans import paired


def without_scripts(page: PageText) -> str:
    """The page with inline script and style bodies cut out, for the DOM parser.

    Scripts are 90% of a modern page's 2-4 MB and are read separately (jsvars);
    cutting them with find is several times cheaper than parsing them. Only what
    is left is decoded.
    """
    if len(page) < SMALL_PAGE_CHARS:
        return page.text()
    return _cut_bodies(_cut_bodies(page, "script"), "style").text()


def _cut_bodies(page: PageText, tag: str) -> PageText:
    kept = []
    pos = 0
    opening, closing = f"<{tag}", f"</{tag}>"
    while True:
        start = page.find(opening, pos)
        body = page.find(">", start) if start >= 0 else -1
        end = page.find(closing, body) if body >= 0 else -1
        if end < 0:
            break
        kept.append((pos, body + 1))
        pos = end
    kept.append((pos, len(page)))
    return page.keep(kept)


# Statements that open the script holding an era's metadata variables.
_METADATA_ANCHORS = ("var msg_title", "window.msg_title", "var biz ", "var biz=")


# (needle, the anchors containing it): one pass over the page each.
_ANCHOR_PASSES = (("msg_title", ("var msg_title", "window.msg_title")), ("var biz", ("var biz ", "var biz=")))


def metadata_scripts(page: PageText) -> str:
    """The inline scripts that assign the metadata variables.

    A modern page carries 2-4 MB of inlined library code that mentions the same
    names (`window.msg_title || ''`); searching only the scripts that assign them
    is both faster and safer. A page without any anchor has its inline scripts
    searched, all of them, and nothing else: a variable is set by script, and
    article text quoting `var author = '...'` sets nothing.
    """
    assigned = _assignments(page)
    ranges: list[tuple[int, int]] = []
    for anchor in _METADATA_ANCHORS:
        if any(start <= page.find(anchor, start, end) for start, end in ranges):
            continue  # already inside a script we have
        pos = assigned[anchor]
        if pos < 0:
            continue
        start = max(page.rfind("<script", 0, pos), 0)
        end = page.find("</script>", pos)
        ranges.append((start, end if end >= 0 else len(page)))
    if not ranges:
        text = page.text()
        return "\n".join(text[a.end() : b.start()] for a, b in paired(text, _SCRIPT_START, _SCRIPT_END))
    return "\n".join(page.text(a, b) for a, b in sorted(set(ranges)))


# An inline script, however its tags are written (`<SCRIPT>`, `</script >`).
_SCRIPT_START = lazy(r"(?i)<script\b[^<>]*>")
_SCRIPT_END = lazy(r"(?i)</script[\s/>]")


def _assignments(page: PageText) -> dict[str, int]:
    """Where each anchor is first assigned (`window.msg_title = ...`), -1 if never.

    Mere reads (`window.msg_title || ''` in the 1.5 MB library script of 2024+
    pages) are skipped. Each pass over a 4 MB page costs a millisecond or two and
    an absent anchor costs a whole one, so anchors sharing a needle are looked
    for in the same pass.
    """
    found = dict.fromkeys(_METADATA_ANCHORS, -1)
    for needle, anchors in _ANCHOR_PASSES:
        pos = page.find(needle)
        while pos >= 0 and any(found[a] < 0 for a in anchors):
            for anchor in anchors:
                at = pos - anchor.index(needle)
                if found[anchor] < 0 and at >= 0 and page.startswith(anchor, at):
                    if _is_assignment(page, at, anchor):
                        found[anchor] = at
            pos = page.find(needle, pos + 1)
    return found


def _is_assignment(page: PageText, pos: int, anchor: str) -> bool:
    after = page.chars(pos + len(anchor), 8).lstrip()
    return anchor.endswith("=") or (after.startswith("=") and not after.startswith("=="))


# Data blocks whose object keys (`title: JsDecode('...')`) are metadata.
_DATA_BLOCK_STARTS = ("cgiDataNew", "__QMTPL_SSR_DATA__")


def data_blocks(page: PageText) -> str:
    """The text of the data objects that hold metadata as object keys."""
    blocks = []
    for name in _DATA_BLOCK_STARTS:
        pos = page.find(name)
        while pos >= 0:
            # Within 40 characters: `name = {` (`window.cgiDataNew = {`).
            window = page.chars(pos, 80)
            eq = window.find("=", 0, 40)
            if eq >= 0 and window[eq + 1 : eq + 40].lstrip().startswith("{"):
                start = pos + page.width(window[:eq])
                end = page.find("</script>", start)
                blocks.append(page.text(start, end if end > 0 else len(page)))
                break
            pos = page.find(name, pos + len(name))
    return "\n".join(blocks)
