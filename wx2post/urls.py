"""URL rules: article identity, image URL cleaning, credential scrubbing (pure).

WeChat links carry a reader's session (`key`, `uin`, `pass_ticket`, ...) and a
changing zoo of tracking parameters, so article links are rebuilt from an
allow-list of identity parameters instead of a deny-list of known noise.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

WECHAT_HOSTS = frozenset({"mp.weixin.qq.com", "weixin.qq.com"})

# Identity of an article link, in the order they are written back.
ARTICLE_ID_PARAMS = ("__biz", "mid", "idx", "sn")
# Pre-2016 links spell the same identity differently.
LEGACY_ID_PARAMS = {"appmsgid": "mid", "itemidx": "idx", "sign": "sn"}
ALBUM_ID_PARAMS = ("__biz", "album_id")

# A reader's session and the sharer's identity: never written anywhere.
CREDENTIAL_PARAMS = frozenset(
    {
        "key",
        "uin",
        "pass_ticket",
        "appmsg_token",
        "exportkey",
        "sharer_shareid",
        "sharer_shareinfo",
        "sharer_shareinfo_first",
        "sharer_sharetime",
        "wx_header",
        "session_us",
        "sessionid",
        "devicetype",
    }
)
# Image CDN decorations added by the page's lazy loader or by sharing.
IMAGE_NOISE_PARAMS = frozenset({"tp", "wxfrom", "wx_lazy", "wx_co", "from"})

IMAGE_HOST_SUFFIXES = ("qpic.cn", "qlogo.cn")
SHORT_ID_RE = re.compile(r"^/s/([A-Za-z0-9_-]{8,64})/?$")


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


_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def unescape_entities(text: str, rounds: int = 3) -> str:
    """Decode `&amp;`, `&#39;`, `&quot;` ... repeatedly (page JS escapes twice).

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


def unescape_link(raw: str) -> str:
    """Undo the escaping links pick up when copied out of page source or JS.

    Page JS writes `\\x26amp;` and `&amp;amp;`; users paste with spaces around.
    """
    text = raw.strip().strip("\"'")
    text = text.replace("\\x26", "&").replace("\\/", "/").replace("\\u0026", "&")
    return unescape_entities(text)


def _split(url: str) -> tuple[str, str, str, list[tuple[str, str]], str]:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    return parts.scheme.lower(), parts.netloc.lower(), parts.path, query, parts.fragment


def is_wechat_host(netloc: str) -> bool:
    host = netloc.rsplit("@", 1)[-1].split(":", 1)[0].lower()
    return host in WECHAT_HOSTS


def article_id(url: str) -> ArticleId | None:
    """The identity of a WeChat article link, or None if it is not one."""
    url = unescape_link(url)
    if url.startswith("//"):
        url = "https:" + url
    _, netloc, path, query, _ = _split(url)
    if not is_wechat_host(netloc):
        return None
    short = SHORT_ID_RE.match(path)
    if short:
        return ArticleId(short=short.group(1))
    if path.rstrip("/") not in ("/s", "/mp/appmsg/show", "/mp/rumor", ""):
        return None
    values: dict[str, str] = {}
    for name, value in query:
        name = LEGACY_ID_PARAMS.get(name, name)
        if name in ARTICLE_ID_PARAMS and value and name not in values:
            values[name] = value
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
    url = unescape_link(url)
    _, netloc, path, query, _ = _split(url)
    if not is_wechat_host(netloc) or path.rstrip("/") != "/mp/appmsgalbum":
        return None
    values = {k: v for k, v in query if k in ALBUM_ID_PARAMS and v}
    if set(values) != set(ALBUM_ID_PARAMS):
        return None
    return "https://mp.weixin.qq.com/mp/appmsgalbum?" + urlencode(
        [(k, values[k]) for k in ALBUM_ID_PARAMS], safe="="
    )


def is_wechat_image(url: str) -> bool:
    netloc = urlsplit(url).netloc.lower()
    return any(netloc == s or netloc.endswith("." + s) for s in IMAGE_HOST_SUFFIXES)


def _drop_params(url: str, drop) -> str:  # type: ignore[no-untyped-def]
    scheme, netloc, path, query, fragment = _split(url)
    kept = [(k, v) for k, v in query if not drop(k)]
    return urlunsplit((scheme, netloc, path, urlencode(kept, safe="=/:,"), fragment))


def _is_tracking(name: str) -> bool:
    return name in CREDENTIAL_PARAMS or name.lower().startswith("utm_")


def clean_image_url(url: str) -> str:
    """An image URL without lazy-loader and tracking decorations (keeps `wx_fmt`)."""
    url = unescape_link(url)
    if url.startswith("//"):
        url = "https:" + url
    if url.startswith("data:"):
        return url
    if is_wechat_image(url):
        url = re.sub(r"^http://", "https://", url)
        return _drop_params(url, lambda k: k in IMAGE_NOISE_PARAMS or _is_tracking(k))
    return _drop_params(url, _is_tracking)


def clean_url(url: str) -> str:
    """Any link as it may be written: WeChat articles by identity, others minus tracking."""
    url = unescape_link(url)
    if not url or url.startswith(("#", "mailto:", "tel:", "data:")):
        return url
    if url.startswith("//"):
        url = "https:" + url
    article = clean_article_url(url)
    if article:
        return article
    album = album_url(url)
    if album:
        return album
    if is_wechat_image(url):
        return clean_image_url(url)
    scheme, netloc, *_ = _split(url)
    if is_wechat_host(netloc):
        # Other mp.weixin.qq.com pages: keep the page, drop the reader's session
        # and the `#rd` / `#wechat_redirect` fragment.
        url = re.sub(r"^http://", "https://", url).split("#", 1)[0]
        return _drop_params(url, lambda k: _is_tracking(k) or k in {"scene", "chksm"})
    return _drop_params(url, _is_tracking)


_URL_IN_TEXT = re.compile(r"(?:https?:)?//[A-Za-z0-9\-._~:/?#@!$&*+,;=%]+")
_CRED_IN_TEXT = re.compile(
    r"(?i)[?&]?\b(?:" + "|".join(sorted(map(re.escape, CREDENTIAL_PARAMS), key=len, reverse=True)) + r")="
    r"[^&\s#\"'<>]*"
)


def clean_urls_in_text(text: str) -> str:
    """Clean the URLs that appear in free text (messages, logs, article text).

    Only WeChat links and URLs carrying tracking or credential parameters are
    rewritten; any other URL is the author's text and stays exactly as written.
    """
    if "//" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        url = m.group(0)
        netloc = urlsplit(url if not url.startswith("//") else "https:" + url).netloc
        query = parse_qsl(urlsplit(unescape_link(url)).query, keep_blank_values=True)
        if is_wechat_host(netloc) or any(_is_tracking(k) for k, _ in query):
            return clean_url(url)
        return url

    return _URL_IN_TEXT.sub(one, text)


def redact(text: str) -> str:
    """Text safe to print: URLs cleaned and any stray credential parameter removed."""
    return _CRED_IN_TEXT.sub("", clean_urls_in_text(text))
