"""`fix --write` and the site's record: a post wx2post wrote stays wx2post's once repaired (a
later convert regenerates it), a post the user edited is repaired but never claimed, and a fix
and a convert on one site at once (real processes) both keep the record valid."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import wx2post.cli.fix as fixcmd
from wx2post.cli import main
from wx2post.errors import ExitStatus
from wx2post.http import HttpClient
from wx2post.images import ImageSettings
from wx2post.state import SiteState
from wx2post.state.records import parse_state
from wx2post.store import ImageStore

from .loopback import LoopbackServer, Reply, fake_png
from .mounts import remount_read_only, tmpfs
from .pages import article_url, image_url, raw_page
from .test_fix_cli import LoopbackCdn

ROOT = Path(__file__).resolve().parent.parent
PNG = {"Content-Type": "image/png"}


@pytest.fixture
def cdn(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    """mmbiz.qpic.cn for the stores `wx2post fix` opens, served from 127.0.0.1."""
    with LoopbackServer() as server, contextlib.ExitStack() as clients:

        def cdn_store(site: Path, settings: ImageSettings) -> ImageStore:
            client = clients.enter_context(HttpClient(resolve=lambda host, port: ["127.0.0.1"]))
            client.session.mount("https://mmbiz.qpic.cn/", LoopbackCdn(server.base))
            return ImageStore(site, settings, client)

        monkeypatch.setattr(fixcmd, "open_store", cdn_store)
        for n in range(1, 4):
            path = image_url(n).removeprefix("https://mmbiz.qpic.cn").split("?")[0]
            server.route(path, lambda r, n=n: Reply(200, fake_png(n), PNG))
        yield server


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def statuses(out: str) -> list[str]:
    return [json.loads(line)["status"] for line in out.splitlines() if line.strip()]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded_hash(site: Path, n: int) -> str:
    written = SiteState(site).get(article_url(n))
    assert written is not None
    return written.sha256


def saved_again(page: Path) -> None:
    """The page saved anew (same bytes, a later mtime): convert reads it as a new input."""
    stat = page.stat()
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_a_post_convert_wrote_is_still_its_own_after_fix_write(tmp_path: Path, cdn: LoopbackServer) -> None:
    page = raw_page(tmp_path, 1, images=(image_url(1),))
    site = tmp_path / "site"
    code, out, err = cli("convert", str(page), "-o", str(site), "--images", "remote")
    assert code == ExitStatus.OK, err
    post = Path(out.strip())
    converted = post.read_bytes()
    assert recorded_hash(site, 1) == sha(post)

    code, out, err = cli("fix", str(post), "--write", "--allow-private-addresses")
    assert code == ExitStatus.OK, out + err
    repaired = post.read_text(encoding="utf-8")
    assert "{{site.baseurl}}/postimg/" in repaired and "mmbiz.qpic.cn" not in repaired
    assert recorded_hash(site, 1) == sha(post), "the repaired text is recorded as wx2post's"
    assert not (site / ".wx2post" / "journal.jsonl").exists(), "compacted when fix closed the record"

    saved_again(page)
    code, out, err = cli("convert", str(page), "-o", str(site), "--images", "remote", "--json")
    assert code == ExitStatus.OK, err
    assert statuses(out) == ["converted"] and "exists" not in err
    assert post.read_bytes() == converted, "regenerated: convert's own text again"
    assert recorded_hash(site, 1) == sha(post)


def test_a_post_the_user_edited_is_repaired_but_stays_the_users(tmp_path: Path, cdn: LoopbackServer) -> None:
    page = raw_page(tmp_path, 2, images=(image_url(2),))
    site = tmp_path / "site"
    code, out, err = cli("convert", str(page), "-o", str(site), "--images", "remote")
    assert code == ExitStatus.OK, err
    post = Path(out.strip())
    wx2post_wrote = recorded_hash(site, 2)
    post.write_text(post.read_text(encoding="utf-8") + "\n我自己加的一段。\n", encoding="utf-8")

    code, out, err = cli("fix", str(post), "--write", "--allow-private-addresses")
    assert code == ExitStatus.OK, err
    repaired = post.read_bytes()
    assert b"{{site.baseurl}}/postimg/" in repaired and "我自己加的一段。".encode() in repaired
    assert recorded_hash(site, 2) == wx2post_wrote != sha(post), "fix does not claim the user's post"

    saved_again(page)
    code, out, err = cli("convert", str(page), "-o", str(site), "--images", "remote", "--json")
    assert code == ExitStatus.FAILED
    assert statuses(out) == ["failed"] and "exists (use --force to overwrite)" in err
    assert post.read_bytes() == repaired, "the user's post is never overwritten"


def test_fix_of_an_unrecorded_post_records_nothing(tmp_path: Path, cdn: LoopbackServer) -> None:
    site = tmp_path / "site"
    post = site / "_posts" / "2022-05-03-a.md"
    post.parent.mkdir(parents=True)
    post.write_text(
        f"---\nlayout: post\ntitle: A\n---\n来源：微信公众号\n\n![]({image_url(3)})\n", encoding="utf-8"
    )
    code, out, err = cli("fix", str(post), "--write", "--allow-private-addresses")
    assert code == ExitStatus.OK, err
    assert "{{site.baseurl}}/postimg/" in post.read_text(encoding="utf-8")
    assert SiteState(site).posts() == {}


# -- a fix and a convert at once --------------------------------------------------------------


def spawn(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WX2POST_")}
    cmd = [sys.executable, "-m", "wx2post", *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)


def with_tracking_links(site: Path) -> dict[str, Path]:
    """Every post given a link with a `utm_` parameter (which fix removes) and recorded as
    wx2post's: the posts an older wx2post wrote. identity -> post."""
    state = SiteState(site, writable=True)
    found: dict[str, Path] = {}
    try:
        for identity, relpath in state.posts().items():
            post = site / relpath
            text = (
                post.read_text(encoding="utf-8")
                + "\n[更多](https://example.com/more?utm_source=wechat&id=7)\n"
            )
            post.write_text(text, encoding="utf-8")
            state.record(identity, relpath, text.encode("utf-8"), complete=True)
            found[identity] = post
    finally:
        state.close()
    return found


def test_fix_write_and_convert_at_once_keep_the_record_valid(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    site = tmp_path / "site"
    for n in range(1, 13):
        raw_page(old, n, body=f"<p>旧文{n}。</p>" * 50)
        raw_page(new, 100 + n, body=f"<p>新文{n}。</p>" * 50)
    code, out, err = cli("convert", str(old), "-o", str(site), "--images", "remote")
    assert code == ExitStatus.OK, err
    fixed = with_tracking_links(site)
    assert len(fixed) == 12

    fixer = spawn("fix", str(site), "--write", "--images", "remote", "--json")
    converter = spawn("convert", str(new), "-o", str(site), "--images", "remote", "--json", "--jobs", "2")
    outputs = [p.communicate(timeout=300) for p in (fixer, converter)]
    for proc, (_out, err) in zip((fixer, converter), outputs, strict=True):
        assert proc.returncode == ExitStatus.OK, err
        assert "Traceback" not in err and "warning" not in err, err
    fixed_records = [json.loads(line) for line in outputs[0][0].splitlines()]
    changed = {r["path"] for r in fixed_records if r["status"] == "changed"}
    assert {str(p) for p in fixed.values()} <= changed, "every old post repaired"
    assert statuses(outputs[1][0]) == ["converted"] * 12

    said: list[str] = []
    state = SiteState(site, say=said.append)
    assert said == [], "posts.json and the journal read back without a problem"
    parse_state((site / ".wx2post" / "posts.json").read_text(encoding="utf-8"))
    assert not (site / ".wx2post" / "journal.jsonl").exists(), "both runs compacted"
    assert len(state.posts()) == 24
    for identity, relpath in state.posts().items():
        written = state.get(identity)
        assert written is not None and written.sha256 == sha(site / relpath), relpath
    for post in fixed.values():
        assert "utm_source" not in post.read_text(encoding="utf-8")

    for page in old.iterdir():
        saved_again(page)
    code, out, err = cli("convert", str(old), "-o", str(site), "--images", "remote", "--json")
    assert code == ExitStatus.OK, err
    assert statuses(out) == ["converted"] * 12, "the repaired posts are still wx2post's"


def test_fix_write_killed_mid_batch_leaves_every_post_wx2posts(tmp_path: Path) -> None:
    """SIGKILL while fix --write repairs a batch: each post holds its old text (and the old
    record) or its repaired text (recorded by the journaled intent), never a post the record
    disowns; the next convert regenerates them all."""
    pages, site = tmp_path / "pages", tmp_path / "site"
    pages.mkdir()
    for n in range(1, 61):
        raw_page(pages, n, body=f"<p>第{n}篇。</p>" * 400)
    code, out, err = cli("convert", str(pages), "-o", str(site), "--images", "remote")
    assert code == ExitStatus.OK, err
    fixed = with_tracking_links(site)
    fixer = spawn("fix", str(site), "--write", "--no-backup", "--images", "remote", "--json")
    assert fixer.stdout is not None
    for _ in range(5):
        assert json.loads(fixer.stdout.readline())["status"] == "changed"
    os.kill(fixer.pid, signal.SIGKILL)
    fixer.communicate(timeout=60)
    repaired = [p for p in fixed.values() if "utm_source" not in p.read_text(encoding="utf-8")]
    assert 5 <= len(repaired) < len(fixed), f"killed mid-batch ({len(repaired)} repaired)"

    said: list[str] = []
    state = SiteState(site, say=said.append)
    assert said == []
    for identity, post in fixed.items():
        written = state.get(identity)
        assert written is not None and written.sha256 == sha(post), f"{post.name} is still wx2post's"
    assert not list(site.rglob(".wx2post-*.tmp"))

    for page in pages.iterdir():
        saved_again(page)
    code, out, err = cli("convert", str(pages), "-o", str(site), "--images", "remote", "--json")
    assert code == ExitStatus.OK, err
    assert statuses(out) == ["converted"] * 60


def test_fix_write_on_a_site_whose_record_cannot_be_kept_repairs_nothing(tmp_path: Path) -> None:
    """A read-only site (a real read-only mount): exit 1 with the reason, the post unchanged,
    no traceback; the dry run still reports."""
    with tmpfs(tmp_path / "site", "1m") as site:
        post = site / "_posts" / "2022-05-03-a.md"
        post.parent.mkdir()
        post.write_text(
            "---\nlayout: post\ntitle: A\n---\n来源：微信公众号\n\n[x](javascript:alert(1))\n",
            encoding="utf-8",
        )
        before = post.read_bytes()
        remount_read_only(site)
        code, out, err = cli("fix", str(post), "--write", "--images", "remote")
        assert code == ExitStatus.FAILED, out + err
        assert "Read-only file system" in err and "nothing can be written to this site" in err
        assert "Traceback" not in err and out == ""
        assert post.read_bytes() == before
        code, out, err = cli("fix", str(post), "--images", "remote")
        assert code == ExitStatus.OK and "would change" in out
