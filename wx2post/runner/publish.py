"""Publishing one drafted article: its post written into the site, once and truly.

`Publisher.publish` takes a draft to its outcome: the same article met again is
skipped (by link, or a copy without its link by account and title), the post's path is
the one recorded for the article or a distinct new one, a file that is not wx2post's own
is never overwritten without --force, images are saved, links to articles that are posts
of the site are set, and the post is written and recorded in the site's state in one
step: it is counted converted only once the file is in place. At the end of the run
`link_posts_written` sets the links to posts written later than the posts that name them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..display import site_path
from ..errors import PostExists, WriteFailed, WxError
from ..files import contained, read_plain, read_plain_text, write_file, write_unique
from ..images import is_web_url
from ..models import Options
from ..pipeline import Conversion, Draft, finish_post
from ..post import distinct_relpath, post_relpath_for
from ..sameness import KnownArticles
from ..slug import article_slug_id
from ..state import BACKUP_DIR, SiteState
from ..urls import redact
from .crosslinks import link_keys, link_known_posts, post_index
from .results import Result, Say, describe, duplicate

if TYPE_CHECKING:
    from ..store import ImageStore


@dataclass(frozen=True)
class PublishMode:
    """What the user asked of the posts (the convert options of the same names)."""

    force: bool = False  # overwrite a file that is not wx2post's own, unedited post
    to_stdout: bool = False  # print each post, write nothing
    dry_run: bool = False  # say which posts would be written, write nothing
    strict_images: bool = False  # an image that could not be saved fails its article

    @property
    def writes(self) -> bool:
        """Posts go into the site (and its state is locked and kept)."""
        return not (self.to_stdout or self.dry_run)

    @property
    def skips_up_to_date(self) -> bool:
        """An input whose post is up to date is reported unchanged, not converted again."""
        return not (self.force or self.to_stdout)


class Publisher:
    """Writes the posts of one run and remembers which articles it has handled."""

    def __init__(
        self,
        site: Path,
        options: Options,
        state: SiteState,
        store_for: Callable[[str], ImageStore],
        mode: PublishMode,
        *,
        emit: Say,
        warn: Say,
    ) -> None:
        self.site, self.options, self.state, self.store_for = site, options, state, store_for
        self.mode = mode
        self.emit, self.warn = emit, warn
        self._done: set[str] = set()  # identities converted in this run
        self._seen: KnownArticles | None = None  # by account and title, for copies without a link
        self._done_keys: set[str] = set()  # ... and their link keys (URL, biz:mid:idx)
        self._written: list[str] = []  # identities whose post was written in this run
        self._index: dict[str, str] | None = None  # link key -> post path (see _linked)
        self._downloads = {"fetched": 0, "failed": 0}  # images from the network in this run
        self._download_reasons: Counter[str] = Counter()

    def handled(self, link: str) -> bool:
        """Whether the article that clean link `link` names was converted in this run."""
        return self.state.identity_of(link) in self._done or bool(link_keys(link) & self._done_keys)

    @property
    def seen_articles(self) -> KnownArticles:
        if self._seen is None:
            self._seen = KnownArticles(self.site, self.state.posts())
        return self._seen

    def publish(self, draft: Draft, result: Result, input_key: str) -> None:
        """Take `draft` to its outcome in `result`; a failure is raised (WxError)."""
        article = draft.article
        skipped, taken_over = self._same_article(draft, result)
        if skipped:
            return
        identity = article.identity
        result.title, result.url = article.title, article.url
        result.date = article.published.isoformat(timespec="seconds") if article.published else ""
        if identity in self._done:
            result.status, result.reason = "skipped", duplicate(identity).reason
            if (written := self.state.get(identity)) is not None:
                describe(result, self.site, written, self.options.preset)
            return
        self._done.add(identity)
        self._done_keys |= link_keys(identity)
        self.seen_articles.add(article, identity)
        copy = self.state.get(taken_over) if taken_over else None
        relpath = copy.path if copy is not None else self._relpath(draft)
        replace = self._may_replace(relpath, identity, taken_over if copy is not None else "")
        if self.state.unwritable is not None:
            raise self.state.unwritable  # no post (nor its images) that could not be recorded
        store = None if self.mode.dry_run else self.store_for(relpath)
        conversion = finish_post(draft, self.options, store, relpath=relpath)
        self._count_images(conversion, result)
        if conversion.failed_images and self.mode.strict_images:
            first = conversion.failed_images[0]
            count = len(conversion.failed_images)
            raise WxError(f"{count} image(s) could not be saved (--strict-images), first: {first.error}")
        if self.mode.to_stdout:
            result.status = "converted"
            self.emit(conversion.post.text)
            return
        target = contained(self.site, relpath)
        if self.mode.dry_run:
            result.status, result.post = "converted", site_path(self.site, relpath)
            self.emit(f"would write {result.post}")
            return
        self._write(target, relpath, identity, conversion, result, replace=replace, input_key=input_key)

    def _may_replace(self, relpath: str, identity: str, copy_identity: str) -> bool:
        """Whether the post may replace the file at `relpath` (checked before any image is
        saved): with --force, or where it is wx2post's own, unedited post of this article or
        of the link-less copy this page takes over (a re-run repairs images); any other file
        there is refused."""
        if not self.mode.writes:
            return self.mode.force
        target = contained(self.site, relpath)  # symlinks followed: never outside the site
        current = _current(target)  # a folder in the way is refused, even with --force
        if current is None or self.mode.force:
            return self.mode.force
        if not (
            self.state.owns(identity, relpath, current)
            or (copy_identity and self.state.owns(copy_identity, relpath, current))
        ):
            raise PostExists(f"{target} exists (use --force to overwrite)")
        return True

    def _write(
        self,
        target: Path,
        relpath: str,
        identity: str,
        conversion: Conversion,
        result: Result,
        *,
        replace: bool,
        input_key: str,
    ) -> None:
        """Write the post (its links to posts of the site set) and record it, unless the
        file already holds exactly these bytes: then it is recorded as unchanged."""
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
        self._post_index().update(dict.fromkeys(link_keys(identity), relpath))
        result.post = site_path(self.site, relpath)
        self.emit(result.post)

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

    def _post_index(self) -> dict[str, str]:
        if self._index is None:
            self._index = post_index(self.state.posts())
        return self._index

    def _linked(self, text: str, relpath: str) -> str:
        """The post with its links to articles that are already posts of the site set, before
        it is compared with the file on disk: a re-run of unchanged inputs rewrites nothing.
        (Links to posts written later in the run are set by `link_posts_written`.)"""
        return link_known_posts(text, self._post_index(), self.options.preset, own=relpath)

    def _keep_adopted(self, identity: str, relpath: str, current: bytes | None) -> None:
        """A post adopted by a rebuild of the state may have been edited since wx2post wrote it
        (a rebuild cannot tell): its text is kept in .wx2post/backup/ before it is replaced."""
        known = self.state.get(identity)
        if current is None or known is None or not known.adopted or known.path != relpath:
            return
        backup = write_unique(self.site, f"{BACKUP_DIR}/{relpath}", current)
        self.warn(f"wx2post: warning: {relpath}: the record was rebuilt; its previous text is in {backup}")

    def _count_images(self, conversion: Conversion, result: Result) -> None:
        result.images_saved = sum(1 for o in conversion.images if o.path is not None)
        result.images_failed = len(conversion.failed_images)
        result.failed_images = [{"url": o.reference, "reason": o.error} for o in conversion.failed_images]
        result.warnings.extend(conversion.warnings)
        self._downloads["fetched"] += sum(1 for o in conversion.images if o.source == "network")
        self._downloads["failed"] += sum(1 for o in conversion.failed_images if is_web_url(o.reference))
        self._download_reasons.update(o.error for o in conversion.failed_images if is_web_url(o.reference))

    # -- at the end of the run -------------------------------------------------------------

    def link_posts_written(self) -> None:
        """Links to articles that are posts of this site now point at those posts."""
        if not self._written or not self.mode.writes:
            return
        index = post_index(self.state.posts())
        for identity in self._written:
            written = self.state.get(identity)
            if written is None:
                continue
            try:
                text = read_plain_text(contained(self.site, written.path))
                linked = link_known_posts(text, index, self.options.preset, own=written.path)
                if linked != text:
                    data = linked.encode("utf-8")
                    rewrite = partial(write_file, self.site, written.path, data)
                    self.state.commit(identity, written.path, data, rewrite, complete=written.complete)
            except (WxError, OSError, UnicodeDecodeError) as exc:  # the post stays, with WeChat links
                reason = exc.reason if isinstance(exc, WxError) else str(exc)
                self.warn(redact(f"wx2post: warning: {written.path}: links to other posts not set: {reason}"))

    def hint_if_offline(self) -> None:
        """Nothing came from the network although images were wanted: say what to do, once."""
        if self._downloads["failed"] and not self._downloads["fetched"]:
            (reason, _), *_ = self._download_reasons.most_common(1)
            self.warn(
                f"wx2post: warning: no image could be downloaded in this run ({reason}); check the "
                "network or the proxy (HTTPS_PROXY, REQUESTS_CA_BUNDLE), or keep the images' remote "
                "URLs with --images remote"
            )


def _current(target: Path) -> bytes | None:
    """The bytes of the file at `target`, None if there is none; a folder in the way is refused."""
    try:
        return read_plain(target)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise WriteFailed(f"cannot write {target}: it is a folder") from None
    except OSError as error:
        raise WriteFailed(f"cannot read {target}: {error.strerror or type(error).__name__}") from None
