"""Command line: the `wx2post` group and its commands, one module each.

- `convert.py`, `fix.py`, `init.py`: the commands (options, then a call into the library);
- `options.py`: options that several commands share;
- `config.py`: `wx2post.toml`, read into `convert`'s defaults and written by `init`;
- `report.py`: what a `convert` run prints.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from .. import __version__
from ..errors import ExitStatus
from .convert import convert as convert_command
from .fix import fix as fix_command
from .init import init as init_command


class _Commands(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        """Ctrl-C is status 130 for every command (click's own answer is `Aborted!` and 1).
        What was being written is whole or gone (interrupts.py)."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("wx2post: interrupted", err=True)
            sys.exit(ExitStatus.INTERRUPTED)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wx2post")
def main() -> None:
    """Turn WeChat public-account articles (mp.weixin.qq.com) into blog posts."""


def run() -> None:
    """The `wx2post` program: `main`, then Ctrl-C ignored. Once a command is done and its
    outcome reported there is nothing left to stop, and a SIGINT during the interpreter's
    own exit (after it has put the default handler back) would kill the process, its
    status no longer the one reported (a publishing script saw -2 for a finished run)."""
    try:
        main()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


main.add_command(convert_command)
main.add_command(init_command)
main.add_command(fix_command)
