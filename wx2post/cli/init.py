"""`wx2post init`: write a commented wx2post.toml for a preset into a site folder."""

from __future__ import annotations

from pathlib import Path

import click

from ..presets import PRESETS
from .config import CONFIG_NAME
from .template import render_config


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument(
    "site",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    required=False,
)
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default="hux",
    show_default=True,
    help="The blog's format, whose defaults the file shows.",
)
@click.option("--force", is_flag=True, help=f"Replace an existing {CONFIG_NAME}.")
def init(site: Path, preset: str, force: bool) -> None:
    """Write SITE/wx2post.toml (SITE defaults to the current folder): every option of
    `wx2post convert` for the preset, commented out at its default."""
    from ..display import shown_path
    from ..errors import PostExists
    from ..files import write_atomic

    target = site / CONFIG_NAME
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists (use --force to replace it)")
    try:
        write_atomic(target, render_config(preset).encode("utf-8"), replace=force)
    except PostExists:  # created meanwhile by someone else
        raise click.UsageError(f"{target} exists (use --force to replace it)") from None
    except OSError as exc:
        raise click.UsageError(f"cannot write {target}: {exc}") from None
    click.echo(shown_path(target))
