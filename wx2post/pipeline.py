"""One article through the stages (the runner writes the result, atomically, with files.py).

draft_page:  parse -> clean -> render (pure, CPU-bound: may run in a worker process)
finish_post: images (ImageStore: export copies, the image folder, the network),
             then front matter, references and file name (pure)
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .clean import clean_body
from .errors import InputError, SavedVerificationPage, VerificationRequired
from .images import ImageOutcome
from .models import BEIJING, Article, ImageRef, Options, Post
from .parse import parse_fragment, parse_source
from .post import build_post, image_placeholder
from .render import render_markdown
from .safety import image_reference, scrub_metadata
from .sources import PageSource, read_page
from .sources.containers import is_container, members, read_member, split_member
from .urls import clean_article_url

if TYPE_CHECKING:  # the store brings the HTTP stack: imported by the runner when images are saved
    from .store import ImageStore


@dataclass
class Draft:
    """A converted article before its images are resolved. Picklable (no lxml tree)."""

    article: Article
    body: str  # Markdown with image placeholders
    assets: PageSource  # where the saved page's image copies are (html dropped)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Conversion:
    """A finished post and what happened to its images."""

    post: Post
    images: list[ImageOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed_images(self) -> list[ImageOutcome]:
        return [o for o in self.images if o.path is None and o.source == "failed"]


def draft_page(page: PageSource, *, fallback_date: datetime | None = None) -> Draft:
    """parse -> clean -> render, all in memory. Raises WxError subclasses."""
    article = parse_source(page)  # big UTF-8 pages are scanned as bytes, never decoded whole
    article.warnings[:0] = page.warnings  # what decoding replaced, first
    apply_hints(article, page)
    return draft_article(article, dataclasses.replace(page, html=""), fallback_date=fallback_date)


def apply_hints(article: Article, page: PageSource) -> None:
    """What the input knows about the article fills what its page lacks: the original
    link (a web archive's capture, a WARC record, an export's record) and the date."""
    if not article.url and page.url_hint:
        article.url = clean_article_url(page.url_hint) or ""  # only a WeChat article link
    if article.published is None and page.date_hint is not None:
        article.published = page.date_hint  # an export's record, a file name's date prefix


def draft_fragment(article: Article, html: str) -> Draft:
    """An article whose metadata is known (a feed item) from its HTML body alone."""
    article.content = parse_fragment(html, article.origin, article.warnings)
    return draft_article(article, PageSource(html="", origin=article.origin))


def draft_article(article: Article, assets: PageSource, *, fallback_date: datetime | None = None) -> Draft:
    """clean -> render an article whose body is parsed; `assets` says where saved images are."""
    clean_body(article)
    scrub_metadata(article)
    body = render_markdown(article.content, lambda i: (image_placeholder(i), article.images[i].alt))
    article.content = None  # the tree is large and no longer needed
    warnings = list(article.warnings)
    if article.published is None:
        # whole seconds, like every date a page gives (front matter, --json)
        article.published = (fallback_date or datetime.now(BEIJING)).replace(microsecond=0)
        article.date_guessed = True
        warnings.append(f"no publish date in the page; dated {article.published:%Y-%m-%d}")
    return Draft(article=article, body=body, assets=assets, warnings=warnings)


def draft_file(source: str | Path) -> Draft:
    """A saved page, or one article of a file that holds many (`<file>::<member>`).

    A verification page saved in place of an article is a failure of this one input
    (SavedVerificationPage): only one met while fetching stops a run."""
    member = split_member(str(source))
    path = Path(source) if member is None else member[0]  # a member is dated like its file
    if member is not None:
        page = read_member(*member)
    elif is_container(path):
        members(path)  # raises the reason it cannot be read, if any
        raise InputError("the file holds no WeChat article", source=str(path))
    else:
        page = read_page(path)
    mtime = datetime.fromtimestamp(path.stat().st_mtime, BEIJING)
    try:
        return draft_page(page, fallback_date=mtime)
    except VerificationRequired:
        raise SavedVerificationPage(source=page.origin) from None


def finish_post(
    draft: Draft, options: Options, store: ImageStore | None = None, *, relpath: str = ""
) -> Conversion:
    """Resolve images (when a store is given), then build the post text and path.

    `relpath` overrides the preset's file name (a run keeps names stable and distinct).
    """
    article = draft.article
    wanted = list(article.images)
    cover_index = -1
    if store is not None and options.cover_as_header and article.cover_url:
        cover_index = len(wanted)
        wanted.append(ImageRef(url=article.cover_url, role="cover"))
    outcomes = store.localise(wanted, draft.assets) if store is not None else []
    refs = [o.reference for o in outcomes] if outcomes else [img.url for img in article.images]
    refs = [image_reference(r) for r in refs]  # written in `![](...)` and `src="..."`: made safe for both
    header_img = ""
    if cover_index >= 0 and outcomes[cover_index].path is not None:
        path = outcomes[cover_index].path
        assert path is not None
        header_img = f"{store.settings.folder.strip('/')}/{path.name}" if store else ""
    if header_img:
        options = dataclasses.replace(options, header_img=header_img)
    post = build_post(article, draft.body, refs[: len(article.images)], options)
    if relpath:
        post.relpath = relpath
    warnings = list(draft.warnings)
    failed = [o for o in outcomes if o.source == "failed"]
    if failed:
        warnings.append(images_not_saved(failed))
    warnings += [o.note for o in outcomes if o.source != "failed" and o.note]
    return Conversion(post=post, images=outcomes, warnings=warnings)


def images_not_saved(failed: list[ImageOutcome]) -> str:
    """One line for all of an article's images that could not be saved: how many, and why
    (the commonest reason first). Each image and its reason are in the Result (`-v`, `--json`)."""
    reasons = Counter(o.error or "no reason given" for o in failed)
    noun = "image" if len(failed) == 1 else "images"
    if len(reasons) == 1:
        why = next(iter(reasons))
    else:
        why = ", ".join(f"{reason} ({n})" for reason, n in reasons.most_common())
    return f"{len(failed)} {noun} not saved: {why}"
