"""Inputs that hold many articles (WARC files, export ZIPs, JSON exports), each article an
input of its own, named `<file>::<member>` (I/O edge).

A batch lists the members when it meets the file (`members`) and converts each like a
saved page (`read_member`), so one bad article is one failed input and the rest go on.
The member is the capture URL (WARC), the entry's path (ZIP) or the record's number (JSON).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..lazyre import lazy
from .exports import json_articles, json_records, read_json_article, read_zip_page, zip_pages
from .page import PageSource
from .warc import WARC_SUFFIXES, read_warc_article, warc_articles
from .webarchive import from_web_archive

SEPARATOR = "::"
CONTAINER_SUFFIXES = (*WARC_SUFFIXES, ".zip", ".json")
_MEMBER = lazy(r"^(?P<file>.+?(?:\.warc|\.warc\.gz|\.zip|\.json))::(?P<member>.+)$", re.I | re.S)


def is_container(path: Path) -> bool:
    """A file whose name says it may hold many articles (a JSON file only if it is an export)."""
    name = path.name.lower()
    if not name.endswith(CONTAINER_SUFFIXES) or not path.is_file():
        return False
    return not name.endswith(".json") or json_records(path) is not None


def members(path: Path) -> list[str]:
    """`<file>::<member>` for every article in the container."""
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        found = warc_articles(path)
    elif name.endswith(".zip"):
        found = zip_pages(path)
    else:
        found = json_articles(path)
    return [f"{path}{SEPARATOR}{member}" for member in found]


def split_member(source: str) -> tuple[Path, str] | None:
    """(container, member) when `source` names a member of an existing container."""
    m = _MEMBER.match(source)
    if m is None or Path(source).exists():
        return None
    container = Path(m.group("file"))
    return (container, m.group("member")) if container.is_file() else None


def read_member(container: Path, member: str) -> PageSource:
    name = container.name.lower()
    if name.endswith(WARC_SUFFIXES):
        return from_web_archive(read_warc_article(container, member))
    if name.endswith(".zip"):
        return from_web_archive(read_zip_page(container, member))
    if name.endswith(".json"):
        return read_json_article(container, member)
    raise InputError("not a file that holds articles", source=str(container))
