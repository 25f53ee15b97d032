"""Convert many inputs: one Result per input, messages, and the run's exit status."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ExitStatus, PostExists, VerificationRequired, WxError
from .fetch import PageFetcher
from .images import ImageSettings
from .models import Options
from .pipeline import Conversion, Draft, draft_file, draft_page, finish_post, safe_target, write_post
from .post import post_relpath_for
from .state import SiteState
from .store import ImageStore
from .urls import album_url, clean_url, redact


def is_link(text: str) -> bool:
    """A WeChat link rather than a file path (pasted links may carry spaces)."""
    t = text.strip().lower()
    return t.startswith(("http://", "https://", "//", "mp.weixin.qq.com/"))


@dataclass
class FetchSettings:
    """How links are fetched (see fetch.PageFetcher)."""

    delay: float = 3.0
    base_url: str | None = None  # None: $WX2POST_MP_BASE_URL, else https://mp.weixin.qq.com
    save_html: Path | None = None
    limit: int | None = None  # albums: only the newest N


@dataclass
class Result:
    """What happened to one input (also the `--json` record)."""

    source: str
    status: str  # "converted" | "unchanged" | "skipped" | "failed"
    reason: str = ""
    kind: str = ""  # machine-readable failure kind ("deleted", "verification", ...)
    post: str = ""  # the written post's path
    title: str = ""
    date: str = ""
    url: str = ""
    images_saved: int = 0
    images_failed: int = 0
    warnings: list[str] = field(default_factory=list)


Say = Callable[[str], None]


class Runner:
    """Holds what a run shares (the image store); converts inputs one by one."""

    def __init__(
        self,
        site: Path,
        options: Options,
        images: ImageSettings,
        *,
        force: bool = False,
        to_stdout: bool = False,
        strict_images: bool = False,
        fetch: FetchSettings | None = None,
        emit: Say = print,
        warn: Say = print,
    ) -> None:
        self.site = site
        self.options = options
        self.image_settings = images
        self.force = force
        self.to_stdout = to_stdout
        self.strict_images = strict_images
        self.emit = emit
        self.warn = warn
        self.fetch_settings = fetch or FetchSettings()
        self.results: list[Result] = []
        self._store: ImageStore | None = None
        self._fetcher: PageFetcher | None = None
        self.state = SiteState(site)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.to_stdout:
            self.state.save()
        if self._store is not None:
            self._store.close()
        if self._fetcher is not None:
            self._fetcher.close()

    @property
    def fetcher(self) -> PageFetcher:
        if self._fetcher is None:
            f = self.fetch_settings
            self._fetcher = PageFetcher(
                base_url=f.base_url, delay=f.delay, jitter=f.delay / 3, save_html=f.save_html
            )
        return self._fetcher

    @property
    def store(self) -> ImageStore:
        if self._store is None:
            self._store = ImageStore(self.site, self.image_settings)
        return self._store

    def run(self, inputs: Iterable[str]) -> ExitStatus:
        for source in inputs:
            for result in self._convert_input(source):
                self.results.append(result)
                if result.kind == "verification":
                    return self.status()  # every further request only extends WeChat's block
        return self.status()

    def _convert_input(self, source: str) -> Iterable[Result]:
        if not is_link(source):
            yield self._guarded(source, lambda: draft_file(Path(source)))
            return
        link = clean_url(source)
        if album_url(source):
            result = Result(source=link, status="failed")
            try:
                links = self.fetcher.album_links(source, self.fetch_settings.limit)
            except WxError as exc:
                yield self._failed(result, exc)
                return
            if not links:
                self.warn(f"wx2post: warning: {link}: the album lists no articles")
            for article_link in links:
                yield self._link(article_link)
            return
        yield self._link(source)

    def _link(self, link: str) -> Result:
        clean = clean_url(link)
        if self._fetcher is not None and self._fetcher.seen(link):
            self.warn(f"wx2post: {clean}: already converted in this run")
            return Result(source=clean, status="skipped", reason="the same article was given twice")
        return self._guarded(clean, lambda: draft_page(self.fetcher.fetch_article(link)))

    def _guarded(self, source: str, make_draft: Callable[[], Draft]) -> Result:
        """Convert one article; every failure becomes a reported Result."""
        result = Result(source=source, status="failed")
        try:
            self._convert_draft(make_draft(), result)
        except WxError as exc:
            self._failed(result, exc)
        except Exception as exc:  # a bug must not lose the rest of the batch
            result.reason = f"unexpected {type(exc).__name__}: {exc}"
            result.kind = "internal-error"
            self.warn(redact(f"wx2post: error: {source}: {result.reason}"))
        for warning in result.warnings:
            self.warn(redact(f"wx2post: warning: {source}: {warning}"))
        return result

    def _failed(self, result: Result, exc: WxError) -> Result:
        result.status = "failed"
        result.reason = exc.reason
        result.kind = (
            "verification"
            if isinstance(exc, VerificationRequired)
            else getattr(exc, "kind", type(exc).__name__)
        )
        self.warn(redact(f"wx2post: error: {result.source}: {exc.reason}"))
        return result

    def _convert_draft(self, draft: Draft, result: Result) -> None:
        article = draft.article
        result.title = article.title
        result.url = article.url
        result.date = article.published.isoformat() if article.published else ""
        relpath = post_relpath_for(article, self.options)
        replace = self.force
        if not self.to_stdout:
            target = safe_target(self.site, relpath)
            if target.exists() and not self.force:
                # wx2post's own, unedited post may be regenerated (a re-run repairs images).
                if not self.state.owns(article.identity, relpath, target.read_bytes()):
                    raise PostExists(f"{target} exists (use --force to overwrite)")
                replace = True
        conversion = finish_post(draft, self.options, self.store)
        self._count_images(conversion, result)
        if conversion.failed_images and self.strict_images:
            first = conversion.failed_images[0]
            raise WxError(
                f"{len(conversion.failed_images)} image(s) could not be saved "
                f"(--strict-images), first: {first.error}"
            )
        result.status = "converted"
        if self.to_stdout:
            self.emit(conversion.post.text)
            return
        data = conversion.post.text.encode("utf-8")
        target = safe_target(self.site, relpath)
        result.post = str(target)
        if target.exists() and target.read_bytes() == data:
            result.status = "unchanged"
        else:
            write_post(self.site, conversion.post, force=replace)
        self.state.record(article.identity, relpath, data)
        self.emit(str(target))

    def _count_images(self, conversion: Conversion, result: Result) -> None:
        result.images_saved = sum(1 for o in conversion.images if o.path is not None)
        result.images_failed = len(conversion.failed_images)
        result.warnings.extend(conversion.warnings)

    def status(self) -> ExitStatus:
        converted = [r for r in self.results if r.status in ("converted", "unchanged")]
        failed = [r for r in self.results if r.status == "failed"]
        if any(r.kind == "verification" for r in failed):
            return ExitStatus.VERIFICATION
        if failed and not converted:
            return ExitStatus.FAILED
        if failed or any(r.images_failed for r in converted):
            return ExitStatus.PARTIAL
        return ExitStatus.OK
