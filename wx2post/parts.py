"""The `.part` files images are downloaded into (I/O): claimed while written, orphans removed.

A download streams into `<stem>.<random>.part` in the image folder and is renamed
once complete (store.py, through files.stage). A run that is killed (SIGKILL, power
loss) cannot remove its part files, so the next run does. A part file that another
live run is still writing must not go: each writer holds an exclusive `flock` on its
part file for as long as it writes, and the kernel drops that lock when the writer
dies, however it dies. So a part file whose lock can be taken is an orphan.
"""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path
from typing import IO

from .lazyre import lazy

# What files.stage names an image's part file: `<stem>.<12 hex digits>.part`; nothing else is ours.
PART_NAME = lazy(r"^[A-Za-z0-9_-]{1,200}\.[0-9a-f]{12}\.part$")
# Non-blocking: a FIFO named like a part file must not hold the run at open.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def claim(path: Path, file: IO[bytes]) -> bool:
    """Lock a freshly created part file for this writer; False if a clean-up removed it
    between its creation and the lock (the caller then starts a new one)."""
    fcntl.flock(file.fileno(), fcntl.LOCK_EX)  # held until the file is closed
    return _same_file(path, file.fileno())


def remove_orphans(folder: Path) -> list[str]:
    """Remove the part files no live writer holds: the names removed."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    removed = []
    for name in names:
        if PART_NAME.match(name) and _remove_if_orphan(folder / name):
            removed.append(name)
    return removed


def _remove_if_orphan(path: Path) -> bool:
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return False  # gone meanwhile, or a symlink: not ours to judge
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False  # no part file of ours
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a live download holds it
        # Still the file we locked (not a new one under the same name), then removed
        # while we hold its lock: a writer claiming it meanwhile sees it gone.
        if not _same_file(path, fd):
            return False
        os.unlink(path)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _same_file(path: Path, fd: int) -> bool:
    try:
        named, opened = os.stat(path, follow_symlinks=False), os.fstat(fd)
    except OSError:
        return False
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)
