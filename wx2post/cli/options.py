"""Options that `convert` and `fix` share: defined once, so both say the same thing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def parse_size(value: str) -> int:
    """`20M`, `512K`, `1.5MiB`, `1048576` -> bytes."""
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    text = value.strip().lower().removesuffix("b").removesuffix("i")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a size (e.g. 20M, 512K, 1048576)") from None


def image_download_options(f: F) -> F:
    """--image-jobs, --max-image-size, --allow-private-addresses."""
    f = click.option(
        "--allow-private-addresses",
        is_flag=True,
        help="Allow image downloads from loopback/private networks (a local mirror).",
    )(f)
    f = click.option(
        "--max-image-size",
        default="20M",
        show_default=True,
        metavar="SIZE",
        help="Larger images are refused (bytes, or a K/M/G suffix).",
    )(f)
    f = click.option(
        "--image-jobs",
        type=click.IntRange(1, 64),
        default=8,
        show_default=True,
        metavar="N",
        help="Parallel image downloads.",
    )(f)
    return f


def fetch_options(delay_help: str) -> Callable[[F], F]:
    """--delay and --mp-base-url (WX2POST_MP_BASE_URL)."""

    def decorate(f: F) -> F:
        f = click.option(
            "--mp-base-url",
            envvar="WX2POST_MP_BASE_URL",
            default=None,
            show_envvar=True,
            metavar="URL",
            help="Fetch through this mirror or proxy [default: https://mp.weixin.qq.com].",
        )(f)
        f = click.option(
            "--delay",
            type=click.FloatRange(0),
            default=3.0,
            show_default=True,
            metavar="SECONDS",
            help=delay_help,
        )(f)
        return f

    return decorate


def no_wait_option(f: F) -> F:
    """--no-wait: convert and fix take the site's lock; this fails instead of waiting for it."""
    return click.option(
        "--no-wait",
        is_flag=True,
        help="If another wx2post run is writing to the site, fail at once (exit 5) instead of waiting.",
    )(f)
