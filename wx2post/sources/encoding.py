"""Which encoding a saved page's bytes are in (pure).

In order: a byte-order mark, the charset the page declares (`<meta charset>`,
`<meta http-equiv content="...; charset=...">` or an XML declaration, looked for
where BeautifulSoup's EncodingDetector looked), UTF-8 when the bytes are valid
UTF-8, then charset-normalizer's guess for the rare page that declares nothing and
is not UTF-8 (old GBK pages). This replaces bs4's EncodingDetector, the only part of
BeautifulSoup wx2post used: importing bs4 (with soupsieve's CSS parser) took 0.16 s
of every start-up; the sniff below costs nothing until the detector is needed.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from ..lazyre import lazy

_BOMS = (  # longest first: a UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_DECLARATION = lazy(rb"""^\s*<\?.*encoding=['"](.*?)['"].*\?>""", re.I)
# No part scans past a `<`: `[^>]+` ran to the window's end from every unclosed `<meta`
# (a 4 MB page of them: 12 s).
_META_CHARSET = lazy(rb"""<\s*meta[^<>]+charset\s*=\s*["']?([^<>]*?)[ /;'">]""", re.I)
XML_WINDOW = 1024  # an XML declaration opens the document
# WeChat pages carry long <head>s and some crawlers add junk: look a little further.
META_WINDOW_MIN = 2048
META_WINDOW_SHARE = 0.05


def widen_encoding(encoding: str) -> str:
    # Pages declaring GBK or GB2312 routinely use characters only GB18030 has.
    return "gb18030" if encoding.lower().replace("-", "") in {"gbk", "gb2312", "cp936"} else encoding


def bom_encoding(raw: bytes) -> str | None:
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    return None


def declared_encoding(raw: bytes) -> str | None:
    """The Python codec of the charset the page declares (None: none, or one Python lacks)."""
    match = _XML_DECLARATION.search(raw, 0, XML_WINDOW)
    if match is None:
        window = max(META_WINDOW_MIN, int(len(raw) * META_WINDOW_SHARE))
        match = _META_CHARSET.search(raw, 0, window)
    if match is None:
        return None
    name = match.group(1).decode("ascii", "replace").strip().lower()
    try:
        return codecs.lookup(widen_encoding(name)).name
    except (LookupError, ValueError):  # an unknown name, or one holding NUL
        return None


def detected_encoding(raw: bytes) -> str | None:
    """charset-normalizer's best guess (imported here: most pages never need it)."""
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    return widen_encoding(best.encoding) if best is not None else None


def candidate_encodings(raw: bytes) -> Iterator[str]:
    """The encodings to try, best first, each once; the detector runs only if reached."""
    tried: set[str] = set()
    for encoding in (bom_encoding(raw), declared_encoding(raw), "utf-8"):
        if encoding and encoding not in tried:
            tried.add(encoding)
            yield encoding
    guess = detected_encoding(raw)
    if guess and guess not in tried:
        yield guess
