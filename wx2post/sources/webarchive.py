"""A page that comes from a web archive, given back as the page WeChat served (pure but for
checking which hashed files lie beside it).

Every reader (saved files, MHTML, WARC records) passes its page through `from_web_archive`:
a Wayback Machine or archive.today snapshot is recognised by the archive's own markers in
its first few hundred KB and undone (see wayback.py, archive_today.py); any other page is
returned as it is, still undecoded.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from . import archive_today, wayback
from .page import PageSource

_HEAD = 400_000


def from_web_archive(page: PageSource) -> PageSource:
    head = (page.raw or page.html.encode("utf-8", "replace"))[:_HEAD]
    if wayback.is_wayback(head):
        text = page.html
        parts = {wayback.unrewrite(k): v for k, v in page.parts.items()}
        url = page.url_hint or wayback.original_url(text)
        return dataclasses.replace(page, html=wayback.unarchive(text), parts=parts, url_hint=url)
    if archive_today.is_archive_today(head):
        base = page.base_dir
        text = archive_today.unarchive(page.html, lambda name: base is not None and _beside(base, name))
        url = page.url_hint or archive_today.original_url(text)
        return dataclasses.replace(page, html=text, url_hint=url)
    return page


def _beside(base: Path, name: str) -> bool:
    return "/" not in name and (base / name).is_file()
