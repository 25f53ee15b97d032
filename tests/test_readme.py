"""The README documents every command and option, and its commands are the real ones."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from wx2post.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_option_is_documented(name: str) -> None:
    command = main.commands[name]
    assert f"wx2post {name}" in README
    for param in command.params:
        if isinstance(param, click.Option):
            longest = max(param.opts, key=len)
            assert longest in README, f"{name} {longest} is not in the README"


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.+?)\n```", README, re.S)
    assert commands[0].startswith("pip install . && wx2post convert examples/")
    assert commands[1] in ci


def test_generated_reference_is_what_the_commands_say() -> None:
    """The README's usage blocks and option tables are cog output of wx2post/cli/docs.py:
    after changing an option, `cog -r README.md` rewrites them."""
    from cogapp import Cog

    readme = Path(__file__).resolve().parent.parent / "README.md"
    status = Cog().main(["cog", "--check", "--check-fail-msg", "run `cog -r README.md`", str(readme)])
    assert status == 0, "README.md's generated blocks are stale: run `cog -r README.md`"


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_option_is_in_exactly_one_generated_table(name: str) -> None:
    from wx2post.cli import docs

    rows = [o.name for _, options in docs.sections(name) for o in options]
    params = main.commands[name].params
    expected = [p.name for p in params if isinstance(p, click.Option) and p.name != "help"]
    assert sorted(rows) == sorted(expected)
    for param in main.commands[name].params:
        if isinstance(param, click.Option) and param.name != "help":
            assert f"`{', '.join(param.opts)}" in README


def test_a_new_option_reaches_the_readme_tables() -> None:
    """An option nobody placed in a section still gets a row (under "More options")."""
    from wx2post.cli import docs

    extra = click.Option(["--brand-new"], is_flag=True, help="Something new.")
    command = main.commands["convert"]
    command.params.append(extra)
    try:
        table = docs.option_table("convert")
    finally:
        command.params.remove(extra)
    assert table.startswith("More options:") and "| `--brand-new` |  | something new |" in table
    assert docs.option_table("convert") == ""
