"""`wx2post fix`: repair the reposts a blog already holds, one small named rule per defect.

The package, stage by stage:

- `posts`: a post file split into BOM, line endings, front matter (python-frontmatter's
  handlers) and body, byte for byte.
- `markdown`: the body's regions from markdown-it-py: which lines are paragraph text, code,
  HTML or reference definitions, and inside a paragraph which characters are text.
- `engine`: what a rule is given (`FixContext`) and reports (`Change`), and exact span edits.
- the rules (`rules.RULES`, in order): `schemes` (links a browser would run), `activehtml`
  (raw HTML a browser would run; tags read by `htmltags`, the WHATWG tokenizer's tag states), `links`
  (URLs, the post's own source), `images`
  (every image form; store, relink), `refetch`, `chrome` (profile card, page chrome,
  `#Title`), `emphasis` (bold, through convert's emphasis writer), `paragraphs` (the
  Windows exporter's posts without blank lines), `liquid`.
- `batch` (posts on disk, results, exit status) and `messages` (what the user reads).

Running the rules on their own output changes nothing (tests/test_fix.py).
"""

from __future__ import annotations

from .batch import Fixer, FixResult, FixSettings, backup_path, find_posts, fix_text, site_for
from .engine import ArticleFetcher, Change, FixContext, Localiser, Repair, Rule
from .images import PlanStore
from .messages import describe, diff, mask, report, summary

__all__ = [
    "ArticleFetcher",
    "Change",
    "FixContext",
    "FixResult",
    "FixSettings",
    "Fixer",
    "Localiser",
    "PlanStore",
    "Repair",
    "Rule",
    "backup_path",
    "describe",
    "diff",
    "find_posts",
    "fix_text",
    "mask",
    "report",
    "site_for",
    "summary",
]
