"""What names a WeChat article or album, whichever link form was used (pure).

Article links are rebuilt from an allow-list of identity parameters, each value
checked against the characters it can hold, instead of a deny-list of known noise:
new tracking parameters appear every year, and a value such as
`sn=abc%26key%3D...` (a credential smuggled inside an identity value) keeps only
`abc`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlencode

from ..lazyre import lazy
from .decode import unescape_link
from .parts import is_wechat_host, param_name, split_params, split_url, with_scheme

# Identity of an article link, in the order they are written back.
ARTICLE_ID_PARAMS = ("__biz", "mid", "idx", "sn")
# Pre-2016 links spell the same identity differently.
LEGACY_ID_PARAMS = {"appmsgid": "mid", "itemidx": "idx", "sign": "sn"}
ALBUM_ID_PARAMS = ("__biz", "album_id")
# What each identity value may hold: its longest allowed prefix is kept.
_VALUE_CHARS = {
    "__biz": lazy(r"[A-Za-z0-9+/=_-]*"),
    "mid": lazy(r"[0-9]*"),
    "idx": lazy(r"[0-9]*"),
    "sn": lazy(r"[A-Za-z0-9_-]*"),
    "album_id": lazy(r"[A-Za-z0-9_-]*"),
}
SHORT_ID_RE = lazy(r"^/s/([A-Za-z0-9_-]{8,64})/?$")
_ARTICLE_PATHS = frozenset({"/s", "/mp/appmsg/show", "/mp/rumor", ""})


@dataclass(frozen=True)
class ArticleId:
    """What names one article, whichever link form was used."""

    biz: str = ""
    mid: str = ""
    idx: str = ""
    sn: str = ""
    short: str = ""

    @property
    def key(self) -> str:
        if self.biz and self.mid:
            return f"{self.biz}:{self.mid}:{self.idx or '1'}"
        return f"s:{self.short}" if self.short else ""

    @property
    def url(self) -> str:
        if self.biz and self.mid:
            params = [("__biz", self.biz), ("mid", self.mid), ("idx", self.idx or "1")]
            if self.sn:
                params.append(("sn", self.sn))
            return "https://mp.weixin.qq.com/s?" + urlencode(params, safe="=")
        if self.short:
            return f"https://mp.weixin.qq.com/s/{self.short}"
        return ""


def _identity_values(query: str | None, wanted: tuple[str, ...], aliases: dict[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for _, segment in split_params(query or ""):
        name = param_name(segment)
        name = aliases.get(name, name)
        if name not in wanted or name in values or "=" not in segment:
            continue
        # `+` stays `+`: these values are base64 or digits, never text with spaces.
        raw = unquote(segment.split("=", 1)[1])
        m = _VALUE_CHARS[name].match(raw)
        value = m.group(0) if m else ""
        if value:
            values[name] = value
    return values


def _wechat_parts(url: str) -> tuple[str, str | None] | None:
    """(path, query) of a WeChat page link in any spelling, or None for other links."""
    parts = split_url(with_scheme(unescape_link(url)))
    if parts.scheme_name not in ("http", "https") or not is_wechat_host(parts.host):
        return None
    return unquote(parts.path).replace("\\", "/"), parts.query


def article_id(url: str) -> ArticleId | None:
    """The identity of a WeChat article link, or None if it is not one."""
    found = _wechat_parts(url)
    if found is None:
        return None
    path, query = found
    short = SHORT_ID_RE.match(path)
    if short:
        return ArticleId(short=short.group(1))
    if path.rstrip("/").lower() not in _ARTICLE_PATHS:
        return None
    values = _identity_values(query, ARTICLE_ID_PARAMS, LEGACY_ID_PARAMS)
    if not (values.get("__biz") and values.get("mid")):
        return None
    return ArticleId(
        biz=values["__biz"], mid=values["mid"], idx=values.get("idx", "1"), sn=values.get("sn", "")
    )


def clean_article_url(url: str) -> str | None:
    """An article link reduced to its identity (https, no fragment), or None."""
    ident = article_id(url)
    return ident.url if ident else None


def album_url(url: str) -> str | None:
    """A clean album (合集) link, or None if `url` is not one."""
    found = _wechat_parts(url)
    if found is None or found[0].rstrip("/").lower() != "/mp/appmsgalbum":
        return None
    values = _identity_values(found[1], ALBUM_ID_PARAMS, {})
    if set(values) != set(ALBUM_ID_PARAMS):
        return None
    return "https://mp.weixin.qq.com/mp/appmsgalbum?" + urlencode(
        [(k, values[k]) for k in ALBUM_ID_PARAMS], safe="="
    )
