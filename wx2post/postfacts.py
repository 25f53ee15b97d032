"""What one of wx2post's own posts says about itself: title, date, source link, images (pure).

An `unchanged` input is not parsed again, yet its `--json` row should say what the
post holds. The state vouches that the file is, byte for byte, the post wx2post wrote
(its hash), so the post's own front matter and image references are the record.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .lazyre import lazy
from .models import BEIJING
from .urls import is_wechat_image

_IMAGE_TARGETS = lazy(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)|<img\b[^<>]*?\bsrc=[\"']([^\"']+)", re.I)


@dataclass(frozen=True)
class PostFacts:
    title: str = ""
    date: str = ""  # ISO 8601 with offset, whole seconds
    url: str = ""
    images_saved: int = 0
    images_failed: int = 0


def post_facts(text: str, *, complete: bool = True, entities: bool = False) -> PostFacts:
    """The facts of a post's text; `complete` (from the state): every image was saved;
    `entities`: the title was written with HTML entities (hux, jekyll: for Liquid layouts)."""
    head, body = _split(text)
    meta = _front_matter(head)
    saved = failed = 0
    for m in _IMAGE_TARGETS.finditer(body):
        target = m.group(1) or m.group(2)
        if re.match(r"^(https?:)?//", target):
            failed += 1 if is_wechat_image(target) and not complete else 0
        elif not target.startswith("data:"):
            saved += 1
    title = str(meta.get("title") or "")
    return PostFacts(
        title=html.unescape(title) if entities else title,
        date=_iso(meta.get("date")),
        url=str(meta.get("source") or ""),
        images_saved=saved,
        images_failed=failed,
    )


def _split(text: str) -> tuple[str, str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.startswith("---"):
        return "", text
    end = text.find("\n---", 3)
    if end < 0:
        return "", text
    return text[3:end], text[end + 4 :]


def _front_matter(head: str) -> dict[str, Any]:
    if not head.strip():
        return {}
    import yaml

    try:
        data = yaml.safe_load(head)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _iso(value: object) -> str:
    """A front matter date (YAML timestamp or string; Hexo's has no offset: Beijing time)."""
    when: datetime | None = None
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        when = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = re.sub(r" ([+-]\d{2})(\d{2})$", r"\1:\2", value.strip())
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return ""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=BEIJING)
    return when.astimezone(BEIJING).replace(microsecond=0).isoformat()
