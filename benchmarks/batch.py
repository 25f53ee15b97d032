"""Batch conversion speed and memory: --jobs 1 against --jobs 2, and peak memory.

    python benchmarks/batch.py [--pages 200] [--memory 250,1000] [--repeat 3] [CORPUS_DIR]

1. Speed on generated pages: varied pages from the project's own fixtures
   (tests/pages.py: text, bold runs, lists, tables, code snippets; 20-400
   paragraphs), converted with `wx2post convert DIR -o SITE --images remote`
   (offline: images are benchmarks/images.py's subject).
2. Speed on a folder of real saved pages: the corpus's article pages (about two
   dozen; its failure pages are left out, a verification page stops a run),
   copied to a temporary folder with their `_files` companions.
3. Peak memory with --jobs 2 for the two generated sets of --memory: the sum of
   the resident sizes of wx2post and its workers, sampled every 10 ms.

Each run is a whole process into a new site. --jobs 1 and --jobs 2 take turns,
--repeat times, and the speed-up is the median of each pair's ratio, so a busy
machine slows both alike. The CPU time of each run (wx2post and its workers)
shows what does not depend on the machine's load: what working in parallel costs
in CPU, and how many cores --jobs 2 kept busy (below 2: the machine was busy).
Targets (issue 13): speed-up >= 1.9 on 200 pages and >= 1.6 on the folder of real
pages; peak for 1,000 pages <= 1.2x the peak for 250 (memory flat in the number
of pages).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
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


def convert(pages: Path, site: Path, jobs: int) -> tuple[float, int, float]:
    """Wall seconds, peak memory (bytes) and CPU seconds of one `wx2post convert` into a
    new site."""
    shutil.rmtree(site, ignore_errors=True)
    # --images remote: offline, and the conversion is what is timed (images: benchmarks/images.py)
    cmd = [
        sys.executable,
        "-m",
        "wx2post",
        "convert",
        str(pages),
        "-o",
        str(site),
        "-q",
        "--images",
        "remote",
    ]
    cmd += ["--jobs", str(jobs)]
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
    # wait4: the CPU time of wx2post and of the workers it waited for.
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    elapsed = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"wx2post exited {code}")
    return elapsed, peak, usage.ru_utime + usage.ru_stime


def speed_up(pages: Path, site: Path, count: int, repeat: int, target: float, what: str) -> None:
    """--jobs 1 and --jobs 2 in turn; the median of the pairs' ratios against the target."""
    pairs = []
    for _ in range(repeat):
        t1, _, cpu1 = convert(pages, site, 1)
        t2, _, cpu2 = convert(pages, site, 2)
        pairs.append((t1, t2, cpu1, cpu2))
    ratio = statistics.median(p[0] / p[1] for p in pairs)
    t1, t2, cpu1, cpu2 = (statistics.median(p[i] for p in pairs) for i in range(4))
    verdict = "meets" if ratio >= target else "MISSES"
    print(f"{what}: {count} pages")
    print(f"  --jobs 1: {t1:6.2f} s  {count / t1:6.1f} pages/s  CPU {cpu1:6.2f} s")
    print(f"  --jobs 2: {t2:6.2f} s  {count / t2:6.1f} pages/s  CPU {cpu2:6.2f} s")
    print(f"  speed-up {ratio:.2f}x (median of {repeat} pairs)  ({verdict} the target >= {target})")
    # Load-independent: what parallelism costs in CPU, and how many cores the run got.
    print(f"  CPU --jobs 2 / --jobs 1: {cpu2 / cpu1:.2f};  cores kept busy by --jobs 2: {cpu2 / t2:.2f} of 2")


def copy_articles(corpus: Path, target: Path) -> int:
    """The corpus's article pages (not its failure pages: a verification page stops a
    run, as it should) with their companion files, in a writable copy (the corpus is
    read-only, and so would a copy's folders be). Returns how many pages."""
    entries = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    pages = [corpus / e["file"] for e in entries if "error-page" not in e.get("features", [])]
    for page in pages:
        parts = page.relative_to(corpus / "pages").parts
        source = corpus / "pages" / parts[0]  # a page, or the folder holding it and its _files
        for path in [source, *sorted(source.rglob("*"))] if source.is_dir() else [source]:
            dest = target / path.relative_to(corpus / "pages")
            if path.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)
    return len(pages)


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pages", type=int, default=200, help="generated pages for the speed-up")
    parser.add_argument("--memory", default="250,1000", help="two page counts for the memory comparison")
    parser.add_argument("--repeat", type=int, default=3, help="pairs of --jobs 1 / --jobs 2 runs")
    args = parser.parse_args()
    small_n, large_n = (int(n) for n in args.memory.split(","))
    print(f"load average at start: {load()} (2 cores shared: the ratios cancel much of it)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generated = root / "generated"
        generate(generated, args.pages)
        size = sum(p.stat().st_size for p in generated.iterdir()) / 1e6
        speed_up(generated, root / "site", args.pages, args.repeat, 1.9, f"generated ({size:.1f} MB)")
        real = root / "real"
        count = copy_articles(args.corpus, real)
        speed_up(real, root / "site", count, args.repeat, 1.6, "real saved pages (the corpus's articles)")
        peaks = []
        for n in (small_n, large_n):
            folder = root / f"memory-{n}"
            generate(folder, n)
            _, peak, _ = convert(folder, root / "site", 2)
            peaks.append(peak)
            shutil.rmtree(folder)
        ratio = peaks[1] / peaks[0]
        verdict = "meets" if ratio <= 1.2 else "MISSES"
        print(
            f"peak memory, --jobs 2: {small_n} pages {peaks[0] / 2**20:.1f} MiB, "
            f"{large_n} pages {peaks[1] / 2**20:.1f} MiB, ratio {ratio:.2f}  ({verdict} the target <= 1.2)"
        )
    print(f"load average at end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
