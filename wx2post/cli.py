"""Command line: parse options, call the library, print results, set the exit status."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import ExitStatus, WxError
from .models import Options
from .pipeline import convert_file, write_post
from .presets import PRESETS
from .urls import redact


class _Group(click.Group):
    def main(self, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        # Ctrl-C: its own status, no traceback.
        try:
            return super().main(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("wx2post: interrupted", err=True)
            sys.exit(ExitStatus.INTERRUPTED)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wx2post")
def main() -> None:
    """Turn WeChat public-account articles (mp.weixin.qq.com) into blog posts."""


@main.command()
@click.argument("pages", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "site",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The blog's folder (posts go below it).",
)
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the post instead of writing it.")
@click.option("--force", is_flag=True, help="Overwrite a post that exists.")
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default="hux",
    show_default=True,
    help="The blog's format.",
)
@click.option(
    "--slug",
    "slug_mode",
    type=click.Choice(["title", "pinyin", "id"]),
    default="title",
    show_default=True,
    help="How the post's file name is made.",
)
@click.option("--author", default="转载", show_default=True, help="Front matter `author`.")
@click.option("--tag", "tags", multiple=True, help="Front matter tag (repeatable; default 其他).")
@click.option(
    "--header-img",
    default="img/the-first.png",
    show_default=True,
    help="Front matter `header-img` (hux preset).",
)
@click.option(
    "--catalog/--no-catalog", default=False, show_default=True, help="Front matter `catalog` (hux preset)."
)
@click.option("--no-attribution", is_flag=True, help="Do not open the post with the repost note.")
def convert(
    pages: tuple[Path, ...],
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
) -> None:
    """Convert saved WeChat article PAGES into posts under the site folder."""
    options = Options(
        preset=preset,
        author=author,
        tags=tags or ("其他",),
        header_img=header_img,
        catalog=catalog,
        slug=slug_mode,
        attribution=not no_attribution,
        force=force,
    )
    converted = failed = 0
    worst = ExitStatus.OK
    for page in pages:
        try:
            result = convert_file(page, options)
            for warning in result.warnings:
                click.echo(redact(f"wx2post: warning: {page}: {warning}"), err=True)
            if to_stdout:
                click.echo(result.post.text, nl=False)
            else:
                target = write_post(site, result.post, force=force)
                click.echo(str(target))
            converted += 1
        except WxError as exc:
            if not exc.source:
                exc.source = str(page)
            click.echo(redact(f"wx2post: error: {exc}"), err=True)
            failed += 1
            worst = max(worst, exc.exit_status, key=_severity)
        except Exception as exc:  # a bug must not lose the rest of the batch
            click.echo(redact(f"wx2post: error: {page}: unexpected {type(exc).__name__}: {exc}"), err=True)
            failed += 1
    sys.exit(_final_status(converted, failed, worst))


def _severity(status: ExitStatus) -> int:
    return {ExitStatus.VERIFICATION: 3, ExitStatus.FAILED: 2, ExitStatus.PARTIAL: 1}.get(status, 0)


def _final_status(converted: int, failed: int, worst: ExitStatus) -> int:
    if worst == ExitStatus.VERIFICATION:
        return ExitStatus.VERIFICATION
    if failed and not converted:
        return ExitStatus.FAILED
    if failed:
        return ExitStatus.PARTIAL
    return ExitStatus.OK
