"""The README's command-line reference, generated from the click commands themselves.

README.md holds `cog` blocks that call `help_block` and `option_table`; `cog -r README.md`
rewrites them and tests/test_readme.py fails when they differ from what the commands say,
so an option added, renamed or re-defaulted cannot leave the README behind. An option no
section names goes in the command's last table ("More options") until it is placed.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import click
from click.testing import CliRunner

from ..lazyre import lazy

WIDTH = 100
# Sections of `convert`'s options, by click parameter name, in README order.
SECTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "convert": {
        "Output and behaviour": (
            "site",
            "preset",
            "to_stdout",
            "force",
            "no_wait",
            "dry_run",
            "as_json",
            "quiet",
            "verbose",
            "jobs",
            "input_file",
            "config",
        ),
        "Front matter": ("slug_mode", "author", "tags", "header_img", "catalog", "no_attribution"),
        "Images (see [Images](#images))": (
            "image_mode",
            "image_dir",
            "image_prefix",
            "cover_as_header",
            "image_jobs",
            "max_image_size",
            "strict_images",
            "allow_private_addresses",
        ),
        "Links and feeds (see [Links and albums](#links-and-albums))": (
            "delay",
            "save_html",
            "limit",
            "since",
            "mp_base_url",
        ),
    },
}
MORE = "More options"
_DEFAULT_IN_HELP = lazy(r"\s*\[default: (.+)\]\.?$", re.S)


@contextmanager
def _neutral_environment() -> Iterator[str]:
    """No WX2POST_* variable and no wx2post.toml may change what --help shows."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("WX2POST_")}
    for name in saved:
        del os.environ[name]
    old = os.getcwd()
    try:
        with tempfile.TemporaryDirectory() as empty:
            os.chdir(empty)
            yield empty
    finally:
        os.chdir(old)
        os.environ.update(saved)


def _main() -> click.Group:
    from . import main

    return main


def help_text(*command: str) -> str:
    """What `wx2post COMMAND --help` prints, at a fixed width."""
    with _neutral_environment():
        result = CliRunner().invoke(_main(), [*command, "--help"], prog_name="wx2post", terminal_width=WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"wx2post {' '.join(command)} --help failed: {result.output}")
    return result.output


def help_block(*command: str) -> str:
    """A fenced block of `wx2post COMMAND --help` for the README."""
    return "```\n$ wx2post " + " ".join([*command, "--help"]) + "\n" + help_text(*command) + "```"


def usage_block(*command: str) -> str:
    """A fenced block of the usage line of `wx2post COMMAND --help`."""
    return "```\n" + help_text(*command).split("\n\n", 1)[0].strip() + "\n```"


def _command(name: str) -> click.Command:
    command = _main().commands[name]
    return command


def _options(name: str) -> list[click.Option]:
    return [p for p in _command(name).params if isinstance(p, click.Option) and not p.hidden]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def option_cell(option: click.Option) -> str:
    names = ", ".join(option.opts)
    if option.secondary_opts:
        names += " / " + ", ".join(option.secondary_opts)
    if option.is_flag:
        cell = f"`{names}`"
    else:
        if option.metavar:
            value = option.metavar
        elif isinstance(option.type, click.Choice):
            value = "|".join(map(str, option.type.choices))
        else:
            value = option.type.name.upper()
        cell = f"`{names} {value}`"
    if option.show_envvar and isinstance(option.envvar, str):
        cell += f" (`{option.envvar}`)"
    return _md(cell)


def default_cell(option: click.Option) -> str:
    match = _DEFAULT_IN_HELP.search(option.help or "")
    if match:
        text = match.group(1)
        return _md(text if "`" in text or " " in text else f"`{text}`")
    if option.is_flag and option.secondary_opts:
        return f"`{option.opts[-1] if option.default else option.secondary_opts[-1]}`"
    if option.is_flag or option.default is None or option.default == () or callable(option.default):
        return ""
    value = option.default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _md(f"`{value}`")


def meaning_cell(option: click.Option) -> str:
    text = _DEFAULT_IN_HELP.sub("", option.help or "").strip().rstrip(".")
    first = text.split(" ", 1)[0]
    keep = len(first) > 1 and first.isupper()  # FILE, JSON
    return _md(text if keep else text[:1].lower() + text[1:])


def _row(option: click.Option) -> str:
    return f"| {option_cell(option)} | {default_cell(option)} | {meaning_cell(option)} |"


def sections(name: str) -> list[tuple[str, list[click.Option]]]:
    """The command's options grouped as the README shows them (every option once)."""
    by_name = {o.name: o for o in _options(name)}
    groups: list[tuple[str, list[click.Option]]] = []
    placed: set[str] = set()
    for title, names in SECTIONS.get(name, {}).items():
        found = [by_name[n] for n in names if n in by_name]
        placed.update(o.name or "" for o in found)
        groups.append((title, found))
    rest = [o for o in _options(name) if o.name not in placed and o.name != "help"]
    if rest:
        groups.append((MORE if groups else "Options", rest))
    return groups


def option_table(name: str, section: str | None = None) -> str:
    """A Markdown table (option, default, meaning) of one section of a command's options;
    None: the options no section names (the table is empty text when there are none)."""
    lines: list[str] = []
    for title, options in sections(name):
        if (section is None and title in (MORE, "Options")) or title == section:
            if section is None:
                lines.append(f"{title}:\n")
            lines += ["| option | default | meaning |", "| --- | --- | --- |", *map(_row, options)]
    return "\n".join(lines)
