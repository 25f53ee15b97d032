"""How a run names files to the user: one way everywhere (pure).

Relative to the current folder when the file is inside it, else absolute; never
resolved through symlinks, so the path reads as the user gave the site.
"""

from __future__ import annotations

import os
from pathlib import Path


def shown_path(path: str | os.PathLike[str], cwd: str | None = None) -> str:
    absolute = os.path.abspath(path)
    here = os.path.abspath(cwd if cwd is not None else os.getcwd())
    if absolute == here:
        return "."
    if absolute.startswith(here.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, here)
    return absolute


def site_path(site: Path, relpath: str) -> str:
    """A post or image of the site, as shown."""
    return shown_path(site / relpath)
