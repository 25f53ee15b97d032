"""Real consumers the tests build with: present, skipped locally, or a failure under CI."""

from __future__ import annotations

import os
import shutil

import pytest


def require(program: str) -> str:
    """The path of `program` (a Debian package of the same name); skip when it is absent
    locally, fail when it is absent under CI (CI must install it)."""
    exe = shutil.which(program)
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is not installed (CI must install Debian's `{program}`)")
        pytest.skip(f"{program} is not installed")
    return exe
