"""Shared test helpers: real consumers the tests build with (present, skipped locally, or a
failure under CI), the wx2post command as a user runs it, file modes and umasks."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result


def require(program: str) -> str:
    """The path of `program` (a Debian package of the same name); skip when it is absent
    locally, fail when it is absent under CI (CI must install it)."""
    exe = shutil.which(program)
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is not installed (CI must install Debian's `{program}`)")
        pytest.skip(f"{program} is not installed")
    return exe


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m wx2post ARGS` in `cwd`, with none of the user's WX2POST_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WX2POST_")}
    return subprocess.run(
        [sys.executable, "-m", "wx2post", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def fix_offline(*args: str) -> Result:
    """`wx2post fix ARGS --images remote` in this process: offline, images stay remote."""
    from wx2post.cli import main

    return CliRunner().invoke(main, ["fix", *args, "--images", "remote"])


def site_post(tmp_path: Path, name: str, text: str) -> tuple[Path, bytes]:
    """A post `_posts/<name>` in a new site under `tmp_path`, and its bytes as written."""
    post = tmp_path / "site" / "_posts" / name
    post.parent.mkdir(parents=True)
    post.write_text(text, encoding="utf-8")
    return post, post.read_bytes()


@contextmanager
def within(seconds: int, what: str) -> Iterator[None]:
    """Fail when the block runs over `seconds` (SIGALRM): for inputs that a quadratic
    reading takes minutes over and a linear one well under a second; the margin is wide."""
    import signal

    def too_slow(*_: object) -> None:
        raise TimeoutError(f"{what} took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)
