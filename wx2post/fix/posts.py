"""A post file as `fix` works on it: byte-order mark, line endings, front matter, body.

The front matter is found and read by python-frontmatter's own handlers (YAML `---`, TOML
`+++`), and split off as the exact text it is, so that writing the post back changes no byte
of it that no rule changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import frontmatter
from frontmatter.default_handlers import BaseHandler, YAMLHandler

from ..lazyre import lazy


class _TomlText(BaseHandler):
    """`+++` front matter, split as text; read only when python-frontmatter can (toml installed)."""

    FM_BOUNDARY = lazy(r"^\+{3,}[ \t]*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        toml = getattr(frontmatter, "TOMLHandler", None)
        return toml().load(fm) if toml is not None else {}


_HANDLERS: list[BaseHandler] = [YAMLHandler(), _TomlText()]


@dataclass
class PostParts:
    bom: str
    crlf: bool
    front: str  # the front matter with its delimiter lines ("" if none)
    body: str
    handler: BaseHandler | None = None

    def join(self, front: str, body: str) -> str:
        text = front + body
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return self.bom + text

    def values(self) -> dict[str, Any]:
        """The front matter's values, for reading only (never written back)."""
        return front_values(self.front, self.handler)


_YAML_CLOSE = lazy(r"^(?:---|\.\.\.)[ \t]*$", re.M)


def split_post(text: str) -> PostParts:
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom) :]
    # CRLF files are worked on as LF and written back as CRLF; mixed endings are left mixed.
    crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
    if crlf:
        text = text.replace("\r\n", "\n")
    for handler in _HANDLERS:
        if not handler.detect(text):
            continue
        first = text.find("\n")
        if first < 0:
            break
        # The closing line: python-frontmatter's boundary, or YAML's `...` end of document.
        closer = _YAML_CLOSE if isinstance(handler, YAMLHandler) else handler.FM_BOUNDARY
        assert closer is not None
        end = closer.search(text, first + 1)
        if end is None:
            break
        stop = text.find("\n", end.start())
        stop = len(text) if stop < 0 else stop + 1
        return PostParts(bom, crlf, text[:stop], text[stop:], handler)
    return PostParts(bom, crlf, "", text, None)


def front_values(front: str, handler: BaseHandler | None = None) -> dict[str, Any]:
    """The values of a front matter block (`{}` if it does not parse)."""
    if not front:
        return {}
    handler = handler or next((h for h in _HANDLERS if h.detect(front)), None)
    if handler is None:
        return {}
    lines = front.rstrip("\n").split("\n")
    try:
        data = handler.load("\n".join(lines[1:-1]))
    except Exception:  # noqa: BLE001 - a broken front matter is read as none, never fatal
        return {}
    return data if isinstance(data, dict) else {}


_REPOST_MARK = lazy(
    r"(?:mp\.weixin\.qq\.com|(?:mmbiz|mmecoa|mmsns)\.qpic\.cn|mmbiz\.qlogo\.cn|微信公众号|来源[:：]\s*微信)"
)


def is_wechat_repost(text: str) -> bool:
    """A WeChat link, a WeChat CDN image or the repost note (来源：微信公众号)."""
    return _REPOST_MARK.search(text) is not None
