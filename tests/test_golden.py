"""Golden cases: every folder in tests/cases/ is a page and what it must become.

- `input.html`: a page written for the test (bytes: GBK pages and stray crawler
  output before `<!DOCTYPE>` are part of what is tested);
- `expected.md`: the article's metadata, a `---` line, then the Markdown body;
  or `error: <exception class> <kind>` for a page that must be refused;
- `options.json` (optional): `{"origin": "name shown in messages",
  "images": "url" | "index"}` (`index` writes `img-<n>` instead of the URL).

Run `pytest --update-golden` (or set WX2POST_UPDATE_GOLDEN=1) to rewrite the
expected files, then read the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from wx2post.clean import clean_body
from wx2post.errors import FailurePage, WxError
from wx2post.models import Article
from wx2post.parse import parse_page
from wx2post.render import render_markdown
from wx2post.sources import decode_page

CASES = Path(__file__).parent / "cases"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "input.html").is_file())
OPTIONS = {"origin", "images"}


def load_options(case: Path) -> dict[str, Any]:
    path = case / "options.json"
    options: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    unknown = set(options) - OPTIONS
    assert not unknown, f"{path}: unknown options {sorted(unknown)}"
    return options


def convert(case: Path) -> str:
    """The case's page as the text `expected.md` holds."""
    options = load_options(case)
    origin = options.get("origin", "input.html")
    try:
        html = decode_page((case / "input.html").read_bytes(), origin)
        article = clean_body(parse_page(html, origin))
    except WxError as exc:
        kind = f" {exc.kind}" if isinstance(exc, FailurePage) else ""
        return f"error: {type(exc).__name__}{kind}\n"
    if options.get("images", "url") == "index":
        body = render_markdown(article.content, lambda i: (f"img-{i}", article.images[i].alt))
    else:
        body = render_markdown(article.content, lambda i: (article.images[i].url, article.images[i].alt))
    return metadata(article) + "---\n" + body


def metadata(article: Article) -> str:
    fields = {
        "title": article.title,
        "published": article.published.isoformat() if article.published else "",
        "author": article.author,
        "account": article.account_name,
        "account_id": article.account_id,
        "alias": article.account_alias,
        "url": article.url,
        "source_url": article.source_url,
        "cover": article.cover_url,
        "summary": article.summary,
        "original": "" if article.original is None else str(article.original).lower(),
        "kind": article.kind,
    }
    if article.shared is not None:
        fields["shared"] = f"{article.shared.account}《{article.shared.title}》 {article.shared.url}"
    lines = [f"{key}: {value}" for key, value in fields.items() if value]
    lines += [f"image: {img.url}" + (f" (local {img.local})" if img.local else "") for img in article.images]
    return "\n".join(lines) + "\n"


def test_there_are_cases() -> None:
    assert len(CASE_NAMES) >= 4


@pytest.mark.parametrize("name", CASE_NAMES)
def test_golden(name: str, request: pytest.FixtureRequest) -> None:
    case = CASES / name
    actual = convert(case)
    expected_path = case / "expected.md"
    update = (
        request.config.getoption("--update-golden", default=False)
        or os.environ.get("WX2POST_UPDATE_GOLDEN") == "1"
    )
    if update:
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.is_file(), f"{expected_path} missing: run pytest --update-golden"
    assert actual == expected_path.read_text(encoding="utf-8")
