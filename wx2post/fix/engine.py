"""The rule engine: what a rule is given, what it reports, and how edits are applied.

Each rule takes the text of one region (the front matter or the body) and a `FixContext`
and returns the new text and its `Change`s. Rules edit spans: every byte outside the spans
a rule replaces stays as it was, so a post keeps its line endings, its BOM, its aligned
front matter and whatever no rule understands.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..images import ImageOutcome, ImageSettings, image_files, image_folder, stored_problem
from ..models import ImageRef
from ..sources import PageSource


@dataclass(frozen=True)
class Change:
    """One repair: which rule, where (1-based line in the post as read), what became what."""

    rule: str
    line: int
    before: str
    after: str


class Localiser(Protocol):
    """What the image rules need from a store (`store.ImageStore`, `images.PlanStore`)."""

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
    source: str = ""  # --source: the post's own article, when the post does not say
    origin: str = ""
    meta: dict[str, Any] = field(default_factory=dict)  # the front matter, read-only
    exporter_post: bool | None = None  # the body as read has the Windows exporter's signature
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
    _stored: dict[str, str] | None = field(default=None, repr=False)

    def post_line(self, line: int) -> int:
        """The line in the post as read, for a 1-based line of the region a rule is given."""
        if not self.origin_lines:
            return line
        return self.origin_lines[min(max(line, 1), len(self.origin_lines)) - 1]

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
        if folder is None:
            return {}
        try:
            return image_files(folder, lambda path: path.is_file() and stored_problem(path) is None)
        except OSError:
            return {}


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


def run_rules(front: str, body: str, rules: Iterable[Rule], ctx: FixContext) -> tuple[str, str, list[Change]]:
    """Run the rules in order over the two regions; line numbers refer to the post as read."""
    front_lines = front.count("\n")
    regions = {"front": front, "body": body}
    origins = {
        "front": list(range(1, front_lines + 2)),
        "body": list(range(front_lines + 1, front_lines + body.count("\n") + 2)),
    }
    changes: list[Change] = []
    for rule in rules:
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
    return regions["front"], regions["body"], changes


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


class Lines:
    """Offsets of line starts, for turning positions into 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos)


def apply_edits(text: str, edits: Iterable[tuple[int, int, str]], rule: str) -> tuple[str, list[Change]]:
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


def remove_lines(
    text: str,
    doomed: list[tuple[int, int]],
    rule: str,
    label: Callable[[list[str]], str],
    block_of: Callable[[int], object] = lambda line: None,
) -> tuple[str, list[Change]]:
    """Delete 0-based line ranges [start, end); a blank line left doubled by a removal goes too.
    Lines around a removal that belong to two blocks (`block_of` differs, or is None) keep a
    blank line between them, so that removing a line never joins two blocks into one."""
    lines = text.split("\n")
    changes: list[Change] = []
    for start, end in sorted(set(doomed), reverse=True):
        removed = lines[start:end]
        before, after = start - 1, end
        apart = (
            before >= 0
            and after < len(lines)
            and lines[before].strip() != ""
            and lines[after].strip() != ""
            and (block_of(before) is None or block_of(before) is not block_of(after))
        )
        lines[start:end] = [""] if apart else []
        if 0 < start < len(lines) and not lines[start - 1].strip() and not lines[start].strip():
            del lines[start]
        changes.append(Change(rule, start + 1, "\n".join(removed), label(removed)))
    changes.reverse()
    return "\n".join(lines), changes


def until_settled(
    one_pass: Callable[[str], tuple[str, list[Change]]], text: str, passes: int
) -> tuple[str, list[Change]]:
    """`one_pass` run again on its own result until it finds nothing (at most `passes`
    times): what one repair uncovers (a link inside a link) is repaired too, so a
    second `fix` finds nothing left."""
    changes: list[Change] = []
    for _ in range(passes):
        text, found = one_pass(text)
        if not found:
            break
        changes += found
    return text, changes
