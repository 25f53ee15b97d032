"""File names for posts: safe on Linux, macOS and Windows, at most 255 bytes (pure).

Rule (documented in the README):
- `title` (default): the title as it is, CJK kept; control characters, terminal
  escape sequences and bidi overrides are removed; characters that Windows forbids
  or that URLs need escaped (`<>:"/\\|?*#%&{}[]^~`) and whitespace become `-`;
  runs of `-` collapse; leading/trailing `-` and `.` go.
- `pinyin`: the title in toneless pinyin, lowercase ASCII words joined by `-`.
- `id`: the article's id (the short link id, else `<mid>-<idx>`), else a hash.
Names Windows reserves (`CON`, `NUL`, `COM1`...) get a `-post` suffix; the whole
file name is cut at a character boundary so it stays within 255 bytes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from .chars import one_line
from .lazyre import lazy
from .urls import article_id, scrub_text

MAX_NAME_BYTES = 255
_UNSAFE = lazy(r"[\x00-\x1f\x7f<>:\"/\\|?*#%&{}\[\]^~`'!$+,;=@()\s\u3000]+")
_SAFE_ID = lazy(r"[A-Za-z0-9_-]{1,80}")
_WINDOWS_RESERVED = lazy(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.I)


def slugify_title(title: str) -> str:
    # Escape sequences and bidi overrides go whole (U+202E would make a name read backwards).
    text = unicodedata.normalize("NFC", one_line(title))
    text = _UNSAFE.sub("-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-.")
    return text


def slugify_pinyin(title: str) -> str:
    from pypinyin import lazy_pinyin  # imported here: only this mode needs it

    words = lazy_pinyin(title, errors="default")
    text = "-".join(w for w in words)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return re.sub(r"-{2,}", "-", text)


def article_slug_id(url: str, fallback: str) -> str:
    """The article's id as a name: `<short id>` or `<mid>-<idx>`, else a hash.

    A link read from a broken page may hold anything as its `mid`: an id that is
    not a short run of safe characters is hashed instead, so it stays a name.
    """
    ident = article_id(url) if url else None
    name = ""
    if ident and ident.short:
        name = ident.short
    elif ident and ident.mid:
        name = f"{ident.mid}-{ident.idx or '1'}"
    if _SAFE_ID.fullmatch(name):
        return name
    return hashlib.sha1((name or fallback).encode("utf-8", "surrogatepass")).hexdigest()[:12]


def make_slug(mode: str, title: str, url: str, identity: str) -> str:
    # Slugging would turn `?key=SECRET` into `-key-SECRET`, past any later check.
    title = scrub_text(title)
    if mode == "pinyin":
        slug = slugify_pinyin(title)
    elif mode == "id":
        slug = article_slug_id(url, identity)
    elif mode == "title":
        slug = slugify_title(title)
    else:
        raise ValueError(f"unknown slug mode {mode!r} (title, pinyin or id)")
    if not slug:
        slug = article_slug_id(url, identity or title)
    if _WINDOWS_RESERVED.match(slug):
        slug += "-post"
    return slug


def fit_bytes(prefix: str, slug: str, suffix: str, limit: int = MAX_NAME_BYTES) -> str:
    """`prefix + slug + suffix`, the slug cut at a character boundary to fit `limit` bytes."""
    room = max(limit - len(prefix.encode()) - len(suffix.encode()), 0)
    cut = slug.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip("-.")
    return prefix + cut + suffix
