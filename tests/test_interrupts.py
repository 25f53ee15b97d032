"""Ctrl-C never leaves a temporary file or a torn post, wherever it lands.

The CLI stops on SIGINT (exit 130) with every post written whole or not at all. A
`try/finally` clean-up can itself be cut by KeyboardInterrupt, so the writer's
critical sections defer it (`wx2post.interrupts`). These tests send real SIGINTs to
real processes at many different moments.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import frontmatter

from wx2post.errors import ExitStatus

from .pages import raw_page

ROOT = Path(__file__).resolve().parent.parent

SECTION_PROBE = """
import os, signal, sys, time
from wx2post.interrupts import deferred_interrupts
done = []
try:
    with deferred_interrupts():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler has run by now: only recorded
        done.append("section finished")
    done.append("after the section")
except KeyboardInterrupt:
    print(" | ".join(done) + " | interrupted")
"""


def test_a_sigint_inside_a_section_is_raised_when_it_ends() -> None:
    out = subprocess.run([sys.executable, "-c", SECTION_PROBE], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "section finished | interrupted", out.stderr


def test_a_sigint_in_a_section_that_fails_is_raised_not_lost() -> None:
    """A write that fails (a full disk) while Ctrl-C waits: the interrupt is raised, with the
    error as its context, instead of waiting for the next write."""
    code = (
        "import os, signal, time\n"
        "from wx2post.interrupts import deferred_interrupts\n"
        "try:\n"
        "    with deferred_interrupts():\n"
        "        os.kill(os.getpid(), signal.SIGINT); time.sleep(0.05)\n"
        "        raise OSError('No space left on device')\n"
        "except KeyboardInterrupt as exc:\n"
        "    print('interrupted after', exc.__context__)\n"
        "with deferred_interrupts():\n"
        "    pass\n"
        "print('the next section runs')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.splitlines() == ["interrupted after No space left on device", "the next section runs"]


def test_a_sigint_outside_any_section_interrupts_at_once() -> None:
    code = (
        "import os, signal, time\n"
        "from wx2post.interrupts import deferred_interrupts\n"
        "with deferred_interrupts():\n"
        "    pass\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGINT); time.sleep(5); print('slept')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "interrupted", out.stderr


# Ctrl-C landing right after the temporary file is opened: the moment a plain
# try/finally cannot cover (the file exists, its clean-up is not set up yet).
CTRL_C_AFTER_OPEN = """
import os, signal, sys
from pathlib import Path
from wx2post import files
real_fdopen = os.fdopen
def fdopen(fd, *args, **kwargs):
    handle = real_fdopen(fd, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGINT)
    return handle
files.os.fdopen = fdopen
site = Path(sys.argv[1])
try:
    if sys.argv[2] == "post":
        files.write_file(site, "_posts/a.md", "正文".encode() * 1000)
    else:  # a download's part file, streamed into outside any section
        with files.stage(site, "img", suffix=".part") as part:
            part.file.write(b"x")
    print("not interrupted")
except KeyboardInterrupt:
    print("interrupted")
"""


def ctrl_c_after_open(site: Path, what: str) -> str:
    """What the probe printed: Ctrl-C sent right after `what`'s file was opened."""
    folder = site / ("_posts" if what == "post" else "img")
    folder.mkdir(parents=True)
    out = subprocess.run(
        [sys.executable, "-c", CTRL_C_AFTER_OPEN, str(site), what], capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_ctrl_c_right_after_a_post_file_is_opened_waits_for_the_post(tmp_path: Path) -> None:
    assert ctrl_c_after_open(tmp_path, "post") == "interrupted"
    assert [p.name for p in (tmp_path / "_posts").iterdir()] == ["a.md"]  # whole, and nothing else
    assert (tmp_path / "_posts" / "a.md").read_bytes() == "正文".encode() * 1000


def test_ctrl_c_right_after_a_part_file_is_opened_removes_it(tmp_path: Path) -> None:
    assert ctrl_c_after_open(tmp_path, "part") == "interrupted"
    assert list((tmp_path / "img").iterdir()) == []


def test_sigint_at_random_moments_of_a_batch_leaves_only_whole_posts(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for n in range(1, 121):
        raw_page(pages, n, body="<p>段落。</p>" * 50)
    rng = random.Random(13)
    for attempt in range(6):
        site = tmp_path / f"site{attempt}"
        cmd = [sys.executable, "-m", "wx2post", "convert", str(pages), "-o", str(site), "-q"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        posts = site / "_posts"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (posts.exists() and any(posts.iterdir())):
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.3))  # somewhere in the middle of writing
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode in (ExitStatus.INTERRUPTED, ExitStatus.OK), err.decode()
        leftovers = [p for p in site.rglob("*") if p.name.startswith(".wx2post-") or p.suffix == ".tmp"]
        assert leftovers == [], err.decode()
        for post in posts.iterdir():
            assert frontmatter.load(post)["title"].startswith("第")


def test_fix_interrupted_is_status_130_like_convert(tmp_path: Path) -> None:
    """click answers Ctrl-C with `Aborted!` and status 1; every wx2post command answers 130."""
    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    for n in range(400):
        (posts / f"2020-01-01-p{n}.md").write_text(
            f"---\nlayout: post\ntitle: t{n}\n---\n来源：微信公众号\n\n#标题\n\n****\n", encoding="utf-8"
        )
    cmd = [sys.executable, "-m", "wx2post", "fix", str(tmp_path / "site"), "--write", "--images", "remote"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    while not any(p.name.endswith(".bak") for p in posts.iterdir()):  # it has begun writing
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitStatus.INTERRUPTED, err.decode()
    assert "wx2post: interrupted" in err.decode() and "Aborted!" not in err.decode()


def test_ctrl_c_as_a_run_ends_never_kills_it_by_the_signal(tmp_path: Path) -> None:
    """A SIGINT as the interpreter exits (after it restored the default handler) killed the
    process (-2) after a finished, reported run. Every moment around the end gives 0 or 130."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for n in range(1, 21):
        raw_page(pages, n)
    seen = set()
    for attempt in range(12):
        site = tmp_path / f"site{attempt}"
        cmd = [sys.executable, "-m", "wx2post", "convert", str(pages), "-o", str(site), "-q", "--jobs", "1"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        posts = site / "_posts"
        while proc.poll() is None and len(list(posts.glob("*.md")) if posts.is_dir() else []) < 20:
            time.sleep(0.002)
        time.sleep(attempt * 0.004)  # the last post is written: the run is ending
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode in (ExitStatus.OK, ExitStatus.INTERRUPTED), (attempt, proc.returncode, err)
        seen.add(proc.returncode)
    assert ExitStatus.OK in seen
