"""MHTML archives (Chrome "save as single file", wechatDownload): the page and its parts (pure)."""

from __future__ import annotations

import re

from ..errors import InputError
from .decode import decode_text
from .page import PageSource, page_bytes


def read_mhtml(raw: bytes, origin: str) -> PageSource:
    """An MHTML archive: the first text/html part is the page, others are its images."""
    import email  # here: the email package costs 15 ms of every run's start-up
    import email.policy

    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    html_text = ""
    parts: dict[str, bytes] = {}
    warnings: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        location = re.sub(r"\s+", "", str(part.get("Content-Location", "")))
        if ctype == "text/html" and not html_text:
            html_text, warning = decode_text(page_bytes(payload, origin), part.get_content_charset() or "")
            warnings += [warning] if warning else []
        elif location:
            parts[location] = payload
    if not html_text:
        raise InputError("MHTML file holds no HTML page", source=origin)
    return PageSource(html=html_text, origin=origin, parts=parts, warnings=warnings)
