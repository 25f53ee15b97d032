"""The one writer (wx2post/files.py): inside the site whatever is a link, whole or not at all,
modes the umask allows, existing modes kept, never through a hard link, nothing clobbered."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wx2post import files
from wx2post.errors import PostExists, UnsafePath, WriteFailed

from .mounts import fill, remount_read_only, tmpfs
from .tools import mode, umask


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".wx2post-") or p.suffix == ".part")


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_get_the_mode_the_umask_allows(tmp_path: Path, mask: int, expected: int) -> None:
    with umask(mask):
        post = files.write_file(tmp_path, "_posts/a.md", b"text")
        with files.stage(tmp_path, "postimg", prefix="img.", suffix=".part") as part:
            part.file.write(b"\x89PNG")
            image = part.commit("img.png", replace=False)
    assert mode(post) == expected
    assert mode(image) == expected


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    post = files.write_file(tmp_path, "_posts/a.md", b"secret")
    post.chmod(0o600)
    files.write_file(tmp_path, "_posts/a.md", b"new")
    assert mode(post) == 0o600
    assert post.read_bytes() == b"new"


def test_a_hard_link_out_of_the_site_is_never_written_through(tmp_path: Path) -> None:
    """A post hard-linked to a file outside the site (an attacker's twin of ~/.bashrc, a
    backup tool's snapshot): the post is replaced, the file outside keeps its bytes."""
    site = tmp_path / "site"
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not the site's")
    outside.chmod(0o600)
    (site / "_posts").mkdir(parents=True)
    post = site / "_posts" / "a.md"
    os.link(outside, post)
    files.write_file(site, "_posts/a.md", b"new post")
    assert outside.read_bytes() == b"not the site's"
    assert outside.stat().st_nlink == 1
    assert post.read_bytes() == b"new post"
    assert mode(post) == 0o600, "the replaced post keeps its mode"
    assert leftovers(site) == []


def test_a_symlinked_post_is_written_through_to_its_target_inside_the_site(tmp_path: Path) -> None:
    real = files.write_file(tmp_path, "drafts/real.md", b"old")
    link = tmp_path / "_posts" / "a.md"
    link.parent.mkdir()
    link.symlink_to("../drafts/real.md")
    written = files.write_file(tmp_path, "_posts/a.md", b"new")
    assert written == real.resolve()
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_a_symlinked_post_pointing_outside_the_site_is_refused(tmp_path: Path) -> None:
    site, outside = tmp_path / "site", tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_bytes(b"credentials")
    (site / "_posts").mkdir(parents=True)
    (site / "_posts" / "a.md").symlink_to(outside / "secret.md")
    with pytest.raises(UnsafePath, match="outside the site"):
        files.write_file(site, "_posts/a.md", b"new")
    assert (outside / "secret.md").read_bytes() == b"credentials"


@pytest.mark.parametrize("folder", ["postimg", ".wx2post", "_posts", "img/deep"])
def test_a_folder_linked_out_of_the_site_is_refused(tmp_path: Path, folder: str) -> None:
    site, outside = tmp_path / "site", tmp_path / "outside"
    outside.mkdir()
    link = site / folder.split("/")[0]
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePath, match="outside the site"):
        files.write_file(site, f"{folder}/x.png", b"data")
    with pytest.raises(UnsafePath):
        files.stage(site, folder)
    assert list(outside.rglob("*")) == []


def test_no_clobbering_and_unique_names(tmp_path: Path) -> None:
    mine = files.write_file(tmp_path, "_posts/.a.md.bak", b"the user's own file")
    with pytest.raises(PostExists):
        files.write_file(tmp_path, "_posts/.a.md.bak", b"backup", replace=False)
    first = files.write_unique(tmp_path, "_posts/.a.md.bak", b"backup 1")
    second = files.write_unique(tmp_path, "_posts/.a.md.bak", b"backup 2")
    assert mine.read_bytes() == b"the user's own file"
    assert (first.name, second.name) == (".a.md.1.bak", ".a.md.2.bak")
    assert first.read_bytes() == b"backup 1" and second.read_bytes() == b"backup 2"


def test_a_folder_in_the_way_is_a_clear_failure(tmp_path: Path) -> None:
    (tmp_path / "_posts" / "a.md").mkdir(parents=True)
    with pytest.raises(WriteFailed, match="folder"):
        files.write_file(tmp_path, "_posts/a.md", b"x")
    with pytest.raises(WriteFailed, match="folder"):
        files.write_file(tmp_path, "_posts", b"x")


def test_a_full_disk_fails_cleanly_and_keeps_the_old_file(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "fs", "64k") as fs:
        post = files.write_file(fs, "_posts/a.md", b"old text")
        os.link(post, fs / "hard.md")
        fill(fs)
        with pytest.raises(WriteFailed, match="No space left"):
            files.write_file(fs, "_posts/b.md", b"x" * 100_000)
        with pytest.raises(WriteFailed, match="No space left"):
            files.write_file(fs, "_posts/a.md", b"y" * 100_000)  # hard-linked: replaced too
        assert post.read_bytes() == b"old text"
        assert not (fs / "_posts" / "b.md").exists()
        assert leftovers(fs) == []


def test_a_read_only_site_fails_cleanly(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "fs", "1m") as fs:
        files.write_file(fs, "_posts/a.md", b"old")
        remount_read_only(fs)
        for path in ("_posts/a.md", "_posts/b.md", "postimg/c.png"):
            with pytest.raises(WriteFailed, match="Read-only file system"):
                files.write_file(fs, path, b"new")
        assert (fs / "_posts" / "a.md").read_bytes() == b"old"


# -- hostile paths: whatever the path and the links, nothing lands outside the site ------------

_PARTS = st.sampled_from(
    ["..", ".", "a", "b", "a/", "../site/a", "out", "in", "post.md", "", "/", "/tmp", "x/../.."]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(_PARTS, min_size=1, max_size=6))
def test_hostile_paths_never_write_outside_the_site(parts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site, outside = root / "site", root / "outside"
        (site / "inner").mkdir(parents=True)
        outside.mkdir()
        (site / "out").symlink_to(outside, target_is_directory=True)
        (site / "in").symlink_to(site / "inner", target_is_directory=True)
        (site / "inner" / "post.md").symlink_to(outside / "secret.md")
        twin = outside / "twin.md"
        twin.write_bytes(b"outside")
        os.link(twin, site / "a")  # a hard link, which says nothing of where its twin is
        path = "/".join(parts)
        try:
            written = files.write_file(site, path, b"data")
        except (UnsafePath, WriteFailed, PostExists):
            written = None
        if written is not None:
            assert written.resolve().is_relative_to(site.resolve())
            assert written.read_bytes() == b"data"
        assert list(outside.iterdir()) == [twin]
        assert twin.read_bytes() == b"outside"
        assert not any(p.name != "site" and p.name != "outside" for p in root.iterdir())
