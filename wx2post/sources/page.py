"""A page's bytes and text: `PageSource`, decoding, and scanning big pages as bytes (pure).

A saved page is up to 4 MB, nine tenths of it inline script, while its article
is about 60 KB. So a page read from disk keeps its bytes and decodes its text
only when asked (`PageSource.html`), and `PageSource.page_text()` lets the parser
scan a big UTF-8 page as bytes and decode only the slices it needs.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..lazyre import lazy
from .decode import decode_bytes, decode_text, first_encoding
from .encoding import bom_encoding

MAX_PAGE_BYTES = 64 * 1024 * 1024
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
MHTML_SUFFIXES = (".mhtml", ".mht")
# Pages of at least this many characters have their script bodies cut out before
# the DOM parser sees them (parse.without_scripts).
SMALL_PAGE_CHARS = 200_000
# Only pages this big are scanned as bytes: UTF-8 takes at most 4 bytes a
# character, so such a page has over SMALL_PAGE_CHARS characters and is cut
# exactly as its decoded text would be. Smaller pages decode in a millisecond.
BYTES_SCAN_MIN = 4 * SMALL_PAGE_CHARS

# Crawlers leave their own output (a command line, a log line) before the page.
_PAGE_START = lazy(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<meta[\s>]", re.I)
_PAGE_START_TEXT = lazy(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<meta[\s>]", re.I)


@dataclass
class PageSource:
    """A page ready to parse: its text and where its images can be found offline.

    `PageSource.undecoded` (what read_page returns) holds the page's bytes and
    decodes `html` on first use, exactly as `decode_page` would.
    """

    html: str
    origin: str
    base_dir: Path | None = None
    # MHTML parts by Content-Location: saved image bytes.
    parts: dict[str, bytes] = field(default_factory=dict)
    # What decoding replaced or guessed (see decode.decode_text).
    warnings: list[str] = field(default_factory=list)
    # What the input says about the article besides the page: the original link (a web
    # archive's capture URL, a WARC record's target, an export's record) and a publish
    # date (an export's record, a file name's date prefix), with where the date was read.
    # The page's own values come first; these fill what the page lacks.
    url_hint: str = ""
    date_hint: datetime | None = None
    date_hint_from: str = ""
    # The page's bytes while `html` is not decoded. Not an init field, so
    # `dataclasses.replace(page, html="")` leaves it behind as well.
    raw: bytes = field(default=b"", init=False, repr=False, compare=False)

    @classmethod
    def undecoded(cls, raw: bytes, origin: str, base_dir: Path | None = None) -> PageSource:
        """A page whose `html` is decoded from `raw` (checked by `page_bytes`) when first read."""
        page = cls("", origin, base_dir)
        page.raw = raw
        del page.html  # now `page.html` goes to __getattr__
        return page

    if not TYPE_CHECKING:  # to mypy, `html` is the plain str field it always reads as

        def __getattr__(self, name: str) -> str:
            # Only called for an attribute that is not set: the `html` of an undecoded page.
            if name != "html" or not self.raw:
                raise AttributeError(name)
            self.html, warning = decode_text(self.raw)
            self.warnings = [warning] if warning else []
            self.raw = b""
            return self.html

    def page_text(self) -> PageText:
        """The page for scanning: the bytes of a big UTF-8 page not decoded yet,
        else the decoded text."""
        if self.raw:
            utf8 = Utf8Text.of(self.raw)
            if utf8 is not None:
                return utf8
        return PageText(self.html)


class PageText:
    """A page's text for scanning: `find` positions and decoded slices of them.

    Positions only mean something to the object that returned them: here they
    index a decoded str; in Utf8Text they index the page's UTF-8 bytes.
    Needles are ASCII.
    """

    def __init__(self, text: str) -> None:
        self._text = text

    def __len__(self) -> int:
        return len(self._text)

    def find(self, needle: str, start: int = 0, end: int | None = None) -> int:
        return self._text.find(needle, start, end)

    def rfind(self, needle: str, start: int = 0, end: int | None = None) -> int:
        return self._text.rfind(needle, start, end)

    def startswith(self, prefix: str, at: int) -> bool:
        return self._text.startswith(prefix, at)

    def text(self, start: int = 0, end: int | None = None) -> str:
        """The characters between two positions (the whole page by default)."""
        return self._text[start:end]

    def chars(self, start: int, count: int) -> str:
        """`count` characters from `start` (fewer at the end of the page)."""
        return self._text[start : start + count]

    def keep(self, spans: list[tuple[int, int]]) -> PageText:
        """These spans put together, as a page of the same kind (not decoded)."""
        return PageText("".join(self._text[a:b] for a, b in spans))

    def width(self, text: str) -> int:
        """How many positions `text`, read from this page, takes up."""
        return len(text)


class Utf8Text(PageText):
    """A big UTF-8 page scanned as bytes, decoded slice by slice.

    In UTF-8 an ASCII byte is always that character, so an ASCII needle's byte
    position is a character boundary and a slice between two of them decodes on
    its own. bytes.find is also about twice as fast as str.find on text that
    mixes CJK (or emoji) with ASCII, and a 4 MB page costs 2-16 ms to decode.
    """

    def __init__(self, raw: bytes) -> None:  # overrides every method: no str of its own
        self._raw = raw
        self._whole: str | None = None

    @classmethod
    def of(cls, raw: bytes) -> Utf8Text | None:
        """The page as bytes if it is big and `decode_bytes` would read it as UTF-8; else None.

        The bytes are not checked up front (that cost 1-3 ms a page, for scripts that
        are never read): every slice read is decoded strictly, and one that is not
        UTF-8 raises UnicodeDecodeError, on which the page is read decoded whole, with
        its bad bytes replaced and counted (`parse.parse_source`).
        """
        encoding = first_encoding(raw) if len(raw) >= BYTES_SCAN_MIN else ""
        if encoding == "utf-8-sig":  # a UTF-8 mark (a UTF-16 page is read as one): the page after it
            return cls(raw[len(codecs.BOM_UTF8) :])
        return cls(raw) if encoding == "utf-8" else None

    def __len__(self) -> int:
        return len(self._raw)

    def find(self, needle: str, start: int = 0, end: int | None = None) -> int:
        return self._raw.find(needle.encode("ascii"), start, end)

    def rfind(self, needle: str, start: int = 0, end: int | None = None) -> int:
        return self._raw.rfind(needle.encode("ascii"), start, end)

    def startswith(self, prefix: str, at: int) -> bool:
        return self._raw.startswith(prefix.encode("ascii"), at)

    def text(self, start: int = 0, end: int | None = None) -> str:
        if start == 0 and end is None:
            if self._whole is None:
                self._whole = self._raw.decode("utf-8")
            return self._whole
        return self._raw[start:end].decode("utf-8")

    def chars(self, start: int, count: int) -> str:
        # 4 bytes hold at least one whole character; only a character cut at the
        # end of the slice, past `count` characters, is left out.
        piece = self._raw[start : start + 4 * count]
        try:
            return piece.decode("utf-8")[:count]
        except UnicodeDecodeError as error:
            if error.start < len(piece) - 3 or error.reason != "unexpected end of data":
                raise
            return piece[: error.start].decode("utf-8")[:count]

    def keep(self, spans: list[tuple[int, int]]) -> PageText:
        return Utf8Text(b"".join(self._raw[a:b] for a, b in spans))

    def width(self, text: str) -> int:
        return len(text.encode("utf-8"))


def decode_page(raw: bytes, origin: str = "") -> str:
    """Bytes to text: BOM, then the declared charset (GBK pages exist), then UTF-8."""
    return decode_bytes(page_bytes(raw, origin))


def page_bytes(raw: bytes, origin: str = "") -> bytes:
    """The page itself: refuses empty and binary files, skips junk before the page.

    A page saved as UTF-16 or UTF-32 (Windows' "Save as Unicode") is known by its
    byte-order mark and given back as UTF-8 (see `wide_page`): every reader after this
    one sees bytes whose ASCII is ASCII."""
    if not raw or raw.isspace():
        raise InputError("empty file", source=origin)
    wide = wide_page(raw, origin)
    if wide is not None:
        return wide
    # A UTF-8 mark is kept before the page: it, not a `<meta>` or a header, says the encoding.
    mark = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    start = _PAGE_START.search(raw, len(mark), 65536)
    if start is None and b"\x00" in raw[:4096]:
        raise InputError("binary file, not an HTML page", source=origin)
    if start is not None and start.start() > len(mark):
        raw = mark + raw[start.start() :]
    return raw


def wide_page(raw: bytes, origin: str = "") -> bytes | None:
    """A UTF-16/32 page (byte-order mark first) as UTF-8 bytes after a UTF-8 mark, which
    then decides its encoding over a `<meta>` that still says "unicode" or "utf-16";
    None for any other page. Bytes invalid in the encoding (an odd last byte, a lone
    surrogate) are left as they are: `decode_text` replaces them and says how many.
    Binary data that happens to start like a mark is refused: decoded, it holds no page
    start (`<html`, `<head`, `<meta`, a doctype) or it holds NUL."""
    encoding = bom_encoding(raw)
    if encoding not in ("utf-16", "utf-32"):
        return None
    try:
        text, valid = raw.decode(encoding), True
    except UnicodeDecodeError:
        text, valid = raw.decode(encoding, "replace"), False
    if not text.strip():
        raise InputError("empty file", source=origin)
    head = text[:65536]
    if "\x00" in head[:4096] or not _PAGE_START_TEXT.search(head):
        raise InputError("binary file, not an HTML page", source=origin)
    return codecs.BOM_UTF8 + text.encode("utf-8") if valid else raw
