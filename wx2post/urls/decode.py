"""Undoing the escapes a URL picks up on its way through pages, JS and Markdown (pure).

Two strengths on purpose:
- `unescape_link` is what cleaning reads: entities closed by `;` (until stable), JS
  escapes, surrounding quotes and spaces. What it leaves is kept byte for byte.
- `decode_fully` is what the credential check reads: entities (numeric ones also
  without `;`, as browsers read them), percent-encoding, JS and Markdown escapes, all
  repeated until nothing changes. It never produces output. Named entities need their
  `;`: read bare, `&regkey=` would turn into `®key=` and look like a credential.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from ..lazyre import lazy

_ENTITY = lazy(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_NUMERIC_LOOSE = lazy(r"(&#(?:[0-9]{1,7}|[xX][0-9a-fA-F]{1,6}));?")
_JS_ESCAPE = lazy(r"\\(?:[xX]([0-9a-fA-F]{2})|[uU]([0-9a-fA-F]{4})|(/))")
_MD_ESCAPE = lazy(r"\\([!-/:-@\[-`{-~])")
_MAX_ROUNDS = 64  # every round that changes anything shortens the text: this is only a backstop


def unescape_entities(text: str, rounds: int = _MAX_ROUNDS) -> str:
    """Decode `&amp;`, `&#39;`, `&quot;` ... until stable (page JS escapes many times over).

    Only entities closed by `;`: `html.unescape` also reads HTML4's bare `&times`,
    `&para`, `&copy` and so turns `?src=11&timestamp=` into `?src=11×tamp=`.
    """
    for _ in range(rounds):
        if "&" not in text:
            break
        unescaped = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
        if unescaped == text:
            break
        text = unescaped
    return text


def _js_char(m: re.Match[str]) -> str:
    if m.group(3):
        return "/"
    return chr(int(m.group(1) or m.group(2), 16))


def unescape_js(text: str) -> str:
    """`\\x26`, `\\u0026` and `\\/` as page JS writes them inside string literals."""
    return _JS_ESCAPE.sub(_js_char, text) if "\\" in text else text


def unescape_link(raw: str) -> str:
    """Undo the escaping links pick up when copied out of page source or JS.

    Page JS writes `\\x26amp;` and `&amp;amp;`; users paste with spaces or quotes around.
    """
    text = raw.strip().strip("\"'")
    for _ in range(_MAX_ROUNDS):
        decoded = unescape_entities(unescape_js(text))
        if decoded == text:
            break
        text = decoded
    return text


def md_unescape(text: str) -> str:
    """`\\_` -> `_`: Markdown's backslash escapes of ASCII punctuation."""
    return _MD_ESCAPE.sub(r"\1", text) if "\\" in text else text


def _decode_entities(text: str) -> str:
    if "&" not in text:
        return text
    text = _NUMERIC_LOOSE.sub(lambda m: html.unescape(m.group(1) + ";"), text)
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)


def decode_fully(text: str) -> str:
    """Every escape a browser, a Markdown reader or a server might undo, until stable."""
    return decode_settled(text)[0]


def decode_settled(text: str) -> tuple[str, bool]:
    """`decode_fully`, and whether it settled: False when the text was still changing after
    the last round (escaped more than 64 times over, the nesting of hostile links)."""
    for _ in range(_MAX_ROUNDS):
        decoded = unquote(_decode_entities(md_unescape(unescape_js(text))), errors="replace")
        if decoded == text:
            return text, True
        text = decoded
    return text, False


def unquote_stable(text: str) -> str:
    """Percent-decoding repeated until nothing changes (`%256b` -> `%6b` -> `k`)."""
    for _ in range(_MAX_ROUNDS):
        decoded = unquote(text, errors="replace")
        if decoded == text:
            break
        text = decoded
    return text
