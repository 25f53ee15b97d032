"""The one scanner for URLs in text, Markdown and HTML, and the text scrubber built on it (pure).

`find_urls` is what convert, fix, the message redactor and the Markdown writer use
to find URLs; it reads them the way GFM's extended autolinks do:

- a URL starts at a scheme (`https://`, `HTTPS://`, `mailto:`, `weixin://`, any
  `name://`), at `//host`, or at a scheme-less `mp.weixin.qq.com/`;
- it runs over ASCII URL characters (`(`, `'`, `*` included; no whitespace, `<`,
  `>`, `"`, backtick, `|`, braces or non-ASCII);
- it ends at `&quot;`, `&lt;`, `&gt;` or `&#39;` (HTML-escaped quotes), at the
  quote that opened it (`href='...'`), and before trailing `?!.,:'`, an unmatched
  `)`, a `;` that does not end an entity and a `*`, `_` or `~` that closes emphasis
  opened right before the URL (`**https://x/a*b**`): `[w](https://x/Foo_(bar)?key=s)`
  is `https://x/Foo_(bar)?key=s`.

`scrub_text` cleans every URL found (clean_link) and then every other run of URL
characters that still shows a credential (`?key=...` after a non-ASCII path, a
percent-encoded `%26key%3D...`), so the result passes `has_credential`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..lazyre import lazy
from .clean import clean_link, has_credential
from .parts import CREDENTIAL_NAME_RE

_START = lazy(
    r"(?i)(?<![A-Za-z0-9+.-])(?:[a-z][a-z0-9+.-]{0,31}://|mailto:)"
    r"|(?<![\w:/.@%\\-])//(?=[a-z0-9-]+(?:\.[a-z0-9-]+)+)"
    r"|(?<![\w./@%\\-])(?:mp\.)?weixin\.qq\.com/"
)
_BODY = lazy(r"(?:[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]|\\[!-~])*")
_ESCAPED_QUOTE = lazy(r"(?i)&(?:quot|lt|gt|apos|#0*3[49]|#x0*2[27]);")
_ENTITY_END = lazy(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);$")
_TRAILING = "?!.,:'\\"
_EMPHASIS = "*_~"
# A run of URL characters outside any URL found: where stray credentials hide.
_RUN = lazy(r"(?:[A-Za-z0-9\-._~:/?#@!$&*+,;=%\[\]]|\\[!-~])+")
_WORD = lazy(r"[!-~]+")
_MASK_VALUE = lazy(rf"(?i)(?<![A-Za-z0-9_.~-])({CREDENTIAL_NAME_RE})=[^&;#\s\"'<>)]*")


@dataclass(frozen=True)
class UrlSpan:
    start: int
    end: int
    url: str


def _trim(url: str, before: str) -> str:
    """GFM's end of an autolink: trailing punctuation and unmatched `)` are not the URL's;
    nor is a trailing `*`, `_` or `~` that closes emphasis opened just before the URL."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _EMPHASIS and last == before):
            url = url[:-1]
        elif last == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        elif last == ";" and not _ENTITY_END.search(url):
            url = url[:-1]
        else:
            break
    return url


def find_urls(text: str) -> Iterator[UrlSpan]:
    """Every URL in `text` (prose, Markdown, HTML source), left to right, none overlapping."""
    pos = 0
    while m := _START.search(text, pos):
        start = m.start()
        body = _BODY.match(text, m.end())
        end = body.end() if body else m.end()
        url = text[start:end]
        quote = text[start - 1] if start else ""
        if quote == "'" and "'" in url:
            url = url[: url.index("'")]
        escaped = _ESCAPED_QUOTE.search(url)
        if escaped:
            url = url[: escaped.start()]
        url = _trim(url, quote)
        if len(url) > len(m.group(0)):
            yield UrlSpan(start, start + len(url), url)
        pos = max(start + len(url), m.end())


def replace_urls(text: str, replace: Callable[[str], str]) -> str:
    """`text` with each URL found by find_urls replaced by `replace(url)`."""
    out: list[str] = []
    pos = 0
    for span in find_urls(text):
        out.append(text[pos : span.start])
        out.append(replace(span.url))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def _clean_or_drop(url: str) -> str:
    cleaned = clean_link(url)
    return "" if cleaned is None else cleaned


def clean_urls_in_text(text: str) -> str:
    """Every URL in free text cleaned; other text, and URLs with nothing to remove, as they are."""
    if "/" not in text and ":" not in text:
        return text
    return replace_urls(text, _clean_or_drop)


def _scrub_run(m: re.Match[str]) -> str:
    run = m.group(0)
    return _clean_or_drop(run) if has_credential(run) else run


def _drop_assignment(m: re.Match[str]) -> str:
    word = m.group(0)
    return "" if "=" in word or has_credential(word) else word


def scrub_text(text: str) -> str:
    """Text safe to write anywhere (titles, names, alt text, messages): URLs cleaned and
    any stray credential removed. Text without either comes back unchanged."""
    if not text:
        return text
    text = clean_urls_in_text(text)
    if has_credential(text):
        text = _RUN.sub(_scrub_run, text)
    if has_credential(text):  # spelled with characters no URL holds: every such word goes
        text = _WORD.sub(_drop_assignment, text)
    return text


def redact(text: str) -> str:
    """Text safe to print (messages, logs, errors): the same rules as scrub_text."""
    return scrub_text(text)


def mask(text: str) -> str:
    """Credential values replaced by `…` so a report can show what goes, never the secret;
    anything still showing a credential after that is scrubbed."""
    masked = _MASK_VALUE.sub(r"\1=…", text)
    return scrub_text(masked) if has_credential(masked) else masked
