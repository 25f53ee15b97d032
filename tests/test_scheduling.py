"""How `--jobs` shares the work: with two saved pages or more every page is drafted by
the worker processes, in chunks, from the start of the run; one page alone is drafted
in the main process without starting any worker."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import wx2post.runner as runner_module
import wx2post.runner.pool as pool_module
from wx2post.cli import main
from wx2post.errors import ExitStatus

from .pages import raw_page


class Spy:
    """What the main process does: the chunks it hands to workers, the pages it drafts
    itself, and when results are reported, in order."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[str, Any]] = []
        self.pools: list[int] = []
        real_submit = ProcessPoolExecutor.submit
        real_init = ProcessPoolExecutor.__init__
        real_draft = pool_module.draft_file
        spy = self

        def init(pool: ProcessPoolExecutor, *args: Any, **kw: Any) -> None:
            spy.pools.append(kw.get("max_workers") or args[0])
            real_init(pool, *args, **kw)

        def submit(pool: ProcessPoolExecutor, fn: Any, *args: Any, **kw: Any) -> Any:
            spy.events.append(("chunk", list(args[0])))
            return real_submit(pool, fn, *args, **kw)

        def draft_file(path: Path) -> Any:
            # Runs wherever drafting happens; only the main process's list is seen here
            # (a forked worker appends to its own copy, a spawned one has no spy at all).
            spy.events.append(("drafted here", str(path)))
            return real_draft(path)

        monkeypatch.setattr(ProcessPoolExecutor, "__init__", init)
        monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
        monkeypatch.setattr(pool_module, "draft_file", draft_file)

    def of(self, kind: str) -> list[Any]:
        return [value for k, value in self.events if k == kind]


def convert(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(main, ["convert", *args, "--json"])
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.exit_code, records, result.stderr


def pages(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    return [raw_page(folder, n, body=f"<p>第{n}篇。</p>" * 50) for n in range(1, count + 1)]


@pytest.mark.parametrize("count", [2, 3, 11])
def test_jobs_2_drafts_every_page_in_the_workers_in_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    spy = Spy(monkeypatch)
    files = pages(tmp_path / "pages", count)
    code, records, err = convert(*map(str, files), "-o", str(tmp_path / "site"), "--jobs", "2")
    assert code == ExitStatus.OK, err
    assert [r["status"] for r in records] == ["converted"] * count
    assert [Path(r["source"]).name for r in records] == [f.name for f in files]  # input order kept
    assert spy.of("drafted here") == []  # the main process only finishes, writes and records
    assert spy.pools == [2]
    chunks = spy.of("chunk")
    assert sorted(p for chunk in chunks for p in chunk) == sorted(map(str, files))  # each page once
    assert all(1 <= len(chunk) <= pool_module.CHUNK_PAGES for chunk in chunks)
    assert len(chunks) == -(-count // pool_module.CHUNK_PAGES)  # full chunks, one partial at most


def test_workers_get_work_before_the_first_page_is_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    reported: list[int] = []
    real_record = runner_module.Runner._record

    def record(self: runner_module.Runner, result: runner_module.Result) -> None:
        reported.append(len(spy.of("chunk")))  # chunks handed out when this result came
        real_record(self, result)

    monkeypatch.setattr(runner_module.Runner, "_record", record)
    files = pages(tmp_path / "pages", 20)
    code, records, err = convert(str(tmp_path / "pages"), "-o", str(tmp_path / "site"), "--jobs", "2")
    assert code == ExitStatus.OK, err
    assert len(records) == 20
    # Both workers had a chunk (and the next ones were queued) before anything was written.
    assert reported[0] >= 2
    assert len(spy.of("chunk")) == len(files) // pool_module.CHUNK_PAGES


def test_the_last_partial_chunk_goes_out_when_the_input_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    reported: list[int] = []
    real_record = runner_module.Runner._record

    def record(self: runner_module.Runner, result: runner_module.Result) -> None:
        reported.append(len(spy.of("chunk")))
        real_record(self, result)

    monkeypatch.setattr(runner_module.Runner, "_record", record)
    pages(tmp_path / "pages", 5)
    code, records, err = convert(str(tmp_path / "pages"), "-o", str(tmp_path / "site"), "--jobs", "2")
    assert code == ExitStatus.OK, err
    assert len(records) == 5
    assert [len(chunk) for chunk in spy.of("chunk")] == [2, 2, 1]
    assert reported[0] == 3  # every chunk, the odd page's too, handed out before the first post


def test_one_page_is_drafted_here_without_starting_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    [page] = pages(tmp_path / "pages", 1)
    code, records, err = convert(str(page), "-o", str(tmp_path / "site"), "--jobs", "2")
    assert code == ExitStatus.OK, err
    assert [r["status"] for r in records] == ["converted"]
    assert spy.pools == []
    assert spy.of("drafted here") == [str(page)]


def test_a_failing_page_does_not_take_its_chunk_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    folder = tmp_path / "pages"
    files = pages(folder, 4)
    broken = folder / "0002-broken.html"
    broken.write_text("<html><body><p>not a WeChat page</p></body></html>", encoding="utf-8")
    inputs = [files[0], broken, files[1], files[2], files[3]]
    code, records, err = convert(*map(str, inputs), "-o", str(tmp_path / "site"), "--jobs", "2")
    assert code == ExitStatus.PARTIAL, err
    assert [r["status"] for r in records] == ["converted", "failed", "converted", "converted", "converted"]
    assert records[1]["kind"] and "WeChat" in records[1]["reason"]
    assert [str(files[0]), str(broken)] in spy.of("chunk")  # drafted by one worker, in one task
    assert len(list((tmp_path / "site" / "_posts").iterdir())) == 4


def test_jobs_1_starts_no_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    files = pages(tmp_path / "pages", 3)
    code, records, err = convert(str(tmp_path / "pages"), "-o", str(tmp_path / "site"), "--jobs", "1")
    assert code == ExitStatus.OK, err
    assert spy.pools == []
    assert sorted(spy.of("drafted here")) == sorted(map(str, files))
