"""A WeChat-to-RSS bridge on 127.0.0.1, as WeWe RSS and its forks serve accounts.

Feeds are written here for the tests (no real feed is copied): an Atom feed whose
items carry the article's whole HTML (full-text mode), an RSS feed whose items
carry only a summary and link to the fake mp.weixin.qq.com, a JSON Feed, an OPML
list of all of them, and a broken feed. Links carry a reader's credentials, as
links copied from WeChat do; nothing of them may reach a post or a request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import escape

from .loopback import LoopbackServer, Reply, Request
from .mpserver import NOISE, FakeArticle

XML = {"Content-Type": "application/xml; charset=utf-8"}
JSON = {"Content-Type": "application/feed+json; charset=utf-8"}
# 2026-12-01 18:34:24 UTC is 2026-12-02 02:34:24 in Beijing: a day later there.
FIRST = datetime(2026, 12, 1, 18, 34, 24, tzinfo=timezone.utc)


@dataclass
class FullItem:
    """A full-text item: its article is in the feed."""

    n: int
    short: str
    title: str
    when: datetime
    paragraphs: tuple[str, ...]

    @property
    def link(self) -> str:
        return f"https://mp.weixin.qq.com/s/{self.short}?{NOISE}"

    def html(self) -> str:
        body = "".join(f"<p>{escape(p)}</p>" for p in self.paragraphs)
        return f'<div class="rich_media_content" id="js_content">{body}</div>'


@dataclass
class Bridge:
    """Feeds on a LoopbackServer (shared with a FakeMp, whose hits count as WeChat's)."""

    server: LoopbackServer
    account: str = "测试公众号"
    full: list[FullItem] = field(default_factory=list)
    summaries: list[FakeArticle] = field(default_factory=list)  # RSS items linking to FakeMp
    json_items: list[FullItem] = field(default_factory=list)
    broken: bool = True
    long_links: bool = False  # RSS items name articles by the long form (else the short one)

    def __post_init__(self) -> None:
        self.server.route("/feeds/MP_WXS_1.atom", lambda r: Reply(200, self.atom().encode(), XML))
        self.server.route("/feeds/MP_WXS_2.rss", lambda r: Reply(200, self.rss().encode(), XML))
        self.server.route("/feeds/MP_WXS_3.json", lambda r: Reply(200, self.json_feed().encode(), JSON))
        self.server.route("/feeds/broken.rss", self._broken)
        self.server.route("/feeds/all.opml", lambda r: Reply(200, self.opml().encode(), XML))

    def url(self, path: str) -> str:
        return self.server.url(path)

    def add_full(self, n: int, *, to_json: bool = False) -> FullItem:
        item = FullItem(
            n=n,
            short=f"Feed{n:03d}" + "y" * 14 + "_",
            title=f"全文第{n}篇 & <标题>",
            when=FIRST + timedelta(days=n),
            paragraphs=(f"第{n}篇的第一段，全文在订阅源里。", f"Paragraph two of item {n}."),
        )
        (self.json_items if to_json else self.full).append(item)
        return item

    def hits(self, path: str) -> int:
        return self.server.hits(path)

    # -- documents -------------------------------------------------------------

    def atom(self) -> str:
        entries = "".join(
            f"""<entry><id>{escape(i.link)}</id><title>{escape(i.title)}</title>
<link href="{escape(i.link)}"/><updated>{i.when:%Y-%m-%dT%H:%M:%SZ}</updated>
<author><name>{escape(self.account)}</name></author>
<summary>{escape(i.paragraphs[0])}</summary>
<content type="html">{escape(i.html())}</content></entry>"""
            for i in reversed(self.full)  # feeds list the newest first
        )
        return f"""<?xml version="1.0" encoding="utf-8"?>
<!-- a bridge's comment before the root -->
<feed xmlns="http://www.w3.org/2005/Atom"><id>{self.url("/feeds/MP_WXS_1.atom")}</id>
<title>{escape(self.account)}</title><updated>{FIRST:%Y-%m-%dT%H:%M:%SZ}</updated>{entries}</feed>"""

    def rss(self) -> str:
        items = "".join(
            f"""<item><title>{escape(a.title)}</title><link>{escape(self._link(a))}</link>
<guid isPermaLink="false">{a.short}</guid>
<pubDate>{datetime.fromtimestamp(a.ct, timezone.utc):%a, %d %b %Y %H:%M:%S +0000}</pubDate>
<description>{escape("摘要：" + a.title)}</description></item>"""
            for a in reversed(self.summaries)
        )
        return f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>第二个公众号</title><link>https://mp.weixin.qq.com/</link><description>d</description>{items}</channel></rss>"""

    def _link(self, article: FakeArticle) -> str:
        return (article.long_url + "&" if self.long_links else article.short_url + "?") + NOISE

    def json_feed(self) -> str:
        data = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "第三个公众号",
            "feed_url": self.url("/feeds/MP_WXS_3.json"),
            "items": [
                {
                    "id": i.short,
                    "url": i.link,
                    "title": i.title,
                    "content_html": i.html(),
                    "date_published": i.when.isoformat().replace("+00:00", "Z"),
                    "authors": [{"name": "作者甲"}],
                }
                for i in reversed(self.json_items)
            ],
        }
        return json.dumps(data, ensure_ascii=False)

    def opml(self) -> str:
        outlines = "".join(
            f'<outline type="rss" text="{n}" title="{n}" xmlUrl="{escape(self.url(p))}"/>'
            for n, p in (
                ("atom", "/feeds/MP_WXS_1.atom"),
                ("rss", "/feeds/MP_WXS_2.rss"),
                ("json", "/feeds/MP_WXS_3.json"),
                ("broken", "/feeds/broken.rss"),
            )
            if p != "/feeds/broken.rss" or self.broken
        )
        return f"""<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>订阅</title></head>
<body><outline text="公众号">{outlines}</outline></body></opml>"""

    def _broken(self, req: Request) -> Reply:
        return Reply(200, b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>cut", XML)
