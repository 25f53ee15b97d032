"""A fake mp.weixin.qq.com on 127.0.0.1, built on `loopback.LoopbackServer`.

It plays the parts of WeChat the fetcher meets (all pages here are written for
the tests, none are copied from real ones):

- article pages at both `/s/<short id>` and `/s?__biz=…&mid=…&idx=…&sn=…`, with
  `var msg_title`, `var ct`, `var msg_link` (the long form, `&amp;`-escaped and
  full of tracking, as WeChat writes it) and a `#js_content` body;
- unknown articles get WeChat's HTTP 200 "参数错误" page, deleted ones the
  HTTP 200 "该内容已被发布者删除" page;
- after more than `quick_limit` requests inside `quick_window` seconds it
  redirects (302) to `/mp/wappoc_appmsgcaptcha?poc_token=…&target_url=…` and stays
  blocked, as WeChat does; the captcha path itself serves a 环境异常 page;
- per-article misbehaviour: a queue of error statuses before success, or a hang;
- album listings at `/mp/appmsgalbum?action=getalbum&f=json&…`, paged by
  `count`/`begin_msgid`/`begin_itemidx` with `continue_flag`.

Every request is logged with its arrival time (`hits`).
"""

from __future__ import annotations

import html
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from .loopback import LoopbackServer, Reply, Request

IDENTITY = ("__biz", "mid", "idx", "sn")
HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json; charset=utf-8"}
# What a pasted link may carry besides identity; tests send these and the server must never see them.
SECRET = "SeCrEt0"
NOISE = (
    f"chksm=8f{SECRET}&scene=21&key={SECRET}k&uin={SECRET}u%3D%3D&pass_ticket={SECRET}p"
    f"&exportkey={SECRET}e&sharer_shareid={SECRET}s&sharer_shareinfo={SECRET}i"
    f"&sharer_shareinfo_first={SECRET}f&sharer_sharetime=1700000000&appmsg_token={SECRET}t"
    "&srcid=0101abc&devicetype=Windows+11&version=63090c11&lang=zh_CN&ascene=1&nettype=WIFI"
)


@dataclass
class FakeArticle:
    biz: str
    mid: str
    idx: str
    sn: str
    short: str
    title: str
    ct: int  # publish time, epoch seconds
    body: str = "<p>正文第一段。</p><p>Second paragraph.</p>"
    deleted: bool = False
    errors: list[int] = field(default_factory=list)  # statuses to answer before succeeding
    retry_after: str = ""
    hang: bool = False
    # How the page is served: its bytes' encoding, the charset its <meta> names ("" for
    # none), the response's Content-Type, and bytes to splice in (a broken character).
    encoding: str = "utf-8"
    nickname: str = "测试号"
    meta_charset: str = "utf-8"
    content_type: str = HTML["Content-Type"]
    splice: bytes = b""

    @property
    def long_query(self) -> str:
        return urlencode(
            [("__biz", self.biz), ("mid", self.mid), ("idx", self.idx), ("sn", self.sn)], safe="="
        )

    @property
    def long_url(self) -> str:
        return f"https://mp.weixin.qq.com/s?{self.long_query}"

    @property
    def short_url(self) -> str:
        return f"https://mp.weixin.qq.com/s/{self.short}"

    def page(self) -> bytes:
        if self.deleted:
            return DELETED_PAGE.encode("utf-8")
        link = f"http://mp.weixin.qq.com/s?{self.long_query}&chksm=ab12&scene=126#rd"
        text = ARTICLE_PAGE.format(
            title=html.escape(self.title),
            link=html.escape(link),  # WeChat writes msg_link with &amp;
            ct=self.ct,
            body=self.body,
            nickname=self.nickname,
        )
        meta = f'<meta charset="{self.meta_charset}">' if self.meta_charset else ""
        raw = text.replace('<meta charset="utf-8">', meta).encode(self.encoding)
        if self.splice:
            at = raw.index(b"</p>")  # inside the first paragraph
            raw = raw[:at] + self.splice + raw[at:]
        return raw


@dataclass
class FakeAlbum:
    biz: str
    album_id: str
    articles: list[FakeArticle]  # oldest first
    page_size: int = 20
    newest_first: bool = True
    repeat_cursor: bool = False  # repeat the cursor's article at the top of the next page
    int_flags: bool = False  # continue_flag as a number instead of a string


@dataclass
class Hit:
    at: float  # time.monotonic() on arrival
    path: str
    query: dict[str, str]
    raw_path: str
    headers: dict[str, str]
    client: tuple[str, int]  # the connection it came on


class FakeMp:
    """Scripted WeChat on a `LoopbackServer`; point the fetcher at `base`."""

    def __init__(self, server: LoopbackServer, *, quick_limit: int = 1000, quick_window: float = 1.0):
        self.server = server
        self.articles: list[FakeArticle] = []
        self.albums: list[FakeAlbum] = []
        self.hits: list[Hit] = []
        self.quick_limit, self.quick_window = quick_limit, quick_window
        self.blocked = False
        self._lock = threading.Lock()
        self._release = threading.Event()
        server.route("/s", self._long)
        server.route("/mp/appmsgalbum", self._album)
        server.route("/mp/wappoc_appmsgcaptcha", self._captcha)
        server.default = self._short

    @property
    def base(self) -> str:
        return self.server.base

    def close(self) -> None:
        self._release.set()  # let hanging handlers go

    def add(self, n: int, **kw: object) -> FakeArticle:
        """Article number `n` of one account, published `n` days after a fixed day."""
        article = FakeArticle(
            biz="MzA5NzQ4OTU3MQ==",
            mid=str(2247483000 + n),
            idx="1",
            sn=f"{n:04d}" + "ab" * 14,
            short=f"Art{n:03d}" + "x" * 15 + "-_",
            title=f"第{n}篇：测试 & <文章>",
            ct=1651543920 + 86400 * n,
        )
        for name, value in kw.items():
            setattr(article, name, value)
        self.articles.append(article)
        return article

    def requests_for(self, article: FakeArticle) -> list[Hit]:
        return [
            h
            for h in self.hits
            if h.path == f"/s/{article.short}" or (h.path == "/s" and h.query.get("mid") == article.mid)
        ]

    # -- handlers ------------------------------------------------------------

    def _log(self, req: Request) -> bool:
        """Record the request; True when it is one too many (WeChat's verification)."""
        now = time.monotonic()
        with self._lock:
            client = req.handler.client_address
            self.hits.append(Hit(now, req.path, dict(req.query), req.raw_path, dict(req.headers), client))
            recent = [h for h in self.hits if now - h.at <= self.quick_window and h.path != _CAPTCHA]
            if len(recent) > self.quick_limit:
                self.blocked = True
            return self.blocked

    def _short(self, req: Request) -> Reply | None:
        if self._log(req):
            return _to_captcha(req)
        short = req.path.removeprefix("/s/")
        return self._serve(req, next((a for a in self.articles if a.short == short), None))

    def _long(self, req: Request) -> Reply | None:
        if self._log(req):
            return _to_captcha(req)
        q = req.query
        found = next(
            (
                a
                for a in self.articles
                if (a.biz, a.mid, a.idx, a.sn) == (q.get("__biz"), q.get("mid"), q.get("idx"), q.get("sn"))
            ),
            None,
        )
        return self._serve(req, found)

    def _serve(self, req: Request, article: FakeArticle | None) -> Reply | None:
        if article is None:
            return Reply(200, BAD_LINK_PAGE.encode("utf-8"), HTML)
        if article.hang:
            self._release.wait(30)
            return None
        if article.errors:
            status = article.errors.pop(0)
            headers = {"Retry-After": article.retry_after} if article.retry_after else {}
            return Reply(status, b"<html><body>busy</body></html>", {**HTML, **headers})
        return Reply(200, article.page(), {"Content-Type": article.content_type})

    def _captcha(self, req: Request) -> Reply:
        self._log(req)
        return Reply(200, CAPTCHA_PAGE.encode("utf-8"), HTML)

    def _album(self, req: Request) -> Reply:
        if self._log(req):
            return _to_captcha(req)
        q = req.query
        album = next(
            (a for a in self.albums if (a.biz, a.album_id) == (q.get("__biz"), q.get("album_id"))), None
        )
        if q.get("f") != "json":
            return Reply(200, b"<html><body>album page</body></html>", HTML)
        if album is None or q.get("action") != "getalbum":
            return Reply(200, json.dumps({"base_resp": {"ret": -2, "errmsg": "invalid args"}}).encode(), JSON)
        order = list(reversed(album.articles)) if album.newest_first else list(album.articles)
        start = 0
        if "begin_msgid" in q:
            at = [
                i for i, a in enumerate(order) if (a.mid, a.idx) == (q["begin_msgid"], q.get("begin_itemidx"))
            ]
            start = at[0] + (0 if album.repeat_cursor else 1) if at else len(order)
        count = min(int(q.get("count", "10")), album.page_size)
        page = order[start : start + count]
        more = start + count < len(order)
        items: object = [_album_item(a) for a in page]
        if len(page) == 1:
            items = _album_item(page[0])  # WeChat's single-item quirk
        flag: object = int(more) if album.int_flags else str(int(more))
        data = {
            "base_resp": {"ret": 0, "errmsg": "ok", "exportkey_token": ""},
            "getalbum_resp": {"article_list": items, "continue_flag": flag, "reverse_continue_flag": "0"},
        }
        return Reply(200, json.dumps(data, ensure_ascii=False).encode("utf-8"), JSON)


_CAPTCHA = "/mp/wappoc_appmsgcaptcha"


class FakeTime:
    """An injected clock and sleep: sleeping advances the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def _to_captcha(req: Request) -> Reply:
    target = quote("https://mp.weixin.qq.com" + req.raw_path, safe="")
    location = f"{_CAPTCHA}?poc_token=HBmRtGWjX1y2&target_url={target}"
    return Reply(302, b"", {"Location": location})


def _album_item(a: FakeArticle) -> dict[str, object]:
    return {
        "title": a.title,
        "url": f"http://mp.weixin.qq.com/s?{a.long_query}&chksm=cd34&scene=126#wechat_redirect",
        "msgid": a.mid,
        "itemidx": a.idx,
        "create_time": str(a.ct),
        "cover_img_1_1": "https://mmbiz.qpic.cn/mmbiz_jpg/abc/0?wx_fmt=jpeg",
        "pos_num": "0",
        "key": f"{a.biz}_{a.mid}_{a.idx}",
    }


ARTICLE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta property="og:title" content="{title}">
<title>{title}</title></head>
<body id="activity-detail" class="zh_CN">
<div class="rich_media_area_primary">
<h1 class="rich_media_title" id="activity-name">{title}</h1>
<span class="rich_media_meta_nickname" id="js_name">{nickname}</span>
<em id="publish_time" class="rich_media_meta rich_media_meta_text"></em>
<div class="rich_media_content" id="js_content" style="visibility: hidden;">{body}</div>
</div>
<script type="text/javascript">
var nickname = htmlDecode("{nickname}");
var user_name = "gh_0123456789ab";
var msg_title = '{title}'.html(false);
var msg_link = "{link}";
var ct = "{ct}";
var _copyright_stat = "1";
</script>
</body></html>
"""

DELETED_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title></title></head>
<body><div class="weui-msg"><div class="weui-msg__text-area">
<h2 class="weui-msg__title">该内容已被发布者删除</h2>
</div></div>
<script>var biz = ""; var sn = ""; var mid = ""; var idx = "";</script>
</body></html>
"""

BAD_LINK_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title></title></head>
<body><div class="weui-msg"><h2 class="weui-msg__title">参数错误</h2></div></body></html>
"""

CAPTCHA_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>验证</title></head>
<body><div class="weui-msg"><h2 class="weui-msg__title">环境异常</h2>
<p class="weui-msg__desc">当前环境异常，完成验证后即可继续访问。</p>
<a class="weui-btn" id="js_verify">去验证</a></div></body></html>
"""
