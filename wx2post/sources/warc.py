"""WARC files (`.warc`, `.warc.gz`): every WeChat article response is a page, its images
the archive's image records (I/O edge; read with warcio, never over the network).

warcio is the Webrecorder/Internet Archive reader: it handles gzip members, chunked and
compressed HTTP payloads and both WARC 1.0 and 1.1, which a hand-written reader would
each have to get right. An article is addressed by its capture URL, so a batch names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..images import wechat_image_id
from ..urls import article_id, clean_image_url
from .page import PageSource, decode_page
from .wayback import unrewrite

WARC_SUFFIXES = (".warc", ".warc.gz")


def _records(path: Path) -> Iterator[tuple[str, str, bytes]]:
    """(target URI, content type, body) of every response or resource record with status 200."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type not in ("response", "resource"):
                    continue
                # A crawl of the Wayback Machine names its captures by archive URLs.
                uri = unrewrite(record.rec_headers.get_header("WARC-Target-URI") or "")
                if record.rec_type == "response":
                    http = record.http_headers
                    if http is None or http.get_statuscode() != "200":
                        continue
                    ctype = http.get_header("Content-Type") or ""
                else:
                    ctype = record.rec_headers.get_header("Content-Type") or ""
                yield uri, ctype.split(";")[0].strip().lower(), record.content_stream().read()
    except (ArchiveLoadFailed, OSError, ValueError, EOFError) as exc:
        raise InputError(f"unreadable WARC file ({exc})", source=str(path)) from exc


def is_article_capture(uri: str, ctype: str) -> bool:
    return ctype in ("text/html", "application/xhtml+xml", "") and article_id(uri) is not None


def warc_articles(path: Path) -> list[str]:
    """The WeChat articles captured in the archive, by clean link (a capture URL may carry
    the reader's session: it is never shown), in the order of their first capture."""
    seen: dict[str, str] = {}
    for uri, ctype, _ in _records(path):
        ident = article_id(uri)
        if is_article_capture(uri, ctype) and ident is not None:
            seen.setdefault(ident.key, ident.url)
    return list(seen.values())


def read_warc_article(path: Path, link: str) -> PageSource:
    """The first capture of the article `link` names, with every image record it refers to."""
    wanted = article_id(link)
    page: bytes | None = None
    images: dict[str, bytes] = {}
    for record_uri, ctype, body in _records(path):
        ident = article_id(record_uri)
        if (
            page is None
            and wanted
            and ident
            and ident.key == wanted.key
            and is_article_capture(record_uri, ctype)
        ):
            page = body
        elif ctype.startswith("image/") or wechat_image_id(clean_image_url(record_uri)):
            images.setdefault(record_uri, body)
    if page is None:
        raise InputError(f"the WARC file holds no capture of {link}", source=str(path))
    origin = f"{path}::{link}"
    html = decode_page(page, origin)
    referred = {u: b for u, b in images.items() if _referred(html, u)}
    return PageSource(html=html, origin=origin, parts=referred, url_hint=link)


def _referred(html: str, uri: str) -> bool:
    image_id = wechat_image_id(clean_image_url(uri))
    return (image_id or uri.split("?")[0]) in html
