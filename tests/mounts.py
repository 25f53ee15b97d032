"""Real file systems for the tests: a small tmpfs that fills up, one remounted read-only.

We run as root, and root ignores permission bits, so "read-only" has to be a real read-only
mount. Mounting may be impossible locally (a container without CAP_SYS_ADMIN): the test
skips there, and fails under CI, which must be able to run it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        message = f"cannot mount ({' '.join(args)}): {done.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must allow tmpfs mounts)")
        pytest.skip(message)


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """`folder` as a fresh tmpfs of `size` bytes (e.g. "256k") for the block."""
    folder.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def remount_read_only(folder: Path) -> None:
    """Make the tmpfs at `folder` read-only (even for root)."""
    _mount("-o", "remount,ro", str(folder))


def fill(folder: Path, *, keep: int = 0) -> None:
    """Fill the file system of `folder` until at most `keep` bytes are free."""
    with open(folder / "filler", "wb") as fh:
        chunk = b"\0" * 4096
        try:
            while os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize > keep:
                fh.write(chunk)
                fh.flush()
        except OSError:
            pass
