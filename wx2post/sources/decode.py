"""A page's bytes -> its text: the declared charset is honoured, never second-guessed (pure).

A byte-order mark, else the charset the page declares (a MIME part's or an HTTP
header's, else the page's own `<meta>` or XML declaration: encoding.py finds
them), is the page's encoding: bytes invalid in it are replaced with U+FFFD and a
warning says how many. Trying encodings until one "works" turned a UTF-8 page
with one truncated character into mojibake from top to bottom, without a word.
Only a page that declares nothing usable and is not UTF-8 is read with a guess
(charset-normalizer's, else GB18030), and the warning says so.
"""

from __future__ import annotations

import codecs

from . import encoding as sniff

# A `<meta>` that could be read as ASCII bytes says UTF-16 or UTF-32 only by
# mistake (the HTML standard reads such a page as UTF-8).
_NOT_FROM_A_META = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}


def decode_bytes(raw: bytes) -> str:
    """The page's bytes (from `page_bytes`) as text; see `decode_text`."""
    return decode_text(raw)[0]


def decode_text(raw: bytes, declared: str = "") -> tuple[str, str]:
    """The page's bytes as text, and a warning ('' if none).

    `declared`: the charset a MIME part or an HTTP response gave, if any.
    """
    encoding = page_encoding(raw, declared)
    if encoding:
        return _decode_replacing(raw, encoding)
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    guess = sniff.detected_encoding(raw) or "gb18030"
    text, warning = _decode_replacing(raw, guess)
    said = f"no usable charset declared and not UTF-8: read as {guess} (a guess)"
    return text, said + (f"; {warning}" if warning else "")


def page_encoding(raw: bytes, declared: str = "") -> str:
    """The codec the page says it is in: its byte-order mark, else `declared`, else
    its own declaration ('' when it says nothing Python can read)."""
    bom = sniff.bom_encoding(raw)
    if bom:
        return bom
    codec = _codec(declared) if declared else ""
    codec = codec or sniff.declared_encoding(raw) or ""
    return "utf-8" if codec in _NOT_FROM_A_META else codec


def header_charset(content_type: str) -> str:
    """The `charset` parameter of a Content-Type header ('' if none), quoted or not,
    as the standard library's MIME parser reads it (MHTML parts are read the same way)."""
    if not content_type or "charset" not in content_type.lower():
        return ""
    from email.message import Message  # here: the email package is 15 ms of every start-up

    message = Message()
    message["Content-Type"] = content_type
    return message.get_content_charset() or ""


def _codec(label: str) -> str:
    try:
        return codecs.lookup(sniff.widen_encoding(label.strip().strip("\"'").lower())).name
    except (LookupError, ValueError):  # an unknown name, or one holding NUL
        return ""


def _decode_replacing(raw: bytes, encoding: str) -> tuple[str, str]:
    try:
        return raw.decode(encoding), ""
    except UnicodeDecodeError as exc:
        first = exc.start
    text = raw.decode(encoding, errors="replace")
    # U+FFFD the page itself holds are not replacements.
    bad = text.count("\ufffd") - raw.decode(encoding, errors="ignore").count("\ufffd")
    return text, (
        f"{bad} byte sequence(s) invalid in the page's {encoding} (first at byte {first}) "
        "replaced with U+FFFD"
    )


def first_encoding(raw: bytes) -> str:
    """The codec `decode_text` reads `raw` with if it is valid in it ('utf-8-sig'
    after a UTF-8 byte-order mark, which the text does not keep)."""
    return page_encoding(raw) or "utf-8"
