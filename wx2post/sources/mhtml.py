"""MHTML archives (Chrome "save as single file", wechatDownload): the page and its parts (pure)."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message

from ..errors import InputError
from .encoding import widen_encoding
from .page import PageSource, decode_page


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
                    html_text = payload.decode(widen_encoding(charset))
                    continue
                except (UnicodeDecodeError, LookupError):
                    pass
            html_text = decode_page(payload, origin)
        elif location:
            parts[location] = payload
    if not html_text:
        raise InputError("MHTML file holds no HTML page", source=origin)
    return PageSource(html=html_text, origin=origin, parts=parts)
