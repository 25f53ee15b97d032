"""Ctrl-C waits for the file operation in progress (the writer's critical sections).

Python raises KeyboardInterrupt between any two bytecodes of the main thread, so a
`try/finally` that removes a temporary file can itself be interrupted before the
removal runs, and a file created a moment before its clean-up is registered leaks.
Inside `deferred_interrupts()` a SIGINT is only recorded; it is raised when the
outermost section ends, once the file is in place or gone. Sections are short
(creating, renaming or removing one file; writing one post): a download streaming
into a part file stays interruptible, and its part file is removed by the section
that closes it or, if the process is killed, by the next run (`parts.py`).

Only Python's own SIGINT handler is replaced (once, lazily): a program that set its
own keeps it. Other threads run their sections as they are: KeyboardInterrupt is
only ever raised in the main thread.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class _State:
    depth = 0  # open sections of the main thread
    pending = False  # a SIGINT came while one was open


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    if _State.depth:
        _State.pending = True
        return
    raise KeyboardInterrupt


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """A section that Ctrl-C does not cut: a SIGINT inside is raised when it ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)
    _State.depth += 1
    try:
        yield
    finally:
        _State.depth -= 1
        if _State.depth == 0 and _State.pending:
            _State.pending = False
            # Also when the section ends in an error (a full disk): Ctrl-C wins, the
            # error is its context, and no later section inherits the interrupt.
            raise KeyboardInterrupt
