"""wx2post knows the site: what its config will do to the posts is said once, with the fix."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from wx2post.cli.template import render_config
from wx2post.sitecheck import has_raw_html, moved_posts, read_site_config

from .pages import article_html
from .test_jekyll import LAYOUT_DEFAULT, LAYOUT_POST, jekyll
from .tools import run_cli as run

BEIJING = timezone(timedelta(hours=8))
AT_2AM = int(datetime(2026, 12, 2, 2, 34, 24, tzinfo=BEIJING).timestamp())
AT_10AM = int(datetime(2026, 12, 2, 10, 0, 0, tzinfo=BEIJING).timestamp())


def jekyll_site(root: Path, *, tz: str | None) -> Path:
    (root / "_layouts").mkdir(parents=True)
    config = 'title: t\nbaseurl: ""\nmarkdown: kramdown\npermalink: /:year/:month/:day/:title/\n'
    if tz:
        config += f"timezone: {tz}\n"
    (root / "_config.yml").write_text(config, encoding="utf-8")
    (root / "_layouts" / "default.html").write_text(LAYOUT_DEFAULT, encoding="utf-8")
    (root / "_layouts" / "post.html").write_text(LAYOUT_POST, encoding="utf-8")
    (root / "img").mkdir()
    (root / "img" / "the-first.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return root


def pages(folder: Path, *cts: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n, ct in enumerate(cts, 1):
        (folder / f"p{n}.html").write_text(article_html(n, ct=ct), encoding="utf-8")
    return folder


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("wx2post: warning:")]


def jekyll_build(site: Path) -> Path:
    dest = site / "_site"
    proc = subprocess.run(
        [jekyll(), "build", "--source", str(site), "--destination", str(dest), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TZ": "UTC", "LANG": "C.UTF-8", "JEKYLL_ENV": "production"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dest


# -- Jekyll's timezone -------------------------------------------------------------------


@pytest.mark.jekyll
def test_post_at_2am_beijing_moves_a_day_without_timezone_and_not_with_the_advice(tmp_path: Path) -> None:
    """Built by a real Jekyll in UTC (as GitHub Pages builds): without `timezone` the 02:34
    post lands on the day before and wx2post says so once; with the line it advises, the
    post shows its Beijing day."""
    jekyll()
    site = jekyll_site(tmp_path / "site", tz=None)
    pages(tmp_path / "in", AT_2AM, AT_10AM)
    done = run("convert", "in", "-o", "site", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (warning,) = warnings(done.stderr)
    assert "site/_config.yml sets no `timezone`" in warning
    assert "1 post(s) will show the day before" in warning
    assert "site/_posts/2026-12-02-第1篇文章.md" in warning and "第2篇" not in warning
    assert "Add `timezone: Asia/Shanghai` to site/_config.yml" in warning
    dest = jekyll_build(site)
    assert (dest / "2026/12/01").is_dir() and not (dest / "2026/12/02/第1篇文章").exists()  # the bug

    # The advice, followed.
    config = site / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8") + "timezone: Asia/Shanghai\n", encoding="utf-8")
    again = run("convert", "in", "-o", "site", "--force", cwd=tmp_path)
    assert again.returncode == 0 and warnings(again.stderr) == []
    dest = jekyll_build(site)
    page = next((dest / "2026/12/02").rglob("index.html")).read_text(encoding="utf-8")
    assert "2026-12-02 02:34" in page
    assert not (dest / "2026/12/01").exists()


def test_timezone_warning_is_once_per_run_and_counts_every_moved_post(tmp_path: Path) -> None:
    jekyll_site(tmp_path / "site", tz=None)
    pages(tmp_path / "in", *[AT_2AM + 60 * n for n in range(7)])
    done = run("convert", "in", "-o", "site", cwd=tmp_path)
    (warning,) = warnings(done.stderr)
    assert "7 post(s)" in warning and "and 2 more" in warning


def test_a_timezone_other_than_beijing_also_moves_posts(tmp_path: Path) -> None:
    site = jekyll_site(tmp_path / "site", tz="America/New_York")
    config = read_site_config(site, "jekyll")
    assert moved_posts(
        config, [("a.md", "2026-12-02T10:00:00+08:00"), ("b.md", "2026-12-02T14:00:00+08:00")]
    ) == ["a.md"]
    assert (
        moved_posts(
            read_site_config(jekyll_site(tmp_path / "s2", tz="Asia/Shanghai"), "hux"),
            [("a.md", "2026-12-02T00:00:00+08:00")],
        )
        == []
    )


def test_no_warning_without_a_jekyll_config_or_for_other_generators(tmp_path: Path) -> None:
    pages(tmp_path / "in", AT_2AM)
    done = run("convert", "in", "-o", "empty", cwd=tmp_path)
    assert warnings(done.stderr) == []
    assert moved_posts(None, [("a.md", "2026-12-02T02:00:00+08:00")]) == []


# -- Hux's header image ------------------------------------------------------------------


def test_missing_header_img_is_one_warning_naming_the_file_and_the_options(tmp_path: Path) -> None:
    site = jekyll_site(tmp_path / "site", tz="Asia/Shanghai")
    (site / "img" / "the-first.png").unlink()
    pages(tmp_path / "in", AT_10AM, AT_10AM + 60, AT_10AM + 120)
    done = run("convert", "in", "-o", "site", cwd=tmp_path)
    (warning,) = warnings(done.stderr)
    assert "header-img img/the-first.png is not a file of the site (site/img/the-first.png)" in warning
    assert "--header-img" in warning and "--cover-as-header" in warning
    (site / "img" / "mine.jpg").write_bytes(b"\xff\xd8\xff")
    for extra in (["--header-img", "img/mine.jpg"], ["--header-img", "/img/mine.jpg"], ["--cover-as-header"]):
        ok = run("convert", "in", "-o", "site", "--force", "--images", "remote", *extra, cwd=tmp_path)
        assert warnings(ok.stderr) == [], extra
    elsewhere = run("convert", "in", "-o", "site", "--force", "--header-img", "img/nope.jpg", cwd=tmp_path)
    assert "header-img img/nope.jpg" in warnings(elsewhere.stderr)[0]


def test_header_img_as_a_url_is_not_checked(tmp_path: Path) -> None:
    site = jekyll_site(tmp_path / "site", tz="Asia/Shanghai")
    pages(tmp_path / "in", AT_10AM)
    done = run("convert", "in", "-o", str(site), "--header-img", "https://cdn.example/h.jpg", cwd=tmp_path)
    assert warnings(done.stderr) == []


# -- Hexo and Hugo -----------------------------------------------------------------------


def test_hexo_without_post_asset_folder_is_told(tmp_path: Path) -> None:
    site = tmp_path / "hexo"
    site.mkdir()
    (site / "_config.yml").write_text("title: t\ntimezone: Asia/Shanghai\n", encoding="utf-8")
    pages(tmp_path / "in", AT_10AM)
    done = run("convert", "in", "-o", "hexo", "--preset", "hexo", cwd=tmp_path)
    (warning,) = warnings(done.stderr)
    assert "`post_asset_folder: true`" in warning and "postAsset: true" in warning
    (site / "_config.yml").write_text(
        "post_asset_folder: true\nmarked:\n  prependRoot: true\n  postAsset: true\n", encoding="utf-8"
    )
    assert (
        warnings(run("convert", "in", "-o", "hexo", "--preset", "hexo", "--force", cwd=tmp_path).stderr) == []
    )
    # Images in one folder: the asset settings do not matter.
    (site / "_config.yml").write_text("title: t\n", encoding="utf-8")
    shared = run(
        "convert",
        "in",
        "-o",
        "hexo",
        "--preset",
        "hexo",
        "--force",
        "--image-dir",
        "source/images",
        cwd=tmp_path,
    )
    assert warnings(shared.stderr) == []


def test_hugo_without_unsafe_html_is_told_about_posts_with_html(tmp_path: Path) -> None:
    site = tmp_path / "hugo"
    site.mkdir()
    (site / "hugo.toml").write_text('title = "t"\n', encoding="utf-8")
    table = "<table><tr><td rowspan='2'>甲</td><td>乙</td></tr><tr><td>丙</td></tr></table>"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "t.html").write_text(article_html(1, body=f"<p>表：</p>{table}"), encoding="utf-8")
    (tmp_path / "in" / "plain.html").write_text(article_html(2), encoding="utf-8")
    done = run("convert", "in", "-o", "hugo", "--preset", "hugo", cwd=tmp_path)
    (warning,) = warnings(done.stderr)
    assert "raw HTML omitted" in warning and "1 post(s)" in warning and "unsafe = true" in warning
    (site / "hugo.toml").write_text("[markup.goldmark.renderer]\nunsafe = true\n", encoding="utf-8")
    assert (
        warnings(run("convert", "in", "-o", "hugo", "--preset", "hugo", "--force", cwd=tmp_path).stderr) == []
    )


def test_raw_html_detection_ignores_code_fences() -> None:
    assert has_raw_html("---\ntitle: x\n---\n\n<table>\n<tr><td>a</td></tr>\n</table>\n")
    assert not has_raw_html("---\ntitle: x\n---\n\n```html\n<table>\n```\n\ntext <b>inline</b>\n")


# -- init --------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["hux", "jekyll"])
def test_init_for_jekyll_presets_writes_the_timezone_advice(preset: str) -> None:
    text = render_config(preset)
    assert "#   timezone: Asia/Shanghai" in text
    assert ("cover_as_header to true" in text) == (preset == "hux")


def test_init_for_hugo_has_no_jekyll_advice() -> None:
    assert "timezone" not in render_config("hugo")
