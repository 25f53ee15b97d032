"""Cleaning one URL: credentials and tracking out, everything else byte for byte (pure).

The rules (the README's "Clean links" states them):
- Entities and JS escapes are decoded until stable before anything is read.
- Scheme, host and parameter names are compared case-insensitively after
  percent-decoding (`KEY=`, `Pass_Ticket=`, `%6bey=`, `key%3D...` are all `key`).
- A query is split on `&` and `;`; a fragment holding `=` is read as a query too.
- A parameter whose value is (or, decoded, holds) a URL or a credential is
  cleaned recursively (`?url=https%3A%2F%2Fmp.weixin.qq.com%2Fs%3F...%26key%3D...`).
- WeChat article and album links become their identity; other WeChat pages lose the
  session and the fragment; WeChat CDN images lose the lazy loader's decorations.
- A URL that still shows a credential afterwards loses its query and fragment; if
  even that shows one, the link is refused (`clean_link` returns None).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from urllib.parse import quote, unquote

from ..lazyre import lazy
from .decode import decode_settled, unescape_link
from .identity import album_url, article_id
from .parts import (
    CREDENTIAL_NAME_RE,
    Parts,
    is_image_host,
    is_tracking,
    is_wechat_host,
    join_params,
    param_name,
    split_params,
    split_url,
    with_scheme,
)

# Image CDN decorations added by the page's lazy loader or by sharing.
IMAGE_NOISE_PARAMS = frozenset({"tp", "wxfrom", "wx_lazy", "wx_co", "from"})
# Other mp.weixin.qq.com pages: what says how the reader got there.
WECHAT_PAGE_NOISE = frozenset({"scene", "chksm"})
# Parameters that commonly carry a URL. Documentation only: a value is looked into
# whenever, percent-decoded, it starts like a URL or shows a credential, whatever its name.
URL_VALUED_PARAMS = ("url", "u", "redirect_uri", "redirect_url", "redirect", "target", "src", "link", "next")

# `key=` wherever a parameter could start: after a separator, a slash, a space, a quote
# or at the very start; never inside another name (`monkey=`, `api-key=`).
_CREDENTIAL_ASSIGNMENT = lazy(rf"(?i)(?<![A-Za-z0-9_.~-]){CREDENTIAL_NAME_RE}=(?=[^&;#\s\"'<>…])")
# In text still escaped after every round a name may follow an escape's hex digits (`%26key`).
_ESCAPED_CREDENTIAL = lazy(rf"(?i){CREDENTIAL_NAME_RE}(?:%|=)")
_MAYBE_CREDENTIAL = lazy(r"(?i)key|uin|pass_|appmsg_|sharer_|wx_header|session|devicetype|[%&\\]")
_URL_START = lazy(r"(?i)^\s*(?:[a-z][a-z0-9+.-]*:|//|(?:mp\.)?weixin\.qq\.com/)")

Drop = Callable[[str], bool]


def has_credential(text: str) -> bool:
    """Whether any decoding of `text` (entities, percent, JS, Markdown escapes) shows a
    credential parameter: the check every cleaned URL and scrubbed text must pass."""
    if not _MAYBE_CREDENTIAL.search(text):  # no name, and no escape that could spell one
        return False
    return _shows_credential(*decode_settled(text))


def _shows_credential(decoded: str, settled: bool) -> bool:
    """Whether fully decoded text shows a credential. Text still escaped after every round
    cannot be read to the end: a credential name before a separator or an escape counts
    as one there (`%2526key%25253D…`)."""
    if _CREDENTIAL_ASSIGNMENT.search(decoded):
        return True
    return not settled and _ESCAPED_CREDENTIAL.search(decoded) is not None


def is_wechat_image(url: str) -> bool:
    return is_image_host(split_url(with_scheme(unescape_link(url))).host)


def _needs_work(decoded: str, absolute: Parts) -> bool:
    if is_wechat_host(absolute.host) or is_image_host(absolute.host):
        return True
    full, settled = decode_settled(decoded)
    return _shows_credential(full, settled) or "utm_" in full.lower()


# Pure functions of one string, called for every link and image of every page: a
# batch meets the same few hundred URLs (account avatars, QR codes, share links)
# again and again. Bounded, so a batch of thousands stays small.
@functools.lru_cache(maxsize=4096)
def clean_link(url: str) -> str | None:
    """`url` without credentials or tracking, or None when they cannot be removed.

    A URL with nothing to remove comes back exactly as given.
    """
    decoded = unescape_link(url)
    if not decoded or decoded[:5].lower() == "data:":
        return url
    absolute = split_url(with_scheme(decoded))
    if not _needs_work(decoded, absolute):
        return url
    cleaned = _clean(decoded, absolute)
    if has_credential(cleaned):
        cleaned = _without_query(cleaned)
    if has_credential(cleaned):
        return None
    if cleaned == decoded:
        return decoded if url.strip().strip("\"'") == decoded else url
    return cleaned


def clean_url(url: str) -> str:
    """Any link as it may be written (see clean_link); "" when it must not be written at all."""
    cleaned = clean_link(url)
    return "" if cleaned is None else cleaned


# Hosts of WeChat's own pictures besides the image CDN (whose hosts are_image_host knows).
WECHAT_ASSET_HOSTS = frozenset({"res.wx.qq.com"})


@functools.lru_cache(maxsize=4096)
def clean_image_url(url: str) -> str:
    """An image URL without lazy-loader and tracking decorations (keeps `wx_fmt`).

    "" when a credential cannot be removed (the image is then not requested or written).
    """
    cleaned = clean_url(with_scheme(url.strip()) if url.lstrip().startswith("//") else url)
    parts = split_url(cleaned)
    if parts.host not in WECHAT_ASSET_HOSTS and not is_image_host(parts.host):
        return cleaned
    # WeChat's other asset hosts (res.wx.qq.com emoji and stickers) carry the image
    # CDN's decorations too, and the page's `#imgIndex=N`.
    fragment = None if (parts.fragment or "").startswith("imgIndex") else parts.fragment
    image = Parts("https:", parts.authority, parts.path, parts.query, fragment)
    return _drop(image, lambda seg: is_tracking(seg) or param_name(seg) in IMAGE_NOISE_PARAMS)


def _clean(decoded: str, absolute: Parts) -> str:
    if absolute.scheme_name in ("http", "https"):
        if is_wechat_host(absolute.host):
            identity = article_id(decoded)
            if identity:
                return identity.url
            album = album_url(decoded)
            if album:
                return album
            # Other mp.weixin.qq.com pages: keep the page, drop the reader's session and
            # the `#rd` / `#wechat_redirect` fragment.
            page = Parts("https:", absolute.authority, absolute.path, absolute.query or None, None)
            return _drop(page, lambda seg: is_tracking(seg) or param_name(seg) in WECHAT_PAGE_NOISE)
        if is_image_host(absolute.host):
            # WeChat's own URLs are rebuilt, not the author's: an empty `?` goes too.
            image = Parts(
                "https:", absolute.authority, absolute.path, absolute.query or None, absolute.fragment
            )
            return _drop(image, lambda seg: is_tracking(seg) or param_name(seg) in IMAGE_NOISE_PARAMS)
    # Anything else is the author's link: worked on as written (`//host`, relative, mailto:).
    return _drop(split_url(decoded), is_tracking)


def _drop(parts: Parts, drop: Drop) -> str:
    query = parts.query
    if query is not None:
        new = _clean_query(query, drop)
        query = None if new == "" and new != query else new
    fragment = parts.fragment
    if fragment is not None and "=" in fragment:
        # `#key=...&uin=...`, `#/route?key=...`: a fragment that reads like a query is one.
        head, sep, tail = fragment.rpartition("?")
        new = _clean_query(tail, drop)
        if new != tail:
            fragment = head + (sep if new else "") + new
            fragment = fragment or None
    return str(Parts(parts.scheme, parts.authority, parts.path, query, fragment))


def _clean_query(query: str, drop: Drop) -> str:
    kept: list[tuple[str, str]] = []
    for sep, segment in split_params(query):
        if segment and drop(segment):
            continue
        cleaned = _clean_segment(segment)
        if cleaned is not None:
            kept.append((sep, cleaned))
    return join_params(kept)


# URLs inside URLs are cleaned this many levels deep. Below that a value is kept as it is
# when no decoding of it shows a credential, and dropped when one does: the promise holds,
# and `?u=https://…?u=https://…` five thousand times over is no recursion five thousand deep.
MAX_NESTED_URLS = 8
_NESTING = threading.local()  # how deep the cleaning of this thread is (image downloads run in threads)


def _clean_segment(segment: str) -> str | None:
    """`name=value` with a value that hides a URL or a credential cleaned, else as it is."""
    if "=" not in segment:
        return None if has_credential(segment) else segment
    name, value = segment.split("=", 1)
    inner = unquote(value, errors="replace")
    if not has_credential(value) and not _URL_START.match(inner):
        return segment
    depth = getattr(_NESTING, "depth", 0)
    if depth >= MAX_NESTED_URLS:
        return None if has_credential(value) else segment
    from .scan import scrub_text  # the value is text of its own: URLs inside it, stray credentials

    _NESTING.depth = depth + 1
    try:
        cleaned = scrub_text(inner)
    finally:
        _NESTING.depth = depth
    if has_credential(cleaned):
        return None
    if cleaned == inner:
        return segment
    if inner != value:  # it came percent-encoded: encode it back, keeping what was literal
        safe = "".join(c for c in "/:@!$'()*,~" if c in value)
        cleaned = quote(cleaned, safe=safe)
    return f"{name}={cleaned}"


def _without_query(url: str) -> str:
    parts = split_url(url)
    path = re.split(r"[;&]", parts.path, maxsplit=1)[0]
    return str(Parts(parts.scheme, parts.authority, path, None, None))
