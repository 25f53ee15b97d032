"""examples/daily/wx2post-daily.sh, the job a user copies, run for real against a bridge on 127.0.0.1.

Three mornings in a git repository: the first commits every post, the second
finds nothing new (no commit, no request to WeChat, exit 0), the third commits
only the new article. A feed that breaks fails the job, after committing what worked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .feedserver import Bridge
from .loopback import LoopbackServer
from .mpserver import SECRET, FakeMp

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "daily" / "wx2post-daily.sh"
WORKFLOW = SCRIPT.parent / "github-workflow.yml"


@pytest.fixture
def morning() -> Iterator[tuple[Bridge, FakeMp]]:
    with LoopbackServer() as server:
        mp = FakeMp(server)
        yield Bridge(server), mp
        mp.close()


def git(blog: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "core.quotePath=false", *args], cwd=blog, check=True, capture_output=True, text=True
    ).stdout


def new_blog(tmp_path: Path, bridge: Bridge) -> Path:
    if shutil.which("git") is None:
        pytest.fail("git is needed to run the daily job")
    blog = tmp_path / "blog"
    (blog / "_posts").mkdir(parents=True)
    (blog / "_config.yml").write_text("title: blog\ntimezone: Asia/Shanghai\n", encoding="utf-8")
    (blog / "subscriptions.opml").write_bytes(bridge.opml().encode("utf-8"))
    git(blog, "init", "-q")
    git(blog, "add", "-A")
    git(blog, "commit", "-q", "-m", "blog")
    return blog


def run_job(blog: Path, mp: FakeMp) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WX2POST": f"{sys.executable} -m wx2post",
        "WX2POST_MP_BASE_URL": mp.base,
        "WX2POST_DELAY": "0",
        "GIT_AUTHOR_NAME": "job",
        "GIT_AUTHOR_EMAIL": "job@example.invalid",
        "GIT_COMMITTER_NAME": "job",
        "GIT_COMMITTER_EMAIL": "job@example.invalid",
    }
    return subprocess.run(
        ["bash", str(SCRIPT)], cwd=blog, env=env, capture_output=True, text=True, timeout=300
    )


def commits(blog: Path) -> list[str]:
    return git(blog, "log", "--format=%s").splitlines()


def test_three_mornings_commit_only_what_is_new(morning: tuple[Bridge, FakeMp], tmp_path: Path) -> None:
    bridge, mp = morning
    bridge.broken = False
    bridge.add_full(1)
    bridge.add_full(2, to_json=True)
    bridge.summaries = [mp.add(1)]
    blog = new_blog(tmp_path, bridge)

    first = run_job(blog, mp)
    assert first.returncode == 0, first.stderr
    assert commits(blog)[0] == "wx2post: 3 new post(s) from subscriptions.opml"
    tracked = git(blog, "ls-files").splitlines()
    assert len([f for f in tracked if f.startswith("_posts/")]) == 3
    assert ".wx2post/daily.jsonl" not in tracked  # the log stays out of the blog
    assert all(SECRET not in (blog / f).read_text(encoding="utf-8", errors="replace") for f in tracked)
    assert len(mp.hits) == 1  # only the summary item was fetched

    second = run_job(blog, mp)
    assert second.returncode == 0, second.stderr
    assert "nothing new" in second.stdout
    assert len(commits(blog)) == 2 and len(mp.hits) == 1

    bridge.add_full(3)
    third = run_job(blog, mp)
    assert third.returncode == 0, third.stderr
    assert commits(blog)[0] == "wx2post: 1 new post(s) from subscriptions.opml"
    assert len(mp.hits) == 1
    assert len((blog / ".wx2post" / "daily.jsonl").read_text(encoding="utf-8").splitlines()) >= 9


def test_a_broken_feed_fails_the_job_after_committing_what_worked(
    morning: tuple[Bridge, FakeMp], tmp_path: Path
) -> None:
    bridge, mp = morning
    bridge.add_full(1)
    blog = new_blog(tmp_path, bridge)  # the list names the broken feed too
    job = run_job(blog, mp)
    assert job.returncode == 1
    assert commits(blog)[0] == "wx2post: 1 new post(s) from subscriptions.opml"


def test_a_usage_error_commits_nothing(morning: tuple[Bridge, FakeMp], tmp_path: Path) -> None:
    bridge, mp = morning
    blog = new_blog(tmp_path, bridge)
    (blog / "wx2post.toml").write_text("preset = 'wordpress'\n", encoding="utf-8")
    job = run_job(blog, mp)
    assert job.returncode == 2
    assert "nothing committed" in job.stderr and len(commits(blog)) == 1


def test_the_workflow_runs_the_script_once_at_a_time() -> None:
    import yaml

    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = flow["jobs"]["publish"]["steps"]
    assert any("./wx2post-daily.sh" in str(s.get("run", "")) for s in steps)
    assert flow["concurrency"]["cancel-in-progress"] is False
    assert flow["permissions"]["contents"] == "write"
