"""Per-page conversion time over the corpus, beside html2text, markdownify and lxml.

    python benchmarks/convert.py [CORPUS_DIR] [--repeat N]

For every article page (one whose `#js_content.rich_media_content` is the
article body): wx2post's whole in-memory conversion (read, decode, parse, clean,
render, post; images kept remote) against html2text and markdownify given only
that body, and against lxml parsing the whole page (its UTF-8 bytes: lxml's
fastest input), the least any converter of the page has to do. Prints a row per
page, the medians and the ratios.
Targets (issue 13): median wx2post time <= 1.5x html2text's on the body, and
<= 3x lxml's parse of the whole page.

Picture, text and share posts have no such body (their text is in script data
or a repost card): they are timed and listed apart, without a ratio. Failure
pages are refused, not converted: they are only named.

Each time is the best of N runs (--repeat), the tools taking turns so that a busy
machine slows them alike, and is this process's CPU time (every tool runs in this
one thread, so on an idle machine it is the wall time; on a shared one it leaves
out the time spent waiting for a core).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import html2text
import lxml.html
from markdownify import markdownify

from wx2post.errors import WxError
from wx2post.models import Options
from wx2post.pipeline import draft_page, finish_post
from wx2post.sources import read_page

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
TARGET_HTML2TEXT = 1.5
TARGET_LXML = 3.0


@dataclass
class Row:
    name: str
    kb: int
    times: dict[str, float]  # tool -> best seconds

    @property
    def ratio(self) -> float:
        return self.times["wx2post"] / self.times["html2text"]

    @property
    def lxml_ratio(self) -> float:
        return self.times["wx2post"] / self.times["lxml"]


def article_body(path: Path) -> str | None:
    """The page's own article body, `#js_content.rich_media_content`, as HTML."""
    doc = lxml.html.document_fromstring(read_page(path).html)
    body = doc.get_element_by_id("js_content", None)
    if body is None or "rich_media_content" not in (body.get("class") or "").split():
        return None
    return lxml.html.tostring(body, encoding="unicode")


def best_times(tools: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Best of `repeat` runs of each tool, the tools taking turns."""
    best = dict.fromkeys(tools, float("inf"))
    for _ in range(repeat):
        for name, fn in tools.items():
            gc.collect()
            start = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - start)
    return best


def load() -> str:
    """The machine's 1-minute load average (it is shared: ratios cancel much of it)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


def html2text_alone(body: str) -> str:
    h = html2text.HTML2Text()
    h.body_width = 0
    return h.handle(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=7, help="runs per tool and page; the best counts")
    args = parser.parse_args()
    entries = json.loads((args.corpus / "manifest.json").read_text(encoding="utf-8"))
    options = Options()
    rows: list[Row] = []
    no_body: list[Row] = []
    refused: list[str] = []

    print(
        f"{'page':40} {'KB':>6} {'wx2post':>9} {'html2text':>10} {'markdownify':>12} {'lxml':>8}"
        f" {'/h2t':>6} {'/lxml':>6}"
    )
    for entry in entries:
        path = args.corpus / entry["file"]
        name = entry["file"].removeprefix("pages/")[:40]

        def wx(path: Path = path) -> object:
            return finish_post(draft_page(read_page(path)), options)

        try:
            wx()
        except WxError as exc:
            refused.append(f"{name} ({type(exc).__name__})")
            continue
        kb = path.stat().st_size // 1024
        body = article_body(path)
        whole = read_page(path).html.encode("utf-8")
        if body is None:
            no_body.append(Row(name, kb, best_times({"wx2post": wx}, args.repeat)))
            continue
        tools: dict[str, Callable[[], object]] = {
            "wx2post": wx,
            "html2text": lambda body=body: html2text_alone(body),
            "markdownify": lambda body=body: markdownify(body),
            "lxml": lambda whole=whole: lxml.html.document_fromstring(whole),
        }
        row = Row(name, kb, best_times(tools, args.repeat))
        rows.append(row)
        t = row.times
        print(
            f"{name:40} {kb:6d} {t['wx2post'] * 1e3:7.1f}ms {t['html2text'] * 1e3:8.1f}ms "
            f"{t['markdownify'] * 1e3:10.1f}ms {t['lxml'] * 1e3:6.1f}ms "
            f"{row.ratio:6.2f} {row.lxml_ratio:6.2f}"
        )
    if not rows:
        print("no article pages found", file=sys.stderr)
        return 1

    medians = {tool: statistics.median(r.times[tool] for r in rows) for tool in rows[0].times}
    print(f"\narticle pages: {len(rows)} (best of {args.repeat} runs each); load average {load()}")
    print("median time per page: " + ", ".join(f"{tool} {t * 1e3:.1f} ms" for tool, t in medians.items()))
    for tool, target, per_page in (
        ("html2text", TARGET_HTML2TEXT, [r.ratio for r in rows]),
        ("lxml", TARGET_LXML, [r.lxml_ratio for r in rows]),
    ):
        ratio = medians["wx2post"] / medians[tool]
        verdict = "meets" if ratio <= target else "MISSES"
        print(f"ratio of medians wx2post/{tool}: {ratio:.2f}  ({verdict} the target <= {target})")
        print(f"  median of per-page ratios wx2post/{tool}: {statistics.median(per_page):.2f}")
    print(f"ratio of medians wx2post/markdownify: {medians['wx2post'] / medians['markdownify']:.2f}")
    if no_body:
        print("\nno #js_content.rich_media_content body (picture/text/share posts), wx2post alone:")
        for row in no_body:
            print(f"  {row.name:40} {row.kb:6d} {row.times['wx2post'] * 1e3:7.1f}ms")
    if refused:
        print("\nrefused (failure pages, not timed): " + ", ".join(refused))
    return 0


if __name__ == "__main__":
    sys.exit(main())
