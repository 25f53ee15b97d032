"""Images in a post: every form found, hot-linked ones stored, broken ones relinked.

The forms, all found by the parser except the last: inline `![a](t)` (also nested in a link,
with brackets or markup in the alt text), reference-style `![a][1]` with its `[1]: t`
definition (the definition's destination is what changes), HTML `<img src>` in an HTML
block or inline, and the Windows exporter's broken reference, which no reader takes for an
image because its path runs over two lines (`![](2022-05-03↵标题\\\\<id>.png)`): it is text,
and found in text. Hot-linked WeChat images go through `convert`'s image store (naming,
checks, failure handling); a dry run uses `PlanStore`, which names them the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from ..images import (
    IMAGE_EXTENSIONS,
    ImageOutcome,
    ImageSettings,
    image_stem,
    remote_reference,
    stored_problem,
)
from ..lazyre import lazy
from ..models import ImageRef
from ..sources import PageSource
from ..urls import clean_image_url, is_wechat_image, md_unescape, with_scheme
from . import markdown
from .engine import Change, FixContext, apply_edits


@dataclass(frozen=True)
class ImageSpan:
    """Where an image reference's target sits in the body."""

    start: int
    end: int
    target: str
    kind: str  # "inline", "reference", "html" or "broken"


_IMG_TAG = lazy(r"<img\b[^<>]*>", re.I)
_SRC_ATTR = lazy(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
# The exporter's image whose path was broken over lines, or is a Windows path: text to a reader.
_BROKEN_IMAGE = lazy(r"!\[(?P<alt>[^\]\n]*)\]\((?P<target>[^()\n]*(?:\n[^()\n]+){1,2}|[^()\n]*\\[^()\n]*)\)")


def find_images(text: str, doc: markdown.Document | None = None) -> list[ImageSpan]:
    """Every image reference outside code, in the order a reader meets them (an image used
    twice through one reference definition is one span, at its first use)."""
    doc = doc or markdown.read(text)
    found: list[tuple[int, ImageSpan]] = []

    def add(at: int, start: int, end: int, kind: str) -> None:
        if end > start:
            found.append((at, ImageSpan(start, end, text[start:end], kind)))

    for inline in doc.inlines:
        for atom in inline.atoms:
            at = inline.body(atom.start)
            if atom.kind == "html_inline":
                for s, e in _img_sources(inline.content[atom.start : atom.end]):
                    add(at, inline.body(atom.start + s), inline.body(atom.start + e), "html")
            elif atom.kind == "image" and atom.dest is not None:
                start, end = inline.body(atom.dest[0]), inline.body(atom.dest[1])
                if text[start : start + 1] == "<" and text[end - 1 : end] == ">":
                    start, end = start + 1, end - 1
                add(at, start, end, "inline")
            elif atom.kind == "image" and atom.ref in doc.references:
                add(at, *doc.references[atom.ref], "reference")
    for line, kind in enumerate(doc.kinds):
        if kind == "html":
            base = doc.starts[line]
            for s, e in _img_sources(doc.lines[line]):
                add(base + s, base + s, base + e, "html")
    mask = doc.text_mask()
    for m in _BROKEN_IMAGE.finditer(text):
        if mask[m.start()]:
            add(m.start(), m.start("target"), m.end("target"), "broken")
    seen: set[tuple[int, int]] = set()
    spans = []
    for _, span in sorted(found, key=lambda item: item[0]):
        if (span.start, span.end) not in seen:
            seen.add((span.start, span.end))
            spans.append(span)
    return spans


def _img_sources(html: str) -> list[tuple[int, int]]:
    spans = []
    for m in _IMG_TAG.finditer(html):
        src = _SRC_ATTR.search(m.group(0))
        if src is not None:
            group = next(g for g in (1, 2, 3) if src.group(g) is not None)
            spans.append((m.start() + src.start(group), m.start() + src.end(group)))
    return spans


_SCHEME = lazy(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_WINDOWS = lazy(r"^[A-Za-z]:[\\/]")
_LIQUID_PREFIX = lazy(r"^(?:\{\{-?\s*site\.(?:baseurl|url)\s*-?\}\})+")
_ID_LIKE = lazy(r"^[A-Za-z0-9_-]{8,200}$")


def as_url(target: str) -> str:
    return with_scheme(md_unescape(target.strip()))


def is_remote(target: str) -> bool:
    t = target.strip()
    return bool(t.startswith("//") or (_SCHEME.match(t) and not _WINDOWS.match(t)))


def resolves(target: str, ctx: FixContext) -> bool:
    """Whether a local image reference names a file that exists in the site."""
    t = md_unescape(target).strip()
    if not t or "\n" in t or "\\" in t or _WINDOWS.match(t):
        return False  # a Windows export path never resolves on a web server
    if ctx.site is None or t in ctx.planned:
        return True  # nothing to check against, or what a dry run's download would create
    t = _LIQUID_PREFIX.sub("", t)
    path = unquote(re.split(r"[?#]", t, maxsplit=1)[0])
    if not path:
        return False
    if path.startswith("/"):
        candidate = ctx.site / path.lstrip("/")
    elif ctx.post_dir is not None:
        candidate = ctx.post_dir / path
    else:
        return False  # relative to a permalink: broken whatever the file system says
    try:
        return candidate.is_file()
    except OSError:
        return False


def referenced_name(target: str) -> str:
    """The file name a (possibly Windows, possibly line-wrapped) path ends with."""
    t = md_unescape(target).strip()
    t = re.split(r"[?#]", t, maxsplit=1)[0]
    return unquote(re.split(r"[\\/\n]", t)[-1].strip())


def find_stored(name: str, ctx: FixContext) -> str | None:
    """The file in the image folder that is `name`: the same name, or the same stem (image
    id or hash) with another extension. Generic names (`640.png`, `image.jpg`) never match."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if not _ID_LIKE.match(stem):
        return None
    stored = ctx.stored_images()
    if ext.lower() in IMAGE_EXTENSIONS and stored.get(stem) != name:
        folder = ctx.image_dir
        if folder is not None and (folder / name).is_file() and stored_problem(folder / name) is None:
            return name
    return stored.get(stem)


def missing_images(text: str, ctx: FixContext) -> list[tuple[int, ImageSpan]]:
    """(position among the post's images, span) of local references that cannot be relinked."""
    found = []
    ctx.stored_images(refresh=True)
    for position, span in enumerate(find_images(text)):
        if not span.target.strip() or is_remote(span.target) or resolves(span.target, ctx):
            continue
        if find_stored(referenced_name(span.target), ctx) is None:
            found.append((position, span))
    return found


def download_images(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Hot-linked WeChat CDN images stored in the image folder; references rewritten."""
    if ctx.store is None:
        return text, []
    spans = [s for s in find_images(text) if s.kind != "broken" and is_wechat_image(as_url(s.target))]
    if not spans:
        return text, []
    refs = [ImageRef(url=clean_image_url(as_url(s.target))) for s in spans]
    outcomes = ctx.store.localise(refs, PageSource(html="", origin=ctx.origin))
    edits = []
    for span, outcome in zip(spans, outcomes, strict=True):
        if outcome.source == "remote":
            continue
        if outcome.source == "failed":
            ctx.images_failed += 1
            ctx.warnings.append(f"image not saved ({outcome.error}): kept {outcome.reference}")
            continue
        count_stored(ctx, outcome)
        edits.append((span.start, span.end, outcome.reference))
    return apply_edits(text, edits, "download-images")


def count_stored(ctx: FixContext, outcome: ImageOutcome) -> None:
    if outcome.source == "planned":
        ctx.images_planned += 1
        ctx.planned.add(outcome.reference)
    else:
        ctx.images_saved += 1


_HEADER_IMG = lazy(r"""^(?P<key>header-img[ \t]*:[ \t]*)(?P<q>["']?)(?P<url>[^"'\s#]+)(?P=q)[ \t]*$""", re.M)


def header_image(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """A hot-linked `header-img` stored like the body's images, written site-relative
    (Hux renders `{{site.baseurl}}/{{page.header-img}}`: no leading slash, no prefix)."""
    if ctx.store is None:
        return text, []
    edits = []
    for m in _HEADER_IMG.finditer(text):
        url = as_url(m.group("url"))
        if not is_wechat_image(url):
            continue
        (outcome,) = ctx.store.localise(
            [ImageRef(url=clean_image_url(url), role="cover")], PageSource(html="", origin=ctx.origin)
        )
        if outcome.source == "failed":
            ctx.images_failed += 1
            ctx.warnings.append(f"header image not saved ({outcome.error}): kept {outcome.reference}")
            continue
        if outcome.source == "remote":
            continue
        count_stored(ctx, outcome)
        name = outcome.reference.rsplit("/", 1)[-1]
        edits.append((m.start("url"), m.end("url"), f"{ctx.settings.folder.strip('/')}/{name}"))
    return apply_edits(text, edits, "header-image")


def relink_images(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """References to files that do not exist (a Windows export path, a wrong folder), pointed
    at the file of the same name or image id in the image folder."""
    if ctx.site is None:
        return text, []
    ctx.stored_images(refresh=True)
    edits = []
    for span in find_images(text):
        if not span.target.strip() or is_remote(span.target) or resolves(span.target, ctx):
            continue
        name = find_stored(referenced_name(span.target), ctx)
        if name is not None:
            edits.append((span.start, span.end, ctx.settings.prefix + name))
    return apply_edits(text, edits, "relink-images")


# -- a dry run's image store ---------------------------------------------------------------

_EXT_ALIASES = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "svg": "svg", "webp": "webp"}


class PlanStore:
    """Says what `store.ImageStore.localise` would write, without a request or a file.

    An image already in the folder gets its real name; one to download gets the name
    conversion gives it (`images.image_stem`), the extension guessed from `wx_fmt` (the
    store takes it from the bytes, so `--write` may pick another one for `wx_fmt=other`).
    """

    def __init__(self, site: Path, settings: ImageSettings) -> None:
        self.settings = settings
        self.ctx = FixContext(site=site, settings=settings)

    def localise(self, images: list[ImageRef], page: PageSource) -> list[ImageOutcome]:
        stored = self.ctx.stored_images(refresh=True)
        outcomes = []
        for ref in images:
            stem = image_stem(ref.url)
            name = stored.get(stem)
            if name is not None:
                outcomes.append(ImageOutcome(ref, self.settings.prefix + name, None, "cache"))
                continue
            refused = self._refused(stem)
            if refused:  # what --write's store says of it (store.ImageStore._cached)
                outcomes.append(ImageOutcome(ref, remote_reference(ref), None, "failed", refused))
                continue
            outcomes.append(
                ImageOutcome(ref, self.settings.prefix + f"{stem}.{_guess_ext(ref.url)}", None, "planned")
            )
        return outcomes

    def _refused(self, stem: str) -> str:
        folder = self.ctx.image_dir
        path = folder / f"{stem}.svg" if folder is not None else None
        problem = stored_problem(path) if path is not None and path.is_file() else None
        return f"{path.name} in the image folder: {problem}" if path is not None and problem else ""


def _guess_ext(url: str) -> str:
    query = dict(parse_qsl(urlsplit(url).query))
    fmt = query.get("wx_fmt", "").lower()
    if fmt in _EXT_ALIASES:
        return _EXT_ALIASES[fmt]
    suffix = urlsplit(url).path.rpartition(".")[2].lower()
    return _EXT_ALIASES.get(suffix, "jpeg")
