"""Repair posts already in a blog (`wx2post fix`): one small, named rule per defect.

A post is split into its front matter and its body; each rule takes the text of
one region and a `FixContext` and returns the new text plus a list of `Change`s.
Rules are pure text rewrites, except the image rules, which use the injected
store (`ImageStore`, or `PlanStore` for a dry run) and fetcher (`PageFetcher`).

Nothing is re-serialised: front matter is edited line by line (only URL values
change), and every byte of the body that no rule rewrites stays as it was, line
endings (CRLF) and a byte-order mark included. Running the rules on their own
output changes nothing (tests/test_fix.py::test_golden_is_idempotent).

The rules, in the order they run:

- front-matter-urls / clean-urls: URLs cleaned as conversion cleans them
  (`urls.clean_url`): WeChat links reduced to their identity, image URLs without
  lazy-loader noise; any URL carrying a credential, sharer or `utm_` parameter
  loses it. Other URLs are the author's and stay exactly as written.
- header-image / download-images: WeChat CDN images (`header-img`, Markdown and
  HTML images) stored in the image folder with conversion's naming and checks;
  the reference is rewritten, a failure keeps the clean remote URL and is reported.
- relink-images: an image whose file does not exist (a Windows export path, a
  wrong folder, a relative path under `_posts`) is pointed at the file of the
  same name (or image id) in the image folder.
- refetch-images: what is still missing is restored from the source article with
  `--refetch` (by image id; by position when the article is known to be the
  post's own); anything left is reported, never dropped.
- heading-space, profile-card, page-chrome, empty-bold, merge-bold, split-bold:
  Markdown defects and WeChat page chrome, each only in its known shape.
- liquid-escape: template syntax that is article text is escaped (see
  `escape_liquid` for what counts as intended).
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from .errors import ExitStatus, VerificationRequired, WxError
from .files import contained, write_file, write_unique
from .images import IMAGE_EXTENSIONS, ImageOutcome, ImageSettings, image_folder, image_stem, wechat_image_id
from .models import ImageRef
from .pipeline import draft_page
from .post import escape_template
from .sources import PageSource
from .urls import article_id, clean_image_url, clean_link, find_urls, is_wechat_image, mask

# -- values ------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One repair: which rule, where (1-based line in the post as read), what became what."""

    rule: str
    line: int
    before: str
    after: str


class Localiser(Protocol):
    """What the image rules need from a store (`store.ImageStore`, `PlanStore`)."""

    def localise(self, images: list[ImageRef], page: PageSource) -> list[ImageOutcome]: ...


class ArticleFetcher(Protocol):
    """What `--refetch` needs (`fetch.PageFetcher`)."""

    def fetch_article(self, link: str) -> PageSource: ...


@dataclass
class FixContext:
    """What the rules may know about the post and the site, and what they report back."""

    site: Path | None = None  # the site (content) root; None: image files cannot be checked
    post_dir: Path | None = None  # base of relative references (None under `_posts`: never valid)
    settings: ImageSettings = field(default_factory=ImageSettings)
    template: str = "liquid"
    store: Localiser | None = None  # None: hot-linked images are left remote
    fetcher: ArticleFetcher | None = None  # None with refetch: the dry run only plans
    refetch: bool = False
    origin: str = ""
    meta: dict[str, Any] = field(default_factory=dict)  # the front matter, read-only
    # reported back
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    images_saved: int = 0
    images_failed: int = 0
    images_planned: int = 0
    verification: bool = False
    source_url: str = ""
    planned: set[str] = field(default_factory=set)  # references a dry run would create
    origin_lines: list[int] = field(default_factory=list)  # set by fix_text for the running rule

    def post_line(self, line: int) -> int:
        """The line in the post as read, for a 1-based line of the region a rule is given."""
        if not self.origin_lines:
            return line
        return self.origin_lines[min(max(line, 1), len(self.origin_lines)) - 1]

    _stored: dict[str, str] | None = field(default=None, repr=False)

    @property
    def image_dir(self) -> Path | None:
        return None if self.site is None else image_folder(self.site, self.settings.folder)

    def stored_images(self, *, refresh: bool = False) -> dict[str, str]:
        """Image files in the image folder, by stem: listed once per rule that asks with
        `refresh` (downloads and restores add files between rules)."""
        if self._stored is None or refresh:
            self._stored = self._scan()
        return self._stored

    def _scan(self) -> dict[str, str]:
        folder = self.image_dir
        found: dict[str, str] = {}
        if folder is None:
            return found
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return found
        for name in names:
            stem, _, ext = name.rpartition(".")
            if stem and ext.lower() in IMAGE_EXTENSIONS and (folder / name).is_file():
                found.setdefault(stem, name)
        return found


RuleFunc = Callable[[str, FixContext], tuple[str, list[Change]]]


@dataclass(frozen=True)
class Rule:
    name: str
    region: str  # "front" or "body"
    apply: RuleFunc


@dataclass
class Repair:
    """The outcome of running the rules over one post's text."""

    text: str
    changes: list[Change]

    def counts(self) -> list[dict[str, Any]]:
        order: dict[str, int] = {}
        for change in self.changes:
            order[change.rule] = order.get(change.rule, 0) + 1
        return [{"rule": rule, "count": count} for rule, count in order.items()]


# -- splitting a post --------------------------------------------------------

_FRONT_OPEN = re.compile(r"\A(---|\+\+\+)[ \t]*\n")


@dataclass
class PostParts:
    bom: str
    crlf: bool
    front: str  # the front matter with its delimiter lines ("" if none)
    body: str

    def join(self, front: str, body: str) -> str:
        text = front + body
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return self.bom + text


def split_post(text: str) -> PostParts:
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom) :]
    # CRLF files are worked on as LF and written back as CRLF; mixed endings are left mixed.
    crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
    if crlf:
        text = text.replace("\r\n", "\n")
    m = _FRONT_OPEN.match(text)
    if m:
        closer = re.compile(r"^(?:---|\.\.\.)[ \t]*$" if m.group(1) == "---" else r"^\+\+\+[ \t]*$", re.M)
        end = closer.search(text, m.end())
        if end is not None:
            stop = end.end() + 1 if end.end() < len(text) else end.end()
            return PostParts(bom, crlf, text[:stop], text[stop:])
    return PostParts(bom, crlf, "", text)


def front_values(front: str) -> dict[str, Any]:
    """The front matter's values, for reading only (never written back)."""
    if not front.startswith("---"):
        return {}  # TOML (`+++`) front matter is edited as text but not read
    inner = "\n".join(front.rstrip("\n").split("\n")[1:-1])
    try:
        data = yaml.safe_load(inner)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


_REPOST_MARK = re.compile(
    r"(?:mp\.weixin\.qq\.com|(?:mmbiz|mmecoa|mmsns)\.qpic\.cn|mmbiz\.qlogo\.cn|微信公众号|来源[:：]\s*微信)"
)


def is_wechat_repost(text: str) -> bool:
    """A WeChat link, a WeChat CDN image or the repost note (来源：微信公众号)."""
    return _REPOST_MARK.search(text) is not None


# -- the engine ----------------------------------------------------------------


def fix_text(text: str, ctx: FixContext, rules: Sequence[Rule] | None = None) -> Repair:
    """Run the rules over a post's text; line numbers in the changes refer to `text`."""
    parts = split_post(text)
    ctx.meta = front_values(parts.front)
    front_lines = parts.front.count("\n")
    regions = {"front": parts.front, "body": parts.body}
    origins = {
        "front": list(range(1, front_lines + 1 + 1)),
        "body": list(range(front_lines + 1, front_lines + parts.body.count("\n") + 2)),
    }
    changes: list[Change] = []
    for rule in RULES if rules is None else rules:
        before = regions[rule.region]
        if not before:
            continue
        ctx.origin_lines = origin = origins[rule.region]
        after, found = rule.apply(before, ctx)
        for change in found:
            changes.append(Change(change.rule, ctx.post_line(change.line), change.before, change.after))
        if after != before:
            origins[rule.region] = _remap(origin, before, after)
            regions[rule.region] = after
    changes.sort(key=lambda c: c.line)
    return Repair(parts.join(regions["front"], regions["body"]), changes)


def _remap(origin: list[int], before: str, after: str) -> list[int]:
    """Original line numbers for the lines of `after`, given those of `before`."""
    old, new = before.split("\n"), after.split("\n")
    mapped: list[int] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            if tag == "equal":
                i = i1 + (j - j1)
            elif i2 > i1:
                i = min(i1 + (j - j1), i2 - 1)
            else:
                i = max(i1 - 1, 0)
            mapped.append(origin[min(i, len(origin) - 1)])
    return mapped or [origin[0]]


# -- text helpers --------------------------------------------------------------


class Lines:
    """Offsets of line starts, for turning positions into 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos)


def _apply_edits(text: str, edits: Iterable[tuple[int, int, str]], rule: str) -> tuple[str, list[Change]]:
    """Replace non-overlapping (start, end, new) spans; one Change per span that differs."""
    lines = Lines(text)
    out: list[str] = []
    changes: list[Change] = []
    last = 0
    for start, end, new in sorted(edits):
        if start < last or text[start:end] == new:
            continue
        out.append(text[last:start])
        out.append(new)
        changes.append(Change(rule, lines.line(start), text[start:end], new))
        last = end
    out.append(text[last:])
    return "".join(out), changes


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_PRE_OPEN = re.compile(r"^\s*<pre\b", re.I)
_BLOCK_TAG = re.compile(r"\{%-?\s*(raw|highlight|comment)\b.*?-?%\}")
_BLOCK_END = {"raw": "endraw", "highlight": "endhighlight", "comment": "endcomment"}


def code_lines(lines: list[str], *, indented: bool = True) -> list[bool]:
    """Which lines are code or protected text: fenced blocks, <pre>, {% raw/highlight/comment %}
    regions and (with `indented`) indented code blocks. Markdown rules never touch them."""
    flags: list[bool] = []
    fence = ""
    pre = False
    block = ""
    prev_blank, prev_code = True, False
    for line in lines:
        code = True
        if fence:
            if re.match(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$", line):
                fence = ""
        elif pre:
            pre = "</pre>" not in line.lower()
        elif block:
            if re.search(r"\{%-?\s*" + block + r"\s*-?%\}", line):
                block = ""
        elif m := _FENCE.match(line):
            fence = m.group(1)
        elif _PRE_OPEN.match(line):
            pre = "</pre>" not in line.lower()
        elif (t := _BLOCK_TAG.search(line)) and not re.search(
            r"\{%-?\s*" + _BLOCK_END[t.group(1)] + r"\s*-?%\}", line[t.end() :]
        ):
            block = _BLOCK_END[t.group(1)]
        elif indented and line.strip() and line.startswith(("    ", "\t")) and (prev_blank or prev_code):
            pass
        else:
            code = False
        flags.append(code)
        prev_code = code and bool(line.strip())
        prev_blank = not line.strip()
    return flags


_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def mask_inline_code(line: str) -> str:
    """The line with inline code spans blanked out (same length), for matching around them."""
    return _INLINE_CODE.sub(lambda m: "\x01" * len(m.group(0)), line)


def _line_rule(
    name: str, text: str, fix_line: Callable[[str], str | None], *, indented: bool = True
) -> tuple[str, list[Change]]:
    """Apply `fix_line` to every non-code line (None: unchanged)."""
    lines = text.split("\n")
    code = code_lines(lines, indented=indented)
    changes: list[Change] = []
    for i, line in enumerate(lines):
        if code[i]:
            continue
        new = fix_line(line)
        if new is not None and new != line:
            changes.append(Change(name, i + 1, line, new))
            lines[i] = new
    return "\n".join(lines), changes


def _remove_lines(
    text: str, doomed: list[tuple[int, int]], rule: str, label: Callable[[list[str]], str]
) -> tuple[str, list[Change]]:
    """Delete line ranges [start, end); a blank line left doubled by a removal goes too."""
    lines = text.split("\n")
    changes: list[Change] = []
    for start, end in sorted(doomed, reverse=True):
        removed = lines[start:end]
        del lines[start:end]
        if 0 < start < len(lines) and not lines[start - 1].strip() and not lines[start].strip():
            del lines[start]
        changes.append(Change(rule, start + 1, "\n".join(removed), label(removed)))
    changes.reverse()
    return "\n".join(lines), changes


# -- URLs ------------------------------------------------------------------------

_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def md_unescape(text: str) -> str:
    return _MD_ESCAPE.sub(r"\1", text)


def _absolute(url: str) -> str:
    if url.startswith("//"):
        return "https:" + url
    if url.lower().startswith("mp.weixin.qq.com/"):
        return "https://" + url
    return url


def clean_one_url(raw: str) -> str:
    """`raw` as conversion would write it, in the same escaping (`&amp;`, `\\_`) it came in.

    The cleaning is urls.clean_link's; a URL it refuses (a credential that cannot be
    removed) is removed.
    """
    plain = md_unescape(raw)
    clean = clean_link(plain)
    if clean == plain:
        return raw
    if clean is None:
        return ""
    if "&amp;" in raw:
        clean = clean.replace("&", "&amp;")
    if "\\_" in raw:
        clean = clean.replace("_", "\\_")
    return clean


def clean_urls(text: str, ctx: FixContext, rule: str = "clean-urls") -> tuple[str, list[Change]]:
    """Every URL cleaned where it appears: links, images, HTML attributes, plain text, code
    (found by urls.find_urls, the scanner conversion uses)."""
    edits = []
    for span in find_urls(text):
        new = clean_one_url(span.url)
        if new != span.url:
            edits.append((span.start, span.end, new))
    return _apply_edits(text, edits, rule)


def front_matter_urls(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    return clean_urls(text, ctx, "front-matter-urls")


# -- image references -----------------------------------------------------------

_MD_IMAGE = re.compile(
    r"!\[(?P<alt>(?:\\.|[^\]\\\n]|\n(?![ \t]*\n))*)\]"
    r"\((?P<inner>(?:\\.|\([^()\n]*\)|[^()\\\n]|\n(?![ \t]*\n))*)\)"
)
_TITLE_TAIL = re.compile(r"""\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\([^()]*\))\s*$""")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_SRC_ATTR = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)


@dataclass(frozen=True)
class ImageSpan:
    """Where an image reference's target sits in the text."""

    start: int
    end: int
    target: str
    kind: str  # "md" or "html"


def find_images(text: str) -> list[ImageSpan]:
    """Image references outside code, in order: Markdown `![](...)` and HTML `<img src>`."""
    lines = Lines(text)
    code = code_lines(text.split("\n"), indented=False)
    found: list[ImageSpan] = []
    for m in _MD_IMAGE.finditer(text):
        inner, base = m.group("inner"), m.start("inner")
        lead = len(inner) - len(inner.lstrip())
        body = inner[lead:]
        if body.startswith("<"):
            close = body.find(">")
            if close < 0:
                continue
            start, end = base + lead + 1, base + lead + close
        else:
            tail = _TITLE_TAIL.search(body)
            core = body[: tail.start()] if tail else body.rstrip()
            start, end = base + lead, base + lead + len(core)
        found.append(ImageSpan(start, end, text[start:end], "md"))
    for m in _IMG_TAG.finditer(text):
        src = _SRC_ATTR.search(m.group(0))
        if src is None:
            continue
        group = next(g for g in (1, 2, 3) if src.group(g) is not None)
        start, end = m.start() + src.start(group), m.start() + src.end(group)
        found.append(ImageSpan(start, end, text[start:end], "html"))
    found = [s for s in found if not code[lines.line(s.start) - 1]]
    return sorted(found, key=lambda s: s.start)


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_WINDOWS = re.compile(r"^[A-Za-z]:[\\/]")
_LIQUID_PREFIX = re.compile(r"^(?:\{\{-?\s*site\.(?:baseurl|url)\s*-?\}\})+")
_ID_LIKE = re.compile(r"^[A-Za-z0-9_-]{8,200}$")


def _as_url(target: str) -> str:
    return _absolute(md_unescape(target.strip()))


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
        if folder is not None and (folder / name).is_file():
            return name
    return stored.get(stem)


def _missing(text: str, ctx: FixContext) -> list[tuple[int, ImageSpan]]:
    """(position among the post's images, span) of local references that cannot be relinked."""
    found = []
    ctx.stored_images(refresh=True)
    for position, span in enumerate(find_images(text)):
        if not span.target.strip() or is_remote(span.target) or resolves(span.target, ctx):
            continue
        if find_stored(referenced_name(span.target), ctx) is None:
            found.append((position, span))
    return found


def _describe_target(target: str) -> str:
    return _short(md_unescape(target).strip())


def download_images(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Hot-linked WeChat CDN images stored in the image folder; references rewritten."""
    if ctx.store is None:
        return text, []
    spans = [s for s in find_images(text) if is_wechat_image(_as_url(s.target))]
    if not spans:
        return text, []
    refs = [ImageRef(url=clean_image_url(_as_url(s.target))) for s in spans]
    outcomes = ctx.store.localise(refs, PageSource(html="", origin=ctx.origin))
    edits = []
    for span, outcome in zip(spans, outcomes, strict=True):
        if outcome.source == "remote":
            continue
        if outcome.source == "failed":
            ctx.images_failed += 1
            ctx.warnings.append(f"image not saved ({outcome.error}): kept {outcome.reference}")
            continue
        _count_stored(ctx, outcome)
        edits.append((span.start, span.end, outcome.reference))
    return _apply_edits(text, edits, "download-images")


def _count_stored(ctx: FixContext, outcome: ImageOutcome) -> None:
    if outcome.source == "planned":
        ctx.images_planned += 1
        ctx.planned.add(outcome.reference)
    else:
        ctx.images_saved += 1


_HEADER_IMG = re.compile(
    r"""^(?P<key>header-img[ \t]*:[ \t]*)(?P<q>["']?)(?P<url>[^"'\s#]+)(?P=q)[ \t]*$""", re.M
)


def header_image(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """A hot-linked `header-img` stored like the body's images, written site-relative
    (Hux renders `{{site.baseurl}}/{{page.header-img}}`: no leading slash, no prefix)."""
    if ctx.store is None:
        return text, []
    edits = []
    for m in _HEADER_IMG.finditer(text):
        url = _as_url(m.group("url"))
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
        _count_stored(ctx, outcome)
        name = outcome.reference.rsplit("/", 1)[-1]
        edits.append((m.start("url"), m.end("url"), f"{ctx.settings.folder.strip('/')}/{name}"))
    return _apply_edits(text, edits, "header-image")


def relink_images(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """References to files that do not exist, pointed at the same file in the image folder."""
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
    return _apply_edits(text, edits, "relink-images")


# -- refetch ------------------------------------------------------------------------

_SOURCE_LABEL = re.compile(
    r"""\[[^\]\n]*原文[^\]\n]*\]\(\s*<?(?P<md>[^)\s>]+)|<a\s[^>]*?href\s*=\s*["'](?P<html>[^"']+)["'][^>]*>[^<]*原文"""
)
MAX_REFETCH_LINKS = 3  # politeness: at most this many article pages per post


@dataclass(frozen=True)
class SourceLink:
    url: str  # the clean identity URL
    named: bool  # named as the post's source (front matter, 原文链接) rather than just linked


def source_links(meta: dict[str, Any], body: str) -> list[SourceLink]:
    """WeChat article links that may be the post's source, the likeliest first."""
    found: dict[str, SourceLink] = {}

    def add(url: str, named: bool) -> None:
        ident = article_id(md_unescape(url))
        if ident is None or not ident.key:
            return
        if ident.key not in found or (named and not found[ident.key].named):
            found[ident.key] = SourceLink(ident.url, named)

    for value in meta.values():
        if isinstance(value, str):
            add(value.strip(), True)
    for m in _SOURCE_LABEL.finditer(body):
        add(m.group("md") or m.group("html") or "", True)
    for span in find_urls(body):
        add(span.url, False)
    return sorted(found.values(), key=lambda s: not s.named)


def _same_title(a: object, b: str) -> bool:
    norm = lambda s: re.sub(r"\s+", "", str(s or ""))  # noqa: E731
    return bool(norm(a)) and norm(a) == norm(b)


def refetch_images(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Missing images restored from the source article (`--refetch`); the rest reported."""
    missing = _missing(text, ctx)
    if not missing:
        return text, []
    links = source_links(ctx.meta, text)
    lines = Lines(text)
    edits: list[tuple[int, int, str]] = []
    if ctx.refetch and links and ctx.fetcher is None:
        ctx.images_planned += len(missing)
        ctx.notes.append(f"--write would fetch {links[0].url} to restore {len(missing)} missing image(s)")
        return text, []
    if ctx.refetch and links and ctx.fetcher is not None:
        missing = _restore(text, missing, links, ctx, edits)
    for _, span in missing:
        ctx.images_failed += 1
        line = ctx.post_line(lines.line(span.start))
        where = f"line {line}: image '{_describe_target(span.target)}' names a missing file"
        if not ctx.refetch and links:
            hint = f"; --refetch can restore it from {links[0].url}"
        elif not links:
            hint = "; the post names no WeChat article to restore it from"
        else:
            hint = "; not found in the source article"
        ctx.warnings.append(where + hint)
    return _apply_edits(text, edits, "refetch-images")


def _restore(
    text: str,
    missing: list[tuple[int, ImageSpan]],
    links: list[SourceLink],
    ctx: FixContext,
    edits: list[tuple[int, int, str]],
) -> list[tuple[int, ImageSpan]]:
    assert ctx.fetcher is not None
    total = len(find_images(text))
    for link in links[:MAX_REFETCH_LINKS]:
        if not missing or ctx.verification:
            break
        try:
            draft = draft_page(ctx.fetcher.fetch_article(link.url))
        except VerificationRequired as exc:
            ctx.verification = True
            ctx.warnings.append(f"refetch stopped: {exc.reason}")
            break
        except WxError as exc:
            ctx.warnings.append(f"could not refetch {link.url}: {exc.reason}")
            continue
        images = draft.article.images
        own = link.named or _same_title(ctx.meta.get("title"), draft.article.title)
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
            if found is None and own and len(images) == total:
                found = images[position]  # the same article, the same number of images
            if found is not None:
                wanted.append((item, found))
        if not wanted:
            continue
        ctx.source_url = ctx.source_url or link.url
        refs = [image for _, image in wanted]
        if ctx.store is not None:
            outcomes = ctx.store.localise(refs, draft.assets)
        else:  # --images remote: the restored reference is the clean remote URL
            outcomes = [ImageOutcome(ref, ref.url, None, "remote") for ref in refs]
        restored = set()
        for (item, _), outcome in zip(wanted, outcomes, strict=True):
            if outcome.source == "failed":
                ctx.warnings.append(f"image from {link.url} not saved ({outcome.error})")
                continue
            if outcome.source != "remote":
                _count_stored(ctx, outcome)
            edits.append((item[1].start, item[1].end, outcome.reference))
            restored.add(item[0])
        missing = [m for m in missing if m[0] not in restored]
    return missing


# -- WeChat chrome and Markdown defects ---------------------------------------------

_HEADING_NO_SPACE = re.compile(r"^(#{1,6})([^\s#].*)$")
_NOT_A_HEADING = re.compile(r"^(?:[0-9A-Fa-f]{3,8}|\d+)\s*$")  # colours, issue numbers


def heading_space(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """`#Title` -> `# Title` (GFM needs the space). Lines with another `#` are hashtags
    (`#话题#`, `#a #b`) and stay."""

    def fix(line: str) -> str | None:
        m = _HEADING_NO_SPACE.match(line)
        if not m or "#" in m.group(2) or _NOT_A_HEADING.match(m.group(2)):
            return None
        return f"{m.group(1)} {m.group(2)}"

    return _line_rule("heading-space", text, fix)


_WXID_LINE = re.compile(r"^\s*(?:\*\*)?微信号(?:\*\*)?\s*[:：]?\s*(?:[A-Za-z][-_A-Za-z0-9]{4,39})?\s*$")
_INTRO_LINE = re.compile(r"^\s*(?:\*\*)?功能介绍(?:\*\*)?\s*[:：]?.*$")
_NAME_LINE = re.compile(
    r"^\s*(?:\[(?P<a>[^\[\]\n]{1,40})\]|\*\*(?P<b>[^*\n]{1,40})\*\*|(?P<c>[^\s#>*\[\]!<|`\-][^\n]{0,39}))\s*$"
)
_SENTENCE_PUNCT = re.compile(r"[。，！？；,!?;]")
_ATTRIBUTION = re.compile(r"转载自?[:：]\s*([^<>\n]+?)\s*(?:<br\s*/?>|\s*$)", re.M)


def _known_accounts(text: str, ctx: FixContext) -> set[str]:
    names = {str(ctx.meta[k]).strip() for k in ("account", "nickname") if ctx.meta.get(k)}
    names.update(m.group(1).strip() for m in _ATTRIBUTION.finditer(text[:2000]))
    return names


def profile_card(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """The account's profile card pasted from the page: name line(s) (`[X]`, `**X**`, `X`),
    `微信号…`, `功能介绍…`. Removed only as that block: a 微信号 line directly followed by a
    功能介绍 line, with above it only lines carrying the same account name."""
    lines = text.split("\n")
    code = code_lines(lines)
    known = _known_accounts(text, ctx)
    doomed: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        if code[i] or not _WXID_LINE.match(line) or (doomed and i < doomed[-1][1]):
            continue
        j = i + 1
        if j < len(lines) and not lines[j].strip():
            j += 1
        if j >= len(lines) or code[j] or not _INTRO_LINE.match(lines[j]):
            continue
        start, name = i, ""
        for k in range(i - 1, max(i - 4, -1), -1):
            m = _NAME_LINE.match(lines[k])
            if m is None or code[k]:
                break
            candidate = (m.group("a") or m.group("b") or m.group("c") or "").strip()
            if _SENTENCE_PUNCT.search(candidate):
                break
            if not name:
                if m.group("c") is not None and candidate not in known:
                    break  # a plain line is a name only when the post names that account
                name = candidate
            elif candidate != name:
                break
            start = k
        doomed.append((start, j + 1))
    return _remove_lines(text, doomed, "profile-card", lambda removed: f"removed {len(removed)} line(s)")


_SCAN_TAIL = r"(?:关注该公众号|关注公众号|使用小程序|可打开此内容[，,]?\s*使用完整服务)"
_CHROME_LINE = re.compile(r"^\s*(?:\*\*)?(?:微信扫一扫\s*" + _SCAN_TAIL + r"?|预览时标签不可点)(?:\*\*)?\s*$")
_SCAN_FOLLOW = re.compile(r"^\s*(?:\*\*)?" + _SCAN_TAIL + r"(?:\*\*)?\s*$")


def page_chrome(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Lines of WeChat's page furniture: 微信扫一扫 (关注该公众号 / 使用小程序 / …), 预览时标签不可点."""
    lines = text.split("\n")
    code = code_lines(lines)
    doomed: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        if code[i] or not _CHROME_LINE.match(line):
            continue
        end = i + 1
        if "微信扫一扫" in line and end < len(lines) and not code[end] and _SCAN_FOLLOW.match(lines[end]):
            end += 1
        if doomed and doomed[-1][1] > i:
            continue
        doomed.append((i, end))
    return _remove_lines(text, doomed, "page-chrome", lambda removed: "removed")


_EMPTY_BOLD_LINE = re.compile(r"^\s*\*\*(?:\s|&nbsp;)*\*\*\s*$")


def empty_bold(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Empty bold runs (`****`) left by empty <strong>: a line of only that goes; at the
    start of a line, the four stars go."""
    lines = text.split("\n")
    code = code_lines(lines)
    doomed = [(i, i + 1) for i, line in enumerate(lines) if not code[i] and _EMPTY_BOLD_LINE.match(line)]
    text, changes = _remove_lines(text, doomed, "empty-bold", lambda removed: "removed")

    def fix(line: str) -> str | None:
        m = re.match(r"^(\s*)\*\*\*\*(?=[^\s*])", line)
        return line[: m.start()] + m.group(1) + line[m.end() :] if m else None

    text, more = _line_rule("empty-bold", text, fix)
    return text, changes + more


def merge_bold(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Adjacent bold runs `**a****b**` -> `**ab**` (WeChat splits bold into many <strong>)."""

    def fix(line: str) -> str | None:
        changed = False
        while True:
            masked = mask_inline_code(line)
            for m in re.finditer(r"(?<=[^\s*])\*\*\*\*(?=[^\s*])", masked):
                if len(re.findall(r"\*\*", masked[: m.start()])) % 2 == 1:
                    line = line[: m.start()] + line[m.end() :]
                    changed = True
                    break
            else:
                return line if changed else None

    return _line_rule("merge-bold", text, fix)


_FINAL = set("。！？；：…!?;:.")
_MID = set("，、,")
_CLOSERS = "”’」』）)》】\"'"
_CONTINUATION = tuple("，。、；：？！）》」』”’,.;:?!)")
_BOLD_ONLY = re.compile(r"^\*\*([^*\n]+?)\*\*$")
_ENDS_BOLD = re.compile(r"\*\*([^*\n]+?)\*\*$")
_PROSE_START = re.compile(r"^(?:[#>|!\[<`{=~]|[*+\-]\s|\d+[.)]\s|-{3,}|\*{3,}\s*$)")


def _last_char(s: str) -> str:
    s = s.rstrip().rstrip(_CLOSERS)
    return s[-1] if s else ""


def _is_prose(line: str) -> bool:
    s = line.strip()
    return bool(s) and not _PROSE_START.match(s)


def _hard_break(line: str) -> bool:
    return line.endswith(("  ", "\\")) or line.rstrip().lower().endswith(("<br>", "<br/>", "<br />"))


def _bold_runs(line: str) -> int:
    return len(re.findall(r"\*\*", mask_inline_code(line)))


def _join(a: str, b: str) -> str:
    """Two lines as one: no space between CJK (a line break there was never a space),
    one between Latin words (looking through the `**` markers)."""
    a, b = a.rstrip(), b.lstrip()
    left, right = a.rstrip("*")[-1:], b.lstrip("*")[:1]
    latin = left.isascii() and right.isascii() and left.isalnum() and right.isalnum()
    return a + (" " if latin else "") + b


def _should_join(lines: list[str], i: int) -> bool:
    """Whether line i and line i+1 are one sentence split at a bold run (see split_bold)."""
    a, b = lines[i], lines[i + 1]
    if not a.strip() or not b.strip() or _hard_break(a):
        return False
    sa, sb = a.strip(), b.strip()
    runs = _bold_runs(sa)
    if runs % 2 == 1 and sa.rfind("**") < len(sa) - 2 and _bold_runs(sb) % 2 == 1:
        return True  # `**abc` / `def**`: one bold run broken by a newline
    if runs % 2 == 1:
        return False
    end = _ENDS_BOLD.search(sa)
    if end is not None:
        last = _last_char(end.group(1))
        if sb.startswith(_CONTINUATION):
            return True  # `**bold**` / `，text`
        if not _is_prose(sb) or sb.startswith("**") or last in _FINAL:
            return False
        if last in _MID:
            return True  # `**从案件类型看，**` / `包括…`
        # `text在**bold**` / `上，text`: the run is glued into a sentence. A bold line alone may be
        # a heading; `作者：**张三**` / `编辑：李四` is a byline.
        before_run = sa[: end.start()].rstrip()
        return bool(before_run) and re.match(r"\w", before_run[-1]) is not None
    # `long prose ending mid-sentence` / `**bold**` / `prose`: the bold run was inline.
    if (
        i + 2 < len(lines)
        and _is_prose(sa)
        and len(sa) >= 20
        and _SENTENCE_PUNCT.search(sa)
        and _last_char(sa) not in _FINAL | _MID
        and not re.search(r"[\W_]$", sa[-1:])
    ):
        m = _BOLD_ONLY.match(sb)
        if m is None:
            return False
        third = lines[i + 2].strip()
        return _last_char(m.group(1)) not in _FINAL and _is_prose(third) and not third.startswith("**")
    return False


def split_bold(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """A sentence broken into lines around a bold run, joined again:
    `text**bold**` + `上，text`; `**bold，**` + `text`; `prose …在` + `**bold**` + `上，…`;
    `**ab` + `cd**`. A bold line that ends a sentence (`。`, `：`) or stands alone before
    text (a heading) is left; so is a line ending in a hard break."""
    lines = text.split("\n")
    code = code_lines(lines)
    changes: list[Change] = []
    out: list[str] = []
    i = 0
    while i < len(lines):
        first, joined = i, lines[i]
        i += 1
        while i < len(lines) and not code[first] and not code[i]:
            if not _should_join([joined, lines[i]] + lines[i + 1 : i + 2], 0):
                break
            joined = _join(joined, lines[i])
            i += 1
        if i - first > 1:
            changes.append(Change("split-bold", first + 1, "\n".join(lines[first:i]), joined))
        out.append(joined)
    return "\n".join(out), changes


# -- Liquid -------------------------------------------------------------------------

_LIQUID_OPEN = re.compile(r"\{\{|\{%")
_RAW_REGION = re.compile(r"\{%-?\s*(raw|comment)\s*-?%\}.*?\{%-?\s*end\1\s*-?%\}", re.S)
_ESCAPE_FORM = re.compile(r"""\{\{-?\s*(["'])(?:\{\{|\{%|\}\}|%\})\1\s*-?\}\}""")
_JEKYLL_TAG = re.compile(
    r"\{%-?\s*(?:highlight|endhighlight|include|include_relative|post_url|link|raw|endraw"
    r"|comment|endcomment)\b[^%\n]*-?%\}"
)
_SITE_VAR = re.compile(r"\{\{-?\s*site\.[A-Za-z_][\w.-]*\s*-?\}\}")
_TARGET_BEFORE = re.compile(
    r"""(?:\]\(\s*<?|\]:[ \t]*<?|\b(?:src|href|srcset|poster|data-src)\s*=\s*["']?)$""", re.I
)


_BLOCK_TAG_LINE = re.compile(r"^\s*\{%-?\s*(?:end)?(?:highlight|raw|comment)\b[^%]*-?%\}\s*$")


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Character spans that are code: fenced blocks, <pre>, {% highlight %} bodies, inline code."""
    spans = []
    lines = text.split("\n")
    flags = code_lines(lines, indented=False)
    pos = 0
    for line, flag in zip(lines, flags, strict=True):
        end = pos + len(line)
        if flag and _BLOCK_TAG_LINE.match(line):
            pass  # the {% highlight %} / {% endhighlight %} lines themselves are the blog's tags
        elif flag:
            spans.append((pos, end))
        else:
            for m in _INLINE_CODE.finditer(line):
                spans.append((pos + m.start(), pos + m.end()))
        pos = end + 1
    return spans


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def escape_liquid(text: str, ctx: FixContext) -> tuple[str, list[Change]]:
    """Article text that Jekyll would run as Liquid, made to print literally.

    In a WeChat repost every `{{` and `{%` is article text (code samples above all)
    except what the blog itself put there, which stays:
    - outside code, a `{{ site.… }}` variable at the start of a link or image target
      (`](`, `src="`, `href="`, a reference definition): the converter's own
      `{{site.baseurl}}/postimg/…`;
    - outside code, Jekyll's own tags a user adds by hand (`{% highlight %}`,
      `{% include %}`, `{% post_url %}`, `{% link %}`, `{% raw %}`, `{% comment %}`);
    - anywhere, `{% raw %}…{% endraw %}` and `{% comment %}` regions, and the escape
      form itself, `{{ "{{" }}`, so a second run changes nothing.
    Inside code every other `{{`/`{%` is escaped, `{{ site.baseurl }}` included: in a
    code sample it is text. The escape is `post.escape_template`'s, which works in code.
    """
    if ctx.template != "liquid" or ("{{" not in text and "{%" not in text):
        return text, []
    always = [m.span() for m in _RAW_REGION.finditer(text)] + [m.span() for m in _ESCAPE_FORM.finditer(text)]
    code = _code_spans(text)
    outside = [m.span() for m in _JEKYLL_TAG.finditer(text)]
    chain_end = -1  # `{{site.url}}{{site.baseurl}}`: a variable right after a kept one is kept
    for m in _SITE_VAR.finditer(text):
        if m.start() == chain_end or _TARGET_BEFORE.search(text[max(0, m.start() - 40) : m.start()]):
            outside.append(m.span())
            chain_end = m.end()
    edits = []
    for m in _LIQUID_OPEN.finditer(text):
        pos = m.start()
        if _inside(pos, always) or (not _inside(pos, code) and _inside(pos, outside)):
            continue
        edits.append((pos, m.end(), escape_template(m.group(0), "liquid")))
    new, changes = _apply_edits(text, edits, "liquid-escape")
    # One change per line, showing the line (escaping keeps the line count).
    old_lines, new_lines = text.split("\n"), new.split("\n")
    touched = sorted({c.line for c in changes})
    return new, [Change("liquid-escape", ln, old_lines[ln - 1], new_lines[ln - 1]) for ln in touched]


# -- the rules, in order -------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule("front-matter-urls", "front", front_matter_urls),
    Rule("clean-urls", "body", clean_urls),
    Rule("header-image", "front", header_image),
    Rule("download-images", "body", download_images),
    Rule("relink-images", "body", relink_images),
    Rule("refetch-images", "body", refetch_images),
    Rule("heading-space", "body", heading_space),
    Rule("profile-card", "body", profile_card),
    Rule("page-chrome", "body", page_chrome),
    Rule("empty-bold", "body", empty_bold),
    Rule("merge-bold", "body", merge_bold),
    Rule("split-bold", "body", split_bold),
    Rule("liquid-escape", "body", escape_liquid),
)
RULE_NAMES = tuple(r.name for r in RULES)


# -- a dry run's image store -----------------------------------------------------------

_EXT_ALIASES = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "svg": "svg", "webp": "webp"}


class PlanStore:
    """Says what `ImageStore.localise` would write, without a request or a file.

    An image already in the folder gets its real name; one to download gets the
    name conversion gives it, the extension guessed from `wx_fmt` (the store takes
    it from the bytes, so `--write` may pick another one for `wx_fmt=other`).
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
            outcomes.append(
                ImageOutcome(ref, self.settings.prefix + f"{stem}.{_guess_ext(ref.url)}", None, "planned")
            )
        return outcomes


def _guess_ext(url: str) -> str:
    query = dict(parse_qsl(urlsplit(url).query))
    fmt = query.get("wx_fmt", "").lower()
    if fmt in _EXT_ALIASES:
        return _EXT_ALIASES[fmt]
    suffix = urlsplit(url).path.rpartition(".")[2].lower()
    return _EXT_ALIASES.get(suffix, "jpeg")


# -- posts on disk -----------------------------------------------------------------------

POST_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")
_SKIP_DIRS = {"_site", "node_modules", "vendor", "public", "resources", ".jekyll-cache", ".git"}
_POST_DIRS = ("_posts", "_drafts")
_SITE_MARKERS = ("_config.yml", "_config.yaml", "_config.toml")


def find_posts(paths: Iterable[Path]) -> list[Path]:
    """Post files named, or found below the folders named (only in `_posts`/`_drafts`
    when the folder holds such folders: a site's pages and README are not posts)."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_file():
            found.setdefault(path, None)
            continue
        files = [
            p
            for p in sorted(path.rglob("*"))
            if p.is_file()
            and p.suffix.lower() in POST_SUFFIXES
            and not any(part in _SKIP_DIRS or part.startswith(".") for part in p.relative_to(path).parts)
        ]
        in_post_dirs = [p for p in files if _under_post_dir(p)]
        for p in in_post_dirs if in_post_dirs else files:
            found.setdefault(p, None)
    return list(found)


def _under_post_dir(path: Path) -> bool:
    return any(part in _POST_DIRS for part in path.parent.parts)


def site_for(post: Path) -> Path | None:
    """The folder image paths are relative to: the parent of `_posts` (Jekyll's site, Hexo's
    `source`), else the nearest folder with a `_config.yml`."""
    for parent in post.resolve().parents:
        if parent.name in _POST_DIRS:
            return parent.parent
    for parent in post.resolve().parents:
        if any((parent / marker).is_file() for marker in _SITE_MARKERS):
            return parent
    return None


@dataclass
class FixResult:
    """What happened to one post (also the `--json` record; mirrors runner.Result)."""

    path: str
    status: str  # "changed" | "unchanged" | "skipped" | "failed"
    written: bool = False  # False in a dry run: "changed" then means "would change"
    reason: str = ""
    kind: str = ""
    title: str = ""
    url: str = ""  # the source article, when --refetch used one
    backup: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)
    details: list[Change] = field(default_factory=list)
    images_saved: int = 0
    images_failed: int = 0
    images_planned: int = 0
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    old_text: str = field(default="", repr=False)
    new_text: str = field(default="", repr=False)

    def record(self) -> dict[str, Any]:
        """The `--json` object (credential values masked)."""
        hidden = ("details", "old_text", "new_text")
        data = {k: v for k, v in self.__dict__.items() if k not in hidden}
        data["warnings"] = [mask(w) for w in self.warnings]
        data["notes"] = [mask(n) for n in self.notes]
        data["lines"] = {
            c["rule"]: [d.line for d in self.details if d.rule == c["rule"]] for c in self.changes
        }
        return data


@dataclass
class FixSettings:
    write: bool = False
    backup: bool = True
    all_posts: bool = False  # also posts that are not WeChat reposts
    refetch: bool = False
    site: Path | None = None  # None: found from each post's path
    images: ImageSettings = field(default_factory=ImageSettings)
    template: str = "liquid"


def backup_path(post: Path) -> Path:
    """`.<name>.bak` beside the post: a dot file, because Jekyll publishes `_posts/<name>.bak`
    as a second post (tests/test_fix_cli.py::test_backup_is_not_published)."""
    return post.with_name(f".{post.name}.bak")


class Fixer:
    """Repairs posts one by one; holds the run's stores (one per site) and fetcher."""

    def __init__(
        self,
        settings: FixSettings,
        *,
        open_store: Callable[[Path, ImageSettings], Localiser] | None = None,
        open_fetcher: Callable[[], ArticleFetcher] | None = None,
    ) -> None:
        self.settings = settings
        self.open_store = open_store
        self.open_fetcher = open_fetcher
        self.results: list[FixResult] = []
        self._stores: dict[Path, Localiser] = {}
        self._fetcher: ArticleFetcher | None = None

    def close(self) -> None:
        for store in self._stores.values():
            close = getattr(store, "close", None)
            if close is not None:
                close()
        close = getattr(self._fetcher, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Fixer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _store(self, site: Path) -> Localiser | None:
        if self.settings.images.mode == "remote":
            return None
        if not self.settings.write or self.open_store is None:
            return PlanStore(site, self.settings.images)
        if site not in self._stores:
            self._stores[site] = self.open_store(site, self.settings.images)
        return self._stores[site]

    def _fetch(self) -> ArticleFetcher | None:
        if not (self.settings.write and self.settings.refetch) or self.open_fetcher is None:
            return None
        if self._fetcher is None:
            self._fetcher = self.open_fetcher()
        return self._fetcher

    def fix(self, path: Path) -> FixResult:
        result = FixResult(path=str(path), status="failed")
        try:
            self._fix(path, result)
        except (OSError, UnicodeDecodeError, WxError) as exc:
            result.status = "failed"
            result.reason = _reason(exc)
            result.kind = type(exc).__name__
        except Exception as exc:  # a bug must not lose the rest of the batch
            result.status = "failed"
            result.reason = f"unexpected {type(exc).__name__}: {exc}"
            result.kind = "internal-error"
        self.results.append(result)
        return result

    def _fix(self, path: Path, result: FixResult) -> None:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        parts = split_post(text)
        if not parts.front:
            result.status, result.reason = "skipped", "no front matter: not a post"
            return
        if not self.settings.all_posts and not is_wechat_repost(text):
            result.status, result.reason = "skipped", "not a WeChat repost (--all to repair it too)"
            return
        site = self.settings.site or site_for(path)
        if site is None:
            raise WxError("cannot tell which site the post belongs to; name it with --site")
        ctx = FixContext(
            site=site,
            post_dir=None if _under_post_dir(path.resolve()) else path.resolve().parent,
            settings=self.settings.images,
            template=self.settings.template,
            store=self._store(site),
            fetcher=self._fetch(),
            refetch=self.settings.refetch,
            origin=str(path),
        )
        repair = fix_text(text, ctx)
        result.title = str(ctx.meta.get("title", "") or "")
        result.url = ctx.source_url
        result.details = repair.changes
        result.changes = repair.counts()
        result.warnings, result.notes = ctx.warnings, ctx.notes
        result.images_saved, result.images_failed = ctx.images_saved, ctx.images_failed
        result.images_planned = ctx.images_planned
        if ctx.verification:
            result.kind = "verification"
        new = repair.text.encode("utf-8")
        result.old_text, result.new_text = text, repair.text
        if new == raw:
            result.status = "unchanged"
            return
        result.status = "changed"
        if self.settings.write:
            # files.py: inside the site whatever is a link, mode and hard links kept;
            # the backup never replaces a file (a taken name gets .1, .2, ...).
            target = contained(site, path.absolute())  # a link out of the site: refused before the backup
            if self.settings.backup:
                result.backup = str(write_unique(site, backup_path(path.absolute()), raw))
            write_file(site, target, new)
            result.written = True

    def status(self) -> ExitStatus:
        done = [r for r in self.results if r.status in ("changed", "unchanged")]
        failed = [r for r in self.results if r.status == "failed"]
        if any(r.kind == "verification" for r in self.results):
            return ExitStatus.VERIFICATION
        if failed and not done:
            return ExitStatus.FAILED
        if failed or any(r.images_failed for r in done):
            return ExitStatus.PARTIAL
        return ExitStatus.OK


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, WxError):
        return exc.reason
    if isinstance(exc, OSError):
        return f"file error: {exc.strerror or type(exc).__name__}"
    return str(exc)


# -- reporting ---------------------------------------------------------------------------


def _short(text: str, limit: int = 72) -> str:
    text = mask(text).replace("\n", "↵")
    if len(text) <= limit:
        return text
    return text[: limit - 22] + "…" + text[-20:]


def describe(change: Change) -> str:
    if change.rule in ("profile-card", "page-chrome", "empty-bold"):
        return f"{_short(change.before)} → {change.after}"
    if change.rule == "split-bold":
        return f"joined: {_short(change.after)}"
    return f"{_short(change.before)} → {_short(change.after)}"


def diff(result: FixResult) -> str:
    lines = difflib.unified_diff(
        result.old_text.splitlines(keepends=True),
        result.new_text.splitlines(keepends=True),
        fromfile=f"a/{result.path}",
        tofile=f"b/{result.path}",
    )
    return mask("".join(line if line.endswith("\n") else line + "\n" for line in lines))


def report(result: FixResult) -> str:
    """The human report of one post: a header line, one line per change, then notes and warnings."""
    if result.status == "changed":
        verb = "changed" if result.written else "would change"
        head = f"{result.path}: {verb} ({len(result.details)} repairs)"
    elif result.status in ("skipped", "failed"):
        head = f"{result.path}: {result.status}: {result.reason}"
    else:
        head = f"{result.path}: unchanged"
    out = [head]
    width = max((len(c.rule) for c in result.details), default=0)
    for c in result.details:
        out.append(f"  L{c.line:<4} {c.rule:<{width}}  {describe(c)}")
    if result.images_saved or result.images_planned or result.images_failed:
        parts = []
        if result.images_saved:
            parts.append(f"{result.images_saved} saved")
        if result.images_planned:
            parts.append(f"{result.images_planned} to fetch on --write")
        if result.images_failed:
            parts.append(f"{result.images_failed} missing or failed")
        out.append("  images: " + ", ".join(parts))
    if result.backup:
        out.append(f"  backup: {result.backup}")
    out += [f"  note: {mask(n)}" for n in result.notes]
    out += [f"  warning: {mask(w)}" for w in result.warnings]
    return "\n".join(out)


def summary(results: list[FixResult], write: bool) -> str:
    counts: dict[str, int] = {}
    for r in results:
        key = "would change" if r.status == "changed" and not r.written else r.status
        counts[key] = counts.get(key, 0) + 1
    order = ["changed", "would change", "unchanged", "skipped", "failed"]
    parts = [f"{counts[k]} {k}" for k in order if counts.get(k)]
    tail = "" if write else "; dry run, nothing written (--write applies the changes)"
    noun = "post" if len(results) == 1 else "posts"
    return f"{len(results)} {noun}: " + ", ".join(parts) + tail
