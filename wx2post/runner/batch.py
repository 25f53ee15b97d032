"""The run: inputs in order -> one Result each, and the run's exit status.

Each input is planned as it comes (a saved page is queued for drafting, an input whose
post is up to date is decided at once), a bounded window ahead of the one that is being
finished, so memory stays flat however many inputs there are. Links are fetched one at
a time, paced; albums and feeds expand into their articles here. Every article ends in a
Result, whatever fails: the drafting is `DraftPool`'s, the writing `Publisher`'s, the
connections `RunResources`'; images, writing and the site's state stay in this process.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from ..display import site_path
from ..errors import ExitStatus, VerificationRequired, WxError, batch_status
from ..files import open_plain, read_plain
from ..follow import FeedEntry, FeedError, feed_entries, feed_label, is_feed
from ..images import ImageSettings
from ..inputs import is_link
from ..models import Options
from ..pipeline import Draft, draft_fragment, draft_page
from ..sources.feeds import MAX_FEED_BYTES
from ..state import SiteState, Written
from ..urls import album_url, article_id, clean_url, is_wechat_host, redact, with_scheme
from .crosslinks import link_keys
from .pool import DraftPool, Ticket
from .publish import Publisher, PublishMode
from .resources import RunResources
from .results import FetchSettings, Report, Result, Say, describe, duplicate, quiet


@dataclass
class _Pending:
    source: str
    input_key: str = ""
    ticket: Ticket | None = None  # a saved page, queued for drafting
    ready: Result | None = None  # decided without drafting (unchanged)
    feed: bool = False  # a feed or OPML file: many articles


class Runner:
    """One run: shares the worker pool, the connections and the site state."""

    def __init__(
        self,
        site: Path,
        options: Options,
        images: ImageSettings,
        *,
        force: bool = False,
        to_stdout: bool = False,
        dry_run: bool = False,
        strict_images: bool = False,
        image_dir: str | None = None,
        image_prefix: str | None = None,
        jobs: int = 1,
        fetch: FetchSettings | None = None,
        emit: Say = quiet,
        warn: Say = quiet,
        report: Report = quiet,
        keep_results: bool = True,
        wait: bool = True,
    ) -> None:
        self.site = site
        self.options = options
        self.mode = PublishMode(force, to_stdout, dry_run, strict_images)
        self.fetch_settings = fetch or FetchSettings()
        self.emit, self.warn, self.report = emit, warn, report
        self.keep_results = keep_results
        self.results: list[Result] = []
        self.counts: dict[str, int] = {"converted": 0, "unchanged": 0, "skipped": 0, "failed": 0}
        self.failures: list[Result] = []
        self.partial = 0  # converted with missing images
        self.stopped_by_verification = False
        # Writing runs take the site's lock here (waiting for another run, or SiteBusy
        # with wait=False) and read the state only once they hold it.
        self.state = SiteState(site, writable=self.mode.writes, wait=wait, say=warn)
        self.pool = DraftPool(jobs)
        self.resources = RunResources(
            site, options.preset, images, self.fetch_settings, image_dir=image_dir, image_prefix=image_prefix
        )
        self.publisher = Publisher(
            site, options, self.state, self.resources.store_for, self.mode, emit=emit, warn=warn
        )
        self._known_keys: dict[str, str] | None = None  # every link key of the state -> identity

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.pool.close()
        self.state.close()  # compacts the journal, releases the lock
        self.resources.close()

    # -- the run -----------------------------------------------------------------------

    def run(self, inputs: Iterable[str]) -> ExitStatus:
        try:
            for result in self._results(inputs):
                self._record(result)
                if result.kind == "verification":
                    self.stopped_by_verification = True
                    break  # every further request only extends WeChat's block
            self.publisher.link_posts_written()
            self.publisher.hint_if_offline()
        finally:
            self.close()
        return self.status()

    def _record(self, result: Result) -> None:
        self.counts[result.status] = self.counts.get(result.status, 0) + 1
        if result.status == "failed":
            self.failures.append(result)
        elif result.status == "skipped":
            self.warn(f"wx2post: skipped: {result.source}: {result.reason}")
        if result.images_failed:
            self.partial += 1
        if self.keep_results:
            self.results.append(result)
        self.report(result)

    def _results(self, inputs: Iterable[str]) -> Iterator[Result]:
        window: deque[_Pending] = deque()
        for source in inputs:
            window.append(self._plan(source))
            while len(window) > self.pool.lookahead:
                yield from self._resolve(window.popleft())
        self.pool.input_ended()
        while window:
            yield from self._resolve(window.popleft())

    def _plan(self, source: str) -> _Pending:
        if is_link(source):
            return _Pending(source)
        path = Path(source)
        if _is_feed_file(path):
            return _Pending(source, feed=True)
        key = _file_key(path)
        if key and self.mode.skips_up_to_date and (written := self.state.up_to_date(key)):
            return _Pending(source, key, ready=self._unchanged(source, written))
        return _Pending(source, key, ticket=self.pool.queue(source))

    def _resolve(self, item: _Pending) -> Iterator[Result]:
        if item.ready is not None:
            yield item.ready
        elif item.feed:
            yield from self._feed_file(item.source)
        elif item.ticket is not None:  # a saved page
            yield self._guarded(item.source, partial(self.pool.draft, item.ticket), item.input_key)
        else:
            yield from self._links(item.source)

    def _links(self, source: str) -> Iterator[Result]:
        link = clean_url(source)
        if not album_url(source):
            # `link or source`: a WeChat link the cleaner refuses is still a WeChat link,
            # never a feed to request as given.
            host = urlsplit(with_scheme(link or source.strip())).netloc
            if article_id(source) is None and not is_wechat_host(host):
                yield from self._feed_url(source)  # a bridge's feed or OPML list
                return
            yield self._link(source)
            return
        try:
            links = self.resources.fetcher.album_links(source, self.fetch_settings.limit)
        except WxError as exc:
            yield self._failed(Result(source=link, status="failed"), exc)
            return
        if not links:
            self.warn(f"wx2post: warning: {link}: the album lists no articles")
        for article_link in links:
            yield self._link(article_link)

    def _link(self, link: str) -> Result:
        clean = clean_url(link)
        if self.publisher.handled(clean):
            return self._skipped(clean, self._known(clean))  # converted already in this run: no request
        if self.mode.skips_up_to_date and (written := self.state.up_to_date(clean)):
            return self._unchanged(clean, written)  # no request at all
        if self.resources.fetched(link):
            return self._skipped(clean, self._known(clean))
        return self._guarded(clean, lambda: draft_page(self.resources.fetcher.fetch_article(link)), clean)

    # -- feeds ---------------------------------------------------------------------------

    def _feed_file(self, source: str) -> Iterator[Result]:
        try:
            raw = read_plain(source)
        except OSError as exc:
            yield self._failed(
                Result(source=source, status="failed"), FeedError(_os_reason(exc), source=source)
            )
            return
        yield from self._feed_entries(source, raw)

    def _feed_url(self, url: str) -> Iterator[Result]:
        label = feed_label(url)
        try:
            raw = self._get_feed(url)
        except WxError as exc:
            yield self._failed(Result(source=label, status="failed"), FeedError(exc.reason, source=label))
            return
        if not is_feed(raw):
            error = FeedError("not a feed, an OPML list or a WeChat link", source=label)
            yield self._failed(Result(source=label, status="failed"), error)
            return
        yield from self._feed_entries(url, raw)

    def _feed_entries(self, origin: str, raw: bytes) -> Iterator[Result]:
        f = self.fetch_settings
        for entry in feed_entries(origin, raw, self._get_feed, since=f.since, limit=f.limit):
            yield self._feed_entry(entry)

    def _feed_entry(self, entry: FeedEntry) -> Result:
        if entry.error is not None:
            return self._failed(Result(source=entry.source, status="failed"), entry.error)
        if self.mode.skips_up_to_date and (written := self._known(entry.key)):
            return self._unchanged(entry.source, written)  # an old item: no request at all
        if entry.article is not None:
            article, html = entry.article, entry.html
            return self._guarded(entry.source, lambda: draft_fragment(article, html), entry.key)
        return self._link(entry.link)

    def _get_feed(self, url: str) -> bytes:
        return self.resources.fetcher.fetch_document(url, max_bytes=MAX_FEED_BYTES)

    # -- outcomes ------------------------------------------------------------------------

    def _known(self, key: str) -> Written | None:
        """The finished post of the article `key` names, whichever input named it before."""
        written = self.state.up_to_date(key)
        if written is not None or not key.startswith("https://"):
            return written
        if self._known_keys is None:
            self._known_keys = {k: identity for identity in self.state.posts() for k in link_keys(identity)}
        identity = next((self._known_keys[k] for k in link_keys(key) if k in self._known_keys), None)
        return self.state.up_to_date_article(identity) if identity else None

    def _unchanged(self, source: str, written: Written) -> Result:
        path = site_path(self.site, written.path)
        if not self.mode.to_stdout:
            self.emit(path)
        result = Result(source=source, status="unchanged")
        describe(result, self.site, written, self.options.preset)
        return result

    def _skipped(self, source: str, written: Written | None) -> Result:
        """A second input naming an article of this run: the row of its post."""
        result = duplicate(source)
        if written is not None:
            describe(result, self.site, written, self.options.preset)
        return result

    def _guarded(self, source: str, make_draft: Callable[[], Draft], input_key: str) -> Result:
        """Convert one article; every failure becomes a reported Result."""
        result = Result(source=source, status="failed")
        try:
            self.publisher.publish(make_draft(), result, input_key)
        except WxError as exc:
            self._failed(result, exc)
        except Exception as exc:  # a bug must not lose the rest of the batch
            result.status, result.post = "failed", ""
            result.reason = f"unexpected {type(exc).__name__}: {exc}"
            result.kind = "internal-error"
            self.warn(redact(f"wx2post: error: {source}: {result.reason}"))
        for warning in result.warnings:
            self.warn(redact(f"wx2post: warning: {source}: {warning}"))
        return result

    def _failed(self, result: Result, exc: WxError) -> Result:
        result.status, result.post = "failed", ""
        result.reason = exc.reason
        result.kind = (
            "verification"
            if isinstance(exc, VerificationRequired)
            else getattr(exc, "kind", type(exc).__name__)
        )
        self.warn(redact(f"wx2post: error: {result.source}: {exc.reason}"))
        return result

    def status(self) -> ExitStatus:
        return batch_status(
            done=self.counts["converted"] + self.counts["unchanged"],
            failed=len(self.failures),
            partial=bool(self.partial),
            verification=self.stopped_by_verification,
        )


def _is_feed_file(path: Path) -> bool:
    """A feed or OPML file, told by its first bytes whatever its name."""
    try:
        with open_plain(path) as fh:  # a FIFO in an input folder is refused, not waited on
            return is_feed(fh.read(4096))
    except OSError:
        return False  # the conversion reports a missing or unreadable file


def _os_reason(exc: OSError) -> str:
    return f"cannot read the file ({exc.strerror or exc})"


def _file_key(path: Path) -> str:
    """A saved page as an input: its full path, size and modification time (cheap to check)."""
    try:
        st = path.stat()
    except OSError:
        return ""
    if not path.is_file():
        return ""
    return f"file:{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"
