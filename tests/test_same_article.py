"""The same article saved twice is one post: a copy without its link (another tool's export) is
matched to the article the site or the run already has by account, title and date."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from wx2post.cli import main
from wx2post.errors import ExitStatus

from .pages import CT, article_html, article_url


def linkless_copy(n: int, *, account: str = "测试号", title: str | None = None, date: str = "") -> str:
    """An export of article `n`: no script, no link, maybe no date; the text re-serialised."""
    title = title if title is not None else f"第{n}篇文章"
    return (
        "<html><head><meta charset='utf-8'></head><body>"
        f"<h1 id='activity-name'>\n  {title}\n</h1><a id='js_name'> {account} </a>"
        f"<em id='publish_time'>{date}</em>"
        f"<div id='js_content'><p>第{n}篇的正文，<strong>加粗</strong>的字。</p></div></body></html>"
    )


def run(*args: str) -> tuple[int, list[dict], str]:
    result = CliRunner().invoke(main, ["convert", *args, "--json"])
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def only_post(site: Path) -> frontmatter.Post:
    found = list((site / "_posts").glob("*.md"))
    assert len(found) == 1, found
    return frontmatter.load(found[0])


def old_mtime(path: Path) -> None:
    os.utime(path, (1_000_000_000, 1_000_000_000))  # 2001: a guessed date far from the real one


def test_raw_page_and_its_export_in_one_folder_are_one_post(tmp_path: Path) -> None:
    pages = tmp_path / "saved"
    pages.mkdir()
    (pages / "a-raw.html").write_text(article_html(1), encoding="utf-8")
    (pages / "b-export.html").write_text(linkless_copy(1), encoding="utf-8")
    old_mtime(pages / "b-export.html")
    site = tmp_path / "site"
    code, records, err = run(str(pages), "-o", str(site))
    assert code == ExitStatus.OK, err
    assert [r["status"] for r in records] == ["converted", "skipped"]
    assert "the same article as " + article_url(1) in records[1]["reason"]
    assert only_post(site)["source"] == article_url(1)
    assert "no publish date" not in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_export_first_then_the_raw_page_takes_its_post_over(tmp_path: Path, jobs: str) -> None:
    site = tmp_path / "site"
    export = tmp_path / "export.html"
    export.write_text(linkless_copy(2), encoding="utf-8")
    old_mtime(export)
    code, _, err = run(str(export), "-o", str(site))
    assert code == ExitStatus.OK and "no publish date" in err
    first = only_post(site)
    assert "source" not in first.metadata or not first["source"]
    raw = tmp_path / "raw.html"
    raw.write_text(article_html(2), encoding="utf-8")
    code, records, err = run(str(raw), str(export), "-o", str(site), "--jobs", jobs)
    assert code == ExitStatus.OK, err
    assert [r["status"] for r in records] == ["converted", "unchanged"]  # the export: seen before
    post = only_post(site)
    assert post["source"] == article_url(2)
    assert str(post["date"]) == "2022-05-03 10:12:00 +0800"
    state = json.loads((site / ".wx2post" / "posts.json").read_text(encoding="utf-8"))
    assert list(state["posts"]) == [article_url(2)]
    code, records, _ = run(str(raw), "-o", str(site))  # and the run after that has nothing to do
    assert [r["status"] for r in records] == ["unchanged"]


def test_the_export_in_a_later_run_is_the_same_article(tmp_path: Path) -> None:
    site = tmp_path / "site"
    raw = tmp_path / "raw.html"
    raw.write_text(article_html(3), encoding="utf-8")
    assert run(str(raw), "-o", str(site))[0] == ExitStatus.OK
    export = tmp_path / "export.html"
    export.write_text(linkless_copy(3, date="2022-05-03 10:12"), encoding="utf-8")
    code, records, _ = run(str(export), "-o", str(site))
    assert code == ExitStatus.OK
    assert records[0]["status"] == "skipped" and records[0]["url"] == article_url(3)
    assert only_post(site)["source"] == article_url(3)


@pytest.mark.parametrize(
    ("account", "title", "date"),
    [
        ("另一个号", None, ""),  # another account's article of the same title
        ("测试号", "第4篇文章（下）", ""),  # another title
        ("测试号", None, "2022-06-01 08:00"),  # the same column title on another day
    ],
)
def test_different_articles_stay_apart(tmp_path: Path, account: str, title: str | None, date: str) -> None:
    pages = tmp_path / "saved"
    pages.mkdir()
    (pages / "a-raw.html").write_text(article_html(4, ct=CT), encoding="utf-8")
    (pages / "b-other.html").write_text(
        linkless_copy(4, account=account, title=title, date=date), encoding="utf-8"
    )
    site = tmp_path / "site"
    code, records, err = run(str(pages), "-o", str(site))
    assert code == ExitStatus.OK, err
    assert [r["status"] for r in records] == ["converted", "converted"]
    assert len(list((site / "_posts").glob("*.md"))) == 2


_WORDS = st.text(alphabet=st.characters(whitelist_categories=("Lo", "Nd", "Lu")), min_size=1, max_size=12)


def _reserialised(text: str, cuts: list[int]) -> str:
    """The text as an exporter may write it: white space between characters, half-width forms
    made full-width (NFKC folds them back)."""
    out = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
    for cut in sorted(set(cuts), reverse=True):
        out = out[: cut % (len(out) + 1)] + "\n  " + out[cut % (len(out) + 1) :]
    return out


@given(title=_WORDS, account=_WORDS, cuts=st.lists(st.integers(0, 40), max_size=4), other=_WORDS)
def test_a_copy_is_matched_whatever_its_white_space_and_only_then(
    title: str, account: str, cuts: list[int], other: str
) -> None:
    from datetime import datetime

    from wx2post.models import BEIJING, Article
    from wx2post.sameness import KnownArticles

    known = KnownArticles(Path("/nonexistent"), {})
    raw = Article(
        title=title, account_name=account, url=article_url(9), published=datetime(2022, 5, 3, tzinfo=BEIJING)
    )
    known.add(raw, raw.identity)
    copy = Article(title=_reserialised(title, cuts), account_name=_reserialised(account, cuts[:1]))
    copy.published, copy.date_guessed = datetime(2030, 1, 1, tzinfo=BEIJING), True
    match = known.match(copy)
    assert match is not None and match.identity == article_url(9)
    if unicodedata.normalize("NFKC", other).lower() != unicodedata.normalize("NFKC", title).lower():
        assert known.match(Article(title=other, account_name=account)) is None
    later = Article(title=title, account_name=account, published=datetime(2022, 6, 1, tzinfo=BEIJING))
    assert known.match(later) is None  # the same column title on another day is another article
