"""Convert one source end to end; the only writer of posts."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .clean import clean_body
from .errors import PostExists, UnsafePath
from .models import BEIJING, Article, Options, Post
from .parse import parse_page
from .post import build_post, image_placeholder
from .render import render_markdown
from .sources import PageSource, read_page


@dataclass
class Conversion:
    """What converting one page produced, before anything is written."""

    article: Article
    post: Post
    warnings: list[str] = field(default_factory=list)


def convert_page(page: PageSource, options: Options, *, fallback_date: datetime | None = None) -> Conversion:
    """parse -> clean -> render -> post, all in memory. Raises WxError subclasses."""
    article = parse_page(page.html, page.origin)
    clean_body(article)
    warnings = []
    body = render_markdown(article.content, lambda i: (image_placeholder(i), article.images[i].alt))
    refs = [img.url for img in article.images]
    if article.published is None:
        when = fallback_date or datetime.now(BEIJING)
        warnings.append(f"no publish date in the page; dated {when:%Y-%m-%d}")
    post = build_post(article, body, refs, options, fallback_date=fallback_date)
    article.content = None  # the tree is large and no longer needed
    return Conversion(article=article, post=post, warnings=warnings)


def convert_file(path: Path, options: Options) -> Conversion:
    page = read_page(path)
    mtime = datetime.fromtimestamp(path.stat().st_mtime, BEIJING)
    return convert_page(page, options, fallback_date=mtime)


def safe_target(site: Path, relpath: str) -> Path:
    """`site/relpath`, refusing anything that would land outside `site`."""
    root = site.resolve()
    target = (root / relpath).resolve()
    if root != target and root not in target.parents:
        raise UnsafePath(f"refusing to write outside the site folder: {relpath!r}")
    return target


def write_post(site: Path, post: Post, *, force: bool = False) -> Path:
    """Write atomically: a temporary file in the same folder, then a rename.

    Without `force` an existing post is never replaced, even by a racing run:
    the final step is a hard link, which fails if the name exists.
    """
    target = safe_target(site, post.relpath)
    if target.exists() and not force:
        raise PostExists(f"{target} exists (use --force to overwrite)")
    write_atomic(target, post.text.encode("utf-8"), replace=force)
    return target


def write_atomic(target: Path, data: bytes, *, replace: bool = True) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".wx2post-", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        if replace:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise PostExists(f"{target} exists (use --force to overwrite)") from None
            except OSError:  # file systems without hard links
                if target.exists():
                    raise PostExists(f"{target} exists (use --force to overwrite)") from None
                os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
