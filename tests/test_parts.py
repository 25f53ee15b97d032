"""The `.part` files of image downloads: a real run killed with SIGKILL mid-download leaves one,
a live run's is never touched, and the next run removes the orphan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from wx2post.cli import main
from wx2post.images import ImageSettings
from wx2post.models import ImageRef
from wx2post.parts import remove_orphans
from wx2post.sources import PageSource
from wx2post.store import ImageStore

from .loopback import LoopbackServer, Reply, Request, fake_png
from .test_cli_images import page

ROOT = Path(__file__).resolve().parent.parent
PNG = fake_png(5, 512 * 1024)  # half of it is several of the reader's 64 KiB chunks


def wait_for(check: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_killed_runs_part_file_goes_at_the_next_run_and_a_live_ones_stays(
    server: LoopbackServer, tmp_path: Path
) -> None:
    release = threading.Event()

    def half_then_wait(req: Request) -> None:
        h = req.handler
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        h.send_header("Content-Length", str(len(PNG)))
        h.end_headers()
        h.wfile.write(PNG[: len(PNG) // 2])
        h.wfile.flush()
        release.wait(60)  # the rest never comes while the test runs
        h.close_connection = True

    server.route("/slow.png", half_then_wait)
    server.route("/other.png", lambda r: Reply(200, fake_png(6), {"Content-Type": "image/png"}))
    src = page(tmp_path / "a.html", [server.url("/slow.png")])
    site = tmp_path / "site"
    folder = site / "postimg"
    cmd = [sys.executable, "-m", "wx2post", "convert", str(src), "-o", str(site), "--allow-private-addresses"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(
            lambda: any(p.stat().st_size > 0 for p in folder.glob("*.part")) if folder.exists() else False
        )
        (live,) = folder.glob("*.part")

        # Another run stores an image in the same folder meanwhile: the live download is left alone.
        with ImageStore(site, ImageSettings(allow_private=True)) as store:
            (other,) = store.localise([ImageRef(server.url("/other.png"))], PageSource(html="", origin="t"))
        assert other.source == "network"
        assert live.exists() and remove_orphans(folder) == []

        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        release.set()
    assert proc.returncode == -signal.SIGKILL
    assert live.exists(), "SIGKILL leaves the part file behind"

    server.route("/slow.png", lambda r: Reply(200, PNG, {"Content-Type": "image/png"}))
    result = CliRunner().invoke(main, ["convert", str(src), "-o", str(site), "--allow-private-addresses"])
    assert result.exit_code == 0, result.stderr
    assert not list(folder.glob("*.part")), "the next run removed the orphan"
    assert sorted(p.suffix for p in folder.iterdir()) == [".png", ".png"]


def test_only_part_files_are_removed(tmp_path: Path) -> None:
    names = ["a.0123456789ab.part", "mine.part", "notes.txt", "x.0123456789ab.part.bak", "b.png"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    os.symlink(tmp_path / "b.png", tmp_path / "link.0123456789ab.part")
    assert remove_orphans(tmp_path) == ["a.0123456789ab.part"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[1:], "link.0123456789ab.part"])
