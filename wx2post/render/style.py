"""What rendering passes around: the Style of a run of text (from tags and inline
CSS), the runs themselves, and which tags start a block."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml.html import HtmlElement

from ..lazyre import lazy
from ..safety import is_allowed_target

BLOCK_TAGS = frozenset(
    "p div section article header footer aside main nav figure figcaption center address "
    "blockquote ul ol li dl dt dd pre table thead tbody tfoot tr td th hr "
    "h1 h2 h3 h4 h5 h6 form fieldset details summary".split()
)
SPACES = lazy(r"\s+")
# Values after a property name, read in lowercased CSS (names and keywords ignore case).
_BOLD_VALUE = lazy(r"\s*:\s*(?:bold|bolder|[6-9]00)")
_NORMAL_VALUE = lazy(r"\s*:\s*(?:normal|lighter|[1-4]00)")
_ITALIC_VALUE = lazy(r"\s*:\s*(?:italic|oblique)")

# Tags that change the style of their text by themselves.
_STYLING_TAGS = frozenset("strong b em i cite code kbd samp tt a".split())

ImageTarget = Callable[[int], tuple[str, str]]  # index -> (reference, alt)


@dataclass(frozen=True, slots=True)
class Style:
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str = ""
    raw: bool = False  # already Markdown (an image, a formula): written as is


@dataclass(slots=True)
class Run:
    text: str
    style: Style


class Break:
    """A hard line break (`<br>`)."""


BREAK = Break()


def inline_style(el: HtmlElement, tag: str, parent: Style) -> Style:
    """The style of an element's text: tags, then inline CSS (which wins, as in a browser:
    WeChat's editor writes `<strong><span style="font-weight: normal">`)."""
    css = el.get("style", "")
    if tag not in _STYLING_TAGS and "font-weight" not in css and "font-style" not in css:
        return parent  # most of a body: a <span> or <section> that only sets colours and sizes
    bold = parent.bold or tag in ("strong", "b")
    italic = parent.italic or tag in ("em", "i", "cite")
    if "font-weight" in css:
        low = css.lower()
        if css_declares(low, "font-weight", _BOLD_VALUE):
            bold = True
        elif css_declares(low, "font-weight", _NORMAL_VALUE):
            bold = False
    if "font-style" in css and css_declares(css.lower(), "font-style", _ITALIC_VALUE):
        italic = True
    code = parent.code or tag in ("code", "kbd", "samp", "tt")
    href = parent.href
    if tag == "a" and el.get("href") and is_allowed_target(el.get("href", "")):
        href = el.get("href", "")
    return _style(bold, italic, code, href)


_STYLES: dict[tuple[bool, bool, bool, str], Style] = {}


def _style(bold: bool, italic: bool, code: bool, href: str) -> Style:
    # Styles are immutable values and a body uses a handful: made once each,
    # not once per element (a frozen dataclass is slow to build).
    key = (bold, italic, code, href)
    style = _STYLES.get(key)
    if style is None:
        if len(_STYLES) > 4096:  # links are many across a batch: keep the table small
            _STYLES.clear()
        style = _STYLES[key] = Style(bold=bold, italic=italic, code=code, href=href)
    return style


def css_declares(css: str, name: str, value: re.Pattern[str]) -> bool:
    """Whether lowercased `css` has `name` followed by `value` (`: bold`) anywhere.

    A case-insensitive regex search tries every position of a style attribute
    (WeChat writes 400 characters of them on every span): str.find jumps to the
    few places where the name is, and the value is matched only there.
    """
    pos = css.find(name)
    while pos >= 0:
        if value.match(css, pos + len(name)):
            return True
        pos = css.find(name, pos + 1)
    return False
