"""PageFetcher against a fake mp.weixin.qq.com on 127.0.0.1 (see tests/mpserver.py)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wx2post.errors import FailurePage, FetchError, InputError, VerificationRequired
from wx2post.fetch import BASE_URL_ENV, DEFAULT_BASE_URL, USER_AGENT, PageFetcher, html_name
from wx2post.parse import parse_page
from wx2post.sources import read_page
from wx2post.urls import article_id

from .loopback import LoopbackServer, Reply
from .mpserver import CAPTCHA_PAGE, HTML, NOISE, SECRET, FakeArticle, FakeMp, FakeTime

ARTICLE_KEYS = {"__biz", "mid", "idx", "sn"}


@pytest.fixture
def mp(mp_server: LoopbackServer) -> Iterator[FakeMp]:
    fake = FakeMp(mp_server)
    yield fake
    fake.close()
    assert_private(fake)  # every test: nothing but identity ever reached "WeChat"


def make(mp: FakeMp, fake_time: FakeTime, **kw: object) -> PageFetcher:
    options: dict[str, object] = {"base_url": mp.base, "sleep": fake_time.sleep, "clock": fake_time.clock}
    options.update(kw)
    return PageFetcher(**options)  # type: ignore[arg-type]


def assert_private(mp: FakeMp) -> None:
    for hit in mp.hits:
        assert SECRET not in hit.raw_path, hit.raw_path
        assert not any(SECRET in v for v in hit.headers.values())
        assert "referer" not in hit.headers and "cookie" not in hit.headers
        if hit.path == "/s":
            assert set(hit.query) == ARTICLE_KEYS, hit.raw_path
        elif hit.path.startswith("/s/"):
            assert hit.query == {}, hit.raw_path


def pasted_forms(a: FakeArticle) -> list[str]:
    """The ways users paste one article's link."""
    noisy = f"{a.long_url}&{NOISE}"
    return [
        f"  {noisy}#rd  ",
        noisy.replace("&", "&amp;") + "#wechat_redirect",
        noisy.replace("&", "&amp;amp;").replace("https://", "http://"),
        noisy.replace("&", "\\x26amp;"),
        f"\t{a.short_url}?{NOISE}#rd\n",
        f"http://mp.weixin.qq.com/s/{a.short}?scene=1&amp;key={SECRET}",
    ]


# -- link forms and privacy ---------------------------------------------------


@pytest.mark.parametrize("form", range(6))
def test_every_pasted_form_requests_only_the_identity(mp: FakeMp, fake_time: FakeTime, form: int) -> None:
    a = mp.add(1)
    link = pasted_forms(a)[form]
    with make(mp, fake_time) as fetcher:
        page = fetcher.fetch_article(link)
    assert page.html == a.page().decode("utf-8")
    assert SECRET not in page.origin
    [hit] = mp.hits
    if form < 4:
        assert hit.path == "/s" and hit.query == dict(__biz=a.biz, mid=a.mid, idx=a.idx, sn=a.sn)
        assert page.origin == a.long_url
    else:
        assert hit.raw_path == f"/s/{a.short}"
        assert page.origin == a.short_url


def test_desktop_browser_headers(mp: FakeMp, fake_time: FakeTime) -> None:
    a = mp.add(1)
    with make(mp, fake_time) as fetcher:
        fetcher.fetch_article(a.short_url)
    headers = mp.hits[0].headers
    assert headers["user-agent"] == USER_AGENT and "Windows NT" in USER_AGENT
    assert "zh-CN" in headers["accept-language"]


def test_not_an_article_link_is_refused_without_a_request(mp: FakeMp, fake_time: FakeTime) -> None:
    with make(mp, fake_time) as fetcher:
        with pytest.raises(InputError) as err:
            fetcher.fetch_article(f"https://example.com/s?__biz=x&mid=1&key={SECRET}")
    assert SECRET not in str(err.value) and "not a WeChat article link" in str(err.value)
    assert mp.hits == []


# -- the same article once per run --------------------------------------------


def test_same_article_is_fetched_once_whatever_the_form(mp: FakeMp, fake_time: FakeTime) -> None:
    a = mp.add(1)
    with make(mp, fake_time) as fetcher:
        first = fetcher.fetch_article(a.short_url)
        # The page's msg_link told the long form: it is the same article now.
        assert fetcher.seen(a.long_url)
        again = [fetcher.fetch_article(link) for link in pasted_forms(a)]
    assert len(mp.requests_for(a)) == 1
    assert all(p.html == first.html for p in again)
    assert fake_time.sleeps == []  # cache hits are not paced either


def test_failures_are_remembered_too(mp: FakeMp, fake_time: FakeTime) -> None:
    a = mp.add(1, deleted=True)
    with make(mp, fake_time) as fetcher:
        for _ in range(2):
            with pytest.raises(FailurePage) as err:
                fetcher.fetch_article(a.long_url + "&" + NOISE)
            assert err.value.kind == "deleted" and not err.value.transient
            assert err.value.source == a.long_url
    assert len(mp.hits) == 1


# -- pacing -------------------------------------------------------------------


def test_pause_between_articles_none_before_the_first(mp: FakeMp, fake_time: FakeTime) -> None:
    arts = [mp.add(n) for n in range(1, 4)]
    with make(mp, fake_time, delay=3.0, jitter=0.0) as fetcher:
        fetcher.fetch_article(arts[0].short_url)
        assert fake_time.sleeps == []
        fake_time.now += 1.25  # converting the first article took a while
        fetcher.fetch_article(arts[1].short_url)
        fetcher.fetch_article(arts[2].long_url)
    assert fake_time.sleeps == [pytest.approx(1.75), pytest.approx(3.0)]


def test_no_pause_when_the_delay_already_passed(mp: FakeMp, fake_time: FakeTime) -> None:
    arts = [mp.add(n) for n in range(1, 3)]
    with make(mp, fake_time, delay=3.0, jitter=1.0) as fetcher:
        fetcher.fetch_article(arts[0].short_url)
        fake_time.now += 10
        fetcher.fetch_article(arts[1].short_url)
    assert fake_time.sleeps == []


def test_jitter_stays_in_range(mp: FakeMp, fake_time: FakeTime) -> None:
    arts = [mp.add(n) for n in range(1, 9)]
    with make(mp, fake_time, delay=3.0, jitter=1.0) as fetcher:
        for a in arts:
            fetcher.fetch_article(a.short_url)
    assert len(fake_time.sleeps) == 7
    assert all(2.0 <= s <= 4.0 for s in fake_time.sleeps)
    assert len(set(fake_time.sleeps)) > 1


def test_real_pause_between_articles(mp: FakeMp) -> None:
    arts = [mp.add(n) for n in range(1, 4)]
    start = time.monotonic()
    with PageFetcher(base_url=mp.base, delay=0.3, jitter=0.05) as fetcher:
        for a in arts:
            fetcher.fetch_article(a.short_url)
    arrivals = [h.at for h in mp.hits]
    assert arrivals[0] - start < 0.25  # no pause before the first
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    assert all(0.25 - 0.01 <= g < 1.0 for g in gaps), gaps
    assert len({h.client for h in mp.hits}) == 1  # one pooled keep-alive connection


# -- failures -----------------------------------------------------------------


def test_verification_redirect_after_quick_requests(mp_server: LoopbackServer, fake_time: FakeTime) -> None:
    mp = FakeMp(mp_server, quick_limit=2, quick_window=30.0)
    arts = [mp.add(n) for n in range(1, 5)]
    with make(mp, fake_time, delay=0.0, jitter=0.0) as fetcher:
        fetcher.fetch_article(arts[0].short_url)
        fetcher.fetch_article(arts[1].short_url)
        with pytest.raises(VerificationRequired) as err:
            fetcher.fetch_article(arts[2].long_url + "&" + NOISE)
        message = str(err.value)
        assert "环境异常" in message and "--delay" in message and "browser" in message
        assert err.value.source == arts[2].long_url and SECRET not in message
        # Every further request would only extend the block: none is made.
        hits = len(mp.hits)
        with pytest.raises(VerificationRequired, match="earlier in this run"):
            fetcher.fetch_article(arts[3].short_url)
        assert len(mp.hits) == hits
    assert not any(h.path == "/mp/wappoc_appmsgcaptcha" for h in mp.hits)  # recognised, not followed
    mp.close()
    assert_private(mp)


def test_absolute_captcha_redirect_on_wechat_host(mp: FakeMp, fake_time: FakeTime) -> None:
    # Location names the real host: recognised without any connection to it.
    location = "https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=x&target_url=y"
    mp.server.route("/s/Verify0000000000000001", lambda req: Reply(302, b"", {"Location": location}))
    with make(mp, fake_time) as fetcher:
        with pytest.raises(VerificationRequired):
            fetcher.fetch_article("https://mp.weixin.qq.com/s/Verify0000000000000001")


def test_verification_page_with_status_200(mp: FakeMp, fake_time: FakeTime) -> None:
    mp.server.route("/s/Verify0000000000000002", lambda req: Reply(200, CAPTCHA_PAGE.encode(), HTML))
    with make(mp, fake_time) as fetcher:
        with pytest.raises(VerificationRequired) as err:
            fetcher.fetch_article("https://mp.weixin.qq.com/s/Verify0000000000000002")
    assert err.value.kind == "verification" and err.value.transient


def test_deleted_page(mp: FakeMp, fake_time: FakeTime, tmp_path: Path) -> None:
    a = mp.add(1, deleted=True)
    with make(mp, fake_time, save_html=tmp_path) as fetcher:
        with pytest.raises(FailurePage) as err:
            fetcher.fetch_article(a.short_url)
    assert err.value.kind == "deleted"
    assert list(tmp_path.iterdir()) == []  # failure pages are not saved as articles


def test_an_article_quoting_a_failure_phrase_is_still_the_article(mp: FakeMp, fake_time: FakeTime) -> None:
    a = mp.add(1, body="<p>有读者问：为什么有的文章显示“该内容已被发布者删除”，或者“环境异常”？</p>")
    with make(mp, fake_time) as fetcher:
        page = fetcher.fetch_article(a.short_url)
    assert page.html == a.page().decode()


def test_a_fetched_article_is_parsed_once(
    mp: FakeMp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The fetcher judges a page with failures.py alone; only the conversion parses it."""
    from click.testing import CliRunner

    from wx2post.cli import main
    from wx2post.parse import page as parse_page_module

    parsed: list[str] = []
    real = parse_page_module.parse_text
    monkeypatch.setattr(
        parse_page_module, "parse_text", lambda page, origin="": parsed.append(origin) or real(page, origin)
    )
    monkeypatch.setenv("WX2POST_MP_BASE_URL", mp.base)
    a = mp.add(1)
    result = CliRunner().invoke(main, ["convert", a.short_url, "-o", str(tmp_path), "--delay", "0"])
    assert result.exit_code == 0, result.stderr
    assert parsed == [a.short_url]


def test_unknown_article_is_a_named_failure(mp: FakeMp, fake_time: FakeTime) -> None:
    with make(mp, fake_time) as fetcher:
        with pytest.raises(FailurePage) as err:
            fetcher.fetch_article("https://mp.weixin.qq.com/s/NoSuchArticle000000001")
    assert err.value.kind == "bad-link"


def test_5xx_then_success_honours_retry_after(mp: FakeMp, fake_time: FakeTime) -> None:
    a = mp.add(1, errors=[500, 503], retry_after="7")
    with make(mp, fake_time) as fetcher:
        page = fetcher.fetch_article(a.short_url)
    assert page.html == a.page().decode()
    assert len(mp.requests_for(a)) == 3
    assert fake_time.sleeps == [1.0, 7.0]  # backoff, then what the 503 asked for


def test_retry_after_is_capped(mp: FakeMp, fake_time: FakeTime) -> None:
    a = mp.add(1, errors=[503], retry_after="86400")
    with make(mp, fake_time) as fetcher:
        fetcher.fetch_article(a.short_url)
    assert fake_time.sleeps == [60.0]


def test_5xx_forever_gives_up(mp: FakeMp, fake_time: FakeTime) -> None:
    a = mp.add(1, errors=[502] * 10)
    with make(mp, fake_time, retries=2) as fetcher:
        with pytest.raises(FetchError) as err:
            fetcher.fetch_article(a.short_url)
    assert "HTTP 502" in str(err.value) and "try again later" in str(err.value)
    assert len(mp.requests_for(a)) == 3
    assert fake_time.sleeps == [1.0, 2.0]


def test_429_forever_is_a_verification(mp: FakeMp, fake_time: FakeTime) -> None:
    a = mp.add(1, errors=[429] * 10, retry_after="2")
    with make(mp, fake_time, retries=1) as fetcher:
        with pytest.raises(VerificationRequired) as err:
            fetcher.fetch_article(a.short_url)
    assert err.value.kind == "rate-limited" and "--delay" in str(err.value)


def test_4xx_is_not_retried(mp: FakeMp, fake_time: FakeTime) -> None:
    mp.server.route("/s/Gone00000000000000000001", lambda req: Reply(404, b"no"))
    with make(mp, fake_time) as fetcher:
        with pytest.raises(FetchError, match="HTTP 404"):
            fetcher.fetch_article("https://mp.weixin.qq.com/s/Gone00000000000000000001")
    assert mp.server.hits("/s/Gone00000000000000000001") == 1


def test_a_hang_fails_within_the_timeout(mp: FakeMp, fake_time: FakeTime) -> None:
    a = mp.add(1, hang=True)
    start = time.monotonic()
    with make(mp, fake_time, read_timeout=0.4, retries=1) as fetcher:
        with pytest.raises(FetchError) as err:
            fetcher.fetch_article(a.short_url)
    assert time.monotonic() - start < 3.0
    assert "did not answer in time" in str(err.value) and "2 attempts" in str(err.value)
    assert len(mp.requests_for(a)) == 2


def test_connection_refused(fake_time: FakeTime) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fetcher = PageFetcher(base_url=f"http://127.0.0.1:{port}", retries=1, sleep=fake_time.sleep)
    with fetcher, pytest.raises(FetchError, match="could not connect"):
        fetcher.fetch_article("https://mp.weixin.qq.com/s/Anything0000000000000001")


# -- redirects ----------------------------------------------------------------


def test_redirect_to_the_long_form_is_followed(mp: FakeMp, fake_time: FakeTime) -> None:
    a = mp.add(1)
    # A mirror answering the short form with an absolute redirect to WeChat's long form.
    target = f"https://mp.weixin.qq.com/s?{a.long_query}&scene=0#rd"
    mp.server.route("/s/Moved0000000000000000001", lambda req: Reply(302, b"", {"Location": target}))
    with make(mp, fake_time) as fetcher:
        page = fetcher.fetch_article("https://mp.weixin.qq.com/s/Moved0000000000000000001")
    assert page.html == a.page().decode()
    assert mp.hits[-1].path == "/s"  # on the mirror, identity only


def test_redirect_loop_is_capped(mp: FakeMp, fake_time: FakeTime) -> None:
    path = "/s/Loop00000000000000000001"
    mp.server.route(path, lambda req: Reply(302, b"", {"Location": path}))
    with make(mp, fake_time, max_redirects=3) as fetcher:
        with pytest.raises(FetchError, match="more than 3 redirects"):
            fetcher.fetch_article("https://mp.weixin.qq.com" + path)
    assert sum(r.path == path for r in mp.server.requests) == 4


def test_redirect_to_another_site_is_not_followed(mp: FakeMp, fake_time: FakeTime) -> None:
    path = "/s/Away00000000000000000001"
    mp.server.route(path, lambda req: Reply(302, b"", {"Location": "https://example.com/x"}))
    with make(mp, fake_time) as fetcher:
        with pytest.raises(FetchError, match=r"another site \(example.com\)"):
            fetcher.fetch_article("https://mp.weixin.qq.com" + path)


# -- --save-html ---------------------------------------------------------------


def test_save_html_round_trip(mp: FakeMp, fake_time: FakeTime, tmp_path: Path) -> None:
    a = mp.add(1, body="<p>中文段落 &amp; “引号”</p><p><img data-src='https://mmbiz.qpic.cn/a/b/640'></p>")
    with make(mp, fake_time, save_html=tmp_path / "pages") as fetcher:
        page = fetcher.fetch_article(f"{a.short_url}?{NOISE}")
    long = article_id(a.long_url)
    assert long is not None
    saved = tmp_path / "pages" / html_name(long)  # named after the long identity the page told
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]  # no temporary left behind
    assert saved.read_bytes() == a.page()
    assert SECRET not in saved.name
    # Converting the file later starts from the very same page text, so it gives the same post.
    offline = read_page(saved)
    assert offline.html == page.html
    meta = parse_page(offline.html, str(saved)).metadata()
    online = parse_page(page.html, page.origin).metadata()
    assert {k: v for k, v in meta.items() if k != "origin"} == {
        k: v for k, v in online.items() if k != "origin"
    }


def test_html_name_is_safe_and_deterministic() -> None:
    long = article_id("https://mp.weixin.qq.com/s?__biz=Mz+/A==&mid=22&idx=2&sn=ff")
    short = article_id("https://mp.weixin.qq.com/s/AbC-_0123456789abcdefgh")
    assert long is not None and short is not None
    assert html_name(long) == "Mz_A_22_2.html"
    assert html_name(short) == "s_AbC-_0123456789abcdefgh.html"


# -- where requests go ---------------------------------------------------------


def test_base_url_from_the_environment(mp: FakeMp, monkeypatch: pytest.MonkeyPatch) -> None:
    a = mp.add(1)
    monkeypatch.setenv(BASE_URL_ENV, mp.base + "/")
    with PageFetcher(delay=0) as fetcher:
        assert fetcher.base_url == mp.base
        fetcher.fetch_article(a.short_url)
    assert len(mp.hits) == 1


def test_production_default_and_bad_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    with PageFetcher() as fetcher:
        assert fetcher.base_url == DEFAULT_BASE_URL == "https://mp.weixin.qq.com"
    monkeypatch.setenv(BASE_URL_ENV, "http://user:pw@proxy:8080/mp")
    with pytest.raises(InputError) as err:
        PageFetcher()
    assert "pw" not in str(err.value) and BASE_URL_ENV in str(err.value)


def test_empty_answer_is_a_fetch_error(mp: FakeMp, fake_time: FakeTime) -> None:
    mp.server.route("/s/Empty0000000000000000001", lambda req: Reply(200, b"", HTML))
    with make(mp, fake_time) as fetcher:
        with pytest.raises(FetchError, match="empty page"):
            fetcher.fetch_article("https://mp.weixin.qq.com/s/Empty0000000000000000001")
