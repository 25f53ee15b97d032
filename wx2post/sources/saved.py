"""Read a saved page from disk: a file, an exporter's folder, or an MHTML archive (I/O edge).

Accepted: raw page source, browser "save complete" pages (`X.html` + `X_files/`),
SingleFile pages (images as `data:` URIs), wechat-article-exporter folders
(`index.html` + `assets/`), wechatDownload HTML, and MHTML files.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
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
        return from_web_archive(read_mhtml(raw, str(path)))
    return from_web_archive(PageSource.undecoded(page_bytes(raw, str(path)), str(path), base_dir=path.parent))
