"""Other tools' multi-article exports: wechat-article-exporter's ZIP archives and its JSON
export (I/O edge).

- The ZIP holds one folder per article, `<title>/index.html` beside `<title>/assets/...`:
  each HTML entry is a page, the entries of its folder its saved images (by the relative
  path its `src` names).
- The JSON export is a list of article records (`title`, `link`, `create_time`,
  `_accountName`, `author_name`, ... and `content`, HTML or text): each record with content
  is an article; its fields are the article's metadata, its link and time the page's hints.
"""

from __future__ import annotations

import html as html_lib
import json
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .hints import parse_listed_time
from .page import HTML_SUFFIXES, MAX_PAGE_BYTES, PageSource, decode_page

if TYPE_CHECKING:
    import zipfile

MAX_PART_BYTES = 32 * 1024 * 1024


# -- ZIP ----------------------------------------------------------------------------------


def zip_pages(path: Path) -> list[str]:
    """The HTML entries of an export ZIP (none of its asset folders)."""
    with _open_zip(path) as archive:
        return [
            info.filename
            for info in archive.infolist()
            if info.filename.lower().endswith(HTML_SUFFIXES)
            and "assets/" not in info.filename
            and not posixpath.basename(info.filename).startswith(".")
        ]


def read_zip_page(path: Path, name: str) -> PageSource:
    origin = f"{path}::{name}"
    with _open_zip(path) as archive:
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise InputError(f"the ZIP file holds no {name}", source=str(path)) from None
        if info.file_size > MAX_PAGE_BYTES:
            raise InputError(f"file is too large for a page ({info.file_size} bytes)", source=origin)
        page = archive.read(info)
        folder = posixpath.dirname(name)
        parts: dict[str, bytes] = {}
        for other in archive.infolist():
            if other.is_dir() or other.filename == name or other.file_size > MAX_PART_BYTES:
                continue
            if folder and not other.filename.startswith(folder + "/"):
                continue
            rel = posixpath.relpath(other.filename, folder or ".")
            if rel.lower().endswith(HTML_SUFFIXES):
                continue
            data = archive.read(other)
            parts[rel] = parts[f"./{rel}"] = data
    return PageSource(html=decode_page(page, origin), origin=origin, parts=parts)


def _open_zip(path: Path) -> zipfile.ZipFile:
    import zipfile  # here: zipfile brings shutil and the compressors, for ZIP inputs only

    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"unreadable ZIP file ({exc})", source=str(path)) from exc


# -- JSON ---------------------------------------------------------------------------------


def json_records(path: Path) -> list[dict[str, Any]] | None:
    """The article records of an exporter JSON file, or None if it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if isinstance(data, dict):
        lists = (v for k, v in data.items() if k in ("data", "articles", "list") and isinstance(v, list))
        data = next(lists, None)
    if not isinstance(data, list):
        return None
    records = [r for r in data if isinstance(r, dict) and isinstance(r.get("title"), str)]
    if not records or not any(("link" in r or "url" in r) for r in records):
        return None
    return records


def json_articles(path: Path) -> list[str]:
    """Member names (record numbers) of the records that carry the article's content."""
    records = json_records(path) or []
    return [str(i) for i, r in enumerate(records) if str(r.get("content") or "").strip()]


def read_json_article(path: Path, member: str) -> PageSource:
    origin = f"{path}::{member}"
    records = json_records(path)
    if records is None or not member.isdigit() or int(member) >= len(records):
        raise InputError(f"the JSON export holds no record {member}", source=str(path))
    record = records[int(member)]
    content = str(record.get("content") or "")
    if not content.strip():
        raise InputError("the record has no content (export again with content included)", source=origin)
    link = str(record.get("link") or record.get("url") or "")
    when = record.get("create_time") or record.get("update_time") or record.get("publish_time") or ""
    return PageSource(
        html=record_page(record, content),
        origin=origin,
        url_hint=link,
        date_hint=parse_listed_time(str(when)),
        date_hint_from="the export's record",
    )


def record_page(record: dict[str, Any], content: str) -> str:
    """The record as a page with the DOM the parser reads (title, account, author, body)."""
    esc = html_lib.escape

    def field(*names: str) -> str:
        return next((str(record[n]) for n in names if isinstance(record.get(n), str) and record[n]), "")

    if not _is_html(content):  # the text export: whitespace folded, one paragraph a line
        content = "".join(f"<p>{esc(line)}</p>" for line in content.splitlines() if line.strip())
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<meta name='description' content='{esc(field('digest', 'desc'))}'></head><body>"
        f"<h1 id='activity-name'>{esc(field('title'))}</h1>"
        f"<span id='js_author_name'>{esc(field('author_name', 'author'))}</span>"
        f"<a id='js_name'>{esc(field('_accountName', 'nickname', 'account_name', 'accountName'))}</a>"
        f"<div id='js_content' class='rich_media_content'>{content}</div>"
        "</body></html>"
    )


def _is_html(text: str) -> bool:
    lowered = text.lower()
    return any(tag in lowered for tag in ("<p", "<div", "<section", "<img", "<br", "<span", "<h"))
