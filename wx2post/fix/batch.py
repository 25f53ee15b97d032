"""Repair posts on disk, one by one: find them, run the rules, write atomically, report.

A post's outcome is `convert`'s `runner.Result` (the same fields, the same failure kinds)
with what `fix` adds (the repairs, the backup), and the batch's exit status is convert's
(`errors.batch_status`). Every file is written by files.py, the one writer (inside the
site, never replacing a backup, keeping a post's mode, never writing through a hard link).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ExitStatus, WxError, batch_status
from ..files import contained, read_plain, write_file, write_unique
from ..images import ImageSettings
from ..runner import Result
from . import markdown
from .engine import ArticleFetcher, Change, FixContext, Localiser, Repair, Rule, run_rules
from .images import PlanStore
from .messages import mask
from .paragraphs import exporter_signature
from .posts import is_wechat_repost, split_post

if TYPE_CHECKING:
    from ..state import SiteState

POST_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")
_SKIP_DIRS = {"_site", "node_modules", "vendor", "public", "resources", ".jekyll-cache", ".git"}
_POST_DIRS = ("_posts", "_drafts")
_SITE_MARKERS = ("_config.yml", "_config.yaml", "_config.toml")


def fix_text(text: str, ctx: FixContext, rules: Sequence[Rule] | None = None) -> Repair:
    """Run the rules over a post's text; line numbers in the changes refer to `text`."""
    from .rules import RULES  # the rules import the engine, which this module also needs

    parts = split_post(text)
    ctx.meta = parts.values()
    # Known from the post as read: rules that remove lines may leave blank lines behind.
    ctx.exporter_post = exporter_signature(markdown.read(parts.body))
    front, body, changes = run_rules(parts.front, parts.body, RULES if rules is None else rules, ctx)
    return Repair(parts.join(front, body), changes)


def find_posts(paths: Iterable[Path]) -> list[Path]:
    """Post files named, or found below the folders named (only in `_posts`/`_drafts`
    when the folder holds such folders: a site's pages and README are not posts)."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_file():
            found.setdefault(path, None)
            continue
        files = [
            p
            for p in sorted(path.rglob("*"))
            if p.is_file()
            and p.suffix.lower() in POST_SUFFIXES
            and not any(part in _SKIP_DIRS or part.startswith(".") for part in p.relative_to(path).parts)
        ]
        in_post_dirs = [p for p in files if _under_post_dir(p)]
        for p in in_post_dirs if in_post_dirs else files:
            found.setdefault(p, None)
    return list(found)


def _under_post_dir(path: Path) -> bool:
    return any(part in _POST_DIRS for part in path.parent.parts)


def site_for(post: Path) -> Path | None:
    """The folder image paths are relative to: the parent of `_posts` (Jekyll's site, Hexo's
    `source`), else the nearest folder with a `_config.yml`."""
    for parent in post.resolve().parents:
        if parent.name in _POST_DIRS:
            return parent.parent
    for parent in post.resolve().parents:
        if any((parent / marker).is_file() for marker in _SITE_MARKERS):
            return parent
    return None


@dataclass
class FixResult(Result):
    """What happened to one post: convert's Result (`source` and `post` are the post's path;
    status "changed", "unchanged", "skipped" or "failed") and the repairs."""

    written: bool = False  # False in a dry run: "changed" then means "would change"
    backup: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)
    details: list[Change] = field(default_factory=list)
    images_planned: int = 0
    notes: list[str] = field(default_factory=list)
    old_text: str = field(default="", repr=False)
    new_text: str = field(default="", repr=False)

    @property
    def path(self) -> str:
        return self.source

    def record(self) -> dict[str, Any]:
        """The `--json` object (credential values masked)."""
        hidden = ("details", "old_text", "new_text")
        data = {"path": self.source, **{k: v for k, v in self.__dict__.items() if k not in hidden}}
        data["warnings"] = [mask(w) for w in self.warnings]
        data["notes"] = [mask(n) for n in self.notes]
        data["lines"] = {
            c["rule"]: [d.line for d in self.details if d.rule == c["rule"]] for c in self.changes
        }
        return data


@dataclass
class FixSettings:
    write: bool = False
    backup: bool = True
    all_posts: bool = False  # also posts that are not WeChat reposts
    refetch: bool = False
    source: str = ""  # --source: the article a (single) post reposts
    site: Path | None = None  # None: found from each post's path
    images: ImageSettings = field(default_factory=ImageSettings)
    template: str = "liquid"


def backup_path(post: Path) -> Path:
    """`.<name>.bak` beside the post: a dot file, because Jekyll publishes `_posts/<name>.bak`
    as a second post (tests/test_fix_cli.py::test_backup_is_not_published)."""
    return post.with_name(f".{post.name}.bak")


class Fixer:
    """Repairs posts one by one; holds the run's stores (one per site) and fetcher."""

    def __init__(
        self,
        settings: FixSettings,
        *,
        open_store: Callable[[Path, ImageSettings], Localiser] | None = None,
        open_fetcher: Callable[[], ArticleFetcher] | None = None,
        states: Mapping[Path, SiteState] | None = None,
    ) -> None:
        self.settings = settings
        self.states = states or {}  # each site's record, open for writing (with --write)
        self.open_store = open_store
        self.open_fetcher = open_fetcher
        self.results: list[FixResult] = []
        self._stores: dict[Path, Localiser] = {}
        self._fetcher: ArticleFetcher | None = None

    def close(self) -> None:
        for store in self._stores.values():
            close = getattr(store, "close", None)
            if close is not None:
                close()
        close = getattr(self._fetcher, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Fixer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _store(self, site: Path) -> Localiser | None:
        if self.settings.images.mode == "remote":
            return None
        if not self.settings.write or self.open_store is None:
            return PlanStore(site, self.settings.images)
        if site not in self._stores:
            self._stores[site] = self.open_store(site, self.settings.images)
        return self._stores[site]

    def _fetch(self) -> ArticleFetcher | None:
        if not (self.settings.write and self.settings.refetch) or self.open_fetcher is None:
            return None
        if self._fetcher is None:
            self._fetcher = self.open_fetcher()
        return self._fetcher

    def fix(self, path: Path) -> FixResult:
        result = FixResult(source=str(path), status="failed", post=str(path))
        try:
            self._fix(path, result)
        except (OSError, UnicodeDecodeError, WxError) as exc:
            result.status = "failed"
            result.reason = _reason(exc)
            result.kind = type(exc).__name__
        except Exception as exc:  # a bug must not lose the rest of the batch
            result.status = "failed"
            result.reason = f"unexpected {type(exc).__name__}: {exc}"
            result.kind = "internal-error"
        self.results.append(result)
        return result

    def _fix(self, path: Path, result: FixResult) -> None:
        raw = read_plain(path)
        text = raw.decode("utf-8")
        if not split_post(text).front:
            result.status, result.reason = "skipped", "no front matter: not a post"
            return
        if not self.settings.all_posts and not is_wechat_repost(text):
            result.status, result.reason = "skipped", "not a WeChat repost (--all to repair it too)"
            return
        site = self.settings.site or site_for(path)
        if site is None:
            raise WxError("cannot tell which site the post belongs to; name it with --site")
        ctx = FixContext(
            site=site,
            post_dir=None if _under_post_dir(path.resolve()) else path.resolve().parent,
            settings=self.settings.images,
            template=self.settings.template,
            store=self._store(site),
            fetcher=self._fetch(),
            refetch=self.settings.refetch,
            source=self.settings.source,
            origin=str(path),
        )
        repair = fix_text(text, ctx)
        result.title = str(ctx.meta.get("title", "") or "")
        result.url = ctx.source_url
        result.details = repair.changes
        result.changes = repair.counts()
        result.warnings, result.notes = ctx.warnings, ctx.notes
        result.images_saved, result.images_failed = ctx.images_saved, ctx.images_failed
        result.images_planned = ctx.images_planned
        if ctx.verification:
            result.kind = "verification"
        new = repair.text.encode("utf-8")
        result.old_text, result.new_text = text, repair.text
        if new == raw:
            result.status = "unchanged"
            return
        result.status = "changed"
        if self.settings.write:
            # files.py: inside the site whatever is a link (hard links included), mode kept;
            # the backup never replaces a file (a taken name gets .1, .2, ...).
            target = contained(site, path.absolute())  # a link out of the site: refused before the backup
            if self.settings.backup:
                result.backup = str(write_unique(site, backup_path(path.absolute()), raw))
            write = partial(write_file, site, target, new)
            state = self.states.get(site)
            # A post wx2post wrote stays wx2post's: its new text is recorded (a later convert
            # regenerates it). Any other post is written, and the record does not claim it.
            if state is None or not state.rewrite_own(_names(site, path, target), raw, new, write):
                write()
            result.written = True

    def status(self) -> ExitStatus:
        done = [r for r in self.results if r.status in ("changed", "unchanged")]
        return batch_status(
            done=len(done),
            failed=sum(r.status == "failed" for r in self.results),
            partial=any(r.images_failed for r in done),
            verification=any(r.kind == "verification" for r in self.results),
        )


def _names(site: Path, given: Path, target: Path) -> list[str]:
    """The site-relative paths the post goes by (as named, and its real file), as the
    record writes them."""
    names = [
        os.path.relpath(given.absolute(), site.absolute()),
        os.path.relpath(target, os.path.realpath(site)),
    ]
    return [n.replace(os.sep, "/") for n in dict.fromkeys(names) if not n.startswith("..")]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, WxError):
        return exc.reason
    if isinstance(exc, OSError):
        return f"file error: {exc.strerror or type(exc).__name__}"
    return str(exc)
