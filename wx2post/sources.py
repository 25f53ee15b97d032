"""Read one input into HTML text plus the image copies that came with it (I/O edge).

Accepted: raw page source, browser "save complete" pages (`X.html` + `X_files/`),
SingleFile pages (images as `data:` URIs), wechat-article-exporter folders
(`index.html` + `assets/`), wechatDownload HTML, and MHTML files.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from bs4.dammit import EncodingDetector

from .errors import InputError

MAX_PAGE_BYTES = 64 * 1024 * 1024
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
MHTML_SUFFIXES = (".mhtml", ".mht")

# Crawlers leave their own output (a command line, a log line) before the page.
_PAGE_START = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<meta[\s>]", re.I)


@dataclass
class PageSource:
    """A page ready to parse: its text and where its images can be found offline."""

    html: str
    origin: str
    base_dir: Path | None = None
    # MHTML parts by Content-Location: saved image bytes.
    parts: dict[str, bytes] = field(default_factory=dict)


def decode_page(raw: bytes, origin: str = "") -> str:
    """Bytes to text: BOM, then the declared charset (GBK pages exist), then UTF-8."""
    if not raw.strip():
        raise InputError("empty file", source=origin)
    start = _PAGE_START.search(raw[:65536])
    if start is None and b"\x00" in raw[:4096]:
        raise InputError("binary file, not an HTML page", source=origin)
    if start is not None and start.start() > 0:
        raw = raw[start.start() :]
    for encoding in EncodingDetector(raw, is_html=True).encodings:
        encoding = _widen(encoding)
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("gb18030", errors="replace")


def _widen(encoding: str) -> str:
    # Pages declaring GBK or GB2312 routinely use characters only GB18030 has.
    return "gb18030" if encoding.lower().replace("-", "") in {"gbk", "gb2312", "cp936"} else encoding


def read_page(path: Path) -> PageSource:
    """Read a saved page (file or exporter folder) from disk."""
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
        return read_mhtml(raw, str(path))
    return PageSource(html=decode_page(raw, str(path)), origin=str(path), base_dir=path.parent)


def read_mhtml(raw: bytes, origin: str) -> PageSource:
    """An MHTML archive: the first text/html part is the page, others are its images."""
    message: Message = email.message_from_bytes(raw, policy=email.policy.compat32)
    html_text = ""
    parts: dict[str, bytes] = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        location = re.sub(r"\s+", "", str(part.get("Content-Location", "")))
        if ctype == "text/html" and not html_text:
            charset = part.get_content_charset()
            if charset:
                try:
                    html_text = payload.decode(_widen(charset))
                    continue
                except (UnicodeDecodeError, LookupError):
                    pass
            html_text = decode_page(payload, origin)
        elif location:
            parts[location] = payload
    if not html_text:
        raise InputError("MHTML file holds no HTML page", source=origin)
    return PageSource(html=html_text, origin=origin, parts=parts)
