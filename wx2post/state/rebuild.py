"""Rebuild the state from the posts themselves, when the state file is unreadable.

Every post wx2post writes names its article in the front matter: `source:` is the article's
clean link, which is also its identity in the state. A rebuild walks the posts folders of
every preset, reads each Markdown file's front matter, and adopts the posts whose `source`
is a WeChat article link in the form wx2post writes. Adopted posts are wx2post's again (no
PostExists on a re-run); because a rebuild cannot tell whether one was edited since, the
first regeneration that changes an adopted post keeps its previous text in
`.wx2post/backup/` (see runner/publish.py).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import yaml

from ..files import read_plain
from ..lazyre import lazy
from ..presets import PRESETS
from ..urls import article_id, clean_url
from .records import POST_SUFFIXES, CorruptState, Written, valid_post_path

MAX_POST_BYTES = 16 * 1024 * 1024
_FRONT = lazy(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
# A body image still on WeChat's CDN: that image was not saved when the post was written.
_REMOTE_IMAGE = lazy(r"!\[[^\]]*\]\(https?://mmbiz\.q(?:pic|logo)\.cn/")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def posts_folders() -> list[str]:
    return sorted({p.posts_dir for p in PRESETS.values()})


def rebuild(site: Path) -> dict[str, Written]:
    """identity -> Written for every post below the site that names its WeChat article."""
    root = Path(os.path.realpath(site))
    found: dict[str, Written] = {}
    for folder in posts_folders():
        for path in _markdown_files(root, root / folder):
            adopted = _adopt(root, path)
            if adopted is not None and adopted[0] not in found:
                found[adopted[0]] = adopted[1]
    return found


def _markdown_files(root: Path, folder: Path) -> list[Path]:
    if not folder.is_dir() or not os.path.realpath(folder).startswith(str(root) + os.sep):
        return []
    files = []
    for dirpath, dirnames, filenames in os.walk(folder):  # links to folders are not followed
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith(POST_SUFFIXES):
                files.append(Path(dirpath) / name)
    return files


def _adopt(root: Path, path: Path) -> tuple[str, Written] | None:
    try:
        if path.is_symlink() or path.stat().st_size > MAX_POST_BYTES:
            return None
        data = read_plain(path)
        relpath = valid_post_path(path.relative_to(root).as_posix())
        source = article_source(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, CorruptState):
        return None
    if source is None:
        return None
    complete = not _REMOTE_IMAGE.search(data.decode("utf-8"))
    return source, Written(relpath, hashlib.sha256(data).hexdigest(), complete, adopted=True)


def article_source(text: str) -> str | None:
    """The front matter's `source` when it is a WeChat article link as wx2post writes it."""
    match = _FRONT.match(text)
    if match is None:
        return None
    try:
        meta = yaml.load(match.group(1), Loader=_Loader)  # noqa: S506 (a safe loader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    source = meta.get("source") if isinstance(meta, dict) else None
    if not isinstance(source, str) or article_id(source) is None or clean_url(source) != source:
        return None
    return source
