"""One exception tree for everything wx2post refuses, and the exit statuses."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """Process exit statuses (documented in the README's table)."""

    OK = 0  # everything asked for was converted
    PARTIAL = 1  # some inputs failed, or a post was written with missing images
    USAGE = 2  # bad command line (click's own convention)
    FAILED = 3  # nothing was converted
    VERIFICATION = 4  # WeChat asked for a verification (环境异常); the run stopped early
    BUSY = 5  # another run holds the site's lock and --no-wait was given
    INTERRUPTED = 130  # Ctrl-C


def batch_status(*, done: int, failed: int, partial: bool, verification: bool) -> ExitStatus:
    """A batch's exit status (`convert` and `fix` alike): a verification stops everything (4);
    nothing done and something failed (3); something failed or is incomplete (1); else 0."""
    if verification:
        return ExitStatus.VERIFICATION
    if failed and not done:
        return ExitStatus.FAILED
    if failed or partial:
        return ExitStatus.PARTIAL
    return ExitStatus.OK


class WxError(Exception):
    """Base class: a failure of one input, with a one-line reason."""

    exit_status = ExitStatus.FAILED

    def __init__(self, reason: str, *, source: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}" if self.source else self.reason

    def __reduce__(self) -> tuple[object, ...]:
        # Subclasses take other constructor arguments: rebuild from the attributes so
        # an error raised in a worker process arrives whole in the parent.
        return (_rebuild, (type(self), dict(self.__dict__)))


def _rebuild(cls: type[WxError], state: dict[str, object]) -> WxError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("reason", ""))
    error.__dict__.update(state)
    return error


class InputError(WxError):
    """The input is unreadable: missing, empty, binary, not HTML."""


class NotAnArticle(WxError):
    """The page is readable but is not a WeChat article."""


class FailurePage(WxError):
    """WeChat served an error page instead of the article (deleted, violation, ...).

    `kind` is a stable machine-readable name (`deleted`, `violation`, ...).
    Permanent failures will not change by trying again.
    """

    transient = False

    def __init__(self, kind: str, reason: str, *, source: str = "") -> None:
        super().__init__(reason, source=source)
        self.kind = kind


class TransientFailure(FailurePage):
    """A failure that may pass (temporarily unavailable, too many requests, system error)."""

    transient = True


class VerificationRequired(TransientFailure):
    """WeChat suspects a bot (环境异常): every further request only extends the block."""

    exit_status = ExitStatus.VERIFICATION


class SavedVerificationPage(FailurePage):
    """A saved file that holds WeChat's verification page (环境异常) instead of an article.

    Unlike a verification met while fetching, it says nothing about the requests of
    this run (none was made for it): it is one failed input, and a batch goes on.
    """

    def __init__(self, *, source: str = "") -> None:
        super().__init__(
            "verification-page",
            "the saved page is WeChat's verification page (环境异常), not the article: "
            "open the article in a browser, pass the check, and save it again",
            source=source,
        )


class PostExists(WxError):
    """The target post exists and --force was not given."""


class UnsafePath(WxError):
    """A computed path would leave the output folder."""


class WriteFailed(WxError, OSError):
    """A file could not be written (disk full, read-only file system, permission).

    Also an OSError, so code that catches file errors keeps catching it."""


class SiteBusy(WxError):
    """Another wx2post run holds the site's lock (and --no-wait was given)."""

    exit_status = ExitStatus.BUSY


class FetchError(WxError):
    """A network failure that retries did not cure."""
