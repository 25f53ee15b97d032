"""SiteState: the record of a site, locked, journaled and never lost (the runner's API).

Layout of `SITE/.wx2post/`:

- `lock`: held by the one run that writes the site (lock.py); others wait, or fail with
  `--no-wait`.
- `posts.json`: the compacted record (records.py), rewritten atomically by files.py.
- `journal.jsonl`: one line per change since, appended and flushed as it happens. Before a
  post is written an `intent` line names its path and the sha256 of its bytes (fsynced);
  after it, a `done` line. Reading replays the journal onto posts.json; an intent without
  its `done` (the run was killed) counts exactly when the file holds those bytes. So a
  SIGKILL loses at most the post in flight, and never makes wx2post take its own post for
  the user's. The journal is compacted into posts.json (and removed) when a run opens and closes.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ..errors import UnsafePath, WriteFailed
from ..files import contained, open_append, read_plain, sweep_temporary, write_file
from ..interrupts import deferred_interrupts
from .lock import SiteLock
from .rebuild import rebuild
from .records import CorruptState, JournalLine, Written, dumps_line, dumps_state, parse_line, parse_state

STATE_DIR = ".wx2post"
STATE_FILE = f"{STATE_DIR}/posts.json"
JOURNAL_FILE = f"{STATE_DIR}/journal.jsonl"
BACKUP_DIR = f"{STATE_DIR}/backup"

Say = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def text_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class SiteState:
    """What wx2post wrote into a site. `writable=True` takes the site's lock (waiting, or
    SiteBusy with `wait=False`) and journals every change; otherwise a read-only snapshot
    (--dry-run, --stdout). Close it (`close()`) to compact and release the lock."""

    def __init__(self, site: Path, *, writable: bool = False, wait: bool = True, say: Say = _quiet) -> None:
        self.site = site
        self.say = say
        self._posts: dict[str, Written] = {}
        self._by_path: dict[str, str] = {}  # post path -> identity (one article per path)
        self._inputs: dict[str, str] = {}  # input key -> article identity
        self._lock: SiteLock | None = None
        self._journal: IO[bytes] | None = None  # opened at the first change (a run that writes
        self._writable = False  # nothing leaves only its lock behind)
        self._journal_bytes = 0  # the journal's size when read
        self._changed = False
        # Why nothing can be recorded (a read-only or full site): every post then fails with it.
        self.unwritable: WriteFailed | None = None
        if not writable:
            self._load(repair=False)
            return
        try:
            self._lock = SiteLock(site)
            self._lock.acquire(wait=wait, say=say)
        except WriteFailed as error:
            self._unwritable(error)
            return
        except OSError as error:  # the lock file itself (read-only file system, ...)
            self._unwritable(WriteFailed(f"cannot lock {site}: {error.strerror or error}"))
            return
        try:
            self._load(repair=True)
            self._writable = True
            if self._changed or self._journal_bytes:
                self._compact()
        except WriteFailed as error:
            self._unwritable(error)
        except BaseException:
            self.close()
            raise

    def _unwritable(self, error: WriteFailed) -> None:
        self.unwritable, self._writable = error, False
        self.say(f"wx2post: error: {error.reason}: nothing can be written to this site")
        if self._lock is not None:
            self._lock.release()
        if not self._posts:
            try:
                self._load(repair=False)
            except WriteFailed:  # unreadable too: nothing is known, and nothing will be written
                pass

    # -- reading -----------------------------------------------------------------------

    def _read(self, relpath: str) -> bytes | None:
        try:
            return read_plain(contained(self.site, relpath))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            raise WriteFailed(f"cannot read {self.site / relpath}: {error.strerror or error}") from None

    def _load(self, *, repair: bool) -> None:
        problems: list[tuple[str, str]] = []
        posts: dict[str, Written] = {}
        inputs: dict[str, str] = {}
        text = self._read(STATE_FILE)
        if text is not None:
            try:
                posts, inputs = parse_state(text.decode("utf-8"))
            except (CorruptState, UnicodeDecodeError) as error:
                problems.append((STATE_FILE, str(error)))
        self._posts, self._inputs = posts, inputs
        self._by_path = {w.path: k for k, w in posts.items()}
        journal = self._read(JOURNAL_FILE) or b""
        self._journal_bytes = len(journal)
        *lines, torn = journal.split(b"\n")  # a torn last line (killed mid-append) is dropped
        try:
            self._replay([parse_line(line.decode("utf-8")) for line in lines if line.strip()], repair)
        except (CorruptState, UnicodeDecodeError) as error:
            problems.append((JOURNAL_FILE, str(error)))
        if problems:
            self._rebuild(problems, repair)

    def _replay(self, lines: list[JournalLine], repair: bool) -> None:
        pending: dict[str, JournalLine] = {}
        for line in lines:
            if line.op == "intent":
                pending[line.identity] = line
            elif line.op == "set":
                self._apply(line.identity, line.written, line.input_key)
            elif (intent := pending.pop(line.identity, None)) is not None:
                self._apply(intent.identity, intent.written, intent.input_key)
        for intent in pending.values():  # the post in flight when a run was killed
            assert intent.written is not None
            if repair:
                sweep_temporary(self.site, os.path.dirname(intent.written.path))
            current = self._read(intent.written.path)
            if current is not None and text_hash(current) == intent.written.sha256:
                self._apply(intent.identity, intent.written, intent.input_key)
        if lines:
            self._changed = True

    def _apply(self, identity: str, written: Written | None, input_key: str) -> None:
        assert written is not None
        other = self._by_path.get(written.path)
        if other is not None and other != identity:
            del self._posts[other]  # one article per path
        previous = self._posts.get(identity)
        if previous is not None and self._by_path.get(previous.path) == identity:
            del self._by_path[previous.path]
        self._posts[identity] = written
        self._by_path[written.path] = identity
        if input_key:
            self._inputs[input_key] = identity

    def _rebuild(self, problems: list[tuple[str, str]], repair: bool) -> None:
        """Every entry that could be read, plus each post found below the site."""
        found = rebuild(self.site)
        for identity, written in found.items():
            if identity not in self._posts and written.path not in self._by_path:
                self._posts[identity] = written
                self._by_path[written.path] = identity
        for relpath, reason in problems:
            shown = self.site / relpath
            if repair:
                aside = self._move_aside(relpath)
                self.say(
                    f"wx2post: warning: {shown} is unreadable ({reason}); moved it to {aside} and "
                    f"rebuilt the record from the posts ({len(found)} found)"
                )
            else:
                self.say(f"wx2post: warning: {shown} is unreadable ({reason}); using the posts instead")
        self._changed = True

    def _move_aside(self, relpath: str) -> Path:
        source = contained(self.site, relpath)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        for n in range(1000):
            aside = source.with_name(f"{source.name}.corrupt-{stamp}" + (f".{n}" if n else ""))
            if not os.path.lexists(aside):
                try:
                    os.rename(source, aside)  # same folder, checked by contained(); under the lock
                except OSError as error:
                    raise WriteFailed(f"cannot move {source} aside: {error.strerror or error}") from None
                return aside
        raise WriteFailed(f"cannot move {source} aside: no free name")

    # -- queries -------------------------------------------------------------------------

    def get(self, identity: str) -> Written | None:
        return self._posts.get(identity)

    def owner_of(self, relpath: str) -> str | None:
        """The identity whose post lives at `relpath`, if wx2post wrote it."""
        return self._by_path.get(relpath)

    def owns(self, identity: str, relpath: str, current: bytes) -> bool:
        """True when the file at `relpath` is exactly what wx2post last wrote for this article."""
        written = self._posts.get(identity)
        return written is not None and written.path == relpath and written.sha256 == text_hash(current)

    def up_to_date(self, input_key: str) -> Written | None:
        """The finished post of an input seen before, if it is complete and unedited."""
        identity = self._inputs.get(input_key)
        return self.up_to_date_article(identity) if identity else None

    def up_to_date_article(self, identity: str) -> Written | None:
        """The article's finished post, if complete and unedited (whichever input named it)."""
        written = self._posts.get(identity)
        if written is None or not written.complete:
            return None
        try:
            current = self._read(written.path)
        except (WriteFailed, UnsafePath):
            return None
        return written if current is not None and text_hash(current) == written.sha256 else None

    def posts(self) -> dict[str, str]:
        """identity -> post path, for links between converted articles."""
        return {k: w.path for k, w in self._posts.items()}

    def identity_of(self, input_key: str) -> str | None:
        return self._inputs.get(input_key)

    # -- changes ---------------------------------------------------------------------------

    def record(
        self, identity: str, relpath: str, data: bytes, *, complete: bool, input_key: str = ""
    ) -> None:
        """Record a post that already holds `data` (nothing written)."""
        written = Written(relpath, text_hash(data), complete)
        self._append(JournalLine("set", identity, written, input_key))
        self._apply(identity, written, input_key)

    def commit(
        self,
        identity: str,
        relpath: str,
        data: bytes,
        write: Callable[[], Path],
        *,
        complete: bool,
        input_key: str = "",
        adopted: bool = False,
    ) -> Path:
        """`write()` the post and record it: the intent is journaled first, so the record
        follows the file whatever happens (a failed write records nothing)."""
        written = Written(relpath, text_hash(data), complete, adopted)
        if self.unwritable is not None:
            raise self.unwritable
        self._append(JournalLine("intent", identity, written, input_key), sync=True)
        try:
            path = write()
        except BaseException:
            if self._read_quietly(relpath) == data:  # interrupted after the file was in place
                self._apply(identity, written, input_key)
                self._append_quietly(JournalLine("done", identity))
            raise
        self._apply(identity, written, input_key)
        self._append_quietly(JournalLine("done", identity))
        return path

    def rewrite_own(
        self, relpaths: list[str], current: bytes, data: bytes, write: Callable[[], Path]
    ) -> bool:
        """If the post at one of `relpaths` (the names one file goes by) is wx2post's own,
        unedited (`current` has the recorded hash), `write()` `data` there as `commit` does
        and record its hash, so the post stays wx2post's (`fix --write` repairing it). False,
        with nothing written, when it is not: a post the user edited is not claimed."""
        for relpath in relpaths:
            identity = self._by_path.get(relpath)
            if identity is None or not self.owns(identity, relpath, current):
                continue
            known = self._posts[identity]
            self.commit(identity, relpath, data, write, complete=known.complete, adopted=known.adopted)
            return True
        return False

    def _read_quietly(self, relpath: str) -> bytes | None:
        try:
            return self._read(relpath)
        except (WriteFailed, OSError):
            return None

    def _append(self, line: JournalLine, *, sync: bool = False) -> None:
        if not self._writable:
            self._changed = True
            return  # read-only snapshot: nothing is kept
        if self._journal is None:
            self._journal = open_append(self.site, JOURNAL_FILE)
        journal = self._journal
        start = journal.tell()
        data = memoryview(dumps_line(line))
        try:
            with deferred_interrupts():  # a line is appended whole, whenever Ctrl-C comes
                while data:
                    data = data[journal.write(data) or 0 :]
                if sync:
                    os.fsync(journal.fileno())
                self._changed = True
        except OSError as error:
            try:  # no torn line for the next append to follow
                os.ftruncate(journal.fileno(), start)
            except OSError:
                pass
            raise WriteFailed(
                f"cannot record the post in {self.site / JOURNAL_FILE}: {error.strerror or error}"
            ) from None

    def _append_quietly(self, line: JournalLine) -> None:
        try:
            self._append(line)
        except WriteFailed:
            pass  # the intent and the file's hash already tell (see _replay)

    def _compact(self) -> None:
        """posts.json rewritten whole and atomically, then the journal removed (a crash in
        between only replays what posts.json holds already)."""
        write_file(self.site, STATE_FILE, dumps_state(self._posts, self._inputs))
        if self._journal is not None:
            self._journal.close()
            self._journal = None  # the next change starts a new journal
        try:
            contained(self.site, JOURNAL_FILE).unlink(missing_ok=True)
        except OSError as error:
            shown = self.site / JOURNAL_FILE
            raise WriteFailed(f"cannot remove {shown}: {error.strerror or error}") from None
        self._journal_bytes = 0
        self._changed = False

    def close(self) -> None:
        """Compact (a failure is a warning: the journal keeps everything) and release the lock."""
        try:
            if self._writable and self._changed:
                try:
                    self._compact()
                except (WriteFailed, OSError) as error:
                    self.say(
                        f"wx2post: warning: the record was not compacted ({error}); the next run does it"
                    )
        finally:
            if self._journal is not None:
                self._journal.close()
                self._journal = None
            self._writable = False
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    save = close  # the name the runner used before the journal
