"""Article text Jekyll would run as Liquid (`{{`, `{%`), made to print literally.

Code is told apart by the parser (fenced and indented code, code spans, also quoted or in a
list) plus the two places Liquid users write code that Markdown does not know: `<pre>` HTML
blocks and `{% highlight %}` bodies.
"""

from __future__ import annotations

import re

from ..lazyre import lazy
from ..post import escape_template
from ..spans import covering, paired
from . import links, markdown
from .engine import Change, FixContext, apply_edits

_LIQUID_OPEN = lazy(r"\{\{|\{%")
# Regions from an opening tag to the first closing one after it (spans.paired: `.*?` between
# them would retry the rest of the post from every unclosed opener).
_RAW_OPEN = lazy(r"\{%-?\s*(raw|comment)\s*-?%\}")
_RAW_CLOSE = {name: lazy(rf"\{{%-?\s*end{name}\s*-?%\}}") for name in ("raw", "comment")}
_HIGHLIGHT = (lazy(r"\{%-?\s*highlight\b[^%{]*-?%\}"), lazy(r"\{%-?\s*endhighlight\s*-?%\}"))
_PRE = (lazy(r"<pre\b", re.I), lazy(r"</pre>", re.I))
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
    spans += [(a.start(), b.end()) for a, b in paired(text, *_PRE)]
    spans += [(a.end(), b.start()) for a, b in paired(text, *_HIGHLIGHT)]  # the body
    return spans


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
    raw = paired(text, _RAW_OPEN, lambda m: _RAW_CLOSE[m.group(1)])
    always = covering(
        [(a.start(), b.end()) for a, b in raw] + [m.span() for m in _ESCAPE_FORM.finditer(text)]
    )
    code = covering(code_spans(text, markdown.read(text)))
    kept: list[tuple[int, int]] = [m.span() for m in _JEKYLL_TAG.finditer(text)]
    chain_end = -1  # `{{site.url}}{{site.baseurl}}`: a variable right after a kept one is kept
    for m in _SITE_VAR.finditer(text):
        if m.start() == chain_end or _TARGET_BEFORE.search(text[max(0, m.start() - 40) : m.start()]):
            kept.append(m.span())
            chain_end = m.end()
    outside = covering(kept)
    edits = []
    for m in _LIQUID_OPEN.finditer(text):
        pos = m.start()
        if always(pos) or (not code(pos) and outside(pos)):
            continue
        edits.append((pos, m.end(), escape_template(m.group(0), "liquid")))
    new, changes = apply_edits(text, edits, "liquid-escape")
    # One change per line, showing the line (escaping keeps the line count).
    old_lines, new_lines = text.split("\n"), new.split("\n")
    touched = sorted({c.line for c in changes})
    return new, [Change("liquid-escape", ln, old_lines[ln - 1], new_lines[ln - 1]) for ln in touched]
