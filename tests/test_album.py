"""Album (合集) listing: JSON paging against the fake WeChat, and the pure ordering rules."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from wx2post.album import AlbumItem, oldest_first, parse_album_json
from wx2post.errors import FailurePage, InputError, VerificationRequired
from wx2post.fetch import PageFetcher

from .loopback import LoopbackServer
from .mpserver import CAPTCHA_PAGE, NOISE, SECRET, FakeAlbum, FakeArticle, FakeMp, FakeTime

BIZ = "MzA5NzQ4OTU3MQ=="
ALBUM_KEYS = {"action", "__biz", "album_id", "count", "f", "begin_msgid", "begin_itemidx"}


@pytest.fixture
def mp(mp_server: LoopbackServer) -> Iterator[FakeMp]:
    fake = FakeMp(mp_server)
    yield fake
    fake.close()
    for hit in fake.hits:
        assert SECRET not in hit.raw_path
        if hit.path == "/mp/appmsgalbum":
            assert set(hit.query) <= ALBUM_KEYS, hit.raw_path


def album(mp: FakeMp, n: int, **kw: object) -> tuple[FakeAlbum, list[FakeArticle]]:
    arts = [mp.add(i) for i in range(1, n + 1)]
    alb = FakeAlbum(biz=BIZ, album_id="3141592653589793238", articles=arts)
    for name, value in kw.items():
        setattr(alb, name, value)
    mp.albums.append(alb)
    return alb, arts


def link(alb: FakeAlbum) -> str:
    return f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={alb.biz}&album_id={alb.album_id}"


def album_hits(mp: FakeMp) -> list[dict[str, str]]:
    return [h.query for h in mp.hits if h.path == "/mp/appmsgalbum"]


def make(mp: FakeMp, fake_time: FakeTime, delay: float = 3.0, jitter: float = 1.0) -> PageFetcher:
    return PageFetcher(
        base_url=mp.base, delay=delay, jitter=jitter, sleep=fake_time.sleep, clock=fake_time.clock
    )


def test_three_pages_oldest_first(mp: FakeMp, fake_time: FakeTime) -> None:
    alb, arts = album(mp, 7, page_size=3)  # pages of 3, 3 and 1 (a lone item is an object)
    with make(mp, fake_time) as fetcher:
        links = fetcher.album_links(link(alb))
    assert links == [a.long_url for a in arts]
    queries = album_hits(mp)
    assert len(queries) == 3
    assert all(q["f"] == "json" and q["action"] == "getalbum" and q["count"] for q in queries)
    assert "begin_msgid" not in queries[0]
    # Each page continues after the last article of the one before (newest first here).
    assert (queries[1]["begin_msgid"], queries[1]["begin_itemidx"]) == (arts[4].mid, "1")
    assert (queries[2]["begin_msgid"], queries[2]["begin_itemidx"]) == (arts[1].mid, "1")


def test_album_link_is_reduced_to_identity(mp: FakeMp, fake_time: FakeTime) -> None:
    alb, arts = album(mp, 2)
    pasted = f"  http://mp.weixin.qq.com/mp/appmsgalbum?action=getalbum&amp;{NOISE.replace('&', '&amp;')}"
    pasted += f"&amp;__biz={alb.biz}&amp;album_id={alb.album_id}#wechat_redirect "
    with make(mp, fake_time) as fetcher:
        assert fetcher.album_links(pasted) == [a.long_url for a in arts]
    [query] = album_hits(mp)
    assert query["__biz"] == alb.biz and query["album_id"] == alb.album_id


def test_limit_takes_the_newest_and_stops_paging_early(mp: FakeMp, fake_time: FakeTime) -> None:
    alb, arts = album(mp, 7, page_size=3)
    with make(mp, fake_time) as fetcher:
        links = fetcher.album_links(link(alb), limit=2)
    assert links == [arts[5].long_url, arts[6].long_url]
    assert len(album_hits(mp)) == 1  # listed newest first: the first page already holds them


def test_limit_with_an_oldest_first_album_pages_to_the_end(mp: FakeMp, fake_time: FakeTime) -> None:
    alb, arts = album(mp, 7, page_size=3, newest_first=False, int_flags=True)
    with make(mp, fake_time) as fetcher:
        links = fetcher.album_links(link(alb), limit=4)
    assert links == [a.long_url for a in arts[3:]]
    assert len(album_hits(mp)) == 3


def test_repeated_cursor_article_is_not_listed_twice(mp: FakeMp, fake_time: FakeTime) -> None:
    alb, arts = album(mp, 5, page_size=2, repeat_cursor=True)
    with make(mp, fake_time) as fetcher:
        assert fetcher.album_links(link(alb)) == [a.long_url for a in arts]


def test_album_pages_are_paced_lightly_then_articles_fully(mp: FakeMp, fake_time: FakeTime) -> None:
    alb, arts = album(mp, 3, page_size=1)
    with make(mp, fake_time, delay=3.0, jitter=0.0) as fetcher:
        links = fetcher.album_links(link(alb))
        assert fake_time.sleeps == [1.0, 1.0]  # a third of the delay between JSON pages
        for url in links:
            fetcher.fetch_article(url)
        # Each article is fetched once, by its identity, even though the listing's
        # links carried chksm/scene.
        assert all(len(mp.requests_for(a)) == 1 for a in arts)
    assert fake_time.sleeps == [1.0, 1.0, 1.0, 3.0, 3.0]


def test_album_verification_stops_everything(mp: FakeMp, fake_time: FakeTime) -> None:
    alb, arts = album(mp, 3)
    mp.blocked = True
    with make(mp, fake_time) as fetcher:
        with pytest.raises(VerificationRequired, match="--delay"):
            fetcher.album_links(link(alb))
        hits = len(mp.hits)
        with pytest.raises(VerificationRequired):
            fetcher.fetch_article(arts[0].short_url)
    assert len(mp.hits) == hits


def test_unknown_album_is_a_named_failure(mp: FakeMp, fake_time: FakeTime) -> None:
    with make(mp, fake_time) as fetcher:
        with pytest.raises(FailurePage, match="ret -2") as err:
            fetcher.album_links(f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={BIZ}&album_id=404")
    assert err.value.kind == "album-error"


def test_not_an_album_link(mp: FakeMp, fake_time: FakeTime) -> None:
    with make(mp, fake_time) as fetcher:
        with pytest.raises(InputError, match="album link"):
            fetcher.album_links(f"https://mp.weixin.qq.com/s/abcdefghijklmnopqrstuv?key={SECRET}")
        assert fetcher.album_links("https://mp.weixin.qq.com/mp/appmsgalbum?__biz=x&album_id=1", 0) == []
    assert mp.hits == []


# -- the pure part ---------------------------------------------------------------


def _json(items: object, flag: object = "0", ret: int = 0) -> str:
    return json.dumps(
        {"base_resp": {"ret": ret}, "getalbum_resp": {"article_list": items, "continue_flag": flag}}
    )


def _raw(mid: int, ct: object = None, url: bool = True) -> dict[str, object]:
    item: dict[str, object] = {"msgid": mid, "itemidx": 1}
    if url:
        item["url"] = (
            f"http://mp.weixin.qq.com/s?__biz={BIZ}&amp;mid={mid}&amp;idx=1&amp;sn=s{mid}&amp;chksm=1#rd"
        )
    if ct is not None:
        item["create_time"] = ct
    return item


def test_parse_is_tolerant() -> None:
    page = parse_album_json(_json(_raw(7, "1700000000"), flag=1), biz=BIZ, source="album")
    assert page.more and len(page.items) == 1
    [item] = page.items
    assert item.url == f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=7&idx=1&sn=s7"
    assert item.create_time == 1700000000 and item.msgid == "7"
    # No link: named by its parts, so WeChat's answer to it is reported, not skipped.
    [bare] = parse_album_json(_json([_raw(8, url=False), "junk"]), biz=BIZ, source="a").items
    assert bare.url == f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid=8&idx=1"
    assert parse_album_json(_json(None), biz=BIZ, source="a").items == []


@pytest.mark.parametrize(
    ("text", "error", "kind"),
    [
        (_json([], ret=200013), VerificationRequired, "verification"),
        (
            json.dumps({"base_resp": {"ret": 0}, "getalbum_resp": {"verify_status": 1}}),
            VerificationRequired,
            "verification",
        ),
        (CAPTCHA_PAGE, VerificationRequired, "verification"),
        (_json([], ret=-1), FailurePage, "album-error"),
        ("<html><body>??</body></html>", FailurePage, "album-error"),
        (json.dumps({"base_resp": {"ret": 0}}), FailurePage, "album-error"),
    ],
)
def test_parse_names_failures(text: str, error: type[FailurePage], kind: str) -> None:
    with pytest.raises(error) as err:
        parse_album_json(text, biz=BIZ, source="album")
    assert err.value.kind == kind


def _item(mid: int, ct: int | None, pos: int) -> AlbumItem:
    return AlbumItem(url=f"u{mid}", key=f"k{mid}", msgid=str(mid), itemidx="1", create_time=ct, position=pos)


def test_ordering_rules() -> None:
    # create_time decides, whatever the listing order.
    items = [_item(3, 300, 0), _item(1, 100, 1), _item(2, 200, 2), _item(1, 100, 3)]
    assert oldest_first(items) == ["u1", "u2", "u3"]
    assert oldest_first(items, limit=2) == ["u2", "u3"]
    # Without times: the account's increasing msgid.
    assert oldest_first([_item(9, None, 0), _item(4, None, 1)]) == ["u4", "u9"]
    # Neither: the server's order, read as newest first.
    odd = [AlbumItem("a", "ka", "", "1", None, 0), AlbumItem("b", "kb", "", "1", None, 1)]
    assert oldest_first(odd) == ["b", "a"]
