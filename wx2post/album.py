"""Album (合集) listings: read WeChat's `getalbum` JSON pages and order their articles (pure).

The network side lives in `fetch.py`; this module only interprets what came back.
A page of the listing looks like

    {"base_resp": {"ret": 0, ...},
     "getalbum_resp": {"article_list": [{"url", "msgid", "itemidx", "create_time", "title", ...}],
                       "continue_flag": "1", ...}}

WeChat is loose with types: numbers arrive as strings or ints, and a page with a
single article carries it as an object instead of a one-item list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from .errors import FailurePage, VerificationRequired
from .failures import failure_for
from .urls import ArticleId, article_id

PAGE_SIZE = 20  # articles asked for per JSON page (what public tools ask for; WeChat may send fewer)
# `base_resp.ret` values that mean "slow down" rather than "this album is broken".
_RATE_LIMIT_RETS = frozenset({200013})  # "freq control"


@dataclass(frozen=True)
class AlbumItem:
    """One article of an album listing."""

    url: str  # clean identity URL
    key: str  # ArticleId.key, for de-duplication
    msgid: str
    itemidx: str
    create_time: int | None
    position: int  # order in which the server listed it


@dataclass(frozen=True)
class AlbumPage:
    items: list[AlbumItem]
    more: bool  # continue_flag said there are further pages


def parse_album_json(text: str, *, biz: str, source: str, start: int = 0) -> AlbumPage:
    """One JSON page of an album listing. Raises FailurePage / VerificationRequired.

    `start` numbers the items after those of earlier pages.
    """
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        # An HTML answer is WeChat's verification or error page, named by its text.
        failure = failure_for(text, source=source)
        if failure is not None:
            raise failure
        raise FailurePage("album-error", "WeChat did not answer the album listing with JSON", source=source)
    _check_base_resp(data.get("base_resp"), source)
    resp = data.get("getalbum_resp")
    if not isinstance(resp, dict):
        raise FailurePage("album-error", "the album listing holds no getalbum_resp", source=source)
    if _int(resp.get("verify_status")) not in (None, 0):
        raise _verification(source)
    raw = resp.get("article_list") or []
    if isinstance(raw, dict):  # a single article comes as an object
        raw = [raw]
    items: list[AlbumItem] = []
    for entry in raw if isinstance(raw, list) else []:
        item = _item(entry, biz, start + len(items))
        if item is not None:
            items.append(item)
    return AlbumPage(items=items, more=_int(resp.get("continue_flag")) == 1)


def _check_base_resp(base: object, source: str) -> None:
    if not isinstance(base, dict):
        return  # older answers omit it; getalbum_resp decides
    ret = _int(base.get("ret"))
    if ret in (None, 0):
        return
    if ret in _RATE_LIMIT_RETS:
        raise _verification(source)
    errmsg = str(base.get("errmsg") or "").strip()
    detail = f" ({errmsg})" if errmsg and errmsg != "ok" else ""
    raise FailurePage(
        "album-error",
        f"WeChat refused the album listing (ret {ret}{detail}); check the album link in a browser",
        source=source,
    )


def _verification(source: str) -> VerificationRequired:
    return VerificationRequired(
        "verification",
        "WeChat asks for a verification (环境异常) while listing the album; "
        "wait, slow down with --delay, or save the pages from a browser and convert the files",
        source=source,
    )


def _item(entry: object, biz: str, position: int) -> AlbumItem | None:
    if not isinstance(entry, dict):
        return None
    msgid, itemidx = _str(entry.get("msgid")), _str(entry.get("itemidx")) or "1"
    ident = article_id(_str(entry.get("url")) or _str(entry.get("content_url")))
    if ident is None and biz and msgid:
        # No usable link: name the article by its parts; WeChat's answer (with or
        # without `sn`) then becomes a named failure instead of a silent gap.
        ident = ArticleId(biz=biz, mid=msgid, idx=itemidx)
    if ident is None:
        return None
    return AlbumItem(
        url=ident.url,
        key=ident.key,
        msgid=msgid or ident.mid,
        itemidx=itemidx,
        create_time=_int(entry.get("create_time")),
        position=position,
    )


def oldest_first(items: list[AlbumItem], limit: int | None = None) -> list[str]:
    """De-duplicated links, oldest first; with `limit`, only the newest `limit`.

    The listing's own order depends on the album's settings (正序/倒序), so it is
    not trusted: `create_time` decides, then the account's increasing `msgid`,
    and only when neither is known everywhere does the server's order stand
    (read as newest first, WeChat's default).
    """
    unique: dict[str, AlbumItem] = {}
    for item in items:
        unique.setdefault(item.key, item)
    ordered = list(unique.values())
    if all(i.create_time is not None for i in ordered):
        ordered.sort(key=lambda i: (i.create_time or 0, _num(i.msgid), _num(i.itemidx)))
    elif all(i.msgid.isdigit() for i in ordered):
        ordered.sort(key=lambda i: (_num(i.msgid), _num(i.itemidx)))
    else:
        ordered.sort(key=lambda i: -i.position)
    if limit is not None:
        ordered = ordered[-limit:] if limit > 0 else []
    return [i.url for i in ordered]


def newest_first_so_far(items: list[AlbumItem]) -> bool:
    """Whether the server has been listing newest first (so later pages are older)."""
    times = [i.create_time for i in items if i.create_time is not None]
    if not times or len(times) != len(items):
        return False
    return all(a >= b for a, b in pairwise(times))


def _str(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _num(value: str) -> int:
    return int(value) if value.isdigit() else 0
