"""Article text Jekyll would run as Liquid (`{{`, `{%`), made to print literally.

Code is told apart by the parser (fenced and indented code, code spans, also quoted or in a
list) plus the two places Liquid users write code that Markdown does not know: `<pre>` HTML
blocks and `{% highlight %}` bodies.
"""

from __future__ import annotations

import re

from ..lazyre import lazy
from ..post import escape_template
from . import links, markdown
from .engine import Change, FixContext, apply_edits

_LIQUID_OPEN = lazy(r"\{\{|\{%")
_RAW_REGION = lazy(r"\{%-?\s*(raw|comment)\s*-?%\}.*?\{%-?\s*end\1\s*-?%\}", re.S)
_HIGHLIGHT = lazy(r"(\{%-?\s*highlight\b[^%]*-?%\})(.*?)\{%-?\s*endhighlight\s*-?%\}", re.S)
_PRE = lazy(r"<pre\b.*?</pre>", re.S | re.I)
_ESCAPE_FORM = lazy(r"""\{\{-?\s*(["'])(?:\{\{|\{%|\}\}|%\})\1\s*-?\}\}""")
_JEKYLL_TAG = lazy(
    r"\{%-?\s*(?:highlight|endhighlight|include|include_relative|post_url|link|raw|endraw"
    r"|comment|endcomment)\b[^%\n]*-?%\}"
)
_SITE_VAR = lazy(r"\{\{-?\s*site\.[A-Za-z_][\w.-]*\s*-?\}\}")
_TARGET_BEFORE = lazy(
    r"""(?:\]\(\s*<?|\]:[ \t]*<?|\b(?:src|href|srcset|poster|data-src)\s*=\s*["']?)$""", re.I
)


def code_spans(text: str, doc: markdown.Document) -> list[tuple[int, int]]:
    """Character spans that are code: code blocks, code spans, <pre>, {% highlight %} bodies."""
    spans = links.code_spans(doc)
    spans += [m.span() for m in _PRE.finditer(text)]
    spans += [m.span(2) for m in _HIGHLIGHT.finditer(text)]
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
    code = code_spans(text, markdown.read(text))
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
    new, changes = apply_edits(text, edits, "liquid-escape")
    # One change per line, showing the line (escaping keeps the line count).
    old_lines, new_lines = text.split("\n"), new.split("\n")
    touched = sorted({c.line for c in changes})
    return new, [Change("liquid-escape", ln, old_lines[ln - 1], new_lines[ln - 1]) for ln in touched]
