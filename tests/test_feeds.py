"""Feeds and OPML as inputs: parsing (pure), and a daily job against a bridge on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from wx2post.cli import main
from wx2post.errors import ExitStatus, InputError
from wx2post.follow import feed_entries, item_entry, select_items
from wx2post.models import BEIJING
from wx2post.sources.feeds import Feed, FeedItem, parse_feed, parse_opml, sniff

from .feedserver import XML, Bridge
from .loopback import LoopbackServer, Reply
from .mpserver import SECRET, FakeMp


@pytest.fixture
def bridge(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Bridge, FakeMp]]:
    """One server plays the bridge and WeChat (reached through WX2POST_MP_BASE_URL)."""
    with LoopbackServer() as server:
        mp = FakeMp(server)
        monkeypatch.setenv("WX2POST_MP_BASE_URL", mp.base)
        yield Bridge(server), mp
        mp.close()


def convert(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(main, ["convert", *args, "--images", "remote", "--delay", "0", "--json"])
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, [r for r in rows if "source" in r], result.stderr


def by_status(rows: list[dict[str, object]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row["status"])] = counts.get(str(row["status"]), 0) + 1
    return counts


# -- recognised by content -------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b'<?xml version="1.0"?><rss version="2.0">', "rss"),
        (
            b"\xef\xbb\xbf  <?xml version='1.0'?>\n<!-- c --><feed xmlns='http://www.w3.org/2005/Atom'>",
            "atom",
        ),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">', "rss"),
        (b"<?xml version='1.0'?><!DOCTYPE opml><opml version='2.0'>", "opml"),
        (b'{"version": "https:\\/\\/jsonfeed.org\\/version\\/1.1", "items": []}', "json"),
        (b"<!DOCTYPE html><html><head><title>x</title>", None),
        (b'[{"title": "an exporter list", "link": "https://mp.weixin.qq.com/s/x"}]', None),
        (b'{"articles": []}', None),
        (b"", None),
    ],
)
def test_sniff_tells_formats_by_content(head: bytes, kind: str | None) -> None:
    assert sniff(head) == kind


@given(st.lists(st.sampled_from([" ", "\n", "<!-- x -->", "<?xml-stylesheet href='s'?>"]), max_size=6))
def test_sniff_skips_any_xml_prologue(prologue: list[str]) -> None:
    assert sniff(("<?xml version='1.0'?>" + "".join(prologue) + "<feed>").encode()) == "atom"


def test_a_feed_file_is_an_input_whatever_its_name(tmp_path: Path) -> None:
    feed = tmp_path / "saved-feed.txt"
    feed.write_text(atom_with(full_item("Abc", "2026-12-01T18:34:24Z")), encoding="utf-8")
    code, rows, err = convert(str(feed), "-o", str(tmp_path / "site"))
    assert code == ExitStatus.OK, err
    assert [r["status"] for r in rows] == ["converted"]
    post = Path(str(rows[0]["post"])).read_text(encoding="utf-8")
    assert "date: 2026-12-02 02:34:24 +0800" in post  # the feed's UTC time, shown in Beijing time
    assert "全文第一段" in post and SECRET not in post


# -- parsing ------------------------------------------------------------------------------


def full_item(short: str, when: str, extra: str = "") -> str:
    body = "<p>全文第一段，足够长的正文。" + "这是正文。" * 40 + "</p><p>Second.</p>" + extra
    link = f"https://mp.weixin.qq.com/s/{short}xxxxxxxxxxxxxxxxx?key={SECRET}&amp;uin={SECRET}"
    return (
        f"<entry><id>{link}</id><title>T {short}</title><link href='{link}'/><updated>{when}</updated>"
        f"<content type='html'><![CDATA[<div id='js_content'>{body}</div>]]></content></entry>"
    )


def atom_with(*entries: str) -> str:
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        "<id>urn:feed:1</id><title>账号</title>" + "".join(entries) + "</feed>"
    )


def test_atom_full_text_items_carry_the_article() -> None:
    feed = parse_feed(atom_with(full_item("Abc", "2026-12-01T18:34:24Z")).encode(), "f.atom")
    assert feed.title == "账号" and feed.feed_id == "urn:feed:1"
    (item,) = feed.items
    assert "全文第一段" in item.html
    assert item.published == datetime(2026, 12, 2, 2, 34, 24, tzinfo=BEIJING)
    assert item.published.utcoffset() == timedelta(hours=8)


def test_rss_summary_items_carry_no_article() -> None:
    rss = (
        "<rss version='2.0'><channel><title>A</title><item><title>t</title>"
        "<link>https://mp.weixin.qq.com/s/AbcdefghijklmnopqrstuV</link>"
        "<description>一句摘要</description><pubDate>Tue, 01 Dec 2026 18:34:24 +0000</pubDate></item>"
        "</channel></rss>"
    )
    (item,) = parse_feed(rss.encode(), "f.rss").items
    assert item.html == "" and item.summary == "一句摘要"
    assert item.link == "https://mp.weixin.qq.com/s/AbcdefghijklmnopqrstuV"


def test_json_feed_by_its_spec() -> None:
    data = {
        "version": "https://jsonfeed.org/version/1",
        "title": "J",
        "items": [
            {
                "id": "1",
                "url": "https://mp.weixin.qq.com/s/AbcdefghijklmnopqrstuV",
                "title": "<b>粗</b> &amp; 细",  # plain text by the spec: kept as written
                "content_html": "<p>" + "字" * 300 + "</p>",
                "date_published": "2026-12-01T18:34:24Z",
                "author": {"name": "甲"},
            },
            "not an item",
        ],
    }
    (item,) = parse_feed(json.dumps(data).encode(), "f.json").items
    assert item.title == "<b>粗</b> &amp; 细" and item.author == "甲" and item.html
    assert item.published == datetime(2026, 12, 2, 2, 34, 24, tzinfo=BEIJING)


@pytest.mark.parametrize(
    "raw",
    [
        b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>cut",
        b'{"version": "https://jsonfeed.org/version/1", "items": [',
        b'{"version": "https://jsonfeed.org/version/1", "items": 5}',
        b"[" * 100_000 + b'"https://jsonfeed.org/version/1"',
        b"<html>not a feed</html>",
    ],
)
def test_unreadable_feeds_are_an_input_error(raw: bytes) -> None:
    with pytest.raises(InputError):
        parse_feed(raw, "bad")


def test_opml_lists_every_feed_once_nested_or_not() -> None:
    opml = (
        b"<?xml version='1.0'?><opml version='2.0'><body>"
        b"<outline text='a' xmlUrl='http://localhost:4000/feeds/MP_WXS_1.atom'/>"
        b"<outline text='group'><outline text='b' xmlUrl='http://localhost:4000/feeds/MP_WXS_2.rss'/>"
        b"<outline text='a again' xmlUrl='http://localhost:4000/feeds/MP_WXS_1.atom'/></outline>"
        b"</body></opml>"
    )
    assert parse_opml(opml, "s.opml") == [
        "http://localhost:4000/feeds/MP_WXS_1.atom",
        "http://localhost:4000/feeds/MP_WXS_2.rss",
    ]
    with pytest.raises(InputError, match="lists no feeds"):
        parse_opml(b"<opml><body></body></opml>", "empty.opml")


# -- items -> entries -----------------------------------------------------------------------


def item(n: int, **kw: object) -> FeedItem:
    base = FeedItem(guid=f"g{n}", title=f"t{n}", published=datetime(2026, 11, n, tzinfo=BEIJING))
    for key, value in kw.items():
        setattr(base, key, value)
    return base


def test_since_and_limit_take_the_newest_oldest_first() -> None:
    items = [item(3), item(1), item(2), item(5, published=None)]
    assert [i.guid for i in select_items(items, None, None)] == ["g5", "g1", "g2", "g3"]
    assert [i.guid for i in select_items(items, None, 2)] == ["g2", "g3"]
    since = datetime(2026, 11, 2, tzinfo=BEIJING)
    assert [i.guid for i in select_items(items, since, None)] == ["g5", "g2", "g3"]
    assert select_items(items, None, 0) == []


@given(
    st.sampled_from(["key", "uin", "pass_ticket", "exportkey", "appmsg_token", "sharer_shareid"]),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=6, max_size=12),
    st.sampled_from([str.lower, str.upper, str.title, lambda n: "%" + format(ord(n[0]), "02x") + n[1:]]),
    st.sampled_from(["&", "&amp;", "&amp;amp;", ";"]),
)
def test_an_item_link_is_reduced_to_its_identity(name: str, secret: str, spell, sep: str) -> None:  # type: ignore[no-untyped-def]
    link = f"HTTP://MP.weixin.qq.com/s/AbcdefghijklmnopqrstuV?scene=1{sep}{spell(name)}={secret}{sep}x=1#rd"
    entry = item_entry(item(1, link=link), Feed(title="A", feed_id="urn:x"))
    assert entry.link == "https://mp.weixin.qq.com/s/AbcdefghijklmnopqrstuV"
    assert entry.key == entry.source == entry.link
    assert secret not in repr(entry)


def test_an_item_without_a_wechat_link_is_made_from_its_content_keyed_by_guid() -> None:
    feed = Feed(title="A", feed_id="urn:feed:a")
    entry = item_entry(item(1, guid="urn:item:9", html="<p>" + "字" * 300 + "</p>"), feed)
    assert entry.article is not None and entry.key == "feed:urn:feed:a#urn:item:9"
    empty = item_entry(item(2, guid="urn:item:10"), feed)
    assert empty.error is not None and "neither a WeChat link nor" in empty.error.reason


def test_an_unreachable_feed_in_an_opml_list_is_one_failed_entry() -> None:
    from wx2post.errors import FetchError

    opml = b"<opml><body><outline xmlUrl='http://a/1.rss'/><outline xmlUrl='http://a/2.rss'/></body></opml>"
    rss = b"<rss version='2.0'><channel><title>A</title><item><link>https://mp.weixin.qq.com/s/AbcdefghijklmnopqrstuV</link></item></channel></rss>"

    def get(url: str) -> bytes:
        if url.endswith("1.rss"):
            raise FetchError("connection refused", source=url)
        return rss

    entries = list(feed_entries("s.opml", opml, get))
    assert [e.error is not None for e in entries] == [True, False]
    assert entries[1].link.endswith("AbcdefghijklmnopqrstuV")


# -- a daily job against a bridge -----------------------------------------------------------


def test_three_runs_convert_only_what_is_new(bridge: tuple[Bridge, FakeMp], tmp_path: Path) -> None:
    feeds, mp = bridge
    feeds.add_full(1)
    feeds.add_full(2)
    feeds.add_full(3, to_json=True)
    feeds.summaries = [mp.add(1), mp.add(2)]
    site = tmp_path / "blog"
    opml = feeds.url("/feeds/all.opml")

    # Run 1: every item; only the two summary items are fetched from WeChat.
    code, rows, err = convert(opml, "-o", str(site))
    assert code == ExitStatus.PARTIAL, err  # the broken feed is one failed input
    assert by_status(rows) == {"converted": 5, "failed": 1}
    (failed,) = [r for r in rows if r["status"] == "failed"]
    assert failed["source"] == feeds.url("/feeds/broken.rss") and failed["kind"] == "feed"
    assert "not a readable feed" in str(failed["reason"])
    assert len(mp.hits) == 2
    posts = sorted((site / "_posts").glob("*.md"))
    assert len(posts) == 5
    texts = [p.read_text(encoding="utf-8") for p in posts]
    assert all(SECRET not in t for t in texts) and SECRET not in err
    assert all(SECRET not in h.raw_path for h in mp.hits)
    full = next(t for t in texts if "全文第1篇" in t)
    assert "第1篇的第一段，全文在订阅源里。" in full and "Paragraph two of item 1." in full
    assert "date: 2026-12-03 02:34:24 +0800" in full  # 2026-12-02 18:34:24 UTC
    assert "source: https://mp.weixin.qq.com/s/Feed001" in full

    # Run 2: nothing is new: nothing converted, nothing asked of WeChat.
    before = [p.stat().st_mtime_ns for p in posts]
    code, rows, err = convert(opml, "-o", str(site))
    assert by_status(rows) == {"unchanged": 5, "failed": 1}, err
    assert len(mp.hits) == 2
    assert [p.stat().st_mtime_ns for p in posts] == before

    # Run 3: the Atom feed grew by one full-text item: only that one, still no WeChat request.
    feeds.add_full(4)
    feeds.broken = False  # and the list dropped the broken feed: a clean day exits 0
    code, rows, err = convert(opml, "-o", str(site))
    assert code == ExitStatus.OK, err
    assert by_status(rows) == {"converted": 1, "unchanged": 5}
    assert len(mp.hits) == 2
    assert len(list((site / "_posts").glob("*.md"))) == 6


def test_a_day_without_posts_fetches_nothing_and_exits_0(
    bridge: tuple[Bridge, FakeMp], tmp_path: Path
) -> None:
    feeds, mp = bridge
    feeds.summaries = [mp.add(1)]
    site = tmp_path / "blog"
    rss = feeds.url("/feeds/MP_WXS_2.rss")
    assert convert(rss, "-o", str(site))[0] == ExitStatus.OK
    code, rows, err = convert(rss, "-o", str(site))
    assert code == ExitStatus.OK, err
    assert by_status(rows) == {"unchanged": 1}
    assert len(mp.hits) == 1


def test_an_article_converted_before_is_not_fetched_again_from_a_feed(
    bridge: tuple[Bridge, FakeMp], tmp_path: Path
) -> None:
    """The site knows every article, whichever input named it: here a link converted before."""
    feeds, mp = bridge
    article = mp.add(7)
    site = tmp_path / "blog"
    assert convert(article.short_url, "-o", str(site))[0] == ExitStatus.OK
    feeds.summaries, feeds.long_links = [article], True  # the feed names it by its long link
    code, rows, err = convert(feeds.url("/feeds/MP_WXS_2.rss"), "-o", str(site))
    assert by_status(rows) == {"unchanged": 1}, err
    assert len(mp.hits) == 1


def test_a_short_link_new_to_the_site_is_fetched_once_then_known(
    bridge: tuple[Bridge, FakeMp], tmp_path: Path
) -> None:
    """A short link says nothing of the article's long form until its page is fetched:
    the first run that meets it asks once, and the site remembers the short link."""
    feeds, mp = bridge
    article = mp.add(8)
    site = tmp_path / "blog"
    assert convert(article.long_url, "-o", str(site))[0] == ExitStatus.OK
    feeds.summaries = [article]
    rss = feeds.url("/feeds/MP_WXS_2.rss")
    code, rows, err = convert(rss, "-o", str(site))
    assert by_status(rows) == {"unchanged": 1}, err
    assert len(mp.hits) == 2 and len(list((site / "_posts").glob("*.md"))) == 1
    assert by_status(convert(rss, "-o", str(site))[1]) == {"unchanged": 1}
    assert len(mp.hits) == 2


def test_since_and_limit_bound_a_first_run(bridge: tuple[Bridge, FakeMp], tmp_path: Path) -> None:
    feeds, _ = bridge
    for n in range(1, 6):
        feeds.add_full(n)
    atom = feeds.url("/feeds/MP_WXS_1.atom")
    code, rows, _ = convert(atom, "-o", str(tmp_path / "a"), "--limit", "2")
    assert sorted(str(r["title"]) for r in rows) == ["全文第4篇 & <标题>", "全文第5篇 & <标题>"]
    # Item 3 is 2026-12-04 18:34:24 UTC = 2026-12-05 02:34:24 in Beijing.
    code, rows, _ = convert(atom, "-o", str(tmp_path / "b"), "--since", "2026-12-05")
    assert sorted(str(r["title"]) for r in rows) == [f"全文第{n}篇 & <标题>" for n in (3, 4, 5)]


def test_a_feed_url_that_is_not_a_feed_fails_alone(bridge: tuple[Bridge, FakeMp], tmp_path: Path) -> None:
    feeds, mp = bridge
    feeds.add_full(1)
    code, rows, err = convert(
        feeds.url("/nothing-here"), feeds.url("/feeds/MP_WXS_1.atom"), "-o", str(tmp_path)
    )
    assert code == ExitStatus.PARTIAL
    assert by_status(rows) == {"failed": 1, "converted": 1}
    (failed,) = [r for r in rows if r["status"] == "failed"]
    assert failed["source"] == feeds.url("/nothing-here") and failed["kind"] == "feed"
    assert failed["reason"] == "not a feed, an OPML list or a WeChat link"


def test_utc_feed_time_is_shown_in_beijing_time() -> None:
    when = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
    rss = (
        "<rss version='2.0'><channel><title>A</title><item><link>https://mp.weixin.qq.com/s/x</link>"
        f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} GMT</pubDate></item></channel></rss>"
    )
    (parsed,) = parse_feed(rss.encode(), "x").items
    assert parsed.published is not None and parsed.published.isoformat() == "2026-12-02T00:00:00+08:00"


def test_a_feed_urls_credentials_reach_no_output(bridge: tuple[Bridge, FakeMp], tmp_path: Path) -> None:
    """RSSHub and bridges take an access key in the feed URL: it is the user's secret."""
    feeds, _ = bridge
    site = tmp_path / "blog"
    feeds.add_full(1)
    for path in ("/feeds/MP_WXS_1.atom", "/feeds/broken.rss", "/feeds/MP_WXS_3.json"):
        code, rows, err = convert(feeds.url(path) + f"?key={SECRET}&code={SECRET}", "-o", str(site))
        assert SECRET not in json.dumps(rows, ensure_ascii=False) + err
    for written in site.rglob("*"):
        if written.is_file():
            assert SECRET not in written.read_text(encoding="utf-8", errors="replace")


def test_a_flaky_bridge_is_retried_and_a_dead_one_is_one_failed_input(
    bridge: tuple[Bridge, FakeMp], tmp_path: Path
) -> None:

    feeds, _ = bridge
    feeds.add_full(1)
    answers = [Reply(503, b"busy", {"Retry-After": "0"}), Reply(500, b"oops")]
    good = feeds.atom().encode()
    feeds.server.route(
        "/flaky.atom", lambda r: answers.pop(0) if answers else Reply(200, good, {"Content-Type": "text/xml"})
    )
    with LoopbackServer() as dead:
        dead_url = dead.url("/feeds/gone.atom")
    code, rows, err = convert(dead_url, feeds.url("/flaky.atom"), "-o", str(tmp_path), "--delay", "0")
    assert code == ExitStatus.PARTIAL, err
    assert [(r["status"], r["kind"]) for r in rows] == [("failed", "feed"), ("converted", "")]
    assert rows[0]["source"] == dead_url and "WeChat" not in str(rows[0]["reason"])
    assert feeds.hits("/flaky.atom") == 3


def test_script_in_a_full_text_item_is_not_published(bridge: tuple[Bridge, FakeMp], tmp_path: Path) -> None:
    feeds, _ = bridge
    item = feeds.add_full(1)
    item.paragraphs = ("正文。",)
    hostile = (
        '<p>正文<script>alert(1)</script><a href="JaVaScRiPt:alert(2)">点我</a>'
        '<img src="x" onerror="alert(3)"></p>' + "<p>足够长的正文。</p>" * 30
    )
    feeds.server.route(
        "/hostile.atom",
        lambda r: Reply(
            200,
            feeds.atom()
            .replace("正文。", "")
            .replace(
                "&lt;/div&gt;",
                hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "&lt;/div&gt;",
            )
            .encode(),
            {"Content-Type": "text/xml"},
        ),
    )
    code, rows, err = convert(feeds.url("/hostile.atom"), "-o", str(tmp_path))
    assert code == ExitStatus.OK, err
    post = Path(str(rows[0]["post"])).read_text(encoding="utf-8")
    assert "足够长的正文" in post and "点我" in post
    for needle in ("<script", "alert(", "javascript:", "onerror"):
        assert needle not in post.lower()


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("http://u:pw@localhost:4000/feeds/a.atom?key=K&code=C#frag", "http://localhost:4000/feeds/a.atom"),
        ("HTTPS://Bridge.example/feeds/x.rss", "https://bridge.example/feeds/x.rss"),
        ("http://[::1]:8080/opml?token=T", "http://[::1]:8080/opml"),
        ("http://localhost/rss/uin=SeCrEt0/feed.atom", "http://localhost/…"),
    ],
)
def test_a_feed_is_named_without_its_access(url: str, label: str) -> None:
    from wx2post.follow import feed_label

    assert feed_label(url) == label


def test_a_full_text_items_pictures_are_saved_into_the_blog(
    bridge: tuple[Bridge, FakeMp], tmp_path: Path
) -> None:
    from .loopback import fake_png

    feeds, mp = bridge
    feeds.server.route(
        "/mmbiz_png/acct/Pic0001abcdefghij/640",
        lambda r: Reply(200, fake_png(7), {"Content-Type": "image/png"}),
    )
    item = feeds.add_full(1)
    picture = feeds.url("/mmbiz_png/acct/Pic0001abcdefghij/640?wx_fmt=png&tp=webp&wxfrom=5")
    item.paragraphs = ("配图如下。",)
    html = item.html().replace("</div>", f'<p><img data-src="{picture}" alt="图一"></p></div>')
    feeds.server.route(
        "/pictures.atom",
        lambda r: Reply(200, feeds.atom().replace(escape(item.html()), escape(html)).encode(), XML),
    )
    site = tmp_path / "blog"
    result = CliRunner().invoke(
        main, ["convert", feeds.url("/pictures.atom"), "-o", str(site), "--allow-private-addresses", "--json"]
    )
    assert result.exit_code == ExitStatus.OK, result.stderr
    row = json.loads(result.stdout.splitlines()[0])
    assert row["images_saved"] == 1 and row["images_failed"] == 0
    saved = list((site / "postimg").iterdir())
    assert [p.read_bytes() for p in saved] == [fake_png(7)]
    post = Path(str(row["post"])).read_text(encoding="utf-8")
    assert f"{{{{site.baseurl}}}}/postimg/{saved[0].name}" in post and "wxfrom" not in post
    assert feeds.hits("/mmbiz_png/acct/Pic0001abcdefghij/640") == 1 and mp.hits == []


def test_an_atom_html_title_is_read_as_text_a_plain_one_as_written() -> None:
    atom = (
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>A</title>"
        "<entry><id>1</id><title type='html'>&lt;b&gt;粗&lt;/b&gt; &amp;amp; 细</title>"
        "<link href='https://mp.weixin.qq.com/s/AbcdefghijklmnopqrstuV'/></entry>"
        "<entry><id>2</id><title type='text'>a &lt;b&gt; tag</title>"
        "<link href='https://mp.weixin.qq.com/s/BbcdefghijklmnopqrstuV'/></entry></feed>"
    )
    assert [i.title for i in parse_feed(atom.encode(), "f").items] == ["粗 & 细", "a <b> tag"]
