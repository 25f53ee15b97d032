"""Read a saved page from disk: a file, an exporter's folder, or an MHTML archive (I/O edge).

Accepted: raw page source, browser "save complete" pages (`X.html` + `X_files/`),
SingleFile pages (images as `data:` URIs), wechat-article-exporter folders
(`index.html` + `assets/`), wechatDownload HTML, and MHTML files.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .hints import listed, name_date
from .mhtml import read_mhtml
from .page import MAX_PAGE_BYTES, MHTML_SUFFIXES, PageSource, page_bytes
from .webarchive import from_web_archive


def read_page(path: Path) -> PageSource:
    """Read a saved page (file or exporter folder) from disk; its text is decoded on first use."""
    if path.is_dir():
        index = path / "index.html"
        if not index.is_file():
            raise InputError("folder holds no index.html", source=str(path))
        path = index
    if not path.is_file():
        raise InputError("no such file", source=str(path))
    size = path.stat().st_size
    if size > MAX_PAGE_BYTES:
        raise InputError(f"file is too large for a page ({size} bytes)", source=str(path))
    raw = path.read_bytes()
    if (
        path.suffix.lower() in MHTML_SUFFIXES
        or raw[:2048].lstrip().lower().startswith((b"mime-version", b"content-type: multipart", b"from:"))
        and b"multipart/related" in raw[:4096].lower()
    ):
        page = read_mhtml(raw, str(path))
    else:
        page = PageSource.undecoded(page_bytes(raw, str(path)), str(path), base_dir=path.parent)
    return with_name_hints(from_web_archive(page), path)


def with_name_hints(page: PageSource, path: Path) -> PageSource:
    """The link and date that a CSV list beside the file, or the file's name, give."""
    named = path.parent if path.stem.lower() == "index" else path  # `<title>/index.html`
    url, when = listed(named)
    page.url_hint = page.url_hint or url
    if page.date_hint is None:
        if when is not None:
            page.date_hint, page.date_hint_from = when, "the list beside it"
        elif (when := name_date(named.stem if named is path else named.name)) is not None:
            page.date_hint, page.date_hint_from = when, "its file name"
    return page
