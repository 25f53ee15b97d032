"""Convert many inputs: one Result per input, and the run's exit status.

Saved pages are drafted (parse, clean, render: CPU-bound) in worker processes,
a bounded window ahead of the one that is being finished, so memory stays flat
however many inputs there are. With two saved pages or more every page goes to
the workers, a few at a time (a chunk: fewer round trips), and the workers start
with the second page; one page alone is drafted here, without starting any.
Links are fetched one at a time, paced. Images, writing and the site's state stay
in this process.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .display import site_path
from .errors import ExitStatus, PostExists, VerificationRequired, WriteFailed, WxError, batch_status
from .files import contained, write_file, write_unique
from .follow import FeedEntry, FeedError, feed_entries, feed_label, is_feed
from .images import ImageSettings, is_web_url
from .inputs import is_link
from .lazyre import lazy
from .models import Options
from .pipeline import Conversion, Draft, draft_file, draft_fragment, draft_page, finish_post
from .post import distinct_relpath, link_allowed, post_relpath_for
from .postfacts import post_facts
from .presets import image_location
from .sameness import KnownArticles
from .slug import article_slug_id
from .sources.feeds import MAX_FEED_BYTES
from .state import BACKUP_DIR, SiteState, Written
from .urls import album_url, article_id, clean_url, is_wechat_host, redact, with_scheme

if TYPE_CHECKING:  # the HTTP stack (requests) is imported only by a run that fetches or saves images,
    # the process pool (multiprocessing) only by one with two saved pages or more
    from concurrent.futures import Future, ProcessPoolExecutor

    from .fetch import PageFetcher
    from .http import HttpClient
    from .store import ImageStore


@dataclass
class FetchSettings:
    """How links are fetched (see fetch.PageFetcher)."""

    delay: float = 3.0
    base_url: str | None = None  # None: $WX2POST_MP_BASE_URL, else https://mp.weixin.qq.com
    save_html: Path | None = None
    limit: int | None = None  # albums and feeds: only the newest N
    since: datetime | None = None  # feeds: only items published since then


@dataclass
class Result:
    """What happened to one input: the `--json` record (schema in the README)."""

    source: str
    status: str  # "converted" | "unchanged" | "skipped" | "failed"
    reason: str = ""
    kind: str = ""  # machine-readable failure kind ("deleted", "verification", ...)
    post: str = ""  # the post's path ("" when none was written)
    title: str = ""
    date: str = ""
    url: str = ""
    images_saved: int = 0
    images_failed: int = 0
    warnings: list[str] = field(default_factory=list)
    failed_images: list[dict[str, str]] = field(default_factory=list)  # {"url", "reason"} per image


Say = Callable[[str], None]
Report = Callable[[Result], None]


def _quiet(_: object) -> None:
    pass


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


# Saved pages a worker drafts per task: fewer round trips between the processes,
# and at the end of a run no worker waits for more than one other chunk.
CHUNK_PAGES = 2


@dataclass
class _Chunk:
    """Saved pages drafted together by one worker (or, for a lone page, here)."""

    sources: list[str] = field(default_factory=list)
    future: Future[list[Draft | BaseException]] | None = None


@dataclass
class _Pending:
    source: str
    input_key: str = ""
    chunk: _Chunk | None = None  # the saved page's chunk and its place in it
    index: int = 0
    ready: Result | None = None  # decided without drafting (unchanged)
    feed: bool = False  # a feed or OPML file: many articles


class Runner:
    """One run: shares the image store, the page fetcher, the worker pool and the site state."""

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
        emit: Say = _quiet,
        warn: Say = _quiet,
        report: Report = _quiet,
        keep_results: bool = True,
        wait: bool = True,
    ) -> None:
        self.site = site
        self.options = options
        self.image_settings = images
        self.image_dir, self.image_prefix = image_dir, image_prefix  # the user's; None: the preset's
        self.force = force
        self.to_stdout = to_stdout
        self.dry_run = dry_run
        self.strict_images = strict_images
        self.jobs = max(1, jobs)
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
        self.state = SiteState(site, writable=not (to_stdout or dry_run), wait=wait, say=warn)
        self._store: ImageStore | None = None
        self._http: HttpClient | None = None
        self._downloads = {"fetched": 0, "failed": 0}  # images from the network in this run
        self._download_reasons: Counter[str] = Counter()
        self._fetcher: PageFetcher | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._files_planned = 0
        self._open_chunk: _Chunk | None = None  # saved pages queued for the next worker task
        self._done: set[str] = set()  # identities converted in this run
        self._seen: KnownArticles | None = None  # by account and title, for copies without a link
        self._done_keys: set[str] = set()  # ... and their link keys (URL, biz:mid:idx)
        self._written: list[str] = []  # identities whose post was written in this run
        self._index: dict[str, str] | None = None  # link key -> post path (see _linked)
        self._known_keys: dict[str, str] | None = None  # every link key of the state -> identity

    # -- shared resources ------------------------------------------------------------

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self.state.close()  # compacts the journal, releases the lock
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None
        if self._http is not None:
            self._http.close()
            self._http = None

    @property
    def http(self) -> HttpClient:
        """The run's one HTTP client: pages and images share its connections, its
        environment (proxies, CA) and its knowledge of which hosts are down."""
        if self._http is None:
            from .http import HttpClient

            self._http = HttpClient(pool_size=self.image_settings.jobs)
        return self._http

    def store_for(self, relpath: str) -> ImageStore:
        """The image store for the post at `relpath`: one for the whole run while posts
        share an image folder (hux, jekyll, any --image-dir), a new one for each post
        that keeps its images beside it (a hugo bundle, a hexo asset folder). Every
        store uses the run's one HTTP client, so connections stay pooled across posts."""
        folder, prefix = image_location(self.options.preset, relpath, self.image_dir, self.image_prefix)
        store = self._store
        if store is None or (store.settings.folder, store.settings.prefix) != (folder, prefix):
            if store is not None:
                store.close()
            settings = dataclasses.replace(self.image_settings, folder=folder, prefix=prefix)
            from .store import ImageStore

            self._store = store = ImageStore(self.site, settings, connect=lambda: self.http)
        return store

    @property
    def fetcher(self) -> PageFetcher:
        if self._fetcher is None:
            from .fetch import PageFetcher

            f = self.fetch_settings
            self._fetcher = PageFetcher(
                base_url=f.base_url,
                delay=f.delay,
                jitter=f.delay / 3,
                save_html=f.save_html,
                client=self.http,
            )
        return self._fetcher

    def _queue(self, source: str) -> tuple[_Chunk | None, int]:
        """The chunk that will draft saved page `source` (None: drafted here, --jobs 1)."""
        if self.jobs == 1:
            return None, 0
        self._files_planned += 1
        chunk = self._open_chunk
        if chunk is None:
            chunk = self._open_chunk = _Chunk()
        chunk.sources.append(source)
        if len(chunk.sources) >= CHUNK_PAGES:
            self._submit(chunk)
        return chunk, len(chunk.sources) - 1

    def _submit(self, chunk: _Chunk) -> None:
        if chunk is self._open_chunk:
            self._open_chunk = None
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs, initializer=_start_worker, initargs=(os.getpid(),)
            )
        chunk.future = self._pool.submit(_draft_chunk, chunk.sources)

    def _draft(self, item: _Pending) -> Draft:
        chunk = item.chunk
        if chunk is None or (chunk.future is None and self._files_planned == 1):
            # One saved page (so far, and its turn has come): not worth starting workers for.
            if chunk is self._open_chunk:
                self._open_chunk = None
            outcome = _draft_in_worker(item.source)
        else:
            if chunk.future is None:
                self._submit(chunk)  # a chunk not full yet: the input ended or its turn came
            assert chunk.future is not None
            outcome = chunk.future.result()[item.index]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    # -- the run -----------------------------------------------------------------------

    def run(self, inputs: Iterable[str]) -> ExitStatus:
        try:
            for result in self._results(inputs):
                self._record(result)
                if result.kind == "verification":
                    self.stopped_by_verification = True
                    break  # every further request only extends WeChat's block
            self._link_posts_written()
            self._hint_if_offline()
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
        # Enough to keep every worker busy with a chunk and the next, few enough to stay small.
        ahead = self.jobs * CHUNK_PAGES * 3
        for source in inputs:
            window.append(self._plan(source))
            while len(window) > ahead:
                yield from self._resolve(window.popleft())
        if self._open_chunk is not None and self._files_planned > 1:
            self._submit(self._open_chunk)  # the input ended: the last pages need not wait their turn
        while window:
            yield from self._resolve(window.popleft())

    def _plan(self, source: str) -> _Pending:
        if is_link(source):
            return _Pending(source)
        path = Path(source)
        if _is_feed_file(path):
            return _Pending(source, feed=True)
        key = _file_key(path)
        if key and not self.force and not self.to_stdout and (written := self.state.up_to_date(key)):
            return _Pending(source, key, ready=self._unchanged(source, written))
        chunk, index = self._queue(source)
        return _Pending(source, key, chunk=chunk, index=index)

    def _resolve(self, item: _Pending) -> Iterator[Result]:
        if item.ready is not None:
            yield item.ready
        elif item.feed:
            yield from self._feed_file(item.source)
        elif is_link(item.source):
            yield from self._links(item.source)
        else:
            yield self._guarded(item.source, lambda: self._draft(item), item.input_key)

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
            links = self.fetcher.album_links(source, self.fetch_settings.limit)
        except WxError as exc:
            yield self._failed(Result(source=link, status="failed"), exc)
            return
        if not links:
            self.warn(f"wx2post: warning: {link}: the album lists no articles")
        for article_link in links:
            yield self._link(article_link)

    def _link(self, link: str) -> Result:
        clean = clean_url(link)
        if self.state.identity_of(clean) in self._done or _keys(clean) & self._done_keys:
            return self._skipped(clean, self._known(clean))  # converted already in this run: no request
        if not self.force and not self.to_stdout and (written := self.state.up_to_date(clean)):
            return self._unchanged(clean, written)  # no request at all
        if self._fetcher is not None and self._fetcher.seen(link):
            return self._skipped(clean, self._known(clean))
        return self._guarded(clean, lambda: draft_page(self.fetcher.fetch_article(link)), clean)

    # -- feeds ---------------------------------------------------------------------------

    def _feed_file(self, source: str) -> Iterator[Result]:
        try:
            raw = Path(source).read_bytes()
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
        if not self.force and not self.to_stdout and (written := self._known(entry.key)):
            return self._unchanged(entry.source, written)  # an old item: no request at all
        if entry.article is not None:
            article, html = entry.article, entry.html
            return self._guarded(entry.source, lambda: draft_fragment(article, html), entry.key)
        return self._link(entry.link)

    def _known(self, key: str) -> Written | None:
        """The finished post of the article `key` names, whichever input named it before."""
        written = self.state.up_to_date(key)
        if written is not None or not key.startswith("https://"):
            return written
        if self._known_keys is None:
            self._known_keys = {k: identity for identity in self.state.posts() for k in _keys(identity)}
        identity = next((self._known_keys[k] for k in _keys(key) if k in self._known_keys), None)
        return self.state.up_to_date_article(identity) if identity else None

    def _get_feed(self, url: str) -> bytes:
        return self.fetcher.fetch_document(url, max_bytes=MAX_FEED_BYTES)

    def _unchanged(self, source: str, written: Written) -> Result:
        path = site_path(self.site, written.path)
        if not self.to_stdout:
            self.emit(path)
        result = Result(source=source, status="unchanged", post=path)
        self._describe(result, written)
        return result

    def _skipped(self, source: str, written: Written | None) -> Result:
        """A second input naming an article of this run: the row of its post."""
        result = _duplicate(source)
        if written is not None:
            result.post = site_path(self.site, written.path)
            self._describe(result, written)
        return result

    def _describe(self, result: Result, written: Written) -> None:
        """Title, date, link and image counts of a post not converted again, from the post
        the state vouches for (its hash is the one recorded)."""
        try:
            text = contained(self.site, written.path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, WxError):
            return
        facts = post_facts(text, complete=written.complete, entities=self.options.preset in ("hux", "jekyll"))
        result.title = result.title or facts.title
        result.date = result.date or facts.date
        result.url = result.url or facts.url
        result.images_saved, result.images_failed = facts.images_saved, facts.images_failed

    def _guarded(self, source: str, make_draft: Callable[[], Draft], input_key: str) -> Result:
        """Convert one article; every failure becomes a reported Result."""
        result = Result(source=source, status="failed")
        try:
            self._convert(make_draft(), result, input_key)
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

    # -- one article ---------------------------------------------------------------------

    @property
    def seen_articles(self) -> KnownArticles:
        if self._seen is None:
            self._seen = KnownArticles(self.site, self.state.posts())
        return self._seen

    def _same_article(self, draft: Draft, result: Result) -> tuple[bool, str]:
        """Match a page to the article the site (or this run) has by account, title and date.

        Returns (skipped, taken_over): skipped when the page is a copy without its link of
        a page with it; taken_over, the identity of a link-less copy's post that this page
        with the link replaces (its path is kept; recording the page there drops the copy)."""
        article = draft.article
        same = self.seen_articles.match(article)
        if same is None:
            return False, ""
        if article.url:
            return False, same.identity
        if article.date_guessed and same.published is not None:
            article.published, article.date_guessed = same.published, False
            draft.warnings = [w for w in draft.warnings if not w.startswith("no publish date")]
        if not same.linked:
            return False, ""
        article.url = same.identity
        result.url = article.url
        result.status = "skipped"
        result.reason = (
            f"the same article as {same.identity} (a copy without its link: same account and title)"
        )
        return True, ""

    def _convert(self, draft: Draft, result: Result, input_key: str) -> None:
        article = draft.article
        skipped, taken_over = self._same_article(draft, result)
        if skipped:
            return
        identity = article.identity
        result.title, result.url = article.title, article.url
        result.date = article.published.isoformat(timespec="seconds") if article.published else ""
        if identity in self._done:
            result.status, result.reason = "skipped", _duplicate(identity).reason
            if (written := self.state.get(identity)) is not None:
                result.post = site_path(self.site, written.path)
                self._describe(result, written)
            return
        self._done.add(identity)
        self._done_keys |= _keys(identity)
        self.seen_articles.add(article, identity)
        copy = self.state.get(taken_over) if taken_over else None
        relpath = copy.path if copy is not None else self._relpath(draft)
        replace = self.force
        if not (self.to_stdout or self.dry_run):
            target = contained(self.site, relpath)  # symlinks followed: never outside the site
            current = _current(target)
            if current is not None and not self.force:
                # wx2post's own, unedited post may be regenerated (a re-run repairs images).
                if not (
                    self.state.owns(identity, relpath, current)
                    or (copy is not None and self.state.owns(taken_over, relpath, current))
                ):
                    raise PostExists(f"{target} exists (use --force to overwrite)")
                replace = True
        if self.state.unwritable is not None:
            raise self.state.unwritable  # no post (nor its images) that could not be recorded
        store = None if self.dry_run else self.store_for(relpath)
        conversion = finish_post(draft, self.options, store, relpath=relpath)
        self._count_images(conversion, result)
        if conversion.failed_images and self.strict_images:
            first = conversion.failed_images[0]
            count = len(conversion.failed_images)
            raise WxError(f"{count} image(s) could not be saved (--strict-images), first: {first.error}")
        if self.to_stdout:
            result.status = "converted"
            self.emit(conversion.post.text)
            return
        target = contained(self.site, relpath)
        if self.dry_run:
            result.status, result.post = "converted", site_path(self.site, relpath)
            self.emit(f"would write {result.post}")
            return
        data = self._linked(conversion.post.text, relpath).encode("utf-8")
        complete = not conversion.failed_images
        current = _current(target)
        if current == data:
            result.status = "unchanged"
            self.state.record(identity, relpath, data, complete=complete, input_key=input_key)
        else:
            self._keep_adopted(identity, relpath, current)
            # Counted converted only once the file is in place: a failed write raises
            # WriteFailed, the result stays "failed" and the state records nothing.
            self.state.commit(
                identity,
                relpath,
                data,
                partial(write_file, self.site, relpath, data, replace=replace),
                complete=complete,
                input_key=input_key,
            )
            self._written.append(identity)
            result.status = "converted"
        self._post_index().update(dict.fromkeys(_keys(identity), relpath))
        result.post = site_path(self.site, relpath)
        self.emit(result.post)

    def _post_index(self) -> dict[str, str]:
        if self._index is None:
            self._index = post_index(self.state.posts())
        return self._index

    def _linked(self, text: str, relpath: str) -> str:
        """The post with its links to articles that are already posts of the site set, before
        it is compared with the file on disk: a re-run of unchanged inputs rewrites nothing.
        (Links to posts written later in the run are set by `_link_posts_written`.)"""
        return link_known_posts(text, self._post_index(), self.options.preset, own=relpath)

    def _keep_adopted(self, identity: str, relpath: str, current: bytes | None) -> None:
        """A post adopted by a rebuild of the state may have been edited since wx2post wrote it
        (a rebuild cannot tell): its text is kept in .wx2post/backup/ before it is replaced."""
        known = self.state.get(identity)
        if current is None or known is None or not known.adopted or known.path != relpath:
            return
        backup = write_unique(self.site, f"{BACKUP_DIR}/{relpath}", current)
        self.warn(f"wx2post: warning: {relpath}: the record was rebuilt; its previous text is in {backup}")

    def _relpath(self, draft: Draft) -> str:
        """The post's path: as recorded for this article, else from the preset, made
        distinct (and stable) when another article already has that name."""
        article = draft.article
        known = self.state.get(article.identity)
        if known is not None:
            return known.path
        relpath = post_relpath_for(article, self.options)
        owner = self.state.owner_of(relpath)
        if owner is not None and owner != article.identity:
            suffix = article_slug_id(article.url, article.identity)
            relpath = distinct_relpath(relpath, self.options.preset, suffix)
        return relpath

    def _count_images(self, conversion: Conversion, result: Result) -> None:
        result.images_saved = sum(1 for o in conversion.images if o.path is not None)
        result.images_failed = len(conversion.failed_images)
        result.failed_images = [{"url": o.reference, "reason": o.error} for o in conversion.failed_images]
        result.warnings.extend(conversion.warnings)
        self._downloads["fetched"] += sum(1 for o in conversion.images if o.source == "network")
        self._downloads["failed"] += sum(1 for o in conversion.failed_images if is_web_url(o.reference))
        self._download_reasons.update(o.error for o in conversion.failed_images if is_web_url(o.reference))

    def _hint_if_offline(self) -> None:
        """Nothing came from the network although images were wanted: say what to do, once."""
        if self._downloads["failed"] and not self._downloads["fetched"]:
            (reason, _), *_ = self._download_reasons.most_common(1)
            self.warn(
                f"wx2post: warning: no image could be downloaded in this run ({reason}); check the "
                "network or the proxy (HTTPS_PROXY, REQUESTS_CA_BUNDLE), or keep the images' remote "
                "URLs with --images remote"
            )

    # -- links between converted articles -----------------------------------------------

    def _link_posts_written(self) -> None:
        """Links to articles that are posts of this site now point at those posts."""
        if not self._written or self.to_stdout or self.dry_run:
            return
        index = post_index(self.state.posts())
        for identity in self._written:
            written = self.state.get(identity)
            if written is None:
                continue
            try:
                text = contained(self.site, written.path).read_text(encoding="utf-8")
                linked = link_known_posts(text, index, self.options.preset, own=written.path)
                if linked != text:
                    data = linked.encode("utf-8")
                    rewrite = partial(write_file, self.site, written.path, data)
                    self.state.commit(identity, written.path, data, rewrite, complete=written.complete)
            except (WxError, OSError, UnicodeDecodeError) as exc:  # the post stays, with WeChat links
                reason = exc.reason if isinstance(exc, WxError) else str(exc)
                self.warn(redact(f"wx2post: warning: {written.path}: links to other posts not set: {reason}"))

    def status(self) -> ExitStatus:
        return batch_status(
            done=self.counts["converted"] + self.counts["unchanged"],
            failed=len(self.failures),
            partial=bool(self.partial),
            verification=self.stopped_by_verification,
        )


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


def _duplicate(source: str) -> Result:
    return Result(source=source, status="skipped", reason="the same article was given twice")


def _is_feed_file(path: Path) -> bool:
    """A feed or OPML file, told by its first bytes whatever its name."""
    try:
        with path.open("rb") as fh:
            return is_feed(fh.read(4096))
    except OSError:
        return False  # the conversion reports a missing or unreadable file


def _os_reason(exc: OSError) -> str:
    return f"cannot read the file ({exc.strerror or exc})"


def _current(target: Path) -> bytes | None:
    """The bytes of the file at `target`, None if there is none; a folder in the way is refused."""
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise WriteFailed(f"cannot write {target}: it is a folder") from None
    except OSError as error:
        raise WriteFailed(f"cannot read {target}: {error.strerror or type(error).__name__}") from None


def _file_key(path: Path) -> str:
    """A saved page as an input: its full path, size and modification time (cheap to check)."""
    try:
        st = path.stat()
    except OSError:
        return ""
    if not path.is_file():
        return ""
    return f"file:{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"


_ARTICLE_LINK = lazy(r"\]\((https://mp\.weixin\.qq\.com/s[^)\s]*)\)")


def _keys(url: str) -> set[str]:
    ident = article_id(url)
    return {url, ident.key} if ident else {url}


def post_index(known: dict[str, str]) -> dict[str, str]:
    """Every key an article link may match (clean URL, biz:mid:idx) -> its post path."""
    return {key: path for identity, path in known.items() for key in _keys(identity)}


def link_known_posts(text: str, index: dict[str, str], preset: str, *, own: str = "") -> str:
    """`[x](https://mp.weixin.qq.com/s?...)` -> a link to that article's post in this site.

    Only the body is touched (front matter `source:` keeps the WeChat link); a post
    never links to itself.
    """
    head, sep, body = text.partition("\n---\n")
    if not sep:
        head, body = "", text
    if "](https://mp.weixin.qq.com/s" not in body:
        return text

    offset = len(head) + len(sep)

    def one(m: re.Match[str]) -> str:
        url = m.group(1)
        path = next((index[k] for k in _keys(url) if k in index), None)
        if path is None or path == own or not link_allowed(text, offset + m.start(), preset):
            return m.group(0)  # template text would print literally there: keep the WeChat link
        return f"]({post_link(path, preset)})"

    return head + sep + _ARTICLE_LINK.sub(one, body)


def post_link(relpath: str, preset: str) -> str:
    """How each generator links to another post of the site."""
    name = os.path.splitext(os.path.basename(relpath))[0]
    if preset == "hugo":
        bundle = os.path.dirname(relpath)
        return '{{< ref "/' + bundle.removeprefix("content/") + '" >}}'
    if preset == "hexo":
        return "{% post_path " + name + " %}"
    return "{% post_url " + name + " %}"
