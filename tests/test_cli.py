"""`wx2post convert` end to end through click's CliRunner."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.errors import ExitStatus

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "seed-article.html"
CREDENTIALS = ("key=", "uin=", "pass_ticket", "exportkey", "appmsg_token", "sharer_")
TRACKING = ("chksm", "scene=", "wx_lazy", "wxfrom", "tp=webp", "wx_co", "#rd", "#wechat_redirect")


def article_page(title: str = "测试文章", body: str = "<p>正文</p>", extra: str = "") -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><script>"
        f"var msg_title = '{title}'.html(false); var ct = \"1651543920\";"
        'var nickname = htmlDecode("测试号");'
        'var msg_link = "https://mp.weixin.qq.com/s?__biz=QUJD&amp;mid=1&amp;idx=1&amp;sn=ab12";'
        f"{extra}</script></head><body><div id='js_content' class='rich_media_content' "
        f"style='visibility: hidden;'>{body}</div></body></html>"
    )


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_convert_writes_dated_post_with_seed_front_matter(tmp_path: Path) -> None:
    code, out, err = run("convert", str(EXAMPLE), "-o", str(tmp_path))
    assert code == 0, err
    posts = list((tmp_path / "_posts").glob("*.md"))
    assert [p.name for p in posts] == [
        "2022-05-03-最高检第四检察厅负责人就打击治理电信网络诈骗及关联犯罪典型案例答记者问.md"
    ]
    assert out.strip() == str(posts[0])
    post = frontmatter.load(posts[0])
    assert post["layout"] == "post"
    assert post["author"] == "转载"
    assert post["header-img"] == "img/the-first.png"
    assert post["catalog"] is False
    assert post["tags"] == ["其他"]
    assert str(post["date"]).startswith("2022-05-03 10:12:00")
    assert "+0800" in posts[0].read_text(encoding="utf-8")
    assert post.content.startswith("<blockquote><p>转载：吉林市昌邑公安分局反诈骗中心<br>")


def test_example_post_has_none_of_the_seed_defects(tmp_path: Path) -> None:
    code, out, _ = run("convert", str(EXAMPLE), "--stdout")
    assert code == 0
    body = out.split("\n---\n", 1)[1]
    assert "****" not in out
    assert not re.search(r"^#+[^#\s]", body, re.M), "heading without a space"
    for needle in CREDENTIALS + TRACKING:
        assert needle not in out, needle
    for chrome in ("微信号", "功能介绍", "微信扫一扫", "关注该公众号", "预览时标签不可点", "JLCYFZ"):
        assert chrome not in body, chrome
    assert "\\" not in re.sub(r"\\[\[\]*_`|]", "", body), "a Windows path or stray backslash"
    assert "**全链条打击一体化治理**" not in body  # heading, not split bold
    assert "## 全链条打击一体化治理" in body


def test_stdout_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("convert", str(EXAMPLE), "--stdout")
    assert code == 0 and out.startswith("---\nlayout: post\n")
    assert list(tmp_path.iterdir()) == []


def test_rerun_of_an_unedited_post_is_unchanged(tmp_path: Path) -> None:
    assert run("convert", str(EXAMPLE), "-o", str(tmp_path))[0] == 0
    post = next((tmp_path / "_posts").glob("*.md"))
    before = post.stat().st_mtime_ns
    code, out, err = run("convert", str(EXAMPLE), "-o", str(tmp_path))
    assert code == 0, err
    assert out.strip() == str(post)
    assert post.stat().st_mtime_ns == before


def test_existing_post_is_kept_without_force(tmp_path: Path) -> None:
    assert run("convert", str(EXAMPLE), "-o", str(tmp_path))[0] == 0
    post = next((tmp_path / "_posts").glob("*.md"))
    post.write_text("my edits", encoding="utf-8")
    code, _, err = run("convert", str(EXAMPLE), "-o", str(tmp_path))
    assert code == ExitStatus.FAILED
    assert "exists" in err and "--force" in err
    assert post.read_text(encoding="utf-8") == "my edits"
    assert run("convert", str(EXAMPLE), "-o", str(tmp_path), "--force")[0] == 0
    assert post.read_text(encoding="utf-8").startswith("---\nlayout: post")
    assert [p.name for p in post.parent.iterdir()] == [post.name], "no temporary file left"


@pytest.mark.parametrize(
    "title",
    ["../../../etc/passwd", "..\\..\\x", "/abs/path", "a/b/c", "CON", ".hidden", "---", "   "],
)
def test_titles_never_escape_the_site(tmp_path: Path, title: str) -> None:
    page = tmp_path / "in.html"
    page.write_text(article_page(title=title), encoding="utf-8")
    site = tmp_path / "site"
    code, out, err = run("convert", str(page), "-o", str(site))
    assert code == 0, err
    everything = [p for p in tmp_path.rglob("*") if p.is_file() and p != page]
    assert all(site in p.parents for p in everything)
    written = [p for p in everything if ".wx2post" not in p.parts]
    assert len(written) == 1
    assert written[0].parent == site / "_posts"
    name = written[0].name
    assert re.fullmatch(r"2022-05-03-[^/\\<>:\"|?*]+\.md", name), name
    assert not re.match(r"(?i)^(con|prn|aux|nul)(\.|$)", name[11:])


def test_long_title_fits_255_bytes(tmp_path: Path) -> None:
    page = tmp_path / "in.html"
    page.write_text(article_page(title="长" * 200), encoding="utf-8")
    code, out, _ = run("convert", str(page), "-o", str(tmp_path / "site"))
    assert code == 0
    name = Path(out.strip()).name
    assert len(name.encode("utf-8")) <= 255
    assert name.endswith(".md") and name.startswith("2022-05-03-长")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("title", "2022-05-03-你好-世界.md"),
        ("pinyin", "2022-05-03-ni-hao-shi-jie.md"),
        ("id", "2022-05-03-1-1.md"),
    ],
)
def test_slug_modes(tmp_path: Path, mode: str, expected: str) -> None:
    page = tmp_path / "in.html"
    page.write_text(article_page(title="你好 世界"), encoding="utf-8")
    code, out, _ = run("convert", str(page), "-o", str(tmp_path), "--slug", mode)
    assert code == 0
    assert Path(out.strip()).name == expected


def test_title_with_yaml_specials_round_trips(tmp_path: Path) -> None:
    title = "a: \"b\" #c --- 'd' {{e}} [f] &amp; |g"
    page = tmp_path / "in.html"
    page.write_text(article_page(title=title.replace("'", "\\'")), encoding="utf-8")
    code, out, _ = run("convert", str(page), "--stdout")
    assert code == 0
    assert frontmatter.loads(out)["title"] == "a: \"b\" #c --- 'd' {{e}} [f] & |g"


def test_options_change_front_matter(tmp_path: Path) -> None:
    code, out, _ = run(
        "convert",
        str(EXAMPLE),
        "--stdout",
        "--author",
        "张三",
        "--tag",
        "反诈",
        "--tag",
        "转载",
        "--header-img",
        "img/x.jpg",
        "--catalog",
        "--no-attribution",
    )
    assert code == 0
    post = frontmatter.loads(out)
    assert (post["author"], post["tags"], post["header-img"], post["catalog"]) == (
        "张三",
        ["反诈", "转载"],
        "img/x.jpg",
        True,
    )
    assert not post.content.startswith("<blockquote>")


def test_liquid_in_article_text_is_escaped(tmp_path: Path) -> None:
    page = tmp_path / "in.html"
    page.write_text(article_page(body="<p>模板 {{ site.title }} 与 {% include x %}</p>"), encoding="utf-8")
    code, out, _ = run("convert", str(page), "--stdout")
    assert code == 0
    assert "{{ site.title }}" not in out and "{% include" not in out
    assert '{{ "{{" }} site.title }}' in out


@pytest.mark.parametrize(
    ("content", "reason", "status"),
    [
        (b"", "empty file", ExitStatus.FAILED),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "binary", ExitStatus.FAILED),
        (b"<html><body><p>just a blog</p></body></html>", "not a WeChat article", ExitStatus.FAILED),
        (
            "<html><body><div class='weui-msg'><h2 class='weui-msg__title'>该内容已被发布者删除</h2></div>"
            "<script>var biz='';</script><a href='https://mp.weixin.qq.com'>mp</a></body></html>".encode(),
            "deleted",
            ExitStatus.FAILED,
        ),
        (
            "<html><body><h2 class='weui-msg__title'>环境异常</h2><p>完成验证后即可继续访问</p>"
            "<a href='https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=SECRET'>去验证</a>"
            "</body></html>".encode(),
            "verification page",
            ExitStatus.FAILED,  # a saved one: nothing was requested, so it is one bad input
        ),
    ],
)
def test_failure_pages_are_refused(tmp_path: Path, content: bytes, reason: str, status: int) -> None:
    page = tmp_path / "bad.html"
    page.write_bytes(content)
    code, out, err = run("convert", str(page), "-o", str(tmp_path / "site"))
    assert code == status
    assert out == ""
    line = err.strip()
    assert len(line.splitlines()) == 1
    assert str(page) in line and reason in line
    assert "SECRET" not in line
    site = tmp_path / "site"
    written = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()]
    assert written == [".wx2post/lock"], "nothing but the run's lock on the site"


def test_one_bad_page_in_several_is_partial(tmp_path: Path) -> None:
    bad = tmp_path / "empty.html"
    bad.write_bytes(b"")
    code, out, err = run("convert", str(EXAMPLE), str(bad), "-o", str(tmp_path / "site"))
    assert code == ExitStatus.PARTIAL
    assert len(list((tmp_path / "site" / "_posts").glob("*.md"))) == 1
    assert "empty file" in err


def test_missing_file_is_reported(tmp_path: Path) -> None:
    code, _, err = run("convert", str(tmp_path / "nope.html"), "-o", str(tmp_path))
    assert code == ExitStatus.FAILED
    assert "no such file" in err


def test_credentials_in_the_page_never_reach_output(tmp_path: Path) -> None:
    link = (
        "https://mp.weixin.qq.com/s?__biz=QUJD&amp;mid=9&amp;idx=2&amp;sn=ff&amp;key=SECRETKEY"
        "&amp;uin=SECRETUIN&amp;pass_ticket=SECRETTICKET&amp;exportkey=SECRETEXPORT"
        "&amp;sharer_shareinfo=SECRETSHARER&amp;utm_source=x#rd"
    )
    page = tmp_path / "in.html"
    page.write_text(
        article_page(
            body=f"<p><a href='{link}'>上一篇</a> 文本链接 {link.replace('&amp;', '&amp;amp;')}</p>"
        ),
        encoding="utf-8",
    )
    code, out, err = run("convert", str(page), "--stdout")
    assert code == 0
    assert "SECRET" not in out + err
    assert "(https://mp.weixin.qq.com/s?__biz=QUJD&mid=9&idx=2&sn=ff)" in out


def test_example_becomes_the_shipped_post(tmp_path: Path) -> None:
    """examples/seed-article.md is exactly what the README's first command writes."""
    code, out, err = run("convert", str(EXAMPLE), "-o", str(tmp_path))
    assert code == 0, err
    expected = (ROOT / "examples" / "seed-article.md").read_text(encoding="utf-8")
    assert Path(out.strip()).read_text(encoding="utf-8") == expected


def test_emoji_in_front_matter_stays_readable(tmp_path: Path) -> None:
    page = tmp_path / "in.html"
    page.write_text(article_page(title="🍀 四叶草 😀"), encoding="utf-8")
    code, out, _ = run("convert", str(page), "--stdout")
    assert code == 0
    assert "title: 🍀 四叶草 😀\n" in out


def test_the_readme_command_with_a_relative_site_keeps_everything_in_it(tmp_path: Path) -> None:
    """`wx2post convert examples/seed-article.html -o my-blog`, run as the README writes it
    (a path relative to the working folder): the post and its images are in my-blog, and
    every image the post names is there."""
    done = subprocess.run(
        [sys.executable, "-m", "wx2post", "convert", str(EXAMPLE), "-o", "my-blog"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    site = tmp_path / "my-blog"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-blog"]
    assert sorted(p.name for p in site.iterdir()) == [".wx2post", "_posts", "postimg"]
    (post,) = (site / "_posts").iterdir()
    names = re.findall(r"\{\{site\.baseurl\}\}/postimg/([^)\s\"]+)", post.read_text(encoding="utf-8"))
    assert names and all((site / "postimg" / name).is_file() for name in names)
