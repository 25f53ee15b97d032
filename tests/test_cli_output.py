"""The command line says exactly what happened: -q, --dry-run, paths, dates, re-runs."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from .pages import article_html, article_url
from .tools import run_cli as run


def linked_pair(folder: Path) -> list[Path]:
    """Two saved articles that link to each other (as WeChat series posts do)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, other in ((1, 2), (2, 1)):
        link = article_url(other).replace("&", "&amp;")
        body = f"<p>上一篇：<a href='{link}'>第{other}篇</a>。</p>"
        path = folder / f"a{n}.html"
        path.write_text(article_html(n, body=body), encoding="utf-8")
        paths.append(path)
    return paths


def undated_page(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "undated.html"
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        "<h1 id='activity-name'>没有日期</h1><div id='js_content'><p>正文。</p></div></body></html>",
        encoding="utf-8",
    )
    os.utime(path, (1_700_000_000.123456, 1_700_000_000.987654))
    return path


def snapshot(site: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(site)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in site.rglob("*")
        if p.is_file() and ".wx2post" not in p.parts
    }


def test_rerun_of_cross_linked_posts_is_unchanged_and_writes_nothing(tmp_path: Path) -> None:
    linked_pair(tmp_path / "in")
    first = run("convert", "in", "-o", "site", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    post = (tmp_path / "site/_posts/2022-05-03-第1篇文章.md").read_text(encoding="utf-8")
    assert "{% post_url 2022-05-03-第2篇文章 %}" in post  # the link points at the other post
    before = snapshot(tmp_path / "site")
    for page in (tmp_path / "in").iterdir():  # saved again: the inputs' identity changes
        os.utime(page, None)
    again = run("convert", "in", "-o", "site", "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    statuses = [json.loads(line)["status"] for line in again.stdout.splitlines()]
    assert statuses == ["unchanged", "unchanged"]
    assert snapshot(tmp_path / "site") == before  # not one file rewritten


def test_quiet_prints_errors_only(tmp_path: Path) -> None:
    linked_pair(tmp_path / "in")
    undated_page(tmp_path / "in")  # a warning: no publish date
    ok = run("convert", "in", "-o", "site", "-q", cwd=tmp_path)
    assert ok.returncode == 0 and ok.stderr == ""
    (tmp_path / "in" / "broken.html").write_text("<html><body>not an article</body></html>", encoding="utf-8")
    bad = run("convert", "in", "-o", "site2", "-q", cwd=tmp_path)
    assert bad.returncode == 1
    lines = bad.stderr.splitlines()
    assert lines and all(line.startswith("wx2post: error: ") for line in lines), bad.stderr
    assert len(lines) == 1 and "broken.html" in lines[0]  # once: no summary, no failure list


def test_dry_run_counts_would_convert_and_writes_nothing(tmp_path: Path) -> None:
    linked_pair(tmp_path / "in")
    done = run("convert", "in", "-o", "site", "--dry-run", cwd=tmp_path)
    assert done.returncode == 0
    assert "wx2post: 2 would convert, 0 unchanged, 0 skipped, 0 failed" in done.stderr
    assert " converted" not in done.stderr
    assert done.stdout.splitlines() == [
        "would write site/_posts/2022-05-03-第1篇文章.md",
        "would write site/_posts/2022-05-03-第2篇文章.md",
    ]
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("inside", [True, False], ids=["site-inside-cwd", "site-elsewhere"])
def test_paths_are_printed_one_way_in_every_run(tmp_path: Path, inside: bool) -> None:
    """Relative to the current folder when inside it, else absolute: first run, re-run,
    --json, --dry-run and init all agree."""
    cwd = tmp_path / "work"
    linked_pair(cwd / "in")
    site = cwd / "blog" if inside else tmp_path / "elsewhere" / "blog"
    shown = "blog" if inside else str(site)
    expected = [f"{shown}/_posts/2022-05-03-第1篇文章.md", f"{shown}/_posts/2022-05-03-第2篇文章.md"]
    dry = run("convert", "in", "-o", str(site), "--dry-run", cwd=cwd)
    assert dry.stdout.splitlines() == [f"would write {p}" for p in expected]
    first = run("convert", "in", "-o", str(site), cwd=cwd)
    assert first.stdout.splitlines() == expected
    again = run("convert", "in", "-o", str(site), cwd=cwd)
    assert again.stdout.splitlines() == expected
    rows = run("convert", "in", "-o", str(site), "--json", "--force", cwd=cwd).stdout.splitlines()
    assert [json.loads(r)["post"] for r in rows] == expected
    init = run("init", str(site), "--force", cwd=cwd)
    assert init.stdout.strip() == f"{shown}/wx2post.toml"


def test_dates_are_whole_seconds(tmp_path: Path) -> None:
    """A page with no date is dated by its file's time, to the second, like every other."""
    undated_page(tmp_path / "in")
    done = run("convert", "in", "-o", "site", "--json", cwd=tmp_path)
    row = json.loads(done.stdout)
    assert row["date"] == "2023-11-15T06:13:20+08:00"
    post = next((tmp_path / "site/_posts").iterdir()).read_text(encoding="utf-8")
    assert re.search(r"^date: 2023-11-15 06:13:20 \+0800$", post, re.M)


FIELDS = ("title", "date", "url", "images_saved", "images_failed")


@pytest.mark.parametrize("preset", ["hux", "jekyll", "hugo", "hexo"])
def test_json_rows_of_unchanged_and_skipped_inputs_say_what_the_post_holds(
    tmp_path: Path, preset: str
) -> None:
    """A re-run's `unchanged` rows and a duplicate's `skipped` row carry the same title,
    date, link and image counts as the row that converted the article."""
    from .pages import save_complete

    folder = tmp_path / "in"
    folder.mkdir()
    save_complete(folder, 3)  # one image, saved from the page's own copy (no network)
    (folder / "t.html").write_text(article_html(4, title="A <b> & 标题 {{ x }}"), encoding="utf-8")
    (folder / "z-copy.html").write_text((folder / "t.html").read_text(encoding="utf-8"), encoding="utf-8")
    first = run("convert", "in", "-o", "site", "--preset", preset, "--json", "-j", "1", cwd=tmp_path)
    rows = {r["source"]: r for r in map(json.loads, first.stdout.splitlines())}
    converted = {r["url"]: r for r in rows.values() if r["status"] == "converted"}
    assert len(converted) == 2 and any(r["images_saved"] == 1 for r in converted.values())
    (skipped,) = [r for r in rows.values() if r["status"] == "skipped"]
    assert {f: skipped[f] for f in FIELDS} == {f: converted[skipped["url"]][f] for f in FIELDS}
    assert skipped["post"] == converted[skipped["url"]]["post"]
    again = run("convert", "in", "-o", "site", "--preset", preset, "--json", "-j", "1", cwd=tmp_path)
    for row in map(json.loads, again.stdout.splitlines()):
        if row["status"] == "skipped":
            continue
        assert row["status"] == "unchanged", row
        assert {f: row[f] for f in FIELDS} == {f: converted[row["url"]][f] for f in FIELDS}
