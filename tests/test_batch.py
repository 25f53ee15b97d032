"""Batch conversion: every input kind at once, --json, exit statuses, re-runs, collisions,
interruption, links between converted articles."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.cli.report import JSON_FIELDS
from wx2post.errors import ExitStatus

from .loopback import LoopbackServer
from .mpserver import NOISE, SECRET, FakeMp
from .pages import article_html, article_url, exporter_folder, mhtml, raw_page, save_complete

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["convert", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def mixed_folder(root: Path) -> Path:
    pages = root / "pages"
    (pages / "nested" / "deeper").mkdir(parents=True)
    raw_page(pages, 1)
    save_complete(pages / "nested", 2)
    exporter_folder(pages / "nested", 3)
    mhtml(pages / "nested" / "deeper", 4)
    (pages / "notes.txt").write_text("not a page", encoding="utf-8")
    (pages / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a page")
    return pages


def test_folder_mixing_every_input_kind(tmp_path: Path) -> None:
    pages = mixed_folder(tmp_path)
    site = tmp_path / "site"
    code, out, err = run(str(pages), "-o", str(site), "--json", "--jobs", "2")
    assert code == ExitStatus.OK, err
    recs = records(out)
    assert len(recs) == 4
    assert all(set(r) == set(JSON_FIELDS) for r in recs)
    assert {r["status"] for r in recs} == {"converted"}
    assert sorted(r["title"] for r in recs) == ["第1篇文章", "第2篇文章", "第3篇文章", "第4篇文章"]
    assert all(Path(r["post"]).is_file() for r in recs)
    # images from _files/, assets/ and the MHTML part: all stored, none fetched
    assert sum(r["images_saved"] for r in recs) == 3
    assert len(list((site / "postimg").iterdir())) == 3
    assert "4 converted, 0 unchanged, 0 skipped, 2 other files ignored, 0 failed" in err


def test_input_file_with_comments_and_stdin(tmp_path: Path) -> None:
    a, b = raw_page(tmp_path, 1), raw_page(tmp_path, 2)
    listing = tmp_path / "list.txt"
    listing.write_text(f"# my pages\n\n{a}\n  {b}  \n", encoding="utf-8")
    code, out, err = run("-i", str(listing), "-o", str(tmp_path / "s1"), "--jobs", "1")
    assert code == ExitStatus.OK, err
    assert len(out.splitlines()) == 2
    code, out, err = run("-i", "-", "-o", str(tmp_path / "s2"), stdin=f"{a}\n# x\n")
    assert code == ExitStatus.OK, err
    assert len(out.splitlines()) == 1


def test_json_failure_record(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    deleted = "<html><body><h2 class='weui-msg__title'>该内容已被发布者删除</h2></body></html>"
    bad.write_text(deleted, encoding="utf-8")
    good = raw_page(tmp_path, 1)
    code, out, _ = run(str(good), str(bad), "-o", str(tmp_path / "s"), "--json")
    assert code == ExitStatus.PARTIAL
    recs = {r["source"]: r for r in records(out)}
    assert recs[str(bad)]["status"] == "failed"
    assert recs[str(bad)]["kind"] == "deleted"
    assert "deleted" in recs[str(bad)]["reason"]
    assert recs[str(bad)]["post"] == ""
    ok = recs[str(good)]
    assert ok["status"] == "converted" and ok["date"].startswith("2022-05-03T10:12:00+08:00")
    assert ok["url"] == article_url(1)


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["convert"], ExitStatus.USAGE),
        (["convert", "x.html", "--jobs", "0"], ExitStatus.USAGE),
        (["convert", "x.html", "--preset", "nope"], ExitStatus.USAGE),
        (["convert", "x.html", "--stdout", "--json"], ExitStatus.USAGE),
    ],
)
def test_usage_errors(args: list[str], status: int) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == status


def test_nothing_converted_is_3(tmp_path: Path) -> None:
    empty = tmp_path / "e.html"
    empty.write_bytes(b"")
    assert run(str(empty), "-o", str(tmp_path))[0] == ExitStatus.FAILED


def test_rerun_skips_unchanged_and_force_redoes(tmp_path: Path) -> None:
    pages = mixed_folder(tmp_path)
    site = tmp_path / "site"
    assert run(str(pages), "-o", str(site))[0] == ExitStatus.OK
    mtimes = {p: p.stat().st_mtime_ns for p in (site / "_posts").iterdir()}
    code, out, err = run(str(pages), "-o", str(site), "--json")
    assert code == ExitStatus.OK, err
    assert [r["status"] for r in records(out)] == ["unchanged"] * 4
    assert {p: p.stat().st_mtime_ns for p in (site / "_posts").iterdir()} == mtimes
    code, out, _ = run(str(pages), "-o", str(site), "--json", "--force")
    assert code == ExitStatus.OK
    assert {r["status"] for r in records(out)} <= {"converted", "unchanged"}


def test_edited_post_is_not_overwritten(tmp_path: Path) -> None:
    page = raw_page(tmp_path, 1)
    site = tmp_path / "site"
    assert run(str(page), "-o", str(site))[0] == 0
    post = next((site / "_posts").iterdir())
    post.write_text(post.read_text(encoding="utf-8") + "\n我的补充\n", encoding="utf-8")
    page.write_text(article_html(1, body="<p>改过的正文</p>"), encoding="utf-8")
    code, _, err = run(str(page), "-o", str(site))
    assert code == ExitStatus.FAILED
    assert "--force" in err
    assert "我的补充" in post.read_text(encoding="utf-8")


def test_same_title_and_date_get_distinct_stable_names(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = raw_page(tmp_path / "a", 1, title="同名文章")
    b = raw_page(tmp_path / "b", 2, title="同名文章")
    site = tmp_path / "site"
    code, out, err = run(str(a), str(b), "-o", str(site))
    assert code == ExitStatus.OK, err
    names = sorted(p.name for p in (site / "_posts").iterdir())
    assert len(names) == 2 and "2022-05-03-同名文章.md" in names
    assert any(n.startswith("2022-05-03-同名文章-") for n in names)
    # the other order, another day: the same names
    code, out, err = run(str(b), str(a), "-o", str(site), "--force")
    assert code == ExitStatus.OK, err
    assert sorted(p.name for p in (site / "_posts").iterdir()) == names


def test_same_article_twice_converted_once(tmp_path: Path) -> None:
    (tmp_path / "copy").mkdir()
    a = raw_page(tmp_path, 1)
    b = raw_page(tmp_path / "copy", 1)
    code, out, err = run(str(a), str(b), "-o", str(tmp_path / "s"), "--json")
    assert code == ExitStatus.OK
    assert [r["status"] for r in records(out)] == ["converted", "skipped"]
    assert "given twice" in err


def test_file_and_its_link_are_one_article(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with LoopbackServer() as server:
        mp = FakeMp(server)
        monkeypatch.setenv("WX2POST_MP_BASE_URL", mp.base)
        art = mp.add(1)
        saved = tmp_path / "saved.html"
        saved.write_bytes(art.page())
        code, out, err = run(str(saved), art.long_url + "&" + NOISE, "-o", str(tmp_path / "s"), "--json")
        mp.close()
    assert code == ExitStatus.OK, err
    assert [r["status"] for r in records(out)] == ["converted", "skipped"]
    assert mp.hits == [], "the link's article was converted from the file: no request"
    assert SECRET not in out + err


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    pages = mixed_folder(tmp_path)
    site = tmp_path / "site"
    code, out, err = run(str(pages), "-o", str(site), "--dry-run")
    assert code == ExitStatus.OK, err
    assert len([ln for ln in out.splitlines() if ln.startswith("would write ")]) == 4
    assert not site.exists()


def test_links_between_converted_articles_become_post_links(tmp_path: Path) -> None:
    a = raw_page(tmp_path, 1, body=f"<p>见<a href='{article_url(2)}&amp;chksm=x#rd'>第二篇</a>。</p>")
    b = raw_page(tmp_path, 2, title="第二篇", body="<p>正文</p>")
    site = tmp_path / "site"
    code, out, err = run(str(a), str(b), "-o", str(site))
    assert code == ExitStatus.OK, err
    post_a = frontmatter.load(out.splitlines()[0])
    name_b = Path(out.splitlines()[1]).stem
    assert f"[第二篇]({{% post_url {name_b} %}})" in post_a.content
    assert post_a["source"] == article_url(1)


def test_interrupt_leaves_no_partial_file_and_rerun_completes(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for n in range(1, 301):
        raw_page(pages, n, body="<p>段落。</p>" * 400)
    site = tmp_path / "site"
    cmd = [sys.executable, "-m", "wx2post", "convert", str(pages), "-o", str(site), "--jobs", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = list((site / "_posts").glob("*.md")) if (site / "_posts").exists() else []
        if len(done) >= 5:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitStatus.INTERRUPTED, err.decode()
    written = list((site / "_posts").iterdir())
    assert 0 < len(written) < 300
    assert not [p for p in site.rglob("*") if p.name.startswith(".wx2post-") or p.suffix in (".tmp", ".part")]
    for post in written:
        assert frontmatter.load(post)["title"].startswith("第")
    code, out, err = run(str(pages), "-o", str(site), "--json")
    assert code == ExitStatus.OK, err
    statuses = [r["status"] for r in records(out)]
    assert statuses.count("unchanged") == len(written)
    assert len(list((site / "_posts").iterdir())) == 300
    assert os.path.exists(site / ".wx2post" / "posts.json")
