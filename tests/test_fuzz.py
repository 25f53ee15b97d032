"""Seeded fuzz: a few hundred mutated pages through the CLI, zero tracebacks, zero internal errors.

The pages are this repository's own fixtures and, when it is there, the shared
corpus (read at test time, mutated in a temporary folder, never copied into the
repository). Each mutated page is named after its seed; the failure message lists
the mutations, so `tests.mutate.mutate(page, seed)` rebuilds it.
`WX2POST_FUZZ_SEED` picks another run of mutations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from wx2post.cli import main
from wx2post.errors import ExitStatus

from .mutate import mutate
from .pages import article_html, image_url
from .test_corpus import CORPUS, ENTRIES

SEED = os.environ.get("WX2POST_FUZZ_SEED", "wx2post-fuzz-1")
CASES = Path(__file__).parent / "cases"
# Only these end a batch of saved pages: a verification would stop it (status 4).
EXIT_STATUSES = {ExitStatus.OK, ExitStatus.PARTIAL, ExitStatus.FAILED}
OWN_COPIES = 25
CORPUS_COPIES = 3


def _own_pages() -> dict[str, bytes]:
    pages = {
        case.name: (case / "input.html").read_bytes()
        for case in sorted(CASES.iterdir())
        if (case / "input.html").is_file() and case.name != "verification"
    }
    pages["images"] = article_html(1, images=(image_url(1), image_url(2))).encode()
    code = "<pre class='code-snippet__js code-snippet__python'><code>a = 1</code><code>b &lt; 2</code></pre>"
    pages["code"] = article_html(2, body=code).encode()
    pages["embeds"] = article_html(
        3,
        body="<mpvoice name='早安' voice_encode_fileid='abc'></mpvoice><iframe class='video_iframe' "
        "data-src='https://v.qq.com/iframe/preview.html?vid=x123'></iframe><p><span data-formula='a^2'>"
        "<img src='x.svg'></span></p><table><tr><td>1</td><td>2</td></tr></table>",
    ).encode()
    pages["exporter"] = article_html(4, images=(image_url(4),), scripts=False).encode()
    return pages


def _corpus_pages() -> dict[str, bytes]:
    pages = {}
    for entry in ENTRIES:
        if "anti-bot-verification" in entry["features"]:
            continue
        path = CORPUS / entry["file"]
        if path.is_dir():
            path = next(p for p in sorted(path.iterdir()) if p.suffix == ".html")
        pages[f"corpus-{entry['file'][6:8]}"] = path.read_bytes()
    return pages


@pytest.fixture(scope="module")
def mutated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    """The folder of mutated pages and, for each file name, what was done to it."""
    folder = tmp_path_factory.mktemp("fuzz")
    done: dict[str, list[str]] = {}
    sources = [(name, page, OWN_COPIES) for name, page in _own_pages().items()]
    sources += [(name, page, CORPUS_COPIES) for name, page in _corpus_pages().items()]
    for name, page, copies in sources:
        suffix = ".mhtml" if page.lstrip()[:12].lower().startswith((b"from:", b"mime-version")) else ".html"
        for k in range(copies):
            seed = f"{SEED}-{name}-{k}"
            data, what = mutate(page, seed)
            file = f"{name}-{k:02d}{suffix}"
            (folder / file).write_bytes(data)
            done[file] = [seed, *what]
    return folder, done


def test_there_are_a_few_hundred_pages(mutated: tuple[Path, dict[str, list[str]]]) -> None:
    folder, done = mutated
    assert len(done) >= 200
    if os.environ.get("CI"):
        assert any(name.startswith("corpus-") for name in done), "the corpus pages must be fuzzed under CI"


def test_mutated_pages_never_crash_a_batch(
    mutated: tuple[Path, dict[str, list[str]]], tmp_path: Path
) -> None:
    folder, done = mutated
    args = ["-o", str(tmp_path / "site"), "--images", "remote", "--json", "--jobs", "1"]
    result = CliRunner().invoke(main, ["convert", str(folder), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in EXIT_STATUSES, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr, result.stderr[-2000:]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(done)
    for record in records:
        what = done[Path(record["source"]).name]
        assert record["kind"] != "internal-error", (record["reason"], what)
        assert record["status"] in ("converted", "unchanged", "skipped", "failed"), what
        if record["status"] == "failed":
            assert record["reason"] and "\n" not in record["reason"], (record, what)
        elif record["post"]:
            post = Path(record["post"]).read_text(encoding="utf-8")
            assert post.startswith("---\n") and "\x00" not in post and "\x1b" not in post, what


def test_mutated_pages_print_clean_posts(mutated: tuple[Path, dict[str, list[str]]]) -> None:
    folder, done = mutated
    pages = sorted(str(folder / name) for name in done)[::7]
    result = CliRunner().invoke(main, ["convert", *pages, "--stdout", "--jobs", "1"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in EXIT_STATUSES, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr, result.stderr[-2000:]
    assert "\x1b" not in result.stdout + result.stderr
