"""`--refetch`: images still missing are restored from the post's own article, politely.

Only the post's own article can restore its pictures, so that is the one page fetched: the
link `links.own_source` finds (`--source`, front matter `source`, the repost note's 原文
link, a link titled like the post). A repost links to other articles too (the account's
banner, "recommended reading"): those are never fetched and never named in a hint. Images
are matched by image id, else by position (the same article with the same number of images).
"""

from __future__ import annotations

from ..errors import VerificationRequired, WxError
from ..images import ImageOutcome, image_stem, wechat_image_id
from ..models import ImageRef
from ..pipeline import draft_page
from ..urls import md_unescape
from .engine import Change, FixContext, Lines, apply_edits
from .images import ImageSpan, count_stored, find_images, missing_images, referenced_name
from .links import SourceLink, own_source
from .messages import short

NO_SOURCE_HINT = (
    "; the post does not say which article it reposts (no front matter `source`, no 原文 link):"
    " give it with --source URL and --refetch"
)


def refetch_images(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Missing images restored from the post's own article (`--refetch`); the rest reported."""
    missing = missing_images(text, ctx)
    if not missing:
        return text, []
    source = own_source(ctx.meta, text, ctx.source)
    lines = Lines(text)
    edits: list[tuple[int, int, str]] = []
    if ctx.refetch and source and ctx.fetcher is None:
        ctx.images_planned += len(missing)
        ctx.notes.append(f"--write would fetch {source.url} to restore {len(missing)} missing image(s)")
        return text, []
    if ctx.refetch and source and ctx.fetcher is not None:
        missing = _restore(text, missing, source, ctx, edits)
    for _, span in missing:
        ctx.images_failed += 1
        line = ctx.post_line(lines.line(span.start))
        where = f"line {line}: image '{short(md_unescape(span.target).strip())}' names a missing file"
        if source is None:
            hint = NO_SOURCE_HINT
        elif not ctx.refetch:
            hint = f"; --refetch can restore it from {source.url} ({source.how})"
        else:
            hint = f"; not found in {source.url}"
        ctx.warnings.append(where + hint)
    return apply_edits(text, edits, "refetch-images")


def _restore(
    text: str,
    missing: list[tuple[int, ImageSpan]],
    source: SourceLink,
    ctx: FixContext,
    edits: list[tuple[int, int, str]],
) -> list[tuple[int, ImageSpan]]:
    assert ctx.fetcher is not None
    try:
        draft = draft_page(ctx.fetcher.fetch_article(source.url))
    except VerificationRequired as exc:
        ctx.verification = True
        ctx.warnings.append(f"refetch stopped: {exc.reason}")
        return missing
    except WxError as exc:
        ctx.warnings.append(f"could not refetch {source.url}: {exc.reason}")
        return missing
    images = draft.article.images
    total = len(find_images(text))
    by_id: dict[str, ImageRef] = {}
    for image in images:
        for key in (wechat_image_id(image.url), image_stem(image.url) if image.url else None):
            if key:
                by_id.setdefault(key, image)
    wanted: list[tuple[tuple[int, ImageSpan], ImageRef]] = []
    for item in missing:
        position, span = item
        name = referenced_name(span.target)
        found = by_id.get(name.rpartition(".")[0] or name)
        if found is None and len(images) == total:
            found = images[position]  # the same article, the same number of images
        if found is not None:
            wanted.append((item, found))
    if not wanted:
        return missing
    ctx.source_url = source.url
    refs = [image for _, image in wanted]
    if ctx.store is not None:
        outcomes = ctx.store.localise(refs, draft.assets)
    else:  # --images remote: the restored reference is the clean remote URL
        outcomes = [ImageOutcome(ref, ref.url, None, "remote") for ref in refs]
    restored = set()
    for (item, _), outcome in zip(wanted, outcomes, strict=True):
        if outcome.source == "failed":
            ctx.warnings.append(f"image from {source.url} not saved ({outcome.error})")
            continue
        if outcome.source != "remote":
            count_stored(ctx, outcome)
        edits.append((item[1].start, item[1].end, outcome.reference))
        restored.add(item[0])
    return [m for m in missing if m[0] not in restored]
