"""Per-page conversion time over the corpus, beside html2text and markdownify alone.

    python benchmarks/convert.py [CORPUS_DIR] [--repeat N]

For every article page: wx2post's whole in-memory conversion (read, decode,
parse, clean, render, post; images kept remote) against html2text and markdownify given only the page's
article body. Prints a row per page, the medians and the ratios.
Target (issue 2): median wx2post time <= 2.5x html2text's on the body.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import html2text
import lxml.html
from markdownify import markdownify

from wx2post.errors import WxError
from wx2post.models import Options
from wx2post.pipeline import draft_page, finish_post
from wx2post.sources import read_page

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def body_html(html: str) -> str | None:
    doc = lxml.html.document_fromstring(html)
    body = doc.get_element_by_id("js_content", None)
    return lxml.html.tostring(body, encoding="unicode") if body is not None else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    entries = json.loads((args.corpus / "manifest.json").read_text(encoding="utf-8"))
    options = Options()
    rows = []
    print(f"{'page':40} {'KB':>6} {'wx2post':>9} {'html2text':>10} {'markdownify':>12} {'ratio':>6}")
    for entry in entries:
        path = args.corpus / entry["file"]
        page = read_page(path)
        body = body_html(page.html)
        if body is None:
            continue
        try:
            finish_post(draft_page(page), options)
        except WxError:
            continue  # failure pages are not conversions

        def h2t(body: str = body) -> str:
            h = html2text.HTML2Text()
            h.body_width = 0
            return h.handle(body)

        def wx(path: Path = path) -> object:
            return finish_post(draft_page(read_page(path)), options)

        t_wx = best_of(wx, args.repeat)
        t_h2t = best_of(h2t, args.repeat)
        t_md = best_of(lambda body=body: markdownify(body), args.repeat)
        rows.append((t_wx, t_h2t, t_md))
        size = path.stat().st_size // 1024
        print(
            f"{entry['file'][6:46]:40} {size:6d} {t_wx * 1e3:8.1f}ms {t_h2t * 1e3:9.1f}ms "
            f"{t_md * 1e3:11.1f}ms {t_wx / t_h2t:6.2f}"
        )
    if not rows:
        print("no article pages found", file=sys.stderr)
        return 1
    m_wx, m_h2t, m_md = (statistics.median(col) for col in zip(*rows, strict=True))
    print(f"\npages: {len(rows)}")
    print(
        f"median wx2post {m_wx * 1e3:.1f} ms, html2text {m_h2t * 1e3:.1f} ms, markdownify {m_md * 1e3:.1f} ms"
    )
    print(f"ratio wx2post/html2text (medians): {m_wx / m_h2t:.2f}  (target <= 2.5)")
    print(f"median of per-page ratios wx2post/html2text: {statistics.median(r[0] / r[1] for r in rows):.2f}")
    print(f"ratio wx2post/markdownify (medians): {m_wx / m_md:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
