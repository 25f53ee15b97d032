"""Find the inputs of a run: files, folders searched recursively, links, list files (I/O edge).

Everything is yielded lazily so a folder of ten thousand pages is never held in
memory. What a folder holds that is not a saved article is counted, not converted.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .errors import WxError
from .sources import HTML_SUFFIXES, MHTML_SUFFIXES
from .sources.containers import is_container, members

PAGE_SUFFIXES = HTML_SUFFIXES + MHTML_SUFFIXES
# Browser "save complete" puts a page's images in `<name>_files/` (`_archivos`, `-Dateien`
# in other locales); wechat-article-exporter in `assets/` beside `index.html`.
ASSET_DIR_SUFFIXES = ("_files", "_archivos", "-Dateien", "_fichiers", ".files")


def is_link(text: str) -> bool:
    """A WeChat link rather than a file path (pasted links may carry spaces)."""
    t = text.strip().lower()
    return t.startswith(("http://", "https://", "//", "mp.weixin.qq.com/"))


@dataclass
class InputCounts:
    """What input discovery saw besides the inputs themselves."""

    skipped: int = 0  # files in folders that are not saved articles
    missing: list[str] = field(default_factory=list)


def read_list(stream: TextIO) -> Iterator[str]:
    """`--input-file`: one link or path a line; `#` comments and blank lines ignored."""
    for line in stream:
        text = line.strip()
        if text and not text.startswith("#"):
            yield text


def expand(args: Iterable[str], input_file: str | None, counts: InputCounts) -> Iterator[str]:
    """Links as given, files as given, folders as the saved articles below them."""
    sources: Iterable[str] = args
    if input_file is not None:
        sources = _chain(args, input_file)
    for source in sources:
        if is_link(source):
            yield source.strip()
            continue
        path = Path(source)
        if path.is_dir() and not (path / "index.html").is_file():
            yield from walk_folder(path, counts)
        elif is_container(path):
            yield from container_members(path)
        else:
            yield source  # a missing file is reported by the conversion, with its name


def _chain(args: Iterable[str], input_file: str) -> Iterator[str]:
    yield from args
    if input_file == "-":
        yield from read_list(sys.stdin)
    else:
        with open(input_file, encoding="utf-8-sig") as fh:
            yield from read_list(fh)


def container_members(path: Path, counts: InputCounts | None = None) -> Iterator[str]:
    """Each article of a WARC file, export ZIP or JSON export. The file itself when it cannot
    be read, or when it was given by name and holds no article, so that the conversion
    reports why; met in a folder, a readable file without articles (a ZIP of photos) is
    counted like any other file that is no saved article."""
    try:
        found = members(path)
    except WxError:
        yield str(path)
        return
    if found:
        yield from found
    elif counts is None:
        yield str(path)
    else:
        counts.skipped += 1


def walk_folder(root: Path, counts: InputCounts) -> Iterator[str]:
    """Saved articles below `root`, in a stable order.

    An exporter folder (`index.html` + `assets/`) is one input (its index.html);
    a browser's `<name>_files/` folder holds assets, never inputs; a WARC file, an
    export ZIP or a JSON export is one input per article it holds.
    """
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames.sort()
        if here != root and "index.html" in filenames and (here / "assets").is_dir():
            yield str(here / "index.html")  # an exporter's folder: one article, its assets beside it
            dirnames.clear()
            continue
        # Asset folders hold a page's pictures: neither inputs nor skipped inputs.
        dirnames[:] = [
            d for d in dirnames if not (d.endswith(ASSET_DIR_SUFFIXES) or d.startswith(".") or d == "assets")
        ]
        for name in sorted(filenames):
            if _special(here / name):
                counts.skipped += 1  # a FIFO, socket or device: reading it could block the run
            elif name.lower().endswith(PAGE_SUFFIXES) and not name.startswith("."):
                yield str(here / name)
            elif not name.startswith(".") and is_container(here / name):
                yield from container_members(here / name, counts)
            else:
                counts.skipped += 1


def _special(path: Path) -> bool:
    """Whether `path` (a symlink followed) is there but is neither a file nor a folder."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False  # gone, or a broken link: the conversion reports it
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))
