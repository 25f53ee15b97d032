"""Batch conversion speed and memory: 1,000 generated saved pages, --jobs 1 and --jobs 2.

    python benchmarks/batch.py [--pages 1000] [--small 250]

Generates varied pages from the project's own fixtures (tests/pages.py: text,
bold runs, lists, tables, code snippets; 20-400 paragraphs), converts them
offline with `wx2post convert DIR -o SITE`, and prints pages per second for
--jobs 1 and 2, the speed-up, and the peak memory (the sum of the resident sizes
of wx2post and its workers, sampled every 10 ms) for the small and the full set.
Targets (issue 5): speed-up >= 1.7x on 2 cores; peak for 1,000 pages <= 1.2x
the peak for 250.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pages import article_html  # noqa: E402


def body(rng: random.Random, n: int) -> str:
    parts = []
    for i in range(rng.randint(20, 400)):
        kind = rng.random()
        if kind < 0.7:
            parts.append(
                f"<p><span>第{i}段，</span><strong>加粗</strong><strong>的字</strong>与普通文字。</p>"
            )
        elif kind < 0.8:
            parts.append("<ul><li><section>要点一</section></li><li><section>要点二</section></li></ul>")
        elif kind < 0.9:
            parts.append("<table><tr><td>列一</td><td>列二</td></tr><tr><td>1</td><td>2</td></tr></table>")
        else:
            lines = "".join(f"<code>line {j} = {{{{ {n} }}}}</code>" for j in range(8))
            parts.append(f"<pre class='code-snippet__js' data-lang='python'>{lines}</pre>")
    return "".join(parts)


def generate(folder: Path, count: int) -> None:
    rng = random.Random(count)
    folder.mkdir(parents=True)
    for n in range(1, count + 1):
        (folder / f"page-{n:05d}.html").write_text(article_html(n, body=body(rng, n)), encoding="utf-8")


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return total


def convert(pages: Path, site: Path, jobs: int) -> tuple[float, int]:
    cmd = [sys.executable, "-m", "wx2post", "convert", str(pages), "-o", str(site), "-q", "--jobs", str(jobs)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    done.set()
    sampler.join()
    elapsed = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"wx2post exited {code}")
    return elapsed, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--small", type=int, default=250)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        full, small = root / "full", root / "small"
        generate(full, args.pages)
        generate(small, args.small)
        size = sum(p.stat().st_size for p in full.iterdir()) / 1e6
        print(f"pages: {args.pages} generated ({size:.1f} MB), and {args.small} for the memory comparison")
        t1, m1 = convert(full, root / "site-j1", 1)
        t2, m2 = convert(full, root / "site-j2", 2)
        _, m_small = convert(small, root / "site-small", 2)
        print(f"--jobs 1: {t1:6.2f} s  {args.pages / t1:6.1f} pages/s  peak {m1 / 2**20:6.1f} MiB")
        print(f"--jobs 2: {t2:6.2f} s  {args.pages / t2:6.1f} pages/s  peak {m2 / 2**20:6.1f} MiB")
        print(f"speed-up: {t1 / t2:.2f}x  (target >= 1.7)")
        print(
            f"peak memory, --jobs 2: {args.small} pages {m_small / 2**20:.1f} MiB, "
            f"{args.pages} pages {m2 / 2**20:.1f} MiB, ratio {m2 / m_small:.2f}  (target <= 1.2)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
