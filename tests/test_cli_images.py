"""Images through `wx2post convert`: what is on disk, what the post says, the exit status,
and that running the same command again repairs what it can."""

from __future__ import annotations

from pathlib import Path

import frontmatter
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.errors import ExitStatus

from .loopback import LoopbackServer, Reply, fake_jpeg, fake_png

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "seed-article.html"
PNG = {"Content-Type": "image/png"}


def page(path: Path, images: list[str], *, mid: str = "1", cover: str = "") -> Path:
    imgs = "".join(f"<p><img data-src='{u}'></p>" for u in images)
    path.write_text(
        "<html><head><script>"
        f"var msg_title = '图片文章{mid}'.html(false); var ct = \"1651543920\";"
        f'var msg_link = "https://mp.weixin.qq.com/s?__biz=QUJD&amp;mid={mid}&amp;idx=1&amp;sn=ab";'
        f'var msg_cdn_url = "{cover}";'
        "</script></head><body><div id='js_content' class='rich_media_content'>"
        f"<p>正文</p>{imgs}</div></body></html>",
        encoding="utf-8",
    )
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["convert", *args])
    return result.exit_code, result.stdout, result.stderr


def stored(site: Path) -> list[str]:
    folder = site / "postimg"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_failed_image_keeps_the_post_and_a_rerun_repairs_it(server: LoopbackServer, tmp_path: Path) -> None:
    broken = {"on": True}
    server.route("/good.png", lambda r: Reply(200, fake_png(1), PNG))
    server.route("/flaky.png", lambda r: Reply(500) if broken["on"] else Reply(200, fake_png(2), PNG))
    src = page(tmp_path / "a.html", [server.url("/good.png"), server.url("/flaky.png?utm_source=x")])
    site = tmp_path / "site"
    args = (str(src), "-o", str(site), "--allow-private-addresses")

    code, out, err = run(*args)
    assert code == ExitStatus.PARTIAL
    post = Path(out.strip())
    text = post.read_text(encoding="utf-8")
    assert len(stored(site)) == 1 and stored(site)[0].endswith(".png")
    assert f"{{{{site.baseurl}}}}/postimg/{stored(site)[0]}" in text
    assert server.url("/flaky.png") + ")" in text, "the failed image keeps its clean remote URL"
    assert "utm_source" not in text
    assert err == f"wx2post: warning: {src}: 1 image not saved: HTTP 500\n"  # the URL is for -v and --json
    assert not list(site.rglob("*.part"))
    hits_good = server.hits("/good.png")

    broken["on"] = False
    code, out, err = run(*args)  # the same command, no --force
    assert code == ExitStatus.OK, err
    assert len(stored(site)) == 2
    assert server.hits("/good.png") == hits_good, "what was saved is not fetched again"
    text = post.read_text(encoding="utf-8")
    assert "127.0.0.1" not in text

    before = len(server.requests)
    assert run(*args)[0] == ExitStatus.OK
    assert len(server.requests) == before, "a re-run makes no image request"


def test_strict_images_fails_the_article(server: LoopbackServer, tmp_path: Path) -> None:
    server.route("/gone.png", lambda r: Reply(404))
    src = page(tmp_path / "a.html", [server.url("/gone.png")])
    code, out, err = run(str(src), "-o", str(tmp_path / "s"), "--allow-private-addresses", "--strict-images")
    assert code == ExitStatus.FAILED
    assert out == ""
    assert not (tmp_path / "s" / "_posts").exists()
    assert "--strict-images" in err


def test_shared_image_is_downloaded_once(server: LoopbackServer, tmp_path: Path) -> None:
    server.route("/shared.jpg", lambda r: Reply(200, fake_jpeg(7), {"Content-Type": "image/jpeg"}))
    a = page(tmp_path / "a.html", [server.url("/shared.jpg")], mid="1")
    b = page(tmp_path / "b.html", [server.url("/shared.jpg"), server.url("/shared.jpg")], mid="2")
    code, out, err = run(str(a), str(b), "-o", str(tmp_path / "s"), "--allow-private-addresses")
    assert code == ExitStatus.OK, err
    assert server.hits("/shared.jpg") == 1
    assert len(stored(tmp_path / "s")) == 1 and stored(tmp_path / "s")[0].endswith(".jpeg")


def test_private_addresses_are_refused_by_default(server: LoopbackServer, tmp_path: Path) -> None:
    server.route("/x.png", lambda r: Reply(200, fake_png(3), PNG))
    src = page(tmp_path / "a.html", [server.url("/x.png")])
    code, out, err = run(str(src), "-o", str(tmp_path / "s"))
    assert code == ExitStatus.PARTIAL
    assert server.hits("/x.png") == 0
    assert stored(tmp_path / "s") == []


def test_saved_page_with_files_converts_offline(tmp_path: Path) -> None:
    """The example's images are all in seed-article_files/: no request at all (the
    conftest guard fails any connection; a failed lookup would show as a warning)."""
    code, out, err = run(str(EXAMPLE), "-o", str(tmp_path))
    assert code == ExitStatus.OK, err
    assert err == ""
    names = stored(tmp_path)
    assert names == [
        "7f48KExj8S5r2SoPGyAOBicw10ceBIVvVyAZKyXZwOMhprgf3NnMPSWTyzkYmZdk4yWdHpCzz9cCQXib3ubBvAOA.jpeg",
        "jSC6UQZBSibowV1FMs08nnr5XBH95ric6yX3sibxXXWUC3fjbAGbZpJyLWNACeW2YqLDlPBClaqrCUnXRISjOlKJg.png",
    ]
    text = Path(out.strip()).read_text(encoding="utf-8")
    for name in names:
        assert f"{{{{site.baseurl}}}}/postimg/{name}" in text


def test_remote_mode_and_prefix_and_cover(server: LoopbackServer, tmp_path: Path) -> None:
    server.route("/c.png", lambda r: Reply(200, fake_png(9), PNG))
    server.route("/b.png", lambda r: Reply(200, fake_png(8), PNG))
    src = page(tmp_path / "a.html", [server.url("/b.png")], cover=server.url("/c.png"))
    code, out, _ = run(str(src), "-o", str(tmp_path / "r"), "--images", "remote")
    assert code == ExitStatus.OK
    assert server.url("/b.png") in Path(out.strip()).read_text(encoding="utf-8")
    assert stored(tmp_path / "r") == [] and server.requests == []

    site = tmp_path / "l"
    code, out, err = run(
        str(src),
        "-o",
        str(site),
        "--allow-private-addresses",
        "--cover-as-header",
        "--image-dir",
        "assets/img",
        "--image-prefix",
        "/assets/img/",
    )
    assert code == ExitStatus.OK, err
    post = frontmatter.load(out.strip())
    files = sorted(p.name for p in (site / "assets" / "img").iterdir())
    assert len(files) == 2
    assert post["header-img"] in {f"assets/img/{f}" for f in files}
    assert any(f"](/assets/img/{f})" in post.content for f in files)


def test_image_folder_outside_the_site_is_refused(tmp_path: Path) -> None:
    code, _, err = run(str(EXAMPLE), "-o", str(tmp_path / "s"), "--image-dir", "../escape")
    assert code == ExitStatus.USAGE
    assert not (tmp_path / "escape").exists()


def test_stdout_keeps_remote_images_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(str(EXAMPLE), "--stdout")
    assert code == ExitStatus.OK
    assert "https://mmbiz.qpic.cn/mmbiz_png/" in out
    assert list(tmp_path.iterdir()) == []
