"""Which main-content extractor finds the article in a page that lost WeChat's template?

    python benchmarks/extractors.py [CORPUS_DIR]

Every article page of the corpus is stripped in memory as some savers leave it (no id, no
class, no script or style), then given whole to each extractor installed (trafilatura, in
its default and its favor_recall mode; readability-lxml) and to wx2post's own shape finder
(wx2post.structure.find_by_structure). For each it prints, page by page, the share of the
original `#js_content` text found (recall) and the characters found that are not in the
body (chrome dragged in), then the totals and the time. The extractor wx2post uses as its
last resort is the one with the best recall here (measured on the shared corpus, 18 pages:
trafilatura 95.2% with 577 stray characters, readability-lxml 59.0% with 312; the shape
finder, tried first, 100% with 457); readability-lxml is not a dependency: install it to compare.
"""

from __future__ import annotations

import email
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wx2post.structure import find_by_structure  # noqa: E402

SPACE = re.compile(r"[\s\u200b\ufeff\u00a0\u3000]+")


def page_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if path.suffix == ".mhtml":
        msg = email.message_from_bytes(raw)
        return next(p.get_payload(decode=True) for p in msg.walk() if p.get_content_type() == "text/html")
    return raw


def stripped(raw: bytes) -> str:
    doc = lxml.html.document_fromstring(raw)
    for el in doc.xpath("//script|//style|//noscript"):
        el.drop_tree()
    for el in doc.iter():
        if isinstance(el.tag, str):
            el.attrib.pop("id", None)
            el.attrib.pop("class", None)
    return lxml.html.tostring(doc, encoding="unicode")


def extractors() -> dict[str, Callable[[str], str]]:
    found: dict[str, Callable[[str], str]] = {}

    def shape(html: str) -> str:
        result = find_by_structure(lxml.html.document_fromstring(html))
        return lxml.html.tostring(result.body, encoding="unicode") if result else ""

    found["wx2post shape finder"] = shape
    try:
        import trafilatura

        def traf(html: str, recall: bool = False) -> str:
            out = trafilatura.extract(
                html, output_format="html", include_images=True, include_tables=True, favor_recall=recall
            )
            return out or ""

        found["trafilatura"] = traf
        found["trafilatura favor_recall"] = lambda html: traf(html, True)
    except ImportError:
        print("trafilatura: not installed")
    try:
        from readability import Document

        found["readability-lxml"] = lambda html: Document(html).summary(html_partial=True)
    except ImportError:
        print("readability-lxml: not installed (pip install readability-lxml)")
    return found


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus"
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    tools = extractors()
    totals = {name: [0, 0, 0, 0.0] for name in tools}  # found, total, stray, seconds
    for entry in manifest:
        if "error-page" in entry["features"]:
            continue
        raw = page_bytes(corpus / entry["file"])
        bodies = lxml.html.document_fromstring(raw).xpath("//div[@id='js_content']")
        if not bodies:
            continue
        for el in bodies[0].xpath(".//script|.//style"):
            el.drop_tree()
        segments = [s for s in (SPACE.sub("", t) for t in bodies[0].itertext()) if s]
        total = sum(map(len, segments))
        page = stripped(raw)
        row = [f"{entry['file'][6:36]:30}"]
        for name, extract in tools.items():
            start = time.perf_counter()
            out = extract(page)
            seconds = time.perf_counter() - start
            text = SPACE.sub("", lxml.html.fromstring(out).text_content()) if out.strip() else ""
            found = sum(len(s) for s in segments if s in text)
            stray = max(0, len(text) - found)
            for i, value in enumerate((found, total, stray, seconds)):
                totals[name][i] += value
            row.append(f"{name[:12]} {found / total if total else 1:5.2f} +{stray}")
        print(" | ".join(row))
    print()
    for name, (found, total, stray, seconds) in totals.items():
        print(f"{name:26} recall {found / total:.3f}  stray chars {stray:5}  {seconds:.1f}s")


if __name__ == "__main__":
    main()
