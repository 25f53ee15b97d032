"""Links between converted articles: a WeChat link to an article that is a post of the
site becomes a link to that post, in the generator's own syntax (pure functions).

An article is known by every key a link to it may carry: its clean URL and, where the
URL names it, its `biz:mid:idx` identity (short links and long ones meet there).
"""

from __future__ import annotations

import os
import re

from ..lazyre import lazy
from ..post import links_allowed
from ..urls import article_id

_ARTICLE_LINK = lazy(r"\]\((https://mp\.weixin\.qq\.com/s[^)\s]*)\)")


def link_keys(url: str) -> set[str]:
    """Every key an article link may match: the URL itself and its biz:mid:idx."""
    ident = article_id(url)
    return {url, ident.key} if ident else {url}


def post_index(known: dict[str, str]) -> dict[str, str]:
    """Every key an article link may match (clean URL, biz:mid:idx) -> its post path."""
    return {key: path for identity, path in known.items() for key in link_keys(identity)}


def link_known_posts(text: str, index: dict[str, str], preset: str, *, own: str = "") -> str:
    """`[x](https://mp.weixin.qq.com/s?...)` -> a link to that article's post in this site.

    Only the body is touched (front matter `source:` keeps the WeChat link); a post
    never links to itself.
    """
    head, sep, body = text.partition("\n---\n")
    if not sep:
        head, body = "", text
    if "](https://mp.weixin.qq.com/s" not in body:
        return text

    offset = len(head) + len(sep)

    allowed = links_allowed(text, preset)

    def one(m: re.Match[str]) -> str:
        url = m.group(1)
        path = next((index[k] for k in link_keys(url) if k in index), None)
        if path is None or path == own or not allowed(offset + m.start()):
            return m.group(0)  # template text would print literally there: keep the WeChat link
        return f"]({post_link(path, preset)})"

    return head + sep + _ARTICLE_LINK.sub(one, body)


def post_link(relpath: str, preset: str) -> str:
    """How each generator links to another post of the site."""
    name = os.path.splitext(os.path.basename(relpath))[0]
    if preset == "hugo":
        bundle = os.path.dirname(relpath)
        return '{{< ref "/' + bundle.removeprefix("content/") + '" >}}'
    if preset == "hexo":
        return "{% post_path " + name + " %}"
    return "{% post_url " + name + " %}"
