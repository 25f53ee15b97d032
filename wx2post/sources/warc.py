"""WARC files (`.warc`, `.warc.gz`): every WeChat article response is a page, its images
the archive's image records (I/O edge; read with warcio, never over the network).

warcio is the Webrecorder/Internet Archive reader: it handles gzip members, chunked and
compressed HTTP payloads and both WARC 1.0 and 1.1, which a hand-written reader would
each have to get right. The archive is indexed once (where each capture starts; bodies
are not kept), then each article and the images it refers to are read at their offsets,
so a WARC of a thousand articles is not read a thousand times.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..images import wechat_image_id
from ..urls import article_id, clean_image_url
from .page import PageSource, decode_page
from .wayback import unrewrite

WARC_SUFFIXES = (".warc", ".warc.gz")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "")


@dataclass
class _Index:
    articles: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (clean link, offset)
    images: dict[str, int] = field(default_factory=dict)  # capture URL -> offset


def _errors() -> tuple[type[BaseException], ...]:
    """What a damaged archive raises while it is read."""
    from warcio.exceptions import ArchiveLoadFailed

    return (ArchiveLoadFailed, OSError, ValueError, EOFError, StopIteration)


def _index(path: Path) -> _Index:
    stat = path.stat()
    return _index_of(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _index_of(path: Path, size: int, mtime: int) -> _Index:
    index = _Index()
    try:
        with path.open("rb") as fh:
            from warcio.archiveiterator import ArchiveIterator

            records = ArchiveIterator(fh)
            for record in records:
                if record.rec_type not in ("response", "resource"):
                    continue
                uri, ctype = _uri_and_type(record)
                if uri is None:
                    continue
                offset = records.get_record_offset()
                ident = article_id(uri)
                if ident is not None and ctype in _HTML_TYPES:
                    index.articles.setdefault(ident.key, (ident.url, offset))
                elif ctype.startswith("image/") or wechat_image_id(clean_image_url(uri)):
                    index.images.setdefault(uri, offset)
    except _errors() as exc:
        raise InputError(f"unreadable WARC file ({exc})", source=str(path)) from exc
    return index


def _uri_and_type(record: Any) -> tuple[str | None, str]:
    """A capture's URL and content type; no URL for a capture that is no 200 response."""
    uri = unrewrite(record.rec_headers.get_header("WARC-Target-URI") or "")
    if record.rec_type == "response":
        http = record.http_headers
        if http is None or http.get_statuscode() != "200":
            return None, ""
        ctype = http.get_header("Content-Type") or ""
    else:
        ctype = record.rec_headers.get_header("Content-Type") or ""
    return uri, ctype.split(";")[0].strip().lower()


def _body_at(path: Path, offset: int) -> bytes:
    from warcio.archiveiterator import ArchiveIterator

    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            return bytes(record.content_stream().read())
    except _errors() as exc:
        raise InputError(f"unreadable WARC record at {offset} ({exc})", source=str(path)) from exc


def warc_articles(path: Path) -> list[str]:
    """The WeChat articles captured in the archive, by clean link (a capture URL may carry
    the reader's session: it is never shown), in the order of their first capture."""
    return [link for link, _ in _index(path).articles.values()]


def read_warc_article(path: Path, link: str) -> PageSource:
    """The first capture of the article `link` names, with every image record it refers to."""
    index = _index(path)
    wanted = article_id(link)
    found = index.articles.get(wanted.key) if wanted else None
    if found is None:
        raise InputError(f"the WARC file holds no capture of {link}", source=str(path))
    origin = f"{path}::{link}"
    html = decode_page(_body_at(path, found[1]), origin)
    parts = {uri: _body_at(path, offset) for uri, offset in index.images.items() if _referred(html, uri)}
    return PageSource(html=html, origin=origin, parts=parts, url_hint=link)


def _referred(html: str, uri: str) -> bool:
    image_id = wechat_image_id(clean_image_url(uri))
    return (image_id or uri.split("?")[0]) in html
