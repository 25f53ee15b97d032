"""The site's state under concurrency, crashes and corruption: real processes on one site,
SIGKILL mid-batch, every corrupt form of posts.json and the journal, a .wx2post/ that links
out of the site, and a property test over arbitrary JSON."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wx2post.cli import main
from wx2post.errors import ExitStatus
from wx2post.state import SiteState
from wx2post.state.records import parse_state, valid_post_path

from .pages import article_url, raw_page

ROOT = Path(__file__).resolve().parent.parent
BODY = "<p>段落。</p>" * 300
REPOST = "---\nlayout: post\ntitle: A\n---\n来源：微信公众号\n#A\n"


def make_pages(folder: Path, numbers: range) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        raw_page(folder, n, body=BODY)
    return folder


def cli(*args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "wx2post", *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def convert(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(main, ["convert", "--json", *args])
    return result.exit_code, [json.loads(x) for x in result.stdout.splitlines() if x.strip()], result.stderr


def on_disk(site: Path) -> set[str]:
    posts = site / "_posts"
    return {p.relative_to(site).as_posix() for p in posts.glob("*.md")} if posts.is_dir() else set()


def recorded(site: Path) -> dict[str, str]:
    """identity -> path, as a fresh read-only SiteState sees it (posts.json + journal)."""
    return SiteState(site).posts()


def compacted(site: Path) -> dict[str, Any]:
    return json.loads((site / ".wx2post" / "posts.json").read_text(encoding="utf-8"))["posts"]


# -- concurrent runs ----------------------------------------------------------------------------


@pytest.mark.parametrize(("runs", "same_folder"), [(2, False), (3, False), (3, True)])
def test_concurrent_runs_on_one_site_record_every_post(tmp_path: Path, runs: int, same_folder: bool) -> None:
    site = tmp_path / "site"
    folders = [
        make_pages(
            tmp_path / ("pages" if same_folder else f"pages{i}"),
            range(1, 13) if same_folder else range(i * 12 + 1, i * 12 + 13),
        )
        for i in range(1 if same_folder else runs)
    ]
    procs = [
        cli("convert", str(folders[0 if same_folder else i]), "-o", str(site), "--jobs", "1", "--json")
        for i in range(runs)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == ExitStatus.OK, err
        assert "Traceback" not in err
    statuses = [json.loads(line)["status"] for out, _ in outputs for line in out.splitlines()]
    expected = 12 if same_folder else 12 * runs
    assert statuses.count("converted") == expected
    assert "failed" not in statuses
    assert len(on_disk(site)) == expected
    assert set(compacted(site)) == {article_url(n) for n in range(1, expected + 1)}
    assert set(recorded(site).values()) == on_disk(site)
    assert not (site / ".wx2post" / "journal.jsonl").exists(), "compacted at the end"


def hold_lock(site: Path, seconds: float) -> subprocess.Popen[str]:
    code = (
        "import sys, time; from pathlib import Path; from wx2post.state.lock import SiteLock\n"
        f"lock = SiteLock(Path({str(site)!r})); lock.acquire()\n"
        f"print('held', flush=True); time.sleep({seconds})"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_run_waits_with_a_message_or_fails_with_no_wait(tmp_path: Path) -> None:
    pages = make_pages(tmp_path / "pages", range(1, 3))
    site = tmp_path / "site"
    holder = hold_lock(site, 3)
    try:
        code, recs, err = convert(str(pages), "-o", str(site), "--no-wait")
        assert code == ExitStatus.BUSY
        assert "another wx2post run is writing to" in err and recs == []
        assert not list(site.glob("_posts/*"))
        post = site / "_posts" / "2022-05-03-a.md"
        post.parent.mkdir(parents=True)
        post.write_text(REPOST, encoding="utf-8")
        fixed = CliRunner().invoke(main, ["fix", str(post), "--write", "--no-wait"])
        assert fixed.exit_code == ExitStatus.BUSY, fixed.output
        assert "another wx2post run is writing to" in fixed.stderr
        assert post.read_text(encoding="utf-8") == REPOST, "nothing repaired while another run writes"
        post.unlink()

        waiter = cli("convert", str(pages), "-o", str(site), "--jobs", "1")
        out, err = waiter.communicate(timeout=120)
        assert holder.poll() is not None, "the waiting run finished only after the holder"
    finally:
        holder.kill()
        holder.wait()
    assert waiter.returncode == ExitStatus.OK, err
    assert "waiting for another wx2post run" in err
    assert len(on_disk(site)) == 2


# -- SIGKILL ---------------------------------------------------------------------------------------


def test_sigkill_mid_batch_loses_nothing_and_the_rerun_knows_its_own_posts(tmp_path: Path) -> None:
    pages = make_pages(tmp_path / "pages", range(1, 41))
    site = tmp_path / "site"
    proc = cli("convert", str(pages), "-o", str(site), "--jobs", "1")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(on_disk(site)) < 6:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    killed_with = on_disk(site)
    assert 0 < len(killed_with) < 40
    assert (site / ".wx2post" / "journal.jsonl").exists(), "the killed run's record is its journal"
    # Every post on disk is recorded (the one in flight too, when its file made it).
    assert killed_with <= set(recorded(site).values())

    code, recs, err = convert(str(pages), "-o", str(site), "--jobs", "1")
    assert code == ExitStatus.OK, err
    assert "PostExists" not in err and "exists" not in err
    statuses = [r["status"] for r in recs]
    assert "failed" not in statuses
    assert statuses.count("unchanged") >= len(killed_with) - 1
    assert len(on_disk(site)) == 40
    assert set(compacted(site)) == {article_url(n) for n in range(1, 41)}
    assert not [p for p in site.rglob(".wx2post-*") if p.suffix == ".tmp"], "stale temporary files swept"


# -- corrupt state ---------------------------------------------------------------------------------

GOOD_SHA = "0" * 64


def entry(path: object, **extra: object) -> bytes:
    post = {"path": path, "sha256": GOOD_SHA, "complete": True, **extra}
    return json.dumps({"version": 1, "posts": {article_url(1): post}, "inputs": {}}).encode()


CORRUPT = {
    "bad-json": b"{not json",
    "truncated": b'{"version": 1, "posts": {"https://mp.weixin.qq.com/s?__biz=',
    "deep-array": b"[" * 100_000 + b"]" * 100_000,
    "deep-object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "binary": b"\xff\xfe\x00\x01garbage",
    "top-level-list": b"[]",
    "posts-list": b'{"version": 1, "posts": []}',
    "path-number": entry(5),
    "path-folder": entry("_posts"),
    "path-escape": entry("../outside.md"),
    "path-absolute": entry("/tmp/wx2post-absolute.md"),
    "path-control": entry("_posts/a\x00.md"),
    "unknown-key": entry("_posts/x.md", owner="me"),
    "complete-string": entry("_posts/x.md", complete="yes"),
    "sha-not-hex": json.dumps({"posts": {"u": {"path": "_posts/x.md", "sha256": "zz"}}}).encode(),
    "version-2": b'{"version": 2, "posts": {}}',
}


@pytest.mark.parametrize("form", sorted(CORRUPT))
def test_a_corrupt_state_is_moved_aside_and_rebuilt_from_the_posts(tmp_path: Path, form: str) -> None:
    pages = make_pages(tmp_path / "pages", range(1, 4))
    site = tmp_path / "site"
    assert convert(str(pages), "-o", str(site))[0] == ExitStatus.OK
    before = {p: (site / p).read_bytes() for p in on_disk(site)}
    state = site / ".wx2post" / "posts.json"
    state.write_bytes(CORRUPT[form])

    code, recs, err = convert(str(pages), "-o", str(site))
    assert code == ExitStatus.OK, err
    assert "Traceback" not in err and "RecursionError" not in err
    assert [r["status"] for r in recs] == ["unchanged"] * 3, "its own posts, recognised (no PostExists)"
    assert "is unreadable" in err and "rebuilt the record from the posts (3 found)" in err
    (aside,) = site.joinpath(".wx2post").glob("posts.json.corrupt-*")
    assert aside.read_bytes() == CORRUPT[form], "moved aside, not discarded"
    assert set(compacted(site)) == {article_url(n) for n in range(1, 4)}
    assert {p: (site / p).read_bytes() for p in on_disk(site)} == before
    assert not (site / "5").exists() and (site / "_posts").is_dir()
    assert not (tmp_path / "outside.md").exists() and not Path("/tmp/wx2post-absolute.md").exists()

    assert "warning" not in convert(str(pages), "-o", str(site))[2], "the rebuilt record is clean"


def test_a_corrupt_journal_line_is_moved_aside_and_a_torn_last_line_ignored(tmp_path: Path) -> None:
    pages = make_pages(tmp_path / "pages", range(1, 3))
    site = tmp_path / "site"
    assert convert(str(pages), "-o", str(site))[0] == ExitStatus.OK
    journal = site / ".wx2post" / "journal.jsonl"
    journal.write_bytes(b'{"op": "set", "post": "x", "path": "_posts/a.md", "sha2')  # killed mid-append
    code, recs, err = convert(str(pages), "-o", str(site))
    assert code == ExitStatus.OK and "warning" not in err
    journal.write_bytes(b'{"op": "set", "post": 7}\n{"op": "done", "post": "x"}\n')
    code, recs, err = convert(str(pages), "-o", str(site))
    assert code == ExitStatus.OK, err
    assert [r["status"] for r in recs] == ["unchanged"] * 2
    assert "journal.jsonl is unreadable" in err
    assert list(site.joinpath(".wx2post").glob("journal.jsonl.corrupt-*"))


def test_an_edited_post_adopted_by_a_rebuild_is_backed_up_before_it_is_regenerated(tmp_path: Path) -> None:
    pages = make_pages(tmp_path / "pages", range(1, 2))
    site = tmp_path / "site"
    assert convert(str(pages), "-o", str(site))[0] == ExitStatus.OK
    (post,) = on_disk(site)
    edited = (site / post).read_text(encoding="utf-8") + "\n我的笔记\n"
    (site / post).write_text(edited, encoding="utf-8")
    (site / ".wx2post" / "posts.json").write_bytes(b"{broken")
    code, recs, err = convert(str(pages), "-o", str(site))
    assert code == ExitStatus.OK, err
    assert [r["status"] for r in recs] == ["converted"], "adopted: its own post, regenerated"
    assert "its previous text is in" in err
    (backup,) = (site / ".wx2post" / "backup").rglob("*.md")
    assert backup.read_text(encoding="utf-8") == edited, "nothing the user wrote is lost"


def test_a_state_folder_linked_out_of_the_site_is_refused(tmp_path: Path) -> None:
    src = raw_page(tmp_path, 1)
    site, outside = tmp_path / "site", tmp_path / "outside"
    outside.mkdir()
    site.mkdir()
    (site / ".wx2post").symlink_to(outside, target_is_directory=True)
    code, recs, err = convert(str(src), "-o", str(site))
    assert code == ExitStatus.USAGE
    assert "outside the site" in err
    assert list(outside.iterdir()) == []
    assert not (site / "_posts").exists()


def test_a_journal_with_a_twin_elsewhere_becomes_a_file_of_its_own(tmp_path: Path) -> None:
    """Appending to a hard-linked journal would write wherever its twin is (outside the
    site, or a `cp -al` snapshot): it is copied to a file of its own first."""
    site = tmp_path / "site"
    code, _, err = convert(str(raw_page(tmp_path, 1)), "-o", str(site))
    assert code == ExitStatus.OK, err
    journal = site / ".wx2post" / "journal.jsonl"  # folded into posts.json at the end of a run
    journal.write_bytes(b"")  # as a killed run leaves it: an empty journal is a valid one
    snapshot = tmp_path / "snapshot.jsonl"
    os.link(journal, snapshot)
    before = snapshot.read_bytes()
    code, _, err = convert(str(raw_page(tmp_path, 2)), "-o", str(site))
    assert code == ExitStatus.OK, err
    assert snapshot.read_bytes() == before, "the twin is untouched"
    assert not journal.exists() or journal.stat().st_nlink == 1  # folded into posts.json again
    assert len(recorded(site)) == 2 and len(on_disk(site)) == 2


def test_a_journal_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    """A FIFO would block the run at open: refused, and no post is written that cannot be recorded."""
    src = raw_page(tmp_path, 1)
    site = tmp_path / "site"
    (site / ".wx2post").mkdir(parents=True)
    os.mkfifo(site / ".wx2post" / "journal.jsonl")
    code, recs, err = convert(str(src), "-o", str(site))
    assert code != ExitStatus.OK
    assert "not a plain file" in err + json.dumps(recs)
    assert not on_disk(site), "no post that could not be recorded"


@pytest.mark.parametrize("where", ["_posts/{name}", ".wx2post/posts.json"])
def test_a_fifo_in_the_site_fails_the_run_cleanly_instead_of_blocking_it(tmp_path: Path, where: str) -> None:
    """A FIFO where a post or the state goes (planted, or left by a tool): opening it would
    wait for a writer for ever. Refused, with the reason; the batch goes on and ends."""
    src = raw_page(tmp_path, 1)
    site = tmp_path / "site"
    dry = convert(str(src), "-o", str(site), "--dry-run")[1]
    name = Path(dry[0]["post"]).name
    fifo = site / where.format(name=name)
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    proc = cli("convert", "--json", str(src), "-o", str(site))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != ExitStatus.OK
    assert "not a plain file" in out + err
    assert stat_is_fifo(fifo), "the FIFO is not replaced by a post"


@pytest.mark.parametrize("fifo", ["list.csv", "evil.html", "export.zip"])
def test_a_fifo_in_an_input_folder_is_skipped_not_waited_on(tmp_path: Path, fifo: str) -> None:
    """A folder of saved pages holding a FIFO (beside the pages, named like a page, a CSV
    list or an export): the run converts the pages and ends."""
    folder = tmp_path / "in"
    folder.mkdir()
    raw_page(folder, 1)
    os.mkfifo(folder / fifo)
    proc = cli("convert", "--json", str(folder), "-o", str(tmp_path / "site"), "--images", "remote")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitStatus.OK, err
    assert len(on_disk(tmp_path / "site")) == 1


def test_a_fifo_named_like_a_part_file_does_not_hold_the_image_store(tmp_path: Path) -> None:
    from .pages import save_complete

    pages = save_complete(tmp_path / "sc", 3)
    site = tmp_path / "site"
    first = cli("convert", str(pages), "-o", str(site))
    first.communicate(timeout=60)
    assert first.returncode == ExitStatus.OK
    assert any((site / "postimg").iterdir()), "the page's image is saved"
    os.mkfifo(site / "postimg" / "evil.0123456789ab.part")
    again = cli("convert", str(pages), "-o", str(site), "--force")
    out, err = again.communicate(timeout=60)
    assert again.returncode == ExitStatus.OK, err


def stat_is_fifo(path: Path) -> bool:
    import stat

    return stat.S_ISFIFO(path.lstat().st_mode)


# -- any JSON at all ---------------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
_NEAR_VALID = st.fixed_dictionaries(
    {
        "version": st.sampled_from([1, 1, 2, "1", True]),
        "posts": st.dictionaries(
            st.text(min_size=1, max_size=30),
            st.fixed_dictionaries(
                {
                    "path": st.sampled_from(
                        ["_posts/a.md", "_posts", "../a.md", "/a.md", "a.md", 5, "_posts//a.md"]
                    )
                    | st.text(max_size=20),
                    "sha256": st.sampled_from([GOOD_SHA, "x", 0]),
                },
                optional={"complete": st.sampled_from([True, False, "no", None]), "extra": _JSON},
            ),
            max_size=3,
        ),
    }
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_JSON | _NEAR_VALID)
def test_any_json_state_opens_and_yields_only_valid_entries(value: object) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        (site / ".wx2post").mkdir(parents=True)
        (site / ".wx2post" / "posts.json").write_text(json.dumps(value), encoding="utf-8")
        state = SiteState(site, writable=True)
        try:
            for path in state.posts().values():
                assert valid_post_path(path) == path
        finally:
            state.close()
        parse_state((site / ".wx2post" / "posts.json").read_text(encoding="utf-8"))  # valid now
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["site"]


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigkill_of_the_parent_leaves_no_worker_behind(tmp_path: Path) -> None:
    if not Path("/proc/self/stat").exists():
        if os.environ.get("CI"):
            pytest.fail("/proc is needed to see the worker processes")
        pytest.skip("no /proc here")
    pages = make_pages(tmp_path / "pages", range(1, 201))
    site = tmp_path / "site"
    proc = cli("convert", str(pages), "-o", str(site), "--jobs", "2")
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while time.monotonic() < deadline and not (len(workers) >= 2 and on_disk(site)):
        workers |= _children(proc.pid)
        time.sleep(0.01)
    assert len(workers) >= 2, "the run started its workers"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    assert not [w for w in workers if _alive(w)], "orphaned workers outlived their killed parent"
