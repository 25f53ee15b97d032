"""The parsed page, with the lookups the metadata cascade makes in it gathered once."""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

from ..lazyre import lazy

# libxml2 indexes every `id` of an HTML page as it parses it (the first element of
# each id): XPath's id() reads that index instead of walking the tree.
_BY_ID = etree.XPath("id($name)")


_CLASS_CANDIDATES = etree.XPath("descendant-or-self::*[contains(@class, $name)]")


_XML_SPACE = lazy("[ \t\r\n]+")


class Dom:
    """The parsed page, with the lookups metadata makes in it gathered once.

    lxml's get_element_by_id and iterfind walk the whole tree on every call, and
    the metadata cascade makes a dozen of them on a tree of thousands of elements.
    """

    def __init__(self, doc: HtmlElement) -> None:
        self.doc = doc
        self._ids: dict[str, HtmlElement | None] = {}
        self._metas: list[HtmlElement] | None = None

    def by_id(self, id_: str) -> HtmlElement | None:
        """`doc.get_element_by_id(id_, None)`: the first element with that id in the page
        as parsed (the index is the parser's: an element removed since is not found)."""
        if id_ not in self._ids:
            # id() would read a name holding white space as several names.
            found = _BY_ID(self.doc, name=id_) if id_.split() == [id_] else []
            self._ids[id_] = found[0] if found and _root(found[0]) is _root(self.doc) else None
        return self._ids[id_]

    def by_class(self, name: str) -> list[HtmlElement]:
        """`doc.find_class(name)`. Its XPath normalises every class attribute of
        the page (2 ms on a big page); a plain substring test picks the few
        candidates, and their class tokens (split at XML white space) decide."""
        return [
            el for el in _CLASS_CANDIDATES(self.doc, name=name) if name in _XML_SPACE.split(el.get("class"))
        ]

    def metas(self) -> list[HtmlElement]:
        """Every `<meta>`, in document order."""
        if self._metas is None:
            self._metas = list(self.doc.iter("meta"))
        return self._metas


def _root(el: HtmlElement) -> HtmlElement:
    while (parent := el.getparent()) is not None:
        el = parent
    return el
