"""`wx2post convert`: parse options, run the pipeline over the inputs, report, set the exit status."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import click

from ..presets import PRESETS
from .config import config_option, loaded_front_matter, remember_site
from .options import fetch_options, image_download_options, no_wait_option, parse_size


@click.command(context_settings={"auto_envvar_prefix": "WX2POST"})
@click.argument("inputs", nargs=-1)
@click.option(
    "-i",
    "--input-file",
    default=None,
    metavar="FILE",
    help="More inputs from FILE, one link or path a line, `#` comments (`-`: standard input).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    metavar="N",
    help="Saved pages converted in parallel (worker processes) [default: the number of cores].",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON object per input on standard output (see the README's JSON output).",
)
@click.option(
    "--dry-run", is_flag=True, help="Say what would be written (`would write PATH`); write nothing."
)
@click.option("-q", "--quiet", is_flag=True, help="Only errors on standard error (no warnings, no summary).")
@click.option("-v", "--verbose", is_flag=True, help="A line per input on standard error.")
@click.option(
    "-o",
    "--output",
    "site",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    is_eager=True,  # the config file in it sets the other options' defaults
    callback=remember_site,
    metavar="SITE",
    help="The blog's folder (posts go below it).",
)
@config_option
@click.option(
    "--stdout", "to_stdout", is_flag=True, help="Print the post instead of writing it (images stay remote)."
)
@click.option(
    "--force", is_flag=True, help="Replace posts that exist, even edited ones; redo unchanged inputs."
)
@no_wait_option
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default="hux",
    show_default=True,
    help="The blog's format (see Presets).",
)
@click.option(
    "--slug",
    "slug_mode",
    type=click.Choice(["title", "pinyin", "id"]),
    default="title",
    show_default=True,
    help="How the post's file name is made (see File names).",
)
@click.option("--author", default="转载", show_default=True, metavar="TEXT", help="Front matter `author`.")
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="TEXT",
    help="A front matter tag; repeat for several [default: 其他].",
)
@click.option(
    "--header-img",
    default="img/the-first.png",
    show_default=True,
    metavar="PATH",
    help="Front matter `header-img` (hux); a file of the site (checked).",
)
@click.option(
    "--catalog/--no-catalog", default=False, show_default=True, help="Front matter `catalog` (hux preset)."
)
@click.option("--no-attribution", is_flag=True, help="Leave out the repost note at the top of the body.")
@click.option(
    "--images",
    "image_mode",
    type=click.Choice(["local", "remote"]),
    default=None,
    help="Save images, or keep clean remote URLs [default: `local` (`remote` with --stdout/--dry-run)].",
)
@click.option(
    "--image-dir",
    default=None,
    metavar="DIR",
    help="Image folder, relative to the site (absolute, `..` or a link out of the site: usage error, "
    "exit 2) [default: `postimg` (hugo, hexo: beside each post)].",
)
@click.option(
    "--image-prefix",
    default=None,
    metavar="TEXT",
    help="Written before each image's file name "
    "[default: `{{site.baseurl}}/<image-dir>/` (hugo, hexo: none)].",
)
@click.option("--cover-as-header", is_flag=True, help="Save the cover and make it `header-img`.")
@click.option(
    "--strict-images",
    is_flag=True,
    help="An image that cannot be saved fails the article (no post written).",
)
@image_download_options
@fetch_options("Pause between two article fetches (± a third, random; none before the first).")
@click.option(
    "--save-html",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Keep every fetched page as received, to convert it again later (see Links and albums).",
)
@click.option(
    "--limit",
    type=click.IntRange(0),
    default=None,
    metavar="N",
    help="Albums and feeds: only the newest N articles (of each feed).",
)
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
    default=None,
    metavar="DATE",
    help="Feeds: only items published on or after DATE (`2026-11-01`, or `2026-11-01T08:00:00`; "
    "Beijing time).",
)
def convert(
    inputs: tuple[str, ...],
    input_file: str | None,
    jobs: int | None,
    as_json: bool,
    dry_run: bool,
    quiet: bool,
    verbose: bool,
    site: Path,
    to_stdout: bool,
    force: bool,
    preset: str,
    slug_mode: str,
    author: str,
    tags: tuple[str, ...],
    header_img: str,
    catalog: bool,
    no_attribution: bool,
    image_mode: str | None,
    image_dir: str | None,
    image_prefix: str | None,
    cover_as_header: bool,
    image_jobs: int,
    max_image_size: str,
    strict_images: bool,
    allow_private_addresses: bool,
    delay: float,
    save_html: Path | None,
    limit: int | None,
    since: datetime | None,
    mp_base_url: str | None,
    no_wait: bool,
) -> None:
    """Convert WeChat articles into posts under the site folder.

    INPUTS are saved pages (.html, .mhtml, an exporter's folder), article links
    (https://mp.weixin.qq.com/s/... or /s?__biz=...), album links (/mp/appmsgalbum?...),
    and feeds (RSS, Atom, JSON Feed) or OPML lists, as files or URLs.
    """
    if not inputs and input_file is None:
        raise click.UsageError("give at least one page, folder or link (or --input-file)")
    if to_stdout and as_json:
        raise click.UsageError("--stdout and --json both write to standard output: choose one")
    # The pipeline is imported here, once the options are good: --help, --version and
    # usage errors never pay for it (see tests/test_startup.py).
    from ..errors import ExitStatus, SiteBusy, WxError
    from ..files import contained
    from ..images import ImageSettings, image_folder
    from ..inputs import InputCounts, expand
    from ..models import BEIJING, Options
    from ..runner import FetchSettings, Result, Runner
    from ..sitecheck import SiteChecks
    from .report import Reporter

    options = Options(
        preset=preset,
        author=author,
        tags=tags or ("其他",),
        header_img=header_img,
        catalog=catalog,
        slug=slug_mode,
        attribution=not no_attribution,
        cover_as_header=cover_as_header,
        extra_front_matter=loaded_front_matter(),
    )
    images = ImageSettings(  # folder and prefix: per post, from the preset (RunResources.store_for)
        mode=image_mode or ("remote" if to_stdout or dry_run else "local"),
        jobs=image_jobs,
        max_size=parse_size(max_image_size),
        allow_private=allow_private_addresses,
    )
    err = sys.stderr
    reporter = Reporter(
        lambda text: click.echo(text, nl=not (to_stdout and not as_json)),
        err,
        as_json=as_json,
        quiet=quiet,
        verbose=verbose,
        progress=not (quiet or verbose) and err.isatty(),
        dry_run=dry_run,
    )
    counts = InputCounts()
    checks = SiteChecks(
        site,
        preset,
        header_img=header_img,
        cover_as_header=cover_as_header,
        images_beside_posts=not image_dir and images.mode == "local",
    )

    def report(result: Result) -> None:
        checks.note(result.post, result.date, result.status)
        reporter.report(result)

    try:
        if image_dir:  # outside the site (absolute, `..`, a link out): a usage error before any work
            contained(site, image_folder(site, image_dir))
        runner = Runner(
            site,
            options,
            images,
            force=force,
            to_stdout=to_stdout,
            dry_run=dry_run,
            strict_images=strict_images,
            image_dir=image_dir,
            image_prefix=image_prefix,
            jobs=jobs or os.cpu_count() or 1,
            fetch=FetchSettings(
                delay=delay,
                base_url=mp_base_url,
                save_html=save_html,
                limit=limit,
                since=since.replace(tzinfo=BEIJING) if since else None,
            ),
            emit=reporter.emit,
            warn=reporter.warn,
            report=report,
            keep_results=False,
            wait=not no_wait,
        )
        if not to_stdout:  # what the site's own config will do to the posts
            for warning in checks.before():
                reporter.warn(warning)
        try:
            status = runner.run(expand(inputs, input_file, counts))
        except KeyboardInterrupt:
            # Posts are written whole or not at all; the state is saved: a re-run carries on.
            reporter.summary(runner, counts.skipped)
            click.echo("wx2post: interrupted", err=True)
            sys.exit(ExitStatus.INTERRUPTED)
    except SiteBusy as exc:  # --no-wait, and another run holds the site
        click.echo(f"wx2post: error: {exc.reason}", err=True)
        sys.exit(ExitStatus.BUSY)
    except WxError as exc:  # a problem with the run itself (e.g. an unsafe --image-dir)
        raise click.UsageError(str(exc)) from exc
    except OSError as exc:  # an unreadable --input-file
        raise click.UsageError(str(exc)) from exc
    if not to_stdout:
        for warning in checks.after():
            reporter.warn(warning)
    reporter.summary(runner, counts.skipped)
    sys.exit(status)
