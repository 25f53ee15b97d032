"""Whether an SVG is inert: parsed as XML, every element and attribute looked at (pure).

An SVG stored in the blog is served from the blog's origin, where its script would
run with the blog's cookies. A regular expression cannot decide this (`<s:script>`
with a namespace prefix, `&#106;avascript:` as a character reference, an entity
declared in the DTD), so the bytes are parsed by lxml (libxml2) with entities left
unresolved, no DTD loaded and no network, and the tree is checked:

- no internal DTD subset (entity declarations: hidden values, billion laughs);
- no processing instruction other than the XML declaration (`xml-stylesheet`);
- no `script`, `foreignObject`, `handler`, `iframe`, `embed`, `object` or XInclude
  element, and nothing from the XHTML namespace, whatever the prefix;
- no attribute named `on...` in any namespace;
- every `href`/`src` (any namespace) is a local `#fragment` or a `data:image/` of a
  raster type; `url(...)` in styles likewise, and no `@import`;
- no attribute value or text that, as a browser reads it (tab, newline and control
  characters removed, case folded), holds `javascript:`, `vbscript:` or `data:text`.
"""

from __future__ import annotations

import re

from lxml import etree

from .lazyre import lazy
from .spans import paired

_REFUSED_ELEMENTS = frozenset({"script", "foreignobject", "handler", "iframe", "embed", "object", "include"})
_XHTML = "http://www.w3.org/1999/xhtml"
_XINCLUDE = "http://www.w3.org/2001/XInclude"
_LOCAL_REFERENCE = lazy(r"^(?:#[^\s]*|data:image/(?:png|jpeg|jpg|gif|webp|bmp)[;,].*)$", re.I | re.S)
# `url(` to the first `)` (spans.paired: `url\((.*?)\)` retried the rest from every unclosed one).
# A quoted URL holding `)` is cut there: what is left of it is judged as text, never let through.
_CSS_URL = (lazy(r"url\(", re.I), lazy(r"\)"))
_ACTIVE = lazy(r"(?:java|vb)script:|data:text|data:application|@import|expression\(", re.I)
_INVISIBLE = lazy(r"[\x00-\x20\x7f]+")
_DECLARATION = lazy(r"<!(?:ENTITY|ATTLIST|ELEMENT|NOTATION)\b")
_CSS_ESCAPE = lazy(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.S)


def svg_problem(data: bytes) -> str | None:
    """Why the SVG `data` must not be stored, or None when it is inert."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return f"SVG that is not well-formed XML ({error.msg})"
    tree = root.getroottree()
    text = data.decode(tree.docinfo.encoding or "utf-8", "replace")
    if _DECLARATION.search(text):
        return "SVG with an internal DTD (entity or attribute declarations)"
    if etree.QName(root).localname != "svg":
        return "not an SVG document"
    for node in tree.iter():
        problem = _node_problem(node)
        if problem:
            return problem
    for node in root.itersiblings(preceding=True):
        if isinstance(node, etree._ProcessingInstruction):
            return f"SVG with a processing instruction ({node.target})"
    return None


def _node_problem(node: etree._Element) -> str | None:
    if isinstance(node, etree._ProcessingInstruction):
        return f"SVG with a processing instruction ({node.target})"
    if isinstance(node, etree._Entity):
        return "SVG with an entity reference"
    if not isinstance(node.tag, str):  # comments
        return None
    name = etree.QName(node)
    if name.localname.lower() in _REFUSED_ELEMENTS or name.namespace in (_XHTML, _XINCLUDE):
        return f"SVG with a <{name.localname}> element"
    for key, value in node.attrib.items():
        attr = etree.QName(key).localname.lower()
        if attr.startswith("on"):
            return f"SVG with an event handler ({attr})"
        if attr in ("href", "src") and not _LOCAL_REFERENCE.match(value.strip()):
            return "SVG with an external reference"
        problem = _text_problem(value)
        if problem:
            return problem
    return _text_problem(node.text or "")


def _text_problem(text: str) -> str | None:
    if not text:
        return None
    decoded = _CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), text)
    folded = _INVISIBLE.sub("", decoded)
    if _ACTIVE.search(folded):
        return "SVG with a script URL or style import"
    pairs = paired(decoded, *_CSS_URL)
    values = [decoded[opener.end() : closer.start()] for opener, closer in pairs]
    unclosed = _CSS_URL[0].search(decoded, pairs[-1][1].end() if pairs else 0)
    if unclosed is not None:  # CSS reads a `url(` never closed to the end: it is loaded all the same
        values.append(decoded[unclosed.end() :])
    if any(not _LOCAL_REFERENCE.match(_css_url_value(value)) for value in values):
        return "SVG with an external reference"
    return None


def _css_url_value(inside: str) -> str:
    """What `url(...)` names: the text inside, its spaces and quotes taken off."""
    value = inside.strip()
    if value[:1] in ("'", '"'):
        value = value[1:].removesuffix(value[0]).strip()
    return value
