"""Inputs read into pages: saved files, MHTML, other tools' exports, web archives (I/O edges).

Every reader ends in the same `PageSource` (the page's text plus the image copies
that came with it), so parsing, cleaning and rendering never know where a page
came from. `page` holds `PageSource` and decoding; each other module reads one
kind of input.
"""

from __future__ import annotations

from .mhtml import read_mhtml
from .page import (
    BYTES_SCAN_MIN,
    HTML_SUFFIXES,
    MAX_PAGE_BYTES,
    MHTML_SUFFIXES,
    SMALL_PAGE_CHARS,
    PageSource,
    PageText,
    Utf8Text,
    decode_bytes,
    decode_page,
    page_bytes,
)
from .saved import read_page

__all__ = [
    "BYTES_SCAN_MIN",
    "HTML_SUFFIXES",
    "MAX_PAGE_BYTES",
    "MHTML_SUFFIXES",
    "SMALL_PAGE_CHARS",
    "PageSource",
    "PageText",
    "Utf8Text",
    "decode_bytes",
    "decode_page",
    "page_bytes",
    "read_mhtml",
    "read_page",
]
