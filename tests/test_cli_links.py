"""`wx2post convert URL` end to end against a fake mp.weixin.qq.com on 127.0.0.1.

The fake is reached the way a user reaches a mirror: `WX2POST_MP_BASE_URL`.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.errors import ExitStatus

from .loopback import LoopbackServer
from .mpserver import NOISE, SECRET, FakeAlbum, FakeMp


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["convert", *args, "--images", "remote"])
    return result.exit_code, result.stdout, result.stderr


def posts(site: Path) -> list[Path]:
    return sorted((site / "_posts").glob("*.md"))


def test_short_and_long_links_with_credentials(mp: FakeMp, tmp_path: Path) -> None:
    a, b = mp.add(1), mp.add(2)
    noisy_long = f"  http://mp.weixin.qq.com/s?{b.long_query.replace('&', '&amp;')}&amp;{NOISE}#rd  "
    code, out, err = run(a.short_url + "#wechat_redirect", noisy_long, "-o", str(tmp_path), "--delay", "0")
    assert code == ExitStatus.OK, err
    written = posts(tmp_path)
    assert len(written) == 2
    assert all(SECRET not in p.read_text(encoding="utf-8") for p in written)
    assert SECRET not in out + err
    for hit in mp.hits:
        assert SECRET not in hit.raw_path
        assert set(hit.query) <= {"__biz", "mid", "idx", "sn"}
    text = written[0].read_text(encoding="utf-8")
    assert "source: https://mp.weixin.qq.com/s?__biz=" in text and "chksm" not in text


def test_same_article_twice_is_fetched_once(mp: FakeMp, tmp_path: Path) -> None:
    a = mp.add(1)
    code, out, err = run(a.long_url, a.long_url + "&" + NOISE, "-o", str(tmp_path), "--delay", "0")
    assert code == ExitStatus.OK, err
    assert len(mp.requests_for(a)) == 1
    assert len(posts(tmp_path)) == 1
    assert "given twice" in err


def test_verification_stops_the_batch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with LoopbackServer() as server:
        mp = FakeMp(server, quick_limit=2, quick_window=30.0)
        monkeypatch.setenv("WX2POST_MP_BASE_URL", mp.base)
        arts = [mp.add(n) for n in range(1, 6)]
        code, out, err = run(*[a.short_url for a in arts], "-o", str(tmp_path), "--delay", "0")
        mp.close()
    assert code == ExitStatus.VERIFICATION
    assert len(posts(tmp_path)) == 2
    assert len(mp.hits) == 3, "nothing is requested after the verification"
    assert "verification" in err and "--delay" in err
    assert "poc_token" not in err


def test_deleted_article_is_reported_and_others_converted(mp: FakeMp, tmp_path: Path) -> None:
    good, gone = mp.add(1), mp.add(2, deleted=True)
    code, out, err = run(good.short_url, gone.short_url, "-o", str(tmp_path), "--delay", "0")
    assert code == ExitStatus.PARTIAL
    assert len(posts(tmp_path)) == 1
    line = next(ln for ln in err.splitlines() if "deleted" in ln)
    assert gone.short_url in line


def test_pause_between_articles_not_before_the_first(mp: FakeMp, tmp_path: Path) -> None:
    arts = [mp.add(n) for n in range(1, 4)]
    start = time.monotonic()
    code, _, err = run(*[a.short_url for a in arts], "-o", str(tmp_path), "--delay", "0.6")
    assert code == ExitStatus.OK, err
    first = mp.hits[0].at - start
    gaps = [b.at - a.at for a, b in zip(mp.hits, mp.hits[1:], strict=False)]
    assert first < 0.5
    assert all(gap >= 0.6 - 0.2 - 0.01 for gap in gaps), gaps  # delay 0.6 +- 0.2 jitter


def test_save_html_converts_again_to_the_same_post(mp: FakeMp, tmp_path: Path) -> None:
    a = mp.add(1)
    saved = tmp_path / "saved"
    code, out, err = run(a.short_url, "-o", str(tmp_path / "one"), "--save-html", str(saved))
    assert code == ExitStatus.OK, err
    pages = list(saved.glob("*.html"))
    assert len(pages) == 1
    code, out, err = run(str(pages[0]), "-o", str(tmp_path / "two"))
    assert code == ExitStatus.OK, err
    one, two = posts(tmp_path / "one"), posts(tmp_path / "two")
    assert [p.name for p in one] == [p.name for p in two]
    assert one[0].read_text(encoding="utf-8") == two[0].read_text(encoding="utf-8")


def test_album_converts_newest_n_oldest_first(mp: FakeMp, tmp_path: Path) -> None:
    arts = [mp.add(n) for n in range(1, 8)]
    album = FakeAlbum(biz=arts[0].biz, album_id="1234567890", articles=arts, page_size=3)
    mp.albums.append(album)
    link = f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={album.biz}&album_id={album.album_id}&{NOISE}#wechat_redirect"
    code, out, err = run(link, "-o", str(tmp_path), "--delay", "0", "--limit", "4")
    assert code == ExitStatus.OK, err
    written = out.strip().splitlines()
    assert len(written) == 4
    dates = [Path(p).name[:10] for p in written]
    assert dates == sorted(dates), "oldest first"
    assert dates[-1] == time.strftime("%Y-%m-%d", time.gmtime(arts[-1].ct + 8 * 3600))
    assert SECRET not in "".join(h.raw_path for h in mp.hits)
