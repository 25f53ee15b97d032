"""Nothing wx2post writes runs in a reader's browser (pure).

- Link and image targets are allowed by scheme: http, https, mailto, or none
  (relative). The scheme is read the way a browser reads it (`link_scheme`): entities
  and Markdown escapes decoded, ASCII tab and newline removed anywhere, leading and
  trailing control characters and spaces stripped, case folded. So `JavaScript:`,
  `java\\tscript:`, `\\x01javascript:`, `&#106;avascript:` and `vbscript:` are refused.
- Raw HTML that wx2post writes (merged-cell tables, the repost note) is built from
  escaped values and then passed through `nh3` (the ammonia sanitizer) with an
  allow-list of tags and attributes: a maintained HTML parser decides what is markup,
  not a regular expression.
- Text is scrubbed of credentials before it becomes metadata (`scrub_metadata`).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import nh3

from .lazyre import lazy
from .models import Article
from .urls import clean_image_url, clean_link, has_credential, md_unescape, scrub_text, unescape_entities

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# What the raw HTML wx2post writes may hold: tables with merged cells, the repost note.
HTML_TAGS = frozenset(
    {"table", "thead", "tbody", "tr", "td", "th", "br", "a", "img", "strong", "em", "code", "p", "blockquote"}
)
HTML_ATTRIBUTES = {
    "td": {"rowspan", "colspan"},
    "th": {"rowspan", "colspan"},
    "a": {"href"},
    "img": {"src", "alt"},
}

_SCHEME = lazy(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_TAB_OR_NEWLINE = lazy(r"[\t\n\r]")
_CONTROL = lazy(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
# Image references are written inside `![](...)` and inside `src="..."`: whatever either
# would read as its end is percent-encoded (the URL means the same).
_REF_UNSAFE = lazy(r"[\x00-\x20\"'<>()`\\\x7f]")
_PLACEHOLDER = lazy("\x00wx2post-image-(\\d+)\x00")


def link_scheme(url: str) -> str:
    """The scheme a browser would see in `url` ("" for a relative URL), lower-case."""
    text = unescape_entities(md_unescape(url))
    text = _TAB_OR_NEWLINE.sub("", text).strip(_C0_OR_SPACE)
    m = _SCHEME.match(text)
    if m:
        return m.group(1).lower()
    # `a:b` with a character no scheme may hold before the colon is relative for a
    # browser; a control character in the middle is read as nothing by some readers.
    head = re.split(r"[/?#]", text, maxsplit=1)[0]
    stripped = re.sub(r"[\x00-\x1f\x7f\s]", "", head)
    m = _SCHEME.match(stripped)
    return m.group(1).lower() if m else ""


def is_allowed_target(url: str) -> bool:
    """http, https, mailto or relative, and no control character (which no real link holds
    and which readers treat differently)."""
    if _CONTROL.search(unescape_entities(url)):
        return False
    scheme = link_scheme(url)
    return scheme in ALLOWED_SCHEMES or scheme == ""


def safe_href(href: str) -> str | None:
    """A link target that may be written: credentials out (urls.clean_link), an allowed
    scheme, no credential left; None when the link must go (its text stays)."""
    cleaned = clean_link(href.strip())
    if cleaned is None or not cleaned or not is_allowed_target(cleaned):
        return None
    return cleaned


def image_reference(ref: str) -> str:
    """An image reference as written in Markdown or `src="..."`: allowed scheme, no
    credential, no character that would end the destination or the attribute."""
    if not ref or not is_allowed_target(ref) or has_credential(ref):
        return ""
    return _REF_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), ref)


def sanitize_html(fragment: str) -> str:
    """Raw HTML through nh3 with wx2post's allow-list (image placeholders kept)."""
    tokens: list[str] = []

    def hide(m: re.Match[str]) -> str:
        tokens.append(m.group(0))
        return f"wx2post-image-placeholder-{len(tokens) - 1}"

    text = _PLACEHOLDER.sub(hide, fragment)
    text = nh3.clean(
        text,
        tags=set(HTML_TAGS),
        attributes={k: set(v) for k, v in HTML_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )
    if "<tbody" not in fragment:  # the HTML parser adds it; the table reads the same without
        text = text.replace("<tbody>", "").replace("</tbody>", "")
    for i, token in enumerate(tokens):
        text = text.replace(f"wx2post-image-placeholder-{i}", token)
    return text


def scrub_metadata(article: Article) -> None:
    """Titles, names, summary and alt text scrubbed of credentials (urls.scrub_text) before
    they reach front matter, slugs, file names, messages, `--json` or the state."""
    for name in ("title", "author", "account_name", "account_alias", "summary"):
        value = getattr(article, name)
        scrubbed = scrub_text(value)
        setattr(article, name, scrubbed.strip() if scrubbed != value else value)
    for image in article.images:
        image.alt = scrub_text(image.alt)
    for name in ("url", "source_url"):
        value = getattr(article, name)
        if value and (has_credential(value) or not is_allowed_target(value)):
            setattr(article, name, safe_href(value) or "")
    if article.cover_url and has_credential(article.cover_url):
        article.cover_url = clean_image_url(article.cover_url)
