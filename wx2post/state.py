"""What wx2post wrote into a site, so re-runs are cheap and never touch a user's edits.

`SITE/.wx2post/posts.json` holds, for each article (keyed by its identity, the
clean article URL): the post's path, the sha256 of the text written and whether
every image was saved. It also maps each input seen (a saved page by the hash of
its bytes, a link by its clean form) to the article it held.

- A post whose file still has the recorded hash is wx2post's own: a re-run may
  regenerate it (to save images that failed before) or skip it when complete.
- A post edited since, or not written by wx2post, is only replaced with --force.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from .files import write_atomic

STATE_FILE = ".wx2post/posts.json"


def text_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Written:
    path: str  # relative to the site, POSIX separators
    sha256: str
    complete: bool = True  # every image was saved


class SiteState:
    def __init__(self, site: Path) -> None:
        self.site = site
        self.file = site / STATE_FILE
        self._posts: dict[str, Written] = {}
        self._inputs: dict[str, str] = {}  # input key -> article identity
        self._dirty = False
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
            for key, value in raw.get("posts", {}).items():
                self._posts[key] = Written(
                    path=str(value["path"]),
                    sha256=str(value["sha256"]),
                    complete=bool(value.get("complete", True)),
                )
            self._inputs = {str(k): str(v) for k, v in raw.get("inputs", {}).items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no state yet, or unreadable: every existing post counts as the user's

    def get(self, identity: str) -> Written | None:
        return self._posts.get(identity)

    def owner_of(self, relpath: str) -> str | None:
        """The identity whose post lives at `relpath`, if wx2post wrote it."""
        return next((k for k, w in self._posts.items() if w.path == relpath), None)

    def owns(self, identity: str, relpath: str, current: bytes) -> bool:
        """True when the file at `relpath` is exactly what wx2post last wrote for this article."""
        written = self._posts.get(identity)
        return written is not None and written.path == relpath and written.sha256 == text_hash(current)

    def up_to_date(self, input_key: str) -> Written | None:
        """The finished post of an input seen before, if it is complete and unedited."""
        identity = self._inputs.get(input_key)
        written = self._posts.get(identity) if identity else None
        if written is None or not written.complete:
            return None
        target = self.site / written.path
        try:
            return written if text_hash(target.read_bytes()) == written.sha256 else None
        except OSError:
            return None

    def up_to_date_article(self, identity: str) -> Written | None:
        """The article's finished post, if complete and unedited (whichever input named it)."""
        written = self._posts.get(identity)
        if written is None or not written.complete:
            return None
        try:
            return written if text_hash((self.site / written.path).read_bytes()) == written.sha256 else None
        except OSError:
            return None

    def posts(self) -> dict[str, str]:
        """identity -> post path, for links between converted articles."""
        return {k: w.path for k, w in self._posts.items()}

    def identity_of(self, input_key: str) -> str | None:
        return self._inputs.get(input_key)

    def record(
        self, identity: str, relpath: str, data: bytes, *, complete: bool, input_key: str = ""
    ) -> None:
        self._posts[identity] = Written(path=relpath, sha256=text_hash(data), complete=complete)
        if input_key:
            self._inputs[input_key] = identity
        self._dirty = True

    def commit(
        self,
        identity: str,
        relpath: str,
        data: bytes,
        write: Callable[[], Path],
        *,
        complete: bool,
        input_key: str = "",
    ) -> Path:
        """`write()` the post, then record it: recorded only if the bytes are on disk, also
        when the write is interrupted after the file was put in place."""
        try:
            path = write()
        except BaseException:
            try:
                on_disk = (self.site / relpath).read_bytes() == data
            except OSError:
                on_disk = False
            if on_disk:
                self.record(identity, relpath, data, complete=complete, input_key=input_key)
            raise
        self.record(identity, relpath, data, complete=complete, input_key=input_key)
        return path

    def save(self) -> None:
        if not self._dirty:
            return
        payload = {
            "version": 1,
            "posts": {k: asdict(v) for k, v in sorted(self._posts.items())},
            "inputs": dict(sorted(self._inputs.items())),
        }
        text = json.dumps(payload, ensure_ascii=False, indent=1) + "\n"
        write_atomic(self.file, text.encode("utf-8"))
        self._dirty = False
