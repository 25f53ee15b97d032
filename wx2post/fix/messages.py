"""The human report of `wx2post fix`: one line per repair, notes, warnings, a summary, a diff.

Credential values never appear: a change that removes `key=…` shows that it goes, not what
it was.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from ..urls import mask

if TYPE_CHECKING:
    from .batch import FixResult
    from .engine import Change


def short(text: str, limit: int = 72) -> str:
    text = mask(text).replace("\n", "↵")
    if len(text) <= limit:
        return text
    return text[: limit - 22] + "…" + text[-20:]


def describe(change: Change) -> str:
    if change.rule in ("profile-card", "page-chrome", "empty-bold"):
        return f"{short(change.before)} → {change.after}"
    if change.rule in ("unsafe-links", "unsafe-html", "unsafe-front-matter"):
        return f"{short(change.before)} → " + (
            f"{short(change.after)} (link removed)" if change.after else "removed"
        )
    if change.rule == "split-bold":
        return f"joined: {short(change.after)}"
    return f"{short(change.before)} → {short(change.after)}"


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
