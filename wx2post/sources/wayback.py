"""Wayback Machine snapshots: the page as WeChat served it, before the archive rewrote it (pure).

The Wayback Machine serves a capture with every URL in it pointing into the archive
(`https://web.archive.org/web/20200101000000im_/https://mmbiz.qpic.cn/...`, the same path
without the host, or with `\\/` inside script strings), its toolbar inserted at the top of
`<body>` and its playback scripts and styles in `<head>`. Undoing that gives back the
WeChat page, so links, images and the article's own identity (`og:url`, `var msg_link`)
are the original ones and the page parses like any other saved page.
"""

from __future__ import annotations

import re

from ..lazyre import lazy
from ..spans import without_paired

_SLASH = r"(?:\\?/)"
# `[scheme:]//web.archive.org/web/<timestamp><modifier>/<original>`, the host optional
# (root-relative `/web/...` links). Modifiers: im_ (image), js_, cs_ (style), id_ (raw),
# if_/fw_ (frames), oe_, mp_ ...: two letters and `_`. The original's scheme may have lost
# a slash to path normalisation (`https:/mp.weixin.qq.com`).
_REWRITTEN = lazy(
    rf"(?:(?:https?:)?{_SLASH}{_SLASH}(?:web\.)?archive\.org)?{_SLASH}web{_SLASH}\d{{4,14}}(?:[a-z]{{2}}_)?{_SLASH}"
    rf"(?P<url>(?:https?:{_SLASH}{{1,2}}|{_SLASH}{_SLASH})?[A-Za-z0-9.-]+\.[A-Za-z]{{2,}}(?=[/\\:?#\"'\s<>)]|$))",
    re.I,
)
# What the archive inserts, each from an opener to the first closer after it (spans.paired:
# `.*?` between them would be quadratic on a page of unclosed openers). No tag pattern scans
# past a `<`, for the same reason.
_TOOLBAR = (
    lazy(r"<!--\s*BEGIN WAYBACK TOOLBAR INSERT\s*-->", re.I),
    lazy(r"<!--\s*END WAYBACK TOOLBAR INSERT\s*-->", re.I),
)
# The playback include at the top of <head>, up to the comment that ends it.
_REWRITE_INCLUDE = (
    lazy(r"<script[^<>]*(?:/_static/js/|archive\.org/includes/)[^<>]*>", re.I),
    lazy(r"<!--\s*End Wayback Rewrite JS Include\s*-->", re.I),
)
_ARCHIVE_NOTES = (lazy(r"<!--\s*(?:FILE ARCHIVED ON|playback timings)", re.I), lazy(r"-->"))
_ARCHIVE_TAGS = lazy(
    r"<script[^<>]*\bsrc=[\"'][^\"'<>]*(?:/_static/|archive\.org/includes/)[^\"'<>]*[\"'][^<>]*>\s*</script>"
    r"|<link[^<>]*\bhref=[\"'][^\"'<>]*/_static/[^\"'<>]*[\"'][^<>]*>"
    r"|<script[^<>]*>\s*(?:window\.RufflePlayer|__wm\.)[^<]*</script>",
    re.I,
)
_WOMBAT = lazy(r"__wm\.wombat\(\s*[\"'](?P<url>[^\"']+)[\"']")
# The archive's own insertions. A link to an archived page is no marker: an article about
# censorship may well cite the Wayback Machine, and its links must stay as they are.
MARKERS = (b"BEGIN WAYBACK TOOLBAR INSERT", b"__wm.wombat(", b"_static/js/wombat.js", b"Wayback Rewrite JS")


def is_wayback(head: bytes) -> bool:
    """Whether a page (its first few hundred KB are enough) is a Wayback Machine snapshot."""
    return any(marker in head for marker in MARKERS)


def original_url(html: str) -> str:
    """The URL the snapshot captured, as the playback script names it ('' if it does not)."""
    m = _WOMBAT.search(html)
    return unrewrite(m.group("url")) if m else ""


def unarchive(html: str) -> str:
    """The page without the archive's toolbar, scripts and notes, every URL the original."""
    html = without_paired(html, *_TOOLBAR)
    html = without_paired(html, *_REWRITE_INCLUDE)
    html = _ARCHIVE_TAGS.sub("", html)
    html = without_paired(html, *_ARCHIVE_NOTES)
    return unrewrite(html)


def unrewrite(text: str) -> str:
    """Every archive URL in `text` back to the URL it stands for."""
    return _REWRITTEN.sub(lambda m: _with_scheme(m.group("url")), text)


def _with_scheme(origin: str) -> str:
    escaped = "\\/" in origin
    plain = origin.replace("\\/", "/")
    m = re.match(r"(https?):/{1,2}", plain, re.I)
    if m:
        plain = f"{m.group(1).lower()}://{plain[m.end() :]}"
    elif plain.startswith("//"):
        plain = "https:" + plain
    else:
        plain = "https://" + plain
    return plain.replace("/", "\\/") if escaped else plain
