"""Command line: the `wx2post` group and its commands, one module each.

- `convert.py`, `fix.py`, `init.py`: the commands (options, then a call into the library);
- `options.py`: options that several commands share;
- `config.py`: `wx2post.toml`, read into `convert`'s defaults and written by `init`;
- `report.py`: what a `convert` run prints.
"""

from __future__ import annotations

import click

from .. import __version__
from .convert import convert as convert_command
from .fix import fix as fix_command
from .init import init as init_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wx2post")
def main() -> None:
    """Turn WeChat public-account articles (mp.weixin.qq.com) into blog posts."""


main.add_command(convert_command)
main.add_command(init_command)
main.add_command(fix_command)
