"""One run at a time per site: `SITE/.wx2post/lock`.

filelock (maintained, used by pip's own toolchain, Unix and Windows alike) takes an OS lock
(flock on Unix) on the file, so the lock dies with its process: a run killed with SIGKILL
never leaves a site locked, and there is no stale-lock guessing by PID or age.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import SiteBusy
from ..files import ensure_folder

LOCK_FILE = "lock"


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class SiteLock:
    """Held from `acquire` to `release` (or the end of the process)."""

    def __init__(self, site: Path) -> None:
        self.site = site
        folder = ensure_folder(site, ".wx2post")  # a .wx2post/ that links out of the site is refused
        self.path = folder / LOCK_FILE
        # No soft (file-exists) fallback: only a kernel lock dies with a killed process.
        self._lock = FileLock(str(self.path), thread_local=False, fallback_to_soft=False)

    def acquire(self, *, wait: bool = True, say: Callable[[str], None] = _to_stderr) -> None:
        """Take the lock; if another run holds it, wait (saying so) or, with `wait=False`,
        raise SiteBusy."""
        try:
            self._lock.acquire(timeout=0)
            return
        except Timeout:
            pass
        if not wait:
            raise SiteBusy(
                f"another wx2post run is writing to {self.site} (it holds {self.path}); "
                "try again later, or leave out --no-wait to wait for it"
            )
        say(f"wx2post: waiting for another wx2post run on {self.site} to finish (it holds {self.path})")
        self._lock.acquire()

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)

    @property
    def held(self) -> bool:
        return bool(self._lock.is_locked)
