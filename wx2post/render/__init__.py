"""Cleaned body (lxml) -> Markdown (pure).

WeChat's editor produces deep `<section>`/`<span>` nesting where bold is split
into many adjacent runs. Instead of translating tag by tag (which is how `****`
and bold split mid-word end up in posts), inline content is flattened into
styled runs, runs of the same style are merged, and emphasis markers are
written only where the style changes, between words (never inside one), with
spaces outside and punctuation outside only where CommonMark's flanking rules
need it (`**答**：正文`, `**第一部分（上）**`). tests/test_render.py reads the
output back with a CommonMark parser to check that every marker is taken.
Escaping is minimal: `[1]`, `snake_case` and a lone `~` stay as written.

- blocks.py: the walker and its table of handlers, one per element (lists, code)
- headings.py: which blocks are headings; tables.py: GFM or HTML tables
- inline.py: the emphasis emitter (runs -> one line of Markdown)
- escape.py: what Markdown would read as syntax; style.py: Style and runs
"""

from .blocks import BLOCK_HANDLERS, INLINE_HANDLERS, Walker, code_block, quote_lines, render_markdown
from .escape import code_span, escape_line_start, escape_plain, escape_text, link_target
from .headings import paragraph_in_heading_tag, styled_heading_level
from .inline import line_to_markdown, runs_to_markdown
from .style import BLOCK_TAGS, BREAK, ImageTarget, Run, Style, inline_style
from .tables import cell_html, html_table, is_layout_table

__all__ = [
    "BLOCK_HANDLERS",
    "BLOCK_TAGS",
    "BREAK",
    "INLINE_HANDLERS",
    "ImageTarget",
    "Run",
    "Style",
    "Walker",
    "cell_html",
    "code_block",
    "code_span",
    "escape_line_start",
    "escape_plain",
    "escape_text",
    "html_table",
    "inline_style",
    "is_layout_table",
    "line_to_markdown",
    "link_target",
    "paragraph_in_heading_tag",
    "quote_lines",
    "render_markdown",
    "runs_to_markdown",
    "styled_heading_level",
]
