"""`wx2post fix`: parse options, run `fix.Fixer` over the posts, print the report, set the exit status.

Registered on the main group by `wx2post.cli`. The repair rules are in `wx2post.fix`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..presets import PRESETS, get_preset
from .options import fetch_options, image_download_options, no_wait_option, parse_size

if TYPE_CHECKING:  # the library is imported where it is used: `wx2post --help` stays fast
    from ..fix import ArticleFetcher, Localiser
    from ..images import ImageSettings
    from ..state import SiteState


def open_store(site: Path, settings: ImageSettings) -> Localiser:
    """The image store for one site (a seam for tests that serve the CDN locally)."""
    from ..store import ImageStore

    return ImageStore(site, settings)


def open_fetcher(base_url: str | None, delay: float) -> ArticleFetcher:
    from ..fetch import PageFetcher

    return PageFetcher(base_url=base_url, delay=delay, jitter=delay / 3)


@click.command("fix")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path, file_okay=True)
)
@click.option(
    "--write",
    is_flag=True,
    help="Apply the repairs (default: report what would change): written atomically, keeping a backup "
    "`.<post>.bak` beside each post (a dot file, so Jekyll does not publish it; `.<post>.1.bak`, ... when "
    "that name is taken: no file is ever replaced). A symlinked post is written through to its target "
    "when that is inside the site (refused otherwise); the post's mode is kept, and a post with other hard "
    "links is replaced, never written through (its other names, maybe outside the site, keep the old text).",
)
@no_wait_option
@click.option("--diff", "show_diff", is_flag=True, help="Show each post's changes as a unified diff.")
@click.option("--no-backup", is_flag=True, help="With --write, keep no backup.")
@click.option("--all", "all_posts", is_flag=True, help="Also repair posts that are not WeChat reposts.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON object per post on standard output (`path`, `status`, `changes`, "
    "`images_saved`, `images_failed`, `warnings`, ...).",
)
@click.option(
    "--refetch",
    is_flag=True,
    help="Restore missing images from the post's source article on mp.weixin.qq.com (with --write; "
    "paced by --delay, through --mp-base-url if set).",
)
@click.option(
    "--source",
    "source_url",
    default=None,
    metavar="URL",
    help="The article the post reposts, when the post does not say (for --refetch and its hint; "
    "one post only).",
)
@click.option(
    "--site",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    metavar="DIR",
    help="The blog's folder, when it cannot be found from the posts' paths "
    "[default: the parent of the post's `_posts`, or the folder with `_config.yml`].",
)
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default="hux",
    show_default=True,
    help="The blog's format (hux/jekyll: text Liquid would run is escaped; others: left as is).",
)
@click.option(
    "--images",
    "image_mode",
    type=click.Choice(["local", "remote"]),
    default="local",
    show_default=True,
    help="Store hot-linked WeChat images in the site (local) or leave them remote, cleaned.",
)
@click.option(
    "--image-dir",
    default="postimg",
    show_default=True,
    metavar="DIR",
    help="Image folder, relative to the site.",
)
@click.option(
    "--image-prefix",
    default=None,
    metavar="TEXT",
    help="Written before each image's file name [default: `{{site.baseurl}}/<image-dir>/`].",
)
@image_download_options
@fetch_options("Pause between two article fetches with --refetch (± a third, random; none before the first).")
def fix(
    paths: tuple[Path, ...],
    write: bool,
    show_diff: bool,
    no_backup: bool,
    all_posts: bool,
    as_json: bool,
    refetch: bool,
    source_url: str | None,
    site: Path | None,
    preset: str,
    image_mode: str,
    image_dir: str,
    image_prefix: str | None,
    image_jobs: int,
    max_image_size: str,
    allow_private_addresses: bool,
    delay: float,
    mp_base_url: str | None,
    no_wait: bool,
) -> None:
    """Repair posts already in a blog: clean links, store hot-linked images, relink or
    restore missing ones, drop pasted WeChat chrome, fix Markdown defects.

    PATHS are post files or folders of them (a site folder: its `_posts`). Nothing is
    written without --write; the report says, post by post, what would change.
    """
    from ..errors import ExitStatus, WxError
    from ..fetch import resolve_base_url
    from ..fix import Fixer, FixSettings, diff, find_posts, report, summary
    from ..images import ImageSettings, image_folder
    from ..urls import article_id

    folder = image_dir.rstrip("/") or "postimg"
    images = ImageSettings(
        folder=folder,
        prefix=image_prefix if image_prefix is not None else "{{site.baseurl}}/" + folder + "/",
        mode=image_mode,
        jobs=image_jobs,
        max_size=parse_size(max_image_size),
        allow_private=allow_private_addresses,
    )
    source = ""
    if source_url is not None:
        ident = article_id(source_url)
        if ident is None or not ident.key:
            raise click.BadParameter("not a WeChat article link", param_hint="--source")
        source = ident.url
    try:
        image_folder(Path("."), folder)  # refuse a folder outside the site before any work
        if refetch:
            resolve_base_url(mp_base_url)
    except WxError as exc:
        raise click.UsageError(str(exc)) from exc
    settings = FixSettings(
        write=write,
        backup=not no_backup,
        all_posts=all_posts,
        refetch=refetch,
        source=source,
        site=site,
        images=images,
        template=get_preset(preset).template,
    )
    posts = find_posts(paths)
    if not posts:
        click.echo(
            "wx2post: error: no posts (Markdown files) found in " + ", ".join(map(str, paths)), err=True
        )
        sys.exit(ExitStatus.FAILED)
    if source and len(posts) > 1:
        raise click.UsageError(f"--source names one article, but {len(posts)} posts were given")
    states = open_states(posts, site, wait=not no_wait) if write else {}
    fixer = Fixer(
        settings,
        open_store=lambda s, i: open_store(s, i),
        open_fetcher=lambda: open_fetcher(mp_base_url, delay),
        states=states,
    )
    with fixer, _closed(states):
        for post in posts:
            result = fixer.fix(post)
            if as_json:
                record = result.record()
                if show_diff:
                    record["diff"] = diff(result)
                click.echo(json.dumps(record, ensure_ascii=False))
            else:
                click.echo(report(result))
                if show_diff and result.status == "changed":
                    click.echo(diff(result), nl=False)
            if result.status == "failed":
                click.echo(f"wx2post: error: {post}: {result.reason}", err=True)
    if not as_json:
        click.echo(summary(fixer.results, write))
    sys.exit(fixer.status())


def open_states(posts: list[Path], site: Path | None, *, wait: bool) -> dict[Path, SiteState]:
    """fix --write holds each site's record open for writing, which holds the site's lock, as
    convert does (one writer per site at a time, and the record is the lock's only holder): a
    post wx2post wrote is re-recorded once repaired (state.SiteState.rewrite_own). SiteBusy
    with --no-wait is exit 5; a site whose record cannot be kept (read-only, full) is exit 1."""
    from ..errors import ExitStatus, SiteBusy, WxError
    from ..fix import site_for
    from ..state import SiteState

    sites = sorted({found for post in posts if (found := site or site_for(post)) is not None})
    states: dict[Path, SiteState] = {}
    try:
        for one in sites:
            state = states[one] = SiteState(one, writable=True, wait=wait, say=_to_stderr)
            if state.unwritable is not None:  # SiteState said why
                _close(states)
                sys.exit(ExitStatus.FAILED)
    except SiteBusy as exc:
        _close(states)
        click.echo(f"wx2post: error: {exc.reason}", err=True)
        sys.exit(ExitStatus.BUSY)
    except WxError as exc:  # a .wx2post/ that links out of the site
        _close(states)
        raise click.UsageError(str(exc)) from exc
    return states


def _to_stderr(message: str) -> None:
    click.echo(message, err=True)


def _close(states: dict[Path, SiteState]) -> None:
    for state in states.values():
        state.close()


@contextmanager
def _closed(states: dict[Path, SiteState]) -> Iterator[None]:
    try:
        yield
    finally:
        _close(states)
