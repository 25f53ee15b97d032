"""What wx2post wrote into a site, so re-runs can repair its own posts but never a user's edits.

`SITE/.wx2post/posts.json` maps an article's identity (its clean URL) to the post
path and the sha256 of the text written. A post whose file still has that hash is
wx2post's own and may be regenerated (to add images that failed before); a post
edited since, or not written by wx2post, is only replaced with --force.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .pipeline import write_atomic

STATE_FILE = ".wx2post/posts.json"


def text_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Written:
    path: str  # relative to the site, POSIX separators
    sha256: str


class SiteState:
    def __init__(self, site: Path) -> None:
        self.site = site
        self.file = site / STATE_FILE
        self._posts: dict[str, Written] = {}
        self._dirty = False
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
            for key, value in raw.get("posts", {}).items():
                self._posts[key] = Written(path=str(value["path"]), sha256=str(value["sha256"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no state yet, or unreadable: every existing post counts as the user's

    def get(self, identity: str) -> Written | None:
        return self._posts.get(identity)

    def owns(self, identity: str, relpath: str, current: bytes) -> bool:
        """True when the file at `relpath` is exactly what wx2post last wrote for this article."""
        written = self._posts.get(identity)
        return written is not None and written.path == relpath and written.sha256 == text_hash(current)

    def record(self, identity: str, relpath: str, data: bytes) -> None:
        self._posts[identity] = Written(path=relpath, sha256=text_hash(data))
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        payload = {"version": 1, "posts": {k: vars(v) for k, v in sorted(self._posts.items())}}
        text = json.dumps(payload, ensure_ascii=False, indent=1) + "\n"
        write_atomic(self.file, text.encode("utf-8"))
        self._dirty = False
