"""Outcomes are true and files stay in the site, through the CLI: a post counts as converted
only once it is on disk; a failed write is a `failed` result with its reason, the right exit
status and no state entry; symlinks never carry a write out of the site; modes follow the
umask; `fix --write` keeps links, modes and the user's files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.errors import ExitStatus

from .mounts import fill, remount_read_only, tmpfs
from .pages import article_url, raw_page, save_complete
from .tools import mode, umask

POST_1 = "_posts/2022-05-03-第1篇文章.md"
POST_2 = "_posts/2022-05-03-第2篇文章.md"


def convert(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(main, ["convert", "--json", *args])
    return result.exit_code, [json.loads(x) for x in result.stdout.splitlines() if x.strip()], result.stderr


def fix(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["fix", *args])
    return result.exit_code, result.stdout, result.stderr


def recorded(site: Path) -> set[str]:
    state = site / ".wx2post" / "posts.json"
    if not state.exists():
        return set()
    return set(json.loads(state.read_text(encoding="utf-8"))["posts"])


# -- item 1: outcomes are true -------------------------------------------------------------------


def test_full_disk_is_a_failure_with_its_reason_and_no_state_entry(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    src = save_complete(pages, 1)  # its image is in the export: the store writes it too
    with tmpfs(tmp_path / "site", "256k") as site:
        (site / "_posts").mkdir()
        fill(site)
        code, recs, err = convert(str(src), "-o", str(site))
        assert code == ExitStatus.FAILED, err
        (rec,) = recs
        assert rec["status"] == "failed" and rec["post"] == ""
        assert "No space left on device" in rec["reason"]
        assert rec["images_saved"] == 0 and rec["images_failed"] == 1
        assert not (site / POST_1).exists()
        assert not list((site / "postimg").glob("*")) if (site / "postimg").exists() else True
        assert recorded(site) == set()
        assert not [p for p in site.rglob("*") if p.suffix in (".part", ".tmp")]


def test_read_only_site_is_a_failure_with_its_reason(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    src = raw_page(pages, 1)
    with tmpfs(tmp_path / "site", "1m") as site:
        (site / "_posts").mkdir()
        remount_read_only(site)
        code, recs, err = convert(str(src), "-o", str(site))
        assert code == ExitStatus.FAILED, err
        (rec,) = recs
        assert rec["status"] == "failed" and "Read-only file system" in rec["reason"]
        assert rec["kind"] == "WriteFailed"
        assert not (site / POST_1).exists()


def test_one_failed_write_in_a_batch_is_partial_and_only_written_posts_are_recorded(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    raw_page(pages, 1)
    raw_page(pages, 2)
    site = tmp_path / "site"
    (site / POST_2).mkdir(parents=True)  # a folder where the second post goes
    code, recs, err = convert(str(pages), "-o", str(site), "--jobs", "1")
    assert code == ExitStatus.PARTIAL, err
    by_url = {r["url"]: r for r in recs}
    assert by_url[article_url(1)]["status"] == "converted"
    assert Path(by_url[article_url(1)]["post"]).is_file()
    failed = by_url[article_url(2)]
    assert failed["status"] == "failed" and failed["post"] == "" and "folder" in failed["reason"]
    assert recorded(site) == {article_url(1)}


# -- item 3: one writer ----------------------------------------------------------------------------


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_posts_and_images_get_the_umask_mode(tmp_path: Path, mask: int, expected: int) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    src = save_complete(pages, 1)
    with umask(mask):
        code, recs, err = convert(str(src), "-o", str(tmp_path / "site"))
    assert code == ExitStatus.OK, err
    (image,) = (tmp_path / "site" / "postimg").iterdir()
    assert mode(image) == expected, "a web server running as another user must read images (0644)"
    assert mode(Path(recs[0]["post"])) == expected
    assert mode(tmp_path / "site" / ".wx2post" / "posts.json") == expected


def test_image_dir_outside_the_site_is_a_usage_error(tmp_path: Path) -> None:
    src = raw_page(tmp_path, 1)
    site, absolute = tmp_path / "site", tmp_path / "abs"
    for value in (str(absolute), "../elsewhere", "/"):
        code, recs, err = convert(str(src), "-o", str(site), "--image-dir", value)
        assert code == ExitStatus.USAGE, err
        assert "image folder" in err and recs == []
    assert not absolute.exists() and not (tmp_path / "elsewhere").exists()
    assert not (site / "abs").exists() and not (site / "_posts").exists()


def test_image_dir_that_links_out_of_the_site_is_a_usage_error(tmp_path: Path) -> None:
    src = raw_page(tmp_path, 1)
    site, outside = tmp_path / "site", tmp_path / "outside"
    outside.mkdir()
    site.mkdir()
    (site / "img").symlink_to(outside, target_is_directory=True)
    code, recs, err = convert(str(src), "-o", str(site), "--image-dir", "img")
    assert code == ExitStatus.USAGE
    assert "outside the site" in err
    assert list(outside.iterdir()) == []


def test_a_postimg_that_links_out_of_the_site_fails_the_article(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    src = save_complete(pages, 1)
    site, outside = tmp_path / "site", tmp_path / "outside"
    outside.mkdir()
    site.mkdir()
    (site / "postimg").symlink_to(outside, target_is_directory=True)
    code, recs, err = convert(str(src), "-o", str(site))
    assert code == ExitStatus.FAILED
    assert recs[0]["status"] == "failed" and "outside the site" in recs[0]["reason"]
    assert list(outside.iterdir()) == []


def test_posts_folder_linked_out_of_the_site_is_refused(tmp_path: Path) -> None:
    src = raw_page(tmp_path, 1)
    site, outside = tmp_path / "site", tmp_path / "outside"
    outside.mkdir()
    site.mkdir()
    (site / "_posts").symlink_to(outside, target_is_directory=True)
    code, recs, err = convert(str(src), "-o", str(site), "--images", "remote")
    assert code == ExitStatus.FAILED
    assert "outside the site" in recs[0]["reason"]
    assert list(outside.iterdir()) == []


# -- fix --write through the same writer ----------------------------------------------------------

REPOST = "---\nlayout: post\ntitle: A\n---\n来源：微信公众号\n#A\n"
FIXED_HEADING = "\n# A\n"


def fix_site(root: Path) -> tuple[Path, Path]:
    site = root / "site"
    post = site / "_posts" / "2022-05-03-a.md"
    post.parent.mkdir(parents=True)
    post.write_text(REPOST, encoding="utf-8")
    return site, post


def test_fix_writes_through_a_symlinked_post_to_its_target(tmp_path: Path) -> None:
    site, real = fix_site(tmp_path)
    link = site / "_posts" / "2022-05-04-b.md"
    link.symlink_to(real.name)
    code, out, err = fix(str(link), "--write", "--no-backup")
    assert code == ExitStatus.OK, out + err
    assert link.is_symlink()
    assert FIXED_HEADING in real.read_text(encoding="utf-8")


def test_fix_refuses_a_symlinked_post_whose_target_is_outside_the_site(tmp_path: Path) -> None:
    site, _ = fix_site(tmp_path)
    outside = tmp_path / "outside.md"
    outside.write_text(REPOST, encoding="utf-8")
    link = site / "_posts" / "2022-05-04-b.md"
    link.symlink_to(outside)
    code, out, err = fix(str(link), "--write", "--site", str(site))
    assert code == ExitStatus.FAILED
    assert "outside the site" in err
    assert outside.read_text(encoding="utf-8") == REPOST
    assert link.is_symlink()
    assert not list(site.rglob("*.bak")) and not list(tmp_path.glob(".*.bak"))


def test_fix_keeps_modes_and_never_writes_through_a_hard_link(tmp_path: Path) -> None:
    site, post = fix_site(tmp_path)
    post.chmod(0o600)
    twin = tmp_path / "twin.md"  # outside the site
    os.link(post, twin)
    code, out, err = fix(str(post), "--write", "--no-backup")
    assert code == ExitStatus.OK, out + err
    assert mode(post) == 0o600, "a private post stays private"
    assert FIXED_HEADING in post.read_text(encoding="utf-8")
    assert twin.read_text(encoding="utf-8") == REPOST, "the file outside the site is untouched"
    assert post.stat().st_nlink == 1


def test_fix_never_overwrites_a_file_named_like_its_backup(tmp_path: Path) -> None:
    site, post = fix_site(tmp_path)
    mine = post.with_name(f".{post.name}.bak")
    mine.write_text("the user's own notes", encoding="utf-8")
    code, out, err = fix(str(post), "--write")
    assert code == ExitStatus.OK, out + err
    assert mine.read_text(encoding="utf-8") == "the user's own notes"
    backup = post.with_name(f".{post.name}.1.bak")
    assert backup.read_text(encoding="utf-8") == REPOST
    assert f"backup: {backup}" in out


def test_fix_image_dir_outside_the_site_is_a_usage_error(tmp_path: Path) -> None:
    site, post = fix_site(tmp_path)
    for value in (str(tmp_path / "abs"), "../elsewhere"):
        code, out, err = fix(str(post), "--write", "--image-dir", value)
        assert code == ExitStatus.USAGE, out + err
        assert "image folder" in err
    assert post.read_text(encoding="utf-8") == REPOST
    assert not (tmp_path / "abs").exists() and not (tmp_path / "elsewhere").exists()


def test_fix_never_stores_images_through_a_postimg_that_links_out(tmp_path: Path) -> None:
    site, post = fix_site(tmp_path)
    post.write_text(REPOST + "![](https://mmbiz.qpic.cn/mmbiz_png/Acct/ImgId0001abcdefgh/640?wx_fmt=png)\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (site / "postimg").symlink_to(outside, target_is_directory=True)
    code, out, err = fix(str(post), "--write")
    assert code != ExitStatus.OK
    assert "outside the site" in out + err
    assert list(outside.iterdir()) == []


@pytest.mark.jekyll
def test_jekyll_publishes_the_images_readable_by_a_web_server(tmp_path: Path) -> None:
    """Jekyll copies static files with their mode: an image wx2post stored 0600 was 0600 in
    `_site`, and a web server running as another user answered 403."""
    from .test_jekyll import build, make_site

    pages = tmp_path / "pages"
    pages.mkdir()
    src = save_complete(pages, 1)
    site = make_site(tmp_path / "site")
    with umask(0o022):
        code, recs, err = convert(str(src), "-o", str(site))
        assert code == ExitStatus.OK, err
        dest = build(site)
    (published,) = (dest / "postimg").iterdir()
    assert mode(published) & 0o044 == 0o044, oct(mode(published))


def test_a_site_whose_record_cannot_be_kept_gets_no_post_and_no_image(tmp_path: Path) -> None:
    """A post wx2post could not record would be taken for the user's on the next run."""
    pages = tmp_path / "pages"
    pages.mkdir()
    src = save_complete(pages, 1)
    site = tmp_path / "site"
    site.mkdir()
    (site / ".wx2post").write_text("a file where the state folder goes", encoding="utf-8")
    code, recs, err = convert(str(src), "-o", str(site))
    assert code == ExitStatus.FAILED, err
    assert recs[0]["status"] == "failed" and ".wx2post" in recs[0]["reason"]
    assert "nothing can be written to this site" in err
    assert not (site / "_posts").exists() and not (site / "postimg").exists()
