"""The Python API: what the CLI does, for publishing scripts.

import wx2post
results = wx2post.convert(["saved/", "https://mp.weixin.qq.com/s/..."], site="blog")
for r in results:
    print(r.status, r.post or r.reason)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .errors import SavedVerificationPage, VerificationRequired
from .images import ImageSettings
from .inputs import InputCounts, expand
from .models import Article, Options
from .parse import parse_page
from .runner import FetchSettings, Result, Runner
from .safety import scrub_metadata
from .sources import read_page


def convert(
    inputs: Iterable[str | os.PathLike[str]],
    site: str | os.PathLike[str] = ".",
    *,
    options: Options | None = None,
    images: ImageSettings | None = None,
    fetch: FetchSettings | None = None,
    jobs: int = 1,
    force: bool = False,
    dry_run: bool = False,
    strict_images: bool = False,
) -> list[Result]:
    """Convert saved pages, folders, article links and album links into posts under `site`.

    Never raises for one bad input: each gets a `Result` (status "converted",
    "unchanged", "skipped" or "failed", with `reason` and `kind`). Nothing prompts
    and nothing is printed.
    """
    runner = Runner(
        Path(site),
        options or Options(),
        images or ImageSettings(),
        force=force,
        dry_run=dry_run,
        strict_images=strict_images,
        jobs=jobs,
        fetch=fetch,
    )
    runner.run(expand([os.fspath(i) for i in inputs], None, InputCounts()))
    return runner.results


def parse_article(path: str | os.PathLike[str]) -> Article:
    """The metadata of one saved page (raises a WxError subclass for failure pages)."""
    page = read_page(Path(path))
    try:
        article = parse_page(page.html, page.origin)
    except VerificationRequired:
        raise SavedVerificationPage(source=page.origin) from None
    scrub_metadata(article)  # the same text scrubbing as a conversion
    return article
