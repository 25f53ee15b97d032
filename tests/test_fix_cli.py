"""`wx2post fix` end to end: dry run, --write, backups, --json, exit statuses, hot-linked images
served by a loopback "CDN", --refetch against the fake mp.weixin.qq.com, and real Jekyll builds.

The posts live in a temporary site; images the tests "hot-link" have real WeChat CDN
URLs (https://mmbiz.qpic.cn/...), and the store used by the command gets an HTTP
client whose adapter for mmbiz.qpic.cn answers from a LoopbackServer
(`cdn_store`): the names, checks and rewrites are the production ones, the bytes
come from 127.0.0.1, and nothing reaches the internet (tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from click.testing import CliRunner
from requests.adapters import HTTPAdapter

import wx2post.cli.fix as fixcmd
from wx2post.cli.fix import fix
from wx2post.errors import ExitStatus
from wx2post.http import HttpClient
from wx2post.images import ImageSettings
from wx2post.store import ImageStore

from .loopback import LoopbackServer, Reply, fake_jpeg, fake_png
from .mpserver import SECRET, FakeMp
from .test_jekyll import assert_resolves, build, make_site

CASES = Path(__file__).parent / "fix_cases"
SEED = CASES / "seed-shaped"
POST_NAME = "2023-06-12-社区反诈宣传周活动负责人就防范养老诈骗答读者问.md"
WIN_ID = "Qx7LmN2pRsT4uVwX9yZaBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdEf"
HOT_ID = "Hk9sLmQ2wE4rT6yU8iO0pA1sD3fG5hJ7kL9zX2cV4bN6mQ8wE0rT2yU4iO6pA8sDw"
LOCAL_ID = "Rt5yU7iO9pA1sD3fG5hJ7kL9zX1cV3bN5mQ7wE9rT1yU3iO5pA7sD9fG1hJ3kLa"
HOT_PATH = f"/mmbiz_jpg/AbCdEfGh12345678/{HOT_ID}/640"
# The article the seed-shaped post's banner links to (its only WeChat link, as in the seed): another
# article of the account, which cannot restore this post's images.
BIZ, MID, SN = "MzA3NTk5OTg4OA==", "2650012345", "5f1e2d3c4b5a69788796a5b4c3d2e1f0"
# The post's own article, which the post does not name (as in the seed): given with --source.
OWN_MID, OWN_SN = "2650012399", "0123456789abcdef0123456789abcdef"
OWN_URL = f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid={OWN_MID}&idx=1&sn={OWN_SN}"
PNG = {"Content-Type": "image/png"}
JPEG = {"Content-Type": "image/jpeg"}


class LoopbackCdn(HTTPAdapter):
    """Sends every request for the WeChat CDN to the loopback server, path and query kept."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        request.url = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, **kwargs)


@pytest.fixture
def cdn(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    """A loopback server playing mmbiz.qpic.cn for the stores `wx2post fix` opens."""
    with LoopbackServer() as server, contextlib.ExitStack() as clients:

        def cdn_store(site: Path, settings: ImageSettings) -> ImageStore:
            client = clients.enter_context(HttpClient(resolve=lambda host, port: ["127.0.0.1"]))
            client.session.mount("https://mmbiz.qpic.cn/", LoopbackCdn(server.base))
            return ImageStore(site, settings, client)

        monkeypatch.setattr(fixcmd, "open_store", cdn_store)
        server.route(HOT_PATH, lambda r: Reply(200, fake_jpeg(1), JPEG))
        yield server


def seed_site(root: Path, *, with_windows_image: bool = True) -> tuple[Path, Path]:
    """A site holding the seed-shaped post, its one local image and (optionally) the file the
    Windows path names."""
    site = root / "site"
    post = site / "_posts" / POST_NAME
    post.parent.mkdir(parents=True)
    shutil.copyfile(SEED / "before.md", post)
    (site / "postimg").mkdir()
    (site / "postimg" / f"{LOCAL_ID}.jpeg").write_bytes(fake_jpeg(2))
    if with_windows_image:
        (site / "postimg" / f"{WIN_ID}.png").write_bytes(fake_png(3))
    return site, post


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(fix, list(args))
    return result.exit_code, result.stdout, result.stderr


def records(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# -- dry run --------------------------------------------------------------------------


def test_dry_run_reports_and_changes_nothing(tmp_path: Path) -> None:
    site, post = seed_site(tmp_path)
    before = post.read_bytes()
    code, out, err = run(str(site), "--diff")
    assert code == ExitStatus.OK, out + err
    assert post.read_bytes() == before
    assert sorted(p.name for p in (site / "postimg").iterdir()) == [f"{WIN_ID}.png", f"{LOCAL_ID}.jpeg"]
    assert not list(site.rglob("*.bak"))
    assert f"{post}: would change (16 repairs)" in out
    for name in (
        "heading-space",
        "profile-card",
        "relink-images",
        "clean-urls",
        "empty-bold",
        "paragraphs",
        "bold-flanking",
        "table-pipes",
    ):
        assert f" {name} " in out
    assert "images: 1 to fetch on --write" in out
    assert "-#社区反诈" in out and "+# 社区反诈" in out, "the diff"
    assert out.rstrip().endswith(
        "1 post: 1 would change; dry run, nothing written (--write applies the changes)"
    )


def test_dry_run_makes_no_request(tmp_path: Path, cdn: LoopbackServer, mp: FakeMp) -> None:
    site, _ = seed_site(tmp_path, with_windows_image=False)
    code, out, _ = run(str(site), "--refetch", "--source", OWN_URL, "--allow-private-addresses")
    assert code == ExitStatus.OK
    assert cdn.requests == [] and mp.hits == []
    assert f"note: --write would fetch {OWN_URL} to restore 1 missing image(s)" in out


# -- --write ------------------------------------------------------------------------------


def test_write_repairs_the_seed_shaped_post_and_a_rerun_changes_nothing(
    tmp_path: Path, cdn: LoopbackServer
) -> None:
    site, post = seed_site(tmp_path)
    original = post.read_bytes()
    code, out, err = run(str(post), "--write", "--allow-private-addresses")
    assert code == ExitStatus.OK, out + err
    # What was written is what the dry run's plan (the golden file) says.
    assert post.read_text(encoding="utf-8") == (SEED / "after.md").read_text(encoding="utf-8")
    assert (site / "postimg" / f"{HOT_ID}.jpeg").read_bytes() == fake_jpeg(1)
    backup = post.with_name(f".{post.name}.bak")
    assert backup.read_bytes() == original
    assert f"{post}: changed (16 repairs)" in out and f"backup: {backup}" in out
    assert "images: 1 saved" in out
    assert not list(site.rglob("*.part")) and not list(site.rglob(".wx2post-*"))
    requests_made = len(cdn.requests)

    code, out, err = run(str(site), "--write", "--allow-private-addresses")
    assert code == ExitStatus.OK, out + err
    assert f"{post}: unchanged" in out
    assert post.read_text(encoding="utf-8") == (SEED / "after.md").read_text(encoding="utf-8")
    assert len(cdn.requests) == requests_made, "a re-run makes no request"
    assert backup.read_bytes() == original, "an unchanged post is not backed up again"


def test_no_backup(tmp_path: Path, cdn: LoopbackServer) -> None:
    site, post = seed_site(tmp_path)
    assert run(str(post), "--write", "--no-backup", "--allow-private-addresses")[0] == ExitStatus.OK
    assert [p.name for p in post.parent.iterdir()] == [post.name]


def test_failed_download_keeps_the_clean_url_and_exits_partial(tmp_path: Path, cdn: LoopbackServer) -> None:
    cdn.route(HOT_PATH, lambda r: Reply(404))
    site, post = seed_site(tmp_path)
    code, out, err = run(str(post), "--write", "--allow-private-addresses", "--json")
    assert code == ExitStatus.PARTIAL
    (record,) = records(out)
    assert record["status"] == "changed" and record["images_failed"] == 1 and record["images_saved"] == 0
    assert "HTTP 404" in record["warnings"][0]
    text = post.read_text(encoding="utf-8")
    assert f"![](https://mmbiz.qpic.cn/mmbiz_jpg/AbCdEfGh12345678/{HOT_ID}/640?wx_fmt=jpeg)" in text

    cdn.route(HOT_PATH, lambda r: Reply(200, fake_jpeg(1), JPEG))
    code, out, err = run(str(post), "--write", "--allow-private-addresses")
    assert code == ExitStatus.OK, "a re-run repairs what failed"
    assert post.read_text(encoding="utf-8") == (SEED / "after.md").read_text(encoding="utf-8")


def test_private_addresses_are_refused_without_the_flag(tmp_path: Path, cdn: LoopbackServer) -> None:
    site, post = seed_site(tmp_path)
    code, out, _ = run(str(post), "--write")
    assert code == ExitStatus.PARTIAL
    assert "private or reserved" in out and cdn.requests == []


def test_images_remote_leaves_hot_links_cleaned(tmp_path: Path, cdn: LoopbackServer) -> None:
    site, post = seed_site(tmp_path)
    assert run(str(post), "--write", "--images", "remote")[0] == ExitStatus.OK
    text = post.read_text(encoding="utf-8")
    assert f"/{HOT_ID}/640?wx_fmt=jpeg)" in text and "wx_lazy" not in text and cdn.requests == []


# -- --refetch ----------------------------------------------------------------------------

SOURCE_BODY = (
    "<p>正文。</p>"
    f"<p><img data-src='https://mmbiz.qpic.cn/mmbiz_png/AbCdEfGh12345678/{WIN_ID}/640?wx_fmt=png'></p>"
    "<p>更多正文。</p>"
    f"<p><img data-src='https://mmbiz.qpic.cn/mmbiz_jpg/AbCdEfGh12345678/{HOT_ID}/640?wx_fmt=jpeg'></p>"
)


def test_refetch_restores_a_missing_windows_path_image_from_the_posts_own_article(
    tmp_path: Path, cdn: LoopbackServer, mp: FakeMp
) -> None:
    banner = mp.add(1, biz=BIZ, mid=MID, idx="1", sn=SN, body="<p>另一篇文章。</p>")
    own = mp.add(2, biz=BIZ, mid=OWN_MID, idx="1", sn=OWN_SN, body=SOURCE_BODY)
    cdn.route(f"/mmbiz_png/AbCdEfGh12345678/{WIN_ID}/640", lambda r: Reply(200, fake_png(3), PNG))
    site, post = seed_site(tmp_path, with_windows_image=False)

    # The post names no source: the banner's link (its only WeChat link) is not taken for one.
    code, out, err = run(str(post), "--allow-private-addresses")
    assert code == ExitStatus.PARTIAL, "without a source the image is reported missing"
    assert "the post does not say which article it reposts" in out and "--source URL" in out
    assert MID not in out.split("warning:", 1)[1]
    code, out, err = run(str(post), "--write", "--refetch", "--delay", "0", "--allow-private-addresses")
    assert code == ExitStatus.PARTIAL and mp.hits == [], "never the first WeChat link of the body"

    code, out, err = run(
        str(post),
        "--write",
        "--refetch",
        "--source",
        OWN_URL + "&chksm=1&scene=21#rd",
        "--delay",
        "0",
        "--allow-private-addresses",
        "--json",
    )
    assert code == ExitStatus.OK, out + err
    (record,) = records(out)
    assert record["images_saved"] == 1 and record["images_failed"] == 0
    assert record["url"] == own.long_url
    assert {"rule": "refetch-images", "count": 1} in record["changes"]
    assert (site / "postimg" / f"{WIN_ID}.png").read_bytes() == fake_png(3)
    assert post.read_text(encoding="utf-8") == (SEED / "after.md").read_text(encoding="utf-8")
    assert len(mp.requests_for(own)) == 1 and mp.requests_for(banner) == []
    assert all(set(h.query) <= {"__biz", "mid", "idx", "sn"} for h in mp.hits), "no chksm/scene sent"

    code, out, err = run(
        str(post), "--write", "--refetch", "--source", OWN_URL, "--delay", "0", "--allow-private-addresses"
    )
    assert code == ExitStatus.OK and f"{post}: unchanged" in out
    assert len(mp.requests_for(own)) == 1, "nothing missing: nothing fetched"


def test_source_names_one_article_for_one_post(tmp_path: Path) -> None:
    site, post = seed_site(tmp_path, with_windows_image=False)
    shutil.copyfile(post, post.with_name("2023-06-13-b.md"))
    code, _, err = run(str(site), "--source", OWN_URL)
    assert code == ExitStatus.USAGE and "--source names one article" in err
    code, _, err = run(str(post), "--source", "https://example.com/a")
    assert code == ExitStatus.USAGE and "not a WeChat article link" in err


def with_source(post: Path, url: str = OWN_URL) -> None:
    """The post's front matter names its own article (`source:`), as convert writes it."""
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("tags:\n", f"source: {url}\ntags:\n", 1), encoding="utf-8")


POSITION_POST = """---
layout: post
title: 按位置找回
date: 2022-03-04
source: https://mp.weixin.qq.com/s?__biz=MzA5NzQ4OTU3MQ==&mid=2247483002&idx=1&sn=0002abababababababababababababab&chksm=1
---

来源：微信公众号

![](C:\\Users\\me\\Desktop\\export\\img_0001.jpg)

![]({{site.baseurl}}/postimg/KeEpSiTs1234567890abcdef.png)
"""


def test_refetch_matches_by_position_when_the_source_is_named(
    tmp_path: Path, cdn: LoopbackServer, mp: FakeMp
) -> None:
    first = "FiRsTiMaGe1234567890abcd"
    body = (
        f"<p><img data-src='https://mmbiz.qpic.cn/mmbiz_jpg/Acct/{first}/640?wx_fmt=jpeg'></p>"
        "<p><img data-src='https://mmbiz.qpic.cn/mmbiz_png/Acct/KeEpSiTs1234567890abcdef/640?wx_fmt=png'></p>"
    )
    mp.add(2, body=body)
    cdn.route(f"/mmbiz_jpg/Acct/{first}/640", lambda r: Reply(200, fake_jpeg(9), JPEG))
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "postimg").mkdir()
    (site / "postimg" / "KeEpSiTs1234567890abcdef.png").write_bytes(fake_png(4))
    post = site / "_posts" / "2022-03-04-a.md"
    post.write_text(POSITION_POST, encoding="utf-8")
    code, out, err = run(str(post), "--write", "--refetch", "--delay", "0", "--allow-private-addresses")
    assert code == ExitStatus.OK, out + err
    text = post.read_text(encoding="utf-8")
    assert f"![]({{{{site.baseurl}}}}/postimg/{first}.jpeg)" in text
    assert "source: https://mp.weixin.qq.com/s?__biz=MzA5NzQ4OTU3MQ==&mid=2247483002&idx=1&sn=0002" in text
    assert "chksm" not in text


def test_refetch_of_a_deleted_article_reports_the_image(
    tmp_path: Path, cdn: LoopbackServer, mp: FakeMp
) -> None:
    mp.add(1, biz=BIZ, mid=OWN_MID, idx="1", sn=OWN_SN, deleted=True)
    site, post = seed_site(tmp_path, with_windows_image=False)
    with_source(post)
    code, out, err = run(str(post), "--write", "--refetch", "--delay", "0", "--allow-private-addresses")
    assert code == ExitStatus.PARTIAL
    assert "could not refetch" in out and "names a missing file" in out
    assert "2023-06-12\n社区反诈" in post.read_text(encoding="utf-8"), "the broken reference is kept"


def test_verification_stops_refetching(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cdn: LoopbackServer
) -> None:
    with LoopbackServer() as server:
        mp = FakeMp(server, quick_limit=0)
        monkeypatch.setenv("WX2POST_MP_BASE_URL", mp.base)
        mp.add(1, biz=BIZ, mid=OWN_MID, idx="1", sn=OWN_SN)
        site, post = seed_site(tmp_path, with_windows_image=False)
        with_source(post)
        second = post.with_name("2023-06-13-b.md")
        shutil.copyfile(post, second)
        code, out, err = run(str(site), "--write", "--refetch", "--delay", "0", "--allow-private-addresses")
        mp.close()
    assert code == ExitStatus.VERIFICATION
    assert len(mp.hits) == 1, "the first request met the captcha redirect; nothing after it"
    assert "poc_token" not in out + err


# -- credentials, --json, --all, exit statuses ------------------------------------------------

SECRET_POST = f"""---
layout: post
title: t
source: https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv?key={SECRET}k&uin={SECRET}u
---

[原文](http://mp.weixin.qq.com/s?__biz=QUJD&mid=1&idx=1&sn=ab&pass_ticket={SECRET}p&exportkey={SECRET}e)
"""


def test_credentials_never_printed_nor_kept(tmp_path: Path) -> None:
    post = tmp_path / "_posts" / "2021-01-01-t.md"
    post.parent.mkdir()
    post.write_text(SECRET_POST, encoding="utf-8")
    for args in (["--diff"], ["--diff", "--json"]):
        code, out, err = run(str(post), *args)
        assert code == ExitStatus.OK
        assert SECRET not in out + err
    assert "key=…" in out, "the diff shows that a credential goes, not its value"
    assert run(str(post), "--write", "--no-backup")[0] == ExitStatus.OK
    assert SECRET not in post.read_text(encoding="utf-8")


def test_json_record_shape(tmp_path: Path) -> None:
    site, post = seed_site(tmp_path)
    code, out, err = run(str(site), "--json")
    (record,) = records(out)
    assert record["path"] == str(post) and record["status"] == "changed" and record["written"] is False
    assert record["title"] == "社区反诈宣传周活动负责人就防范养老诈骗答读者问"
    assert record["changes"][0] == {"rule": "heading-space", "count": 1}
    assert {c["rule"] for c in record["changes"]} >= {
        "profile-card",
        "split-bold",
        "merge-bold",
        "relink-images",
    }
    assert record["lines"]["split-bold"] == [35, 39]
    assert record["images_planned"] == 1 and record["images_failed"] == 0
    assert set(record) >= {"warnings", "notes", "images_saved", "reason", "kind", "backup"}


def test_posts_that_are_not_reposts_are_left_alone_unless_all(tmp_path: Path) -> None:
    post = tmp_path / "_posts" / "2020-01-01-mine.md"
    post.parent.mkdir()
    post.write_text("---\ntitle: mine\n---\n#Hello\n", encoding="utf-8")
    code, out, _ = run(str(tmp_path), "--write", "--json")
    assert code == ExitStatus.OK and records(out)[0]["status"] == "skipped"
    assert post.read_text(encoding="utf-8") == "---\ntitle: mine\n---\n#Hello\n"
    code, out, _ = run(str(tmp_path), "--write", "--all", "--no-backup")
    assert code == ExitStatus.OK
    assert post.read_text(encoding="utf-8") == "---\ntitle: mine\n---\n# Hello\n"


def test_crlf_and_unrepaired_bytes_survive(tmp_path: Path) -> None:
    post = tmp_path / "_posts" / "2020-01-01-a.md"
    post.parent.mkdir()
    raw = "---\r\ntitle:   对齐的值   \r\ntags: [a, b]\r\n---\r\n来源：微信公众号  \r\n#T\r\n\t缩进\r\n"
    post.write_bytes(raw.encode("utf-8"))
    assert run(str(post), "--write", "--no-backup")[0] == ExitStatus.OK
    assert post.read_bytes() == raw.replace("#T", "# T").encode("utf-8")


@pytest.mark.parametrize(
    ("setup", "args", "status"),
    [
        ("seed", [], ExitStatus.OK),
        ("missing", [], ExitStatus.PARTIAL),
        ("seed", ["--image-dir", "../outside"], ExitStatus.USAGE),
        ("seed", ["--images", "sideways"], ExitStatus.USAGE),
        ("none", ["does-not-exist"], ExitStatus.USAGE),
        ("binary", [], ExitStatus.FAILED),
        ("empty", [], ExitStatus.FAILED),
        ("nosite", [], ExitStatus.FAILED),
    ],
)
def test_exit_statuses(tmp_path: Path, setup: str, args: list[str], status: ExitStatus) -> None:
    target = tmp_path
    if setup in ("seed", "missing"):
        target, _ = seed_site(tmp_path, with_windows_image=setup == "seed")
    elif setup == "binary":
        (tmp_path / "_posts").mkdir()
        (tmp_path / "_posts" / "2020-01-01-a.md").write_bytes(b"---\n\xff\xfe\x00\n---\n")
    elif setup == "nosite":
        target = tmp_path / "loose.md"
        target.write_text("---\ntitle: x\n---\n来源：微信公众号\n", encoding="utf-8")
    paths = [] if setup == "none" else [str(target)]
    code, out, err = run(*paths, *args)
    assert code == status, out + err


# -- Jekyll ---------------------------------------------------------------------------------


@pytest.mark.jekyll
def test_backup_is_not_published(tmp_path: Path) -> None:
    """Jekyll publishes `_posts/<post>.md.bak` as a second post; a dot file it ignores."""
    site = make_site(tmp_path / "site")
    (site / "_posts").mkdir()
    post = site / "_posts" / "2022-05-03-a.md"
    post.write_text("---\nlayout: post\ntitle: A\n---\n来源：微信公众号\n#A\n", encoding="utf-8")
    assert run(str(post), "--write")[0] == ExitStatus.OK
    assert (site / "_posts" / ".2022-05-03-a.md.bak").is_file()
    dest = build(site)
    assert [p.relative_to(dest).as_posix() for p in dest.rglob("*.html")] == ["2022/05/03/a/index.html"]
    assert not list(dest.rglob("*.bak"))


@pytest.mark.jekyll
def test_repaired_seed_shaped_site_builds_with_every_image_resolving(
    tmp_path: Path, cdn: LoopbackServer, mp: FakeMp
) -> None:
    mp.add(1, biz=BIZ, mid=OWN_MID, idx="1", sn=OWN_SN, body=SOURCE_BODY)
    cdn.route(f"/mmbiz_png/AbCdEfGh12345678/{WIN_ID}/640", lambda r: Reply(200, fake_png(3), PNG))
    site, post = seed_site(tmp_path, with_windows_image=False)
    make_site(site)
    code, out, err = run(
        str(site), "--write", "--refetch", "--source", OWN_URL, "--delay", "0", "--allow-private-addresses"
    )
    assert code == ExitStatus.OK, out + err
    dest = build(site)
    pages = list((dest / "2023" / "06" / "12").rglob("index.html"))
    assert len(pages) == 1
    html = pages[0].read_text(encoding="utf-8")
    assert_resolves(dest, html, "/blog")
    images = [p for p in html.split('src="')[1:]]
    assert len([s for s in images if s.startswith("/blog/postimg/")]) == 3
    assert "mmbiz.qpic.cn" not in html and "****" not in html and "chksm" not in html
    assert "<h1" in html and "社区反诈宣传周活动负责人就防范养老诈骗答读者问</h1>" in html
    assert "微信号" not in html and "功能介绍" not in html
    assert "<strong>骗术花样多、话术更新快</strong>" in html


@pytest.mark.jekyll
@pytest.mark.parametrize("name", sorted(p.name for p in CASES.iterdir() if (p / "after.md").is_file()))
def test_every_golden_result_builds(tmp_path: Path, name: str) -> None:
    site = make_site(tmp_path / "site")
    case = (
        json.loads((CASES / name / "case.json").read_text(encoding="utf-8"))
        if (CASES / name / "case.json").is_file()
        else {}
    )
    for rel in case.get("files", []):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(fake_png(0))
    post = site / case.get("post", "_posts/2022-01-01-post.md")
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text((CASES / name / "after.md").read_text(encoding="utf-8"), encoding="utf-8")
    dest = build(site)
    html = next(dest.rglob("index.html")).read_text(encoding="utf-8")
    if name == "liquid":
        assert "Vue 的插值写作 {{ message }}，Jinja 的循环写作 {% for item in items %}。" in html
        assert "{% if user %}" in html and "{{ user.name }}" in html and "{% endif %}" in html
        assert "正文里的 {{ site.baseurl }} 是文字" in html
        assert '<img src="/blog/postimg/AbCdEfGh12345678IjKlMnOp.png"' in html
        assert_resolves(dest, html.split("<article>", 1)[1], "/blog")
