"""HTML page -> Article: metadata cascade, page kind, failure pages (pure).

Precedence for every field (first non-empty wins):
1. inline JS variables (`var msg_title`, `var ct`, `window.cgiDataNew`, ...),
2. `og:` and other `<meta>` tags,
3. the DOM (`#activity-name`, `#js_name`, `#publish_time`, ...),
4. visible text (`2022年05月03日 10:12`).
Page JavaScript is never executed: values are read with regular expressions.

A saved page is up to 4 MB, mostly inline script, around a ~60 KB article, so no
stage works on the whole page:

- `scripts.py` scans the page as a `PageText` (a few `find` passes for script
  bounds and metadata anchors): the DOM parser sees it with its script and style
  bodies cut out, and only the scripts holding metadata are searched;
- `dom.py` gathers the lookups the cascade makes in the parsed tree (ids, classes,
  `<meta>`) once;
- `metadata.py` is the cascade: title, account, author, dates, links, cover;
- `page.py` puts them together: the tree, the metadata, the body of each page
  kind, failure pages and pages that lost WeChat's template.

`parse_source` scans a big UTF-8 page read from disk as bytes and decodes only
those slices.
"""

from __future__ import annotations

from .dom import Dom
from .metadata import parse_time, read_publish_time, summary_sentence
from .page import find_body, is_empty, parse_fragment, parse_page, parse_source, parse_text

__all__ = [
    "Dom",
    "find_body",
    "is_empty",
    "parse_fragment",
    "parse_page",
    "parse_source",
    "parse_text",
    "parse_time",
    "read_publish_time",
    "summary_sentence",
]
