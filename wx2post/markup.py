"""Markup -> an lxml tree that every later stage can work on (pure).

Hostile bytes must never cost an article, so the tree is built with four guards:

- control characters and NUL are removed from the markup before parsing (lxml
  refuses them in any string later set on the tree), also those written as
  character references (`&#8;`);
- the parser runs with `huge_tree`, which lifts libxml2's depth limit from 256
  to 2048 levels; a page nested deeper still (or deeper than the renderer's
  recursion allows) has its excess wrappers dropped from the markup and is parsed
  again, so what was 5,000 levels of `<div>` reads as the text it held;
- attribute values and single text runs are capped: one 250,000-character
  unclosed link at the top of a body used to be repeated on every paragraph it
  swallowed (a 72 MB post, 1.2 GB of memory). A URL too long to be one is
  dropped; other values and text runs are cut. Each cut is a warning naming it;
- a page the parser still cannot read is one `InputError`.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from .chars import xml_safe
from .errors import InputError
from .lazyre import lazy

# Longer than any working URL: servers and CDNs refuse request lines over 8 KB.
MAX_URL_CHARS = 8192
# Any other attribute value (styles, titles, data-*), and one text node. The
# longest real paragraph is a few thousand characters; a whole article ~60,000.
MAX_ATTRIBUTE_CHARS = 65536
MAX_TEXT_RUN_CHARS = 200_000
URL_ATTRIBUTES = frozenset({"href", "src", "data-src", "data-original", "data-lazy-bgimg", "poster"})
# The renderer walks the tree recursively: two Python frames a level for inline
# elements, up to seven for a heading in a heading. The deepest tree build_tree lets
# through must render within Python's default recursion limit (1,000 frames) with room
# for the callers: 100 levels (160 let 5,000 nested empty <h1> raise RecursionError).
# The corpus's deepest real body is 24 levels.
MAX_DEPTH = 100

# lxml.html's own parser picks each element's Python class in a Python callback,
# run for every element object made (clean and render make one per element, 5-10%
# of their time); form controls get classes of their own that nothing here uses.
# This one makes every element an HtmlElement, chosen in C.
PARSER = etree.HTMLParser(huge_tree=True)
PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)
_NUMERIC_REFERENCE = lazy(r"&#(?:([0-9]{1,8})|[xX]([0-9a-fA-F]{1,8}));?")
# Every reference _NUMERIC_REFERENCE reads as a control character (a value below 160)
# matches this, found in C: pages that spell all their CJK as `&#x4e2d;` have
# thousands of references and rarely a control. Up to 3 decimal or 2 hex significant
# digits end the reference; a longer one is read from its first 8 digits only, so
# it names a small value only after 5 (6 in hex) leading zeros.
_MAY_REFERENCE_CONTROL = lazy(
    r"&#(?:0*[0-9]{1,3}(?![0-9])|0{5,}|[xX](?:0*[0-9a-fA-F]{1,2}(?![0-9a-fA-F])|0{6,}))"
)
# HTML reads `&#128;`-`&#159;` as windows-1252 (`&#x80;` is €) except these five.
_C1_UNMAPPED = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))
_NOT_C0 = bytes(b for b in range(256) if b >= 0x20 and b != 0x7F or b in (0x9, 0xA, 0xD))
# An element MAX_DEPTH + 1 levels below the root, found level by level: O(elements),
# where counting every element's ancestors is O(elements x depth).
_TOO_DEEP = etree.XPath("boolean(/" + "/".join(["*"] * (MAX_DEPTH + 2)) + ")")
_LONG_ATTRIBUTES = etree.XPath(f"descendant-or-self::*/@*[string-length(.) > {MAX_URL_CHARS}]")
_LONG_TEXT = etree.XPath(f"descendant-or-self::text()[string-length(.) > {MAX_TEXT_RUN_CHARS}]")
# No unquoted part runs past a `<` (an unclosed `<a` would be read to the end from every
# `<`: 60 KB of them took 15 s); such a tag is left as text, for lxml to read.
_TAG = lazy(r"""<(/?)([A-Za-z][^\s/<>]*)(?:[^<>"']|"[^"]*"|'[^']*')*>""")
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr basefont frame keygen".split()
)
_RAW_TEXT = frozenset(("script", "style", "textarea", "title", "xmp"))
# Elements a post shows (as opposed to the <section>/<div>/<span> wrappers
# WeChat's editor nests): kept however deep they are.
MEANINGFUL = frozenset(
    "p h1 h2 h3 h4 h5 h6 strong b em i u s del code pre a ul ol li blockquote table tr td th".split()
)


def build_tree(markup: str, origin: str = "") -> tuple[HtmlElement, list[str]]:
    """The document tree of `markup`, and a warning if it had to be flattened.
    (`cap_values` then cuts what is oversized in the part that will be written.)"""
    markup = _without_controls(markup)
    warnings: list[str] = []
    doc = _parse(markup, origin)
    if _TOO_DEEP(doc):
        # Room below the limit for the elements a parser adds (html, body, tbody...).
        doc = _parse(flatten_markup(markup, MAX_DEPTH - 16), origin)
        if _TOO_DEEP(doc):  # deep in elements that mean something (5,000 nested <b>)
            doc = _parse(flatten_markup(markup, MAX_DEPTH - 16, keep=frozenset()), origin)
        warnings.append(f"the page is nested over {MAX_DEPTH} levels deep: the deeper wrappers were dropped")
    return doc, warnings


def _without_controls(markup: str) -> str:
    if "&#" in markup and _MAY_REFERENCE_CONTROL.search(markup):
        markup = _NUMERIC_REFERENCE.sub(_control_reference_removed, markup)
    # Deleting every byte but the C0 controls from the UTF-8 form is the cheapest
    # test there is (a regex search over a 400,000-character page costs 8 ms).
    if markup.encode("utf-8", "surrogatepass").translate(None, _NOT_C0):
        markup = xml_safe(markup)
    return markup


def _control_reference_removed(m: re.Match[str]) -> str:
    """`&#8;` goes (the parser would make it the control character); `&#20013;` stays."""
    code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
    if code in (0x9, 0xA, 0xD) or code == 0 or code > 0x10FFFF:
        return m.group(0)  # white space; NUL and out-of-range become U+FFFD in the parser
    if code < 0x20 or code == 0x7F or code in _C1_UNMAPPED:
        return ""
    return m.group(0)


def _parse(markup: str, origin: str) -> HtmlElement:
    try:
        doc: HtmlElement = lxml.html.document_fromstring(markup, parser=PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"the page cannot be read as HTML ({exc})", source=origin) from exc
    return doc


def flatten_markup(markup: str, limit: int, keep: frozenset[str] = MEANINGFUL) -> str:
    """`markup` without the wrapper tags that would open an element deeper than
    `limit` levels (and their closing tags): what they held stays where it was.
    Tags in `keep` (paragraphs, emphasis, links...) are kept at any depth.

    A tag scanner, not a parser: implied closings (`<p>` in `<p>`) are not
    modelled, which only means a few more tags than needed may go. Linear in the
    markup whatever it holds (each open tag is pushed and popped once).
    """
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # open tags: (name, kept)
    open_at: dict[str, list[int]] = {}  # name -> its places in the stack
    depth = 0  # kept tags open
    pos = 0
    for m in _TAG.finditer(markup):
        if m.start() < pos:
            continue  # inside a script or style body, skipped below
        out.append(markup[pos : m.start()])
        pos = m.end()
        closing, name = m.group(1), m.group(2).lower()
        if closing:
            places = open_at.get(name)
            if not places:
                out.append(m.group(0))
                continue
            at = places[-1]
            kept = stack[at][1]
            for popped, was_kept in stack[at:]:
                open_at[popped].pop()
                depth -= was_kept
            del stack[at:]
            if kept:
                out.append(m.group(0))
        elif name in _RAW_TEXT:
            end = re.compile(f"</{re.escape(name)}", re.I).search(markup, pos)
            stop = end.start() if end else len(markup)
            out.append(m.group(0) + markup[pos:stop])
            pos = stop
        elif name in _VOID or m.group(0).endswith("/>"):
            out.append(m.group(0))
        else:
            kept = depth < limit or name in keep
            depth += kept
            open_at.setdefault(name, []).append(len(stack))
            stack.append((name, kept))
            if kept:
                out.append(m.group(0))
    out.append(markup[pos:])
    return "".join(out)


def cap_values(body: HtmlElement) -> list[str]:
    """Cut the oversized attribute values and text runs of the article body in
    place (the rest of the page is never written); a warning for each."""
    warnings = []
    for value in _LONG_ATTRIBUTES(body):
        el, name = value.getparent(), value.attrname
        if name in URL_ATTRIBUTES and value.startswith("data:"):
            continue  # a saved image's bytes (SingleFile), used once
        if name in URL_ATTRIBUTES:
            del el.attrib[name]
            warnings.append(f"a {len(value):,}-character {name} on <{el.tag}> is no URL: dropped")
        elif len(value) > MAX_ATTRIBUTE_CHARS:
            el.set(name, value[:MAX_ATTRIBUTE_CHARS])
            warnings.append(
                f"a {len(value):,}-character {name} on <{el.tag}> was cut to {MAX_ATTRIBUTE_CHARS:,}"
            )
    for text in _LONG_TEXT(body):
        el = text.getparent()
        cut = text[:MAX_TEXT_RUN_CHARS]
        if text.is_tail:
            el.tail = cut
        else:
            el.text = cut
        warnings.append(f"a {len(text):,}-character run of text was cut to {MAX_TEXT_RUN_CHARS:,}")
    return warnings
