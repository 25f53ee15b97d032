"""archive.today (archive.ph, archive.is, ...) snapshots: flattened pages and their hashed files (pure).

archive.today renders a page and keeps only its markup and computed styles: no ids, no
classes, no scripts, `<link rel="canonical">` pointing at the archive, every outbound link
wrapped as `https://archive.ph/o/<id>/<original>`, images either on the archive
(`https://archive.ph/<id>/<hash>.jpg`) or, in the snapshot's download, as files named by
hash beside `index.html`. Here the wrapped links are unwrapped, images whose hashed file
lies beside the page point at it, and the original link is read from the page. The article
itself is then found by its shape (wx2post.structure), as in any page without its template.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..lazyre import lazy
from ..urls import article_id

_HOSTS = r"archive\.(?:today|ph|is|li|vn|fo|md)"
MARKERS = tuple(
    f"{h}".encode() for h in ("archive.today", "archive.ph/", "archive.is/", "archive.li/", "archive.vn/")
) + (b"archive.fo/", b"archive.md/")
_WRAPPED = lazy(rf"(?:https?:)?//{_HOSTS}/o/[A-Za-z0-9]+/(?P<url>https?://[^\s\"'<>]+)", re.I)
_HASHED = lazy(rf"(?:https?:)?//{_HOSTS}/[A-Za-z0-9]+/(?P<name>[0-9a-f]{{16,64}}\.[a-z0-9]{{2,5}})", re.I)
_CANONICAL = lazy(rf"<link[^<>]*rel=[\"']?canonical[\"']?[^<>]*{_HOSTS}[^<>]*>", re.I)
_ANCHOR_OR_INPUT = lazy(r"<(?:a\b[^<>]*\bhref|input\b[^<>]*\bvalue)\s*=\s*[\"']([^\"']+)[\"']", re.I)
_TITLE_HEADING = lazy(r"<h[12][\s>]", re.I)


def is_archive_today(head: bytes) -> bool:
    """Whether a page (its first part) is an archive.today snapshot: its canonical link
    points at the archive, or the archive's header ("webpage capture") opens it. A link to
    the archive alone is no sign: an article may cite a snapshot."""
    if re.search(rf"<link[^>]*canonical[^>]*{_HOSTS}".encode(), head, re.I) is not None:
        return True
    return b"webpage capture" in head and any(m in head for m in MARKERS) and b"<script" not in head.lower()


def unarchive(html: str, beside: Callable[[str], bool]) -> str:
    """Outbound links unwrapped, images on the archive replaced by the hashed file beside the
    page when `beside(name)` says it is there, no canonical link to the archive."""
    html = _CANONICAL.sub("", html)
    html = _WRAPPED.sub(lambda m: m.group("url"), html)
    return _HASHED.sub(lambda m: m.group("name") if beside(m.group("name")) else m.group(0), html)


def original_url(html: str) -> str:
    """The article's own link: the first WeChat article link before the title heading (the
    archive's "saved from" line), '' if there is none. A link further down is the article's
    own link to another article, never its identity."""
    heading = _TITLE_HEADING.search(html)
    end = heading.start() if heading else len(html)
    for m in _ANCHOR_OR_INPUT.finditer(html, 0, end):
        url = _unescape(m.group(1))
        if article_id(url) is not None:
            return url
    return ""


def _unescape(url: str) -> str:
    return url.replace("&amp;", "&")
