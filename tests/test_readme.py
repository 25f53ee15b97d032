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
