"""What a run reports: one `Result` per input (the `--json` record), and how links are fetched.

The records are plain data, shared by every part of the runner and by `wx2post fix`
(the same fields, the same failure kinds). A post not converted again (unchanged, or
a second input naming the same article) is described from the post the site's state
vouches for, so its row carries the same title, date and image counts as the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..display import site_path
from ..errors import WxError
from ..files import contained, read_plain_text
from ..postfacts import post_facts
from ..state import Written


@dataclass
class FetchSettings:
    """How links are fetched (see fetch.PageFetcher)."""

    delay: float = 3.0
    base_url: str | None = None  # None: $WX2POST_MP_BASE_URL, else https://mp.weixin.qq.com
    save_html: Path | None = None
    limit: int | None = None  # albums and feeds: only the newest N
    since: datetime | None = None  # feeds: only items published since then


@dataclass
class Result:
    """What happened to one input: the `--json` record (schema in the README)."""

    source: str
    status: str  # "converted" | "unchanged" | "skipped" | "failed"
    reason: str = ""
    kind: str = ""  # machine-readable failure kind ("deleted", "verification", ...)
    post: str = ""  # the post's path ("" when none was written)
    title: str = ""
    date: str = ""
    url: str = ""
    images_saved: int = 0
    images_failed: int = 0
    warnings: list[str] = field(default_factory=list)
    failed_images: list[dict[str, str]] = field(default_factory=list)  # {"url", "reason"} per image


Say = Callable[[str], None]
Report = Callable[[Result], None]


def quiet(_: object) -> None:
    pass


def duplicate(source: str) -> Result:
    """The row of an input that names an article this run has already handled."""
    return Result(source=source, status="skipped", reason="the same article was given twice")


def describe(result: Result, site: Path, written: Written, preset: str) -> None:
    """Title, date, link and image counts of a post not converted again, from the post
    the state vouches for (its hash is the one recorded)."""
    result.post = site_path(site, written.path)
    try:
        text = read_plain_text(contained(site, written.path))
    except (OSError, UnicodeDecodeError, WxError):
        return
    facts = post_facts(text, complete=written.complete, entities=preset in ("hux", "jekyll"))
    result.title = result.title or facts.title
    result.date = result.date or facts.date
    result.url = result.url or facts.url
    result.images_saved, result.images_failed = facts.images_saved, facts.images_failed
