"""A URL taken apart without re-encoding anything, and the names that matter in it (pure).

`urllib.parse` is not used to rebuild URLs: `urlencode` re-encodes the author's
parameters (`%20` -> `+`, `*` -> `%2A`) and `parse_qsl` splits on `&` only. Here a
URL is cut into its raw pieces, parameter names are compared after percent-decoding
and case folding, and whatever is kept is the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..lazyre import lazy
from .decode import unquote_stable

WECHAT_HOSTS = frozenset({"mp.weixin.qq.com", "weixin.qq.com"})
IMAGE_HOST_SUFFIXES = ("qpic.cn", "qlogo.cn")

# A reader's session and the sharer's identity: never written anywhere. Any
# `sharer_*` name counts too (see is_credential).
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
CREDENTIAL_PREFIXES = ("sharer_",)
# Regular-expression alternation of the names, longest first (for scanners of text).
CREDENTIAL_NAME_RE = (
    "(?:"
    + "|".join(sorted(map(re.escape, CREDENTIAL_PARAMS), key=len, reverse=True))
    + "|"
    + "|".join(re.escape(p) + "[a-z0-9_]*" for p in CREDENTIAL_PREFIXES)
    + ")"
)

_SCHEME = lazy(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def is_credential(name: str) -> bool:
    """Whether a parameter name (raw, any case, any percent-encoding) names a credential."""
    name = param_name(name)
    return name in CREDENTIAL_PARAMS or name.startswith(CREDENTIAL_PREFIXES)


def is_tracking(name: str) -> bool:
    """A credential, or campaign tracking (`utm_*`): removed from every link."""
    return is_credential(name) or param_name(name).startswith("utm_")


def param_name(segment: str) -> str:
    """The name of one `name=value` segment: percent-decoded until stable, case-folded.

    `%6bey=x` and `key%3Dx` are both named `key`.
    """
    name = segment.split("=", 1)[0]
    if "%" in name:
        name = unquote_stable(name).split("=", 1)[0]
    return name.strip().lower()


@dataclass(frozen=True)
class Parts:
    """`scheme:` `//authority` path `?query` `#fragment`, each exactly as written.

    `scheme` and `authority` include their delimiters (`https:`, `//host`) so that
    `str(parts)` is the URL it was made from, byte for byte.
    """

    scheme: str
    authority: str
    path: str
    query: str | None  # without `?`; None when there is no `?`
    fragment: str | None  # without `#`; None when there is no `#`

    def __str__(self) -> str:
        out = self.scheme + self.authority + self.path
        if self.query is not None:
            out += "?" + self.query
        if self.fragment is not None:
            out += "#" + self.fragment
        return out

    @property
    def scheme_name(self) -> str:
        return self.scheme[:-1].lower()

    @property
    def host(self) -> str:
        """The host, percent-decoded and case-folded, without user info, port or final dot."""
        return _host(self.authority)


@lru_cache(maxsize=1024)
def _host(authority: str) -> str:
    host = unquote_stable(authority[2:]) if "%" in authority else authority[2:]
    host = host.rsplit("@", 1)[-1]
    if not host.startswith("["):
        host = host.split(":", 1)[0]
    return host.lower().rstrip(".")


def split_url(url: str) -> Parts:
    """Cut `url` into its pieces (RFC 3986's regular expression, without decoding)."""
    scheme = ""
    m = _SCHEME.match(url)
    if m:
        scheme = m.group(0)
    rest = url[len(scheme) :]
    fragment: str | None = None
    if "#" in rest:
        rest, fragment = rest.split("#", 1)
    query: str | None = None
    if "?" in rest:
        rest, query = rest.split("?", 1)
    authority = ""
    if rest.startswith("//"):
        end = len(rest)
        for i in range(2, len(rest)):
            if rest[i] in "/\\":
                end = i
                break
        authority, rest = rest[:end], rest[end:]
    return Parts(scheme, authority, rest, query, fragment)


def split_params(query: str) -> list[tuple[str, str]]:
    """`a=1&b=2;c=3` -> [("", "a=1"), ("&", "b=2"), (";", "c=3")]: separators kept."""
    pieces = re.split(r"([&;])", query)
    out = [("", pieces[0])]
    for i in range(1, len(pieces), 2):
        out.append((pieces[i], pieces[i + 1]))
    return out


def join_params(params: list[tuple[str, str]]) -> str:
    """The inverse of split_params; a leading separator left by a dropped first segment goes."""
    text = "".join(sep + seg for sep, seg in params)
    return text[1:] if params and params[0][0] else text


def is_wechat_host(netloc: str) -> bool:
    host = netloc.rsplit("@", 1)[-1].split(":", 1)[0].lower().rstrip(".")
    return host in WECHAT_HOSTS


def is_image_host(host: str) -> bool:
    return any(host == s or host.endswith("." + s) for s in IMAGE_HOST_SUFFIXES)


def with_scheme(url: str) -> str:
    """Protocol-relative (`//host/...`) and scheme-less WeChat links (`mp.weixin.qq.com/...`)
    as https URLs; anything else as it is."""
    if url.startswith("//"):
        return "https:" + url
    head = url[:20].lower()
    if any(head.startswith(h + "/") or head == h for h in WECHAT_HOSTS):
        return "https://" + url
    return url
