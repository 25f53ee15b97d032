"""Drafting saved pages (parse, clean, render: CPU-bound) in worker processes.

The runner queues each saved page as it plans the input and asks for its draft when
the page's turn comes; `DraftPool` decides where the drafting happens. With `--jobs 2`
or more and two saved pages or more every page goes to the workers, a few at a time
(a chunk: fewer round trips), and the workers start with the second page; one page
alone is drafted here, without starting any (the process pool, and multiprocessing
with it, is imported only when it starts). Errors come back from a worker as values,
so a failing page does not take its chunk down.
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import WxError
from ..pipeline import Draft, draft_file

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

# Saved pages a worker drafts per task: fewer round trips between the processes,
# and at the end of a run no worker waits for more than one other chunk.
CHUNK_PAGES = 2


def _draft_in_worker(source: str) -> Draft | BaseException:
    """Runs in a worker process: errors come back as values (WxError pickles whole)."""
    try:
        return draft_file(source)  # a str: `<file>::<capture URL>` is no path
    except WxError as exc:
        return exc
    except Exception as exc:  # a bug: keep its text, the type may not pickle
        return RuntimeError(f"unexpected {type(exc).__name__}: {exc}")


def _draft_chunk(sources: list[str]) -> list[Draft | BaseException]:
    """Runs in a worker process: the drafts of a chunk of saved pages, in order."""
    return [_draft_in_worker(source) for source in sources]


@dataclass
class _Chunk:
    """Saved pages drafted together by one worker (or, for a lone page, here)."""

    sources: list[str] = field(default_factory=list)
    future: Future[list[Draft | BaseException]] | None = None


@dataclass(frozen=True)
class Ticket:
    """A queued saved page: the chunk that drafts it and its place there (no chunk: drafted here)."""

    source: str
    chunk: _Chunk | None = None
    index: int = 0


class DraftPool:
    """The run's worker processes: started by the second saved page, shut down by `close`."""

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self._executor: ProcessPoolExecutor | None = None
        self._planned = 0  # saved pages queued in this run
        self._open: _Chunk | None = None  # saved pages queued for the next worker task

    @property
    def lookahead(self) -> int:
        """How many inputs to plan ahead of the one being finished: enough to keep every
        worker busy with a chunk and the next, few enough to stay small."""
        return self.jobs * CHUNK_PAGES * 3

    def queue(self, source: str) -> Ticket:
        """Plan the drafting of saved page `source`; a full chunk goes to a worker at once."""
        if self.jobs == 1:
            return Ticket(source)
        self._planned += 1
        chunk = self._open
        if chunk is None:
            chunk = self._open = _Chunk()
        chunk.sources.append(source)
        if len(chunk.sources) >= CHUNK_PAGES:
            self._submit(chunk)
        return Ticket(source, chunk, len(chunk.sources) - 1)

    def input_ended(self) -> None:
        """No more pages come: the last ones need not wait their turn."""
        if self._open is not None and self._planned > 1:
            self._submit(self._open)

    def draft(self, ticket: Ticket) -> Draft:
        """The draft of a queued page (waiting for its worker); its failure is raised here."""
        chunk = ticket.chunk
        if chunk is None or (chunk.future is None and self._planned == 1):
            # One saved page (so far, and its turn has come): not worth starting workers for.
            if chunk is self._open:
                self._open = None
            outcome = _draft_in_worker(ticket.source)
        else:
            if chunk.future is None:
                self._submit(chunk)  # a chunk not full yet: the input ended or its turn came
            assert chunk.future is not None
            outcome = chunk.future.result()[ticket.index]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _submit(self, chunk: _Chunk) -> None:
        if chunk is self._open:
            self._open = None
        if self._executor is None:
            from concurrent.futures import ProcessPoolExecutor

            self._executor = ProcessPoolExecutor(
                max_workers=self.jobs, initializer=_start_worker, initargs=(os.getpid(),)
            )
        chunk.future = self._executor.submit(_draft_chunk, chunk.sources)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _start_worker(parent: int) -> None:
    # Ctrl-C is for the parent, which stops the run cleanly; workers only draft.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent)


def _die_with(parent: int) -> None:
    """A parent killed outright (SIGKILL, the OOM killer) cannot stop its pool, and its
    workers would live on as orphans: on Linux the kernel sends them SIGTERM instead."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took hold
        os._exit(1)
